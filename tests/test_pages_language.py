"""Every staff page in one language only: no codes in the Chinese UI, no Chinese enumerations in the English one.

The walk opens each staff page as an administrator (every page visible), collects what a reader sees —
texts, metrics, table headers and cells, options, chart titles and tooltips, the headers of every file
offered for download — and fails on an identifier-like code (`not_a_number`, `seed_sample`,
`monitoring_due_day`) in Chinese, and on a stored Chinese enumeration value (问题类别, 资金来源, 指标层级,
偏差原因类别) in English.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Callable, Iterator

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from data_access.enums import DEVIATION_CATEGORIES, FINDING_CATEGORIES, LEVEL1, LEVEL2
from data_access.settings import SETTINGS
from tests.apptest import Files, capture_downloads, nodes, signed_in

SNAKE = re.compile(r"(?<![A-Za-z0-9_.-])[a-z]+(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
CJK = re.compile(r"[\u4e00-\u9fff]")
CHINESE_TERMS = {*FINDING_CATEGORIES, *SETTINGS.fund_sources, *LEVEL1, *(v for vs in LEVEL2.values() for v in vs),
                 *DEVIATION_CATEGORIES}


def _chart_texts(spec: dict) -> Iterator[str]:  # type: ignore[type-arg]
    """Titles a chart draws and the names its tooltips show (a field without a title shows its name)."""
    def walk(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "title" and isinstance(v, str):
                    yield v
                elif k == "tooltip":
                    for tip in v if isinstance(v, list) else [v]:
                        if isinstance(tip, dict) and "field" in tip and "title" not in tip:
                            yield f"untitled tooltip: {tip['field']}"
                yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)

    yield from walk(spec)


def seen(at: AppTest) -> tuple[list[str], list[str]]:
    """(texts, table cells and options): everything the page shows."""
    texts: list[str] = []
    cells: list[str] = []
    for node in nodes(at):
        for attr in ("label", "body", "delta", "placeholder"):
            value = getattr(getattr(node, "proto", None), attr, None) if attr == "body" else getattr(node, attr, None)
            if isinstance(value, str):
                texts.append(value)
        try:
            value = getattr(node, "value", None)
        except Exception:  # noqa: BLE001 - a widget without a value yet
            value = None
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, pd.DataFrame):
            texts.extend(str(c) for c in value.columns)
            cells.extend(str(v) for col in value.columns for v in value[col].tolist() if isinstance(v, str))
        options = getattr(node, "options", None)
        if isinstance(options, list | tuple):
            cells.extend(str(o) for o in options)
        if getattr(node, "type", "") in ("vega_lite_chart", "arrow_vega_lite_chart"):
            spec = json.loads(node.proto.spec)
            texts.extend(_chart_texts(spec))
    return texts, cells


def download_headers(at: AppTest, files: Files) -> list[str]:
    """Sheet names and header rows of every CSV and workbook the page offers."""
    headers: list[str] = []
    for button in at.get("download_button"):
        if button.proto.url not in files:
            continue
        name, data = files[button.proto.url]
        if name.endswith(".csv"):
            headers.extend(next(csv.reader(io.StringIO(data.decode("utf-8-sig"))), []))
        elif name.endswith(".xlsx"):
            book = load_workbook(io.BytesIO(data), read_only=True)
            for ws in book.worksheets:
                headers.append(ws.title)
                first = next(ws.iter_rows(max_row=1, values_only=True), ())
                headers.extend(str(v) for v in first if v is not None)
    return headers




def _views(*names: str) -> Callable[[AppTest], Iterator[None]]:
    def steps(at: AppTest) -> Iterator[None]:
        yield
        for name in names:
            at.segmented_control(key="rectification_view").set_value(name).run()
            yield

    return steps


def _once(at: AppTest) -> Iterator[None]:
    yield


def _evaluation(at: AppTest) -> Iterator[None]:
    yield
    at.segmented_control(key="evaluation_method").set_value("self").run()
    yield


def _execution(at: AppTest) -> Iterator[None]:
    box = at.selectbox(key="execution_project")
    box.select(next(o for o in box.options if o.startswith("HP2022K001 "))).run()
    yield


def _history(at: AppTest) -> Iterator[None]:
    yield  # the committed update is open: its rows and their earlier values
    at.selectbox(key="history_batch").select_index(1).run()
    yield  # the refused file: its errors, in words


STAFF_PAGES: dict[str, Callable[[AppTest], Iterator[None]]] = {
    "overview": _once, "execution": _execution, "evaluation": _evaluation,
    "rectification": _views("tasks", "handle", "feedback", "notices"), "exante": _once, "indicators": _once,
    "report": _once, "upload": _once, "upload_history": _history, "submissions": _once, "publishing": _once,
    "users": _once, "audit": _once,
}


Seen = tuple[list[str], list[str], list[str]]


def _uploads(url: str) -> None:
    """Two stored batches: a monthly file refused (a cell that is not a number) and one that updates a month."""
    from openpyxl import Workbook

    from data_access.db import make_engine
    from data_access.uploads import import_file

    engine = make_engine(url)
    for name, spent in (("bad.xlsx", "abc"), ("good.xlsx", 1)):
        wb = Workbook()
        ws = wb.active
        for row in (["单位：万元"], ["项目编码", "预算年度", "月份", "累计支出"], ["HP2022K001", 2022, 12, spent]):
            ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        report = import_file(engine, "monitoring", buf.getvalue(), name, user="admin-test", dry_run=False)
        assert [e.code for e in report.errors] == (["not_a_number"] if spent == "abc" else [])
    engine.dispose()


def walk(monkeypatch: pytest.MonkeyPatch, url: str, page: str, lang: str) -> Iterator[Seen]:
    if page in ("upload_history", "submissions"):
        _uploads(url)
    files = capture_downloads(monkeypatch)
    at = signed_in(monkeypatch, url, "admin")
    at.session_state["lang"] = lang
    at.query_params.update({"region": "黄埔区", "year": "2022"})
    at.switch_page(f"../pages/{page}.py").run()
    for _ in STAFF_PAGES[page](at):
        assert not at.exception, at.exception
        texts, cells = seen(at)
        yield texts, cells, download_headers(at, files)


@pytest.mark.slow  # every staff page, in several states
@pytest.mark.parametrize("page", list(STAFF_PAGES))
def test_the_chinese_ui_shows_no_codes(monkeypatch: pytest.MonkeyPatch, seeded_url: str, page: str) -> None:
    for texts, cells, headers in walk(monkeypatch, seeded_url, page, "zh"):
        codes = sorted({m for s in (*texts, *cells, *headers) for m in SNAKE.findall(s)}
                       | {s for s in texts if s.startswith("untitled tooltip")})
        assert codes == [], codes
        english = sorted({h for h in headers if ENGLISH_WORD.search(h)})
        assert english == [], english


@pytest.mark.slow
@pytest.mark.parametrize("page", ["execution", "rectification", "indicators", "overview", "evaluation"])
def test_the_english_ui_shows_no_chinese_enumerations(monkeypatch: pytest.MonkeyPatch, seeded_url: str,
                                                      page: str) -> None:
    for _texts, cells, headers in walk(monkeypatch, seeded_url, page, "en"):
        terms = sorted({c for c in cells if c in CHINESE_TERMS or c.split(" ")[0] in CHINESE_TERMS})
        assert terms == [], terms
        assert not [h for h in headers if h in CHINESE_TERMS]


def test_no_two_navigation_entries_share_an_english_or_chinese_title() -> None:
    from dashboard.app import PAGES
    from dashboard.i18n import catalogue

    for lang_index in (0, 1):
        titles = [catalogue()[title_key][lang_index] for _path, _section, _roles, title_key, _icon in PAGES]
        assert len(set(titles)) == len(titles), sorted(t for t in titles if titles.count(t) > 1)


def test_ex_ante_conclusions_are_listed_with_english_separators(monkeypatch: pytest.MonkeyPatch,
                                                                seeded_url: str) -> None:
    at = signed_in(monkeypatch, seeded_url)
    at.session_state["lang"] = "en"
    at.switch_page("../pages/exante.py").run()
    assert not at.exception
    assert any("supported, partly supported, not supported" in c.value for c in at.caption)
    assert not any("、" in c.value for c in at.caption)


def _switch_language(at, lang: str):  # type: ignore[no-untyped-def]
    """A click on the sidebar's 中文 / English switch, as the browser sends it. The switch sets each chosen
    value again; a widget that is also given a default would make Streamlit log a warning to the server's
    log on every switch, which this fails on."""
    from streamlit.elements.lib import policies as widget_policies

    widget_policies._shown_default_value_warning = False  # noqa: SLF001 - Streamlit warns once per process
    policies = logging.getLogger("streamlit.elements.lib.policies")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    policies.addHandler(handler)
    try:
        at.segmented_control(key="lang_switch").set_value(lang).run()
    finally:
        policies.removeHandler(handler)
    assert not at.exception, at.exception
    assert [r.getMessage() for r in records] == []
    return at


def _told(box) -> str | None:  # type: ignore[no-untyped-def]
    """The label the browser is told to show for a select box: it keeps the label it has unless the run
    sends one (set_value), so a run that changes the labels must send it."""
    return box.proto.raw_value if box.proto.set_value else None


@pytest.mark.parametrize(("page", "key", "value", "zh", "en"), [
    ("indicators", "indicators_level1", "效益指标", "效益指标", "benefit"),
    ("indicators", "indicators_scope", "specific", "个性指标", "department-specific"),
    ("execution", "execution_fund", "政府性基金预算", "政府性基金预算", "government fund budget"),
    ("audit", "audit_action", "seed_sample", None, None),
])
def test_a_chosen_option_stays_chosen_in_the_other_language(monkeypatch: pytest.MonkeyPatch, seeded_url: str,
                                                            page: str, key: str, value: str, zh: str | None,
                                                            en: str | None) -> None:
    """Choose an option in Chinese, switch to English: the same option stays chosen and the browser is told
    to show it in English (else it keeps showing the Chinese label); and back."""
    at = signed_in(monkeypatch, seeded_url, "admin")
    at.switch_page(f"../pages/{page}.py").run()
    at.selectbox(key=key).select(value).run()
    box = at.selectbox(key=key)
    shown_zh = box.options[box.index]
    assert box.value == value and (zh is None or shown_zh == zh)
    _switch_language(at, "en")
    box = at.selectbox(key=key)
    assert box.value == value, (box.value, box.options)
    shown_en = box.options[box.index]
    assert shown_en != shown_zh and not CJK.search(shown_en) and (en is None or shown_en.lower() == en)
    assert _told(box) == shown_en
    _switch_language(at, "zh")
    box = at.selectbox(key=key)
    assert box.value == value and box.options[box.index] == shown_zh and _told(box) == shown_zh


def test_every_choice_at_its_default_is_shown_in_the_new_language(monkeypatch: pytest.MonkeyPatch,
                                                                  seeded_url: str) -> None:
    """Not only a chosen option: a filter left at 全部 must read All after the switch."""
    at = signed_in(monkeypatch, seeded_url, "admin")
    at.switch_page("../pages/indicators.py").run()
    _switch_language(at, "en")
    assert _told(at.selectbox(key="indicators_scope")) == "All"
    assert _told(at.selectbox(key="indicators_level1")) == "All"


def test_a_chosen_view_stays_chosen_in_the_other_language(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = signed_in(monkeypatch, seeded_url, "admin")
    at.switch_page("../pages/publishing.py").run()
    at.segmented_control(key="publishing_kind").set_value("ex_ante").run()
    _switch_language(at, "en")
    control = at.segmented_control(key="publishing_kind")
    assert control.value == "ex_ante"
    assert control.proto.set_value and list(control.proto.raw_values) == [control.options[2]]
    assert not CJK.search(control.options[2])


def test_a_portal_filter_stays_chosen_in_the_other_language(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    from tests.apptest import app

    at = app(monkeypatch, seeded_url)
    at.query_params.update({"region": "黄埔区", "year": "2022"})
    at.run()
    at.switch_page("../pages/portal_findings.py").run()
    at.selectbox(key="portal_status").select("in_progress").run()
    _switch_language(at, "en")
    box = at.selectbox(key="portal_status")
    assert box.value == "in_progress" and _told(box) == box.options[box.index] == "in progress"
