"""Every number in every file equals the number on the screen, for both seed districts, on
SQLite and PostgreSQL.

For each table of each page (public and staff) the test opens what a user downloads — the CSV
with the csv module, the XLSX and the page workbook with openpyxl, the open-data package, the
drafted report's annexes — sums their amount columns and compares the totals with each other,
with `kpis` and with the figure the page shows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.formatting import money
from data_access.money import FEN_PER_WAN, fen_to_wan, yuan_to_fen
from data_access.opendata import open_data_zip
from data_access.queries.kpis import kpis
from data_access.report import write_report
from data_access.settings import SETTINGS
from tests.apptest import Files, app, capture_downloads, download, signed_in

DISTRICTS = [("黄埔区", 2022), ("荔湾区", 2020)]
CENT = Decimal("0.01")
Numbers = list[Decimal | None]


# ---- reading what a user downloads --------------------------------------------------------------
def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def csv_numbers(data: bytes, column: str) -> Numbers:
    return [Decimal(r[column]) if r[column] else None for r in csv_rows(data)]


def sheet_numbers(data: bytes, header: list[str], column: str) -> Numbers:
    """A column of the workbook's sheet whose header row is exactly `header` (a page workbook has several)."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    for ws in book.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if rows and list(rows[0]) == header:
            i = header.index(column)
            # repr of the float Excel stores is the shortest decimal that reads back as it: the exact amount
            return [None if r[i] is None else Decimal(repr(r[i])) for r in rows[1:]]
    raise AssertionError(f"no sheet with the header {header}: {book.sheetnames}")


def total(values: Iterable[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), Decimal(0))


def wan(yuan: int | Decimal) -> Decimal:
    """A kpis amount (yuan) in 万元, exactly."""
    return fen_to_wan(yuan_to_fen(yuan))


def on_screen(text: object) -> Decimal | None:
    """A number as the page shows it: '34,564', '97.55', a float for a bar, '' or '—' for none."""
    if isinstance(text, float | int):
        return Decimal(repr(text))
    text = str(text).replace(",", "")
    return None if text in ("", "—") else Decimal(text)


def table_totals(at: AppTest, files: Files, key: str, columns: list[str], page_key: str | None = None
                 ) -> tuple[int, dict[str, Decimal]]:
    """The table downloaded by `key`: CSV, XLSX, page workbook and screen agree row by row (the screen shows the
    first page of a paged table, the files every row); its row count and totals."""
    csv_data = download(at, files, f"{key}_csv")[1]
    header = next(csv.reader(io.StringIO(csv_data.decode("utf-8-sig"))))
    xlsx_data = download(at, files, f"{key}_xlsx")[1]
    page_data = download(at, files, page_key)[1] if page_key else None
    screen = next(df.value for df in at.dataframe if list(df.value.columns) == header)
    sums = {}
    for column in columns:
        in_csv = csv_numbers(csv_data, column)
        assert sheet_numbers(xlsx_data, header, column) == in_csv, (key, column, "xlsx")
        if page_data is not None:
            assert sheet_numbers(page_data, header, column) == in_csv, (key, column, "page workbook")
        shown = [on_screen(v) for v in screen[column]]
        rounded = [None if v is None else v.quantize(CENT, rounding=ROUND_HALF_UP) for v in in_csv]
        assert shown == rounded[:len(shown)], (key, column, "screen")
        assert len(shown) in (len(rounded), SETTINGS.project_page_rows), (key, column, "a page of rows")
        sums[column] = total(in_csv)
    return len(in_csv), sums


def texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("caption", "markdown") for e in at.get(kind))


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def figures(url: str, region: str, year: int, *, public: bool) -> dict:
    with Session(make_engine(url)) as s:
        return kpis(session=s, year=year, region=region, as_of=dt.date(year, 12, 31), published_only=public)


def open_data(url: str, region: str, year: int) -> dict[str, list[dict[str, str]]]:
    with Session(make_engine(url)) as s:
        zf = zipfile.ZipFile(io.BytesIO(open_data_zip(session=s, region=region, year=year)))
    return {n.removesuffix(".csv"): csv_rows(zf.read(n)) for n in zf.namelist() if n.endswith(".csv")}


def report_annexes(url: str, region: str, year: int, out: Path) -> list[list[dict[str, str]]]:
    """The drafted report's annex tables (附件 1, 附件 2) as rows of header -> cell text."""
    with Session(make_engine(url)) as s:
        assert write_report(session=s, year=year, region=region, out=str(out)) == 0
    annexes = []
    for table in Document(str(out)).tables:
        header = [c.text for c in table.rows[0].cells]
        if "涉及资金（万元）" in header:
            annexes.append([dict(zip(header, (c.text for c in row.cells), strict=True)) for row in table.rows[1:]])
    return annexes


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch) -> Files:
    return capture_downloads(monkeypatch)


