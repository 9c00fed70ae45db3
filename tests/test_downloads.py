"""Every download holds numbers a spreadsheet can sum: amounts and rates in the unit their header
names, XLSX cells with a number format, text alone neutralised against formulas."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from tests.apptest import Files, app, capture_downloads, download, file_of, signed_in
from tests.test_portal_permalinks import _table

# Text that is really a number: '5,646', '335.52 万元', '78.90%', "'+5.00" (what a reader cannot sum).
NUMBER_AS_TEXT = re.compile(r"'?[+-]?[\d,]+(\.\d+)?\s*(%|万元|亿元|元)?")
AMOUNT_WORDS = ("预算", "支出", "资金", "金额")
UNITS = ("（万元）", "（元）")
NUMBER_FORMATS = {"#,##0.00", "0.00", "0"}
# Indicator values are in each row's own unit (%, 人次, 天) and may be qualitative: text, as the department wrote them.
OWN_UNIT_PER_ROW = ("目前完成值", "预计全年完成值")
CODES = ("编码", "编号")


def csv_table(data: bytes) -> tuple[list[str], list[list[str]]]:
    """A downloaded CSV as Excel reads it: the BOM says UTF-8."""
    assert data.startswith(b"\xef\xbb\xbf"), "no BOM: Excel on Windows would garble the Chinese"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return rows[0], rows[1:]


def xlsx_sheets(data: bytes) -> dict[str, tuple[list[str], list[tuple]]]:
    """sheet -> (header, rows of cells), as openpyxl reads a user's workbook."""
    book = load_workbook(io.BytesIO(data))
    out = {}
    for ws in book.worksheets:
        rows = list(ws.iter_rows())
        out[ws.title] = ([str(c.value) for c in rows[0]], [tuple(r) for r in rows[1:]]) if rows else ([], [])
    return out


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def check_csv(name: str, data: bytes) -> int:
    """Checks every column; returns the number of data rows (an empty file checks nothing)."""
    header, rows = csv_table(data)
    for i, title in enumerate(header):
        cells = [r[i] for r in rows if r[i] != ""]
        numeric = bool(cells) and all(_is_number(c) for c in cells)
        if numeric:
            _check_unit(name, title)
        else:
            bad = [c for c in cells if NUMBER_AS_TEXT.fullmatch(c) and not title.endswith(CODES + OWN_UNIT_PER_ROW)]
            assert not bad, (name, title, bad[:3])
    return len(rows)


def check_xlsx(name: str, data: bytes) -> int:
    """Checks every column of every sheet; returns the number of data rows in all sheets."""
    data_rows = 0
    for sheet, (header, rows) in xlsx_sheets(data).items():
        data_rows += len(rows)
        for i, title in enumerate(header):
            cells = [r[i] for r in rows if r[i].value is not None]
            if cells and all(isinstance(c.value, int | float) for c in cells):
                _check_unit(f"{name}:{sheet}", title)
                assert {c.number_format for c in cells} <= NUMBER_FORMATS, (name, sheet, title)
            else:
                bad = [c.value for c in cells if isinstance(c.value, str) and NUMBER_AS_TEXT.fullmatch(c.value)
                       and not title.endswith(CODES + OWN_UNIT_PER_ROW)]
                assert not bad, (name, sheet, title, bad[:3])
    return data_rows


def _check_unit(where: str, title: str) -> None:
    if any(w in title for w in AMOUNT_WORDS) and "率" not in title and title != "预算年度":
        assert title.endswith(UNITS), (where, title)
    if title.endswith("率") or "率（" in title:
        assert title.endswith("（%）"), (where, title)


def check_every_download(at: AppTest, files: Files) -> int:
    """Checks every CSV and workbook the page offers (each must hold rows to check); returns how many."""
    checked = 0
    for button in at.get("download_button"):
        name, data = file_of(files, button)
        if name.endswith(".csv"):
            rows = check_csv(name, data)
        elif name.endswith(".xlsx"):
            rows = check_xlsx(name, data)
        else:
            continue
        assert rows > 0, name  # an empty table would pass every check without checking anything
        checked += 1
    return checked


