"""Every public view is a permalink: the URL carries its filters and opening it shows the same view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
HP = {"region": "黄埔区", "year": "2022"}


def open_link(monkeypatch: pytest.MonkeyPatch, url: str, page: str, params: dict[str, str]) -> AppTest:
    """A visitor opening /page?params in a new browser."""
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    at.run()
    at.switch_page(f"../pages/{page}.py").run()
    assert not at.exception
    return at


def _table(at: AppTest) -> pd.DataFrame:
    """The page's table as the reader sees it (the grid on screen, the HTML table of every row in the print
    view): a linked name (department, subject) as its name."""
    from urllib.parse import parse_qs, urlsplit

    def shown(value: object) -> object:
        if isinstance(value, str) and value.startswith("portal_") and "?" in value:
            query = parse_qs(urlsplit(value).query)
            return (query.get("dept") or query.get("project") or [value])[0]
        return value

    return at.dataframe[0].value.map(shown) if at.dataframe else at.table[0].value


VIEWS: list[tuple[str, dict[str, str], Callable[[AppTest], None]]] = [
    ("portal_evaluations", {"region": "荔湾区", "year": "2020", "annex": "3", "grade": "excellent"},
     lambda at: (len(_table(at)) == 2 and set(_table(at)["等级"]) == {"优"}) or pytest.fail("annex 3, 优")),
    ("portal_evaluations", {**HP, "annex": "2", "dept": "区民政局"},
     lambda at: (set(_table(at)["预算单位"]) == {"区民政局"} and set(_table(at)["评价方式"]) == {"自评复核"})
     or pytest.fail("annex 2 of one department")),
    ("portal_evaluations", {**HP, "q": "孵化器"},
     lambda at: (len(_table(at)) and all("孵化器" in s for s in _table(at)["评价对象"])) or pytest.fail("search")),
    ("portal_findings", {**HP, "status": "rectified", "dept": "区住房城乡建设局"},
     lambda at: (set(_table(at)["整改状态"]) == {"已整改"} and set(_table(at)["预算单位"]) == {"区住房城乡建设局"})
     or pytest.fail("findings of one department, rectified")),
    ("portal_exante", {**HP, "conclusion": "partial", "dept": "区交通运输局"},
     lambda at: (set(_table(at)["评估结论"]) == {"部分支持"} and set(_table(at)["预算单位"]) == {"区交通运输局"})
     or pytest.fail("ex-ante of one department, partly supported")),
    ("portal_changes", {**HP, "since": "2023-12-01"},
     lambda at: (len(_table(at)) and min(_table(at)["日期"]) >= dt.date(2023, 12, 1)) or pytest.fail("since")),
    ("portal_home", {"region": "荔湾区", "year": "2020", "lang": "en"},
     lambda at: at.title[0].value == "Public disclosure" or pytest.fail("English")),
    ("portal_findings", {**HP, "print": "1"},
     lambda at: (at.toggle(key="portal_print").value
                 and any("Print" in c.value or "打印" in c.value for c in at.caption))
     or pytest.fail("print view")),
]


@pytest.mark.parametrize(("page", "params", "check"), VIEWS, ids=[f"{p}-{'-'.join(q)}" for p, q, _ in VIEWS])
def test_a_link_reopens_the_same_view(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str, page: str, params: dict[str, str],
    check: Callable[[AppTest], None] ) -> None:
    at = open_link(monkeypatch, seeded_url, page, params)
    check(at)
    assert {k: at.query_params[k][0] if isinstance(at.query_params[k], list) else at.query_params[k]
            for k in params} == params  # the address bar still holds the view, ready to share


def test_choosing_a_filter_writes_it_into_the_link(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = open_link(monkeypatch, seeded_url, "portal_exante", HP)
    at.session_state["portal_conclusion"] = "rejected"
    at.run()
    at.session_state["portal_print"] = True
    at.run()
    assert set(_table(at)["评估结论"]) == {"不予支持"}
    params = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert params == {**HP, "conclusion": "rejected", "print": "1"}
    again = open_link(monkeypatch, seeded_url, "portal_exante", params)
    assert _table(again).equals(_table(at))


def test_english_switch_changes_every_label(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    """In English no label is left in Chinese; only names from the records (regions, subjects) are."""
    import re

    cjk = re.compile(r"[\u4e00-\u9fff]")
    home = open_link(monkeypatch, seeded_url, "portal_home", {**HP, "lang": "en"})
    assert [m.label for m in home.metric if cjk.search(m.label)] == []
    assert [c.value for c in home.caption if cjk.search(c.value.replace("黄埔区", ""))] == []
    changes = open_link(monkeypatch, seeded_url, "portal_changes", {**HP, "lang": "en", "since": "2022-01-01"})
    table = _table(changes)
    assert [c for c in table.columns if cjk.search(c)] == []
    published = table[table["Change"] == "Result published"]
    assert set(published["Detail"]) == {"review", "key evaluation"}
    assert {"Finding published", "Ex-ante result published", "Finding rectified"} <= set(table["Change"])
    assert set(table.loc[table["Change"] == "Ex-ante result published", "Detail"]) <= {
        "supported", "partly supported", "not supported"}