def _open(at: AppTest, page: str, region: str, year: int, **params: str) -> AppTest:
    at.query_params.update({"region": region, "year": str(year), **params})
    at.switch_page(f"../pages/{page}.py").run()
    assert not at.exception
    return at


# ---- the public portal ----------------------------------------------------------------------------
@pytest.mark.parametrize(("region", "year"), DISTRICTS)
def test_public_evaluation_annexes(monkeypatch: pytest.MonkeyPatch, any_seeded_url: str, files: Files,
                                   region: str, year: int) -> None:
    k = figures(any_seeded_url, region, year, public=True)["evaluation"]
    package = open_data(any_seeded_url, region, year)["evaluations"]
    at = app(monkeypatch, any_seeded_url)
    home = _open(at, "portal_home", region, year)
    assert f"涉及资金 {money(yuan_to_fen(k['finance']['funds_total']))}" in texts(home)
    _open(at, "portal_evaluations", region, year)
    for annex, methods, block in (("1", ("review", "key"), k["finance"]), ("2", ("review",), k["by_method"]["review"]),
                                  ("3", ("key",), k["by_method"]["key"])):
        at.selectbox(key="portal_annex").select(annex).run()
        rows, sums = table_totals(at, files, "portal_eval_dl", ["涉及资金（万元）", "得分", "预算完成率（%）"])
        assert rows == block["count"] > 0, annex
        assert sums["涉及资金（万元）"] == wan(block["funds_total"]), annex
        published = [r for r in package if r["method"] in methods]
        assert len(published) == rows
        assert fen_to_wan(yuan_to_fen(total(Decimal(r["funds_yuan"]) for r in published))) == wan(block["funds_total"])
        assert total(Decimal(r["score"]) for r in published) == sums["得分"]
        assert total(Decimal(r["budget_completion_pct"]) for r in published if r["budget_completion_pct"]) \
            == sums["预算完成率（%）"]


@pytest.mark.parametrize(("region", "year"), DISTRICTS)
def test_public_ex_ante(monkeypatch: pytest.MonkeyPatch, any_seeded_url: str, files: Files, region: str,
                        year: int) -> None:
    k = figures(any_seeded_url, region, year, public=True)["ex_ante"]
    package = open_data(any_seeded_url, region, year)["ex_ante"]
    at = _open(app(monkeypatch, any_seeded_url), "portal_exante", region, year)
    columns = ["申报金额（万元）", "建议金额（万元）", "核减金额（万元）"]
    rows, sums = table_totals(at, files, "portal_exante_dl", columns)
    requested, cut, rejected = (wan(k[f]) for f in ("requested_total", "cut_total", "rejected_total"))
    assert rows == k["projects"] == len(package) > 0
    assert ((sums["申报金额（万元）"], sums["核减金额（万元）"], sums["建议金额（万元）"])
            == (requested, cut, requested - cut - rejected))
    for column, field in zip(columns, ("requested_yuan", "recommended_yuan", "cut_yuan"), strict=True):
        assert (fen_to_wan(yuan_to_fen(total(Decimal(r[field]) for r in package if r[field] != "")))
                == sums[column]), field
    # A rejected project has no 核减 (the cut is over supported projects): blank, not a misleading 0
    assert all((r["cut_yuan"] == "") == (r["conclusion"] == "rejected") for r in package)
    shown = texts(at)
    assert (f"申报 {money(yuan_to_fen(k['requested_total']))}" in shown
            and f"核减 {money(yuan_to_fen(k['cut_total']))}" in shown)


@pytest.mark.parametrize(("region", "year"), [("黄埔区", 2021), ("荔湾区", 2020)])  # the years holding findings
def test_public_findings(monkeypatch: pytest.MonkeyPatch, any_seeded_url: str, files: Files, region: str,
                         year: int) -> None:
    k = figures(any_seeded_url, region, year, public=True)["rectification"]
    package = open_data(any_seeded_url, region, year)["findings"]
    at = _open(app(monkeypatch, any_seeded_url), "portal_findings", region, year)
    rows = csv_rows(download(at, files, "portal_findings_dl_csv")[1])
    assert len(rows) == len(package) == k["findings"] == int(metrics(at)["问题数"]) > 0
    assert (sum(r["整改状态"] == "已整改" for r in rows) == sum(r["status"] == "rectified" for r in package)
            == k["rectified"])