def test_public_annex_gives_funds_in_wan_as_the_page_shows(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    """区住建局's 34,564 万元 on 附件1 is 34564 in both files (it was 3,456,400: fen / 10,000)."""
    files = capture_downloads(monkeypatch)
    at = app(monkeypatch, seeded_url)
    at.query_params.update({"region": "黄埔区", "year": "2022", "annex": "1"})
    at.run()
    at.switch_page("../pages/portal_evaluations.py").run()
    assert not at.exception
    shown = _table(at).set_index("评价对象")  # the subject cell is a link showing the name
    assert shown.loc["区住房城乡建设局", "涉及资金（万元）"] == "34,564.00"
    header, rows = csv_table(download(at, files, "portal_eval_dl_csv")[1])
    row = next(r for r in rows if r[header.index("评价对象")] == "区住房城乡建设局")
    assert Decimal(row[header.index("涉及资金（万元）")]) == 34564
    (xh, xrows), = xlsx_sheets(download(at, files, "portal_eval_dl_xlsx")[1]).values()
    cells = next(r for r in xrows if r[xh.index("评价对象")].value == "区住房城乡建设局")
    assert cells[xh.index("涉及资金（万元）")].value == 34564
    assert cells[xh.index("涉及资金（万元）")].number_format == "#,##0.00"


def test_public_ex_ante_download_in_wan(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    files = capture_downloads(monkeypatch)
    at = app(monkeypatch, seeded_url)
    at.query_params.update({"region": "荔湾区", "year": "2020"})
    at.run()
    at.switch_page("../pages/portal_exante.py").run()
    assert not at.exception
    header, rows = csv_table(download(at, files, "portal_exante_dl_csv")[1])
    row = next(r for r in rows if r[header.index("项目名称")] == "城市更新基础数据调查费用")
    assert (Decimal(row[header.index("申报金额（万元）")]) == 2000
            and Decimal(row[header.index("建议金额（万元）")]) == 800)


@pytest.mark.parametrize(("page", "region", "year"), [("evaluation", "黄埔区", "2022"), ("execution", "黄埔区", "2022"),
                                                      ("exante", "荔湾区", "2020"), ("rectification", "黄埔区", "2021"),
                                                      ("indicators", "荔湾区", "2020")])
@pytest.mark.slow  # every file of five pages
def test_every_staff_download_holds_numbers_in_named_units(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str, page: str, region: str, year: str
) -> None:
    files = capture_downloads(monkeypatch)
    at = signed_in(monkeypatch, seeded_url)
    at.query_params.update({"region": region, "year": year})
    at.switch_page(f"../pages/{page}.py").run()
    if page == "execution":  # a project with targets, evaluations and findings, so its detail tables show too
        box = at.selectbox(key="execution_project")
        box.select(next(o for o in box.options if o.startswith("HP2022K001 "))).run()
    if page == "evaluation":  # 2021: next year's budgets exist, so the results-application table has every column
        at.selectbox(key="filter_year_黄埔区").select(2021).run()
    assert not at.exception
    assert check_every_download(at, files) >= 3


@pytest.mark.parametrize("page", ["portal_evaluations", "portal_exante", "portal_findings", "portal_changes"])
def test_every_public_download_holds_numbers_in_named_units(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str, page: str
) -> None:
    files = capture_downloads(monkeypatch)
    at = app(monkeypatch, seeded_url)
    at.query_params.update({"region": "黄埔区", "year": "2022", "since": "2020-01-01"})
    at.run()
    at.switch_page(f"../pages/{page}.py").run()
    assert not at.exception
    assert check_every_download(at, files) >= 2


def test_only_text_is_neutralised_and_numbers_keep_their_sign() -> None:
    from data_access.export import AMOUNT, Column, csv_bytes, xlsx_bytes

    columns = [Column("名称", ["-5.2", "=1+1", "ok", None]),
               Column("金额（元）", [Decimal("-5.20"), Decimal("1"), None, 3], AMOUNT)]
    header, rows = csv_table(csv_bytes(columns))
    assert header == ["名称", "金额（元）"] and rows == [["'-5.2", "-5.20"], ["'=1+1", "1.00"], ["ok", ""],
                                                         ["", "3.00"]]
    (xh, xrows), = xlsx_sheets(xlsx_bytes({"t": columns})).values()
    # XLSX: the exact text in a string cell behind Excel's hidden quote prefix, never a formula
    assert [(a.value, b.value) for a, b in xrows] == [("-5.2", -5.2), ("=1+1", 1), ("ok", None), (None, 3)]
    assert [(a.data_type, a.quotePrefix) for a, _ in xrows[:2]] == [("s", True), ("s", True)]
    assert all(b.number_format == AMOUNT for _, b in xrows if b.value is not None)