# ---- the staff pages ------------------------------------------------------------------------------
@pytest.mark.parametrize(("region", "year"), DISTRICTS)
def test_staff_evaluation_and_report_annexes(monkeypatch: pytest.MonkeyPatch, any_seeded_url: str, files: Files,
                                             tmp_path: Path, region: str, year: int) -> None:
    k = figures(any_seeded_url, region, year, public=False)["evaluation"]
    # 附件 3 is the key evaluations
    annex1, annex2 = report_annexes(any_seeded_url, region, year, tmp_path / "report.docx")[:2]
    at = _open(signed_in(monkeypatch, any_seeded_url), "evaluation", region, year)
    columns = ["涉及资金（万元）", "得分"]
    for method, block, annex in (("finance", k["finance"], annex1), ("review", k["by_method"]["review"], annex2)):
        if method != "finance":
            at.segmented_control(key="evaluation_method").set_value(method).run()
        rows, sums = table_totals(at, files, "evaluation_dl", columns, page_key="evaluation_page_dl")
        assert rows == block["count"] == len(annex) > 0, method
        assert sums["涉及资金（万元）"] == wan(block["funds_total"]), method
        assert metrics(at)["涉及资金"] == money(yuan_to_fen(block["funds_total"]))
        assert total(Decimal(r["涉及资金（万元）"].replace(",", "")) for r in annex) == sums["涉及资金（万元）"], method
        assert total(Decimal(r["得分"]) for r in annex) == sums["得分"], method
    history = next(r for r in csv_rows(download(at, files, "evaluation_history_dl_csv")[1])
                   if (r["行政区"], r["预算年度"]) == (region, str(year)))
    assert int(history["评价个数"]) == k["finance"]["count"]
    assert Decimal(history["财政评价优良率（%）"]) == k["finance"]["excellent_good_rate"]


@pytest.mark.parametrize(("region", "year"), DISTRICTS)
def test_staff_ex_ante(monkeypatch: pytest.MonkeyPatch, any_seeded_url: str, files: Files, region: str,
                       year: int) -> None:
    k = figures(any_seeded_url, region, year, public=False)["ex_ante"]
    at = _open(signed_in(monkeypatch, any_seeded_url), "exante", region, year)
    rows, sums = table_totals(at, files, "exante_dl", ["申报金额（万元）", "建议金额（万元）", "核减金额（万元）"],
                              page_key="exante_page_dl")
    requested, cut, rejected = (wan(k[f]) for f in ("requested_total", "cut_total", "rejected_total"))
    assert rows == k["projects"] > 0
    assert ((sums["申报金额（万元）"], sums["核减金额（万元）"], sums["建议金额（万元）"])
            == (requested, cut, requested - cut - rejected))
    shown = metrics(at)
    assert (shown["申报金额"], shown["建议核减"]) == (money(yuan_to_fen(k["requested_total"])),
                                                      money(yuan_to_fen(k["cut_total"])))


@pytest.mark.parametrize(("region", "year"), DISTRICTS)
def test_staff_execution(monkeypatch: pytest.MonkeyPatch, any_seeded_url: str, files: Files, region: str,
                         year: int) -> None:
    k = figures(any_seeded_url, region, year, public=False)["execution"]
    at = _open(signed_in(monkeypatch, any_seeded_url), "execution", region, year)
    amounts = ["预算（万元）", "累计支出（万元）"]
    n_depts, depts = table_totals(at, files, "execution_dept_dl", [*amounts, "执行率（%）"],
                                  page_key="execution_page_dl")
    n_projects, projects = table_totals(at, files, "execution_projects_dl", [*amounts, "执行率（%）"],
                                        page_key="execution_page_dl")
    assert n_projects == k["projects"] > 0 and n_depts > 0
    for column, figure in zip(amounts, (k["budget_total"], k["spent_total"]), strict=True):
        assert depts[column] == projects[column] == wan(figure), column
    # The key projects' budget card is the sum of the rows marked key (★).
    rows = csv_rows(download(at, files, "execution_projects_dl_csv")[1])
    key_wan = total(Decimal(r["预算（万元）"]) for r in rows if r["重点"] == "★")
    assert sum(r["重点"] == "★" for r in rows) == k["key_projects"]
    assert metrics(at)["重点监控预算资金"] == money(int(key_wan * FEN_PER_WAN))


@pytest.mark.parametrize(("region", "year"), [("黄埔区", 2021), ("荔湾区", 2020)])
def test_staff_rectification(monkeypatch: pytest.MonkeyPatch, any_seeded_url: str, files: Files,
                             region: str, year: int) -> None:
    at = signed_in(monkeypatch, any_seeded_url)
    at.query_params.update({"region": region, "year": str(year)})
    at.switch_page("../pages/rectification.py").run()
    at.date_input(key="rectification_as_of").set_value(dt.date(year, 12, 31)).run()
    assert not at.exception
    with Session(make_engine(any_seeded_url)) as s:
        k = kpis(session=s, year=year, region=region, as_of=dt.date(year, 12, 31))["rectification"]
    assert int(metrics(at)["发现问题"]) == k["findings"] > 0
    for key in ("rectification_cat_dl", "rectification_dept_dl"):
        _, sums = table_totals(at, files, key, ["发现问题", "已整改"], page_key="rectification_page_dl")
        assert (sums["发现问题"], sums["已整改"]) == (k["findings"], k["rectified"]), key
    assert len(csv_rows(download(at, files, "rectification_dl_csv")[1])) == k["findings"]
