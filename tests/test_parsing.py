"""Cell and header parsing of upload files (CONTRACT.md §2), table-driven."""

from __future__ import annotations

import datetime as dt

import pytest

from data_access.uploads import cells, choices, headers
from data_access.uploads.cells import should_skip
from data_access.uploads.kinds import KIND, SPECS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("累计支出", ("累计支出", None)),
        ("累计支出（万元）", ("累计支出", "万元")),
        ("累计支出(元)", ("累计支出", "元")),
        (" 累计 支出 [万元] ", ("累计支出", "万元")),
        ("Spent_Cumulative", ("spentcumulative", None)),
        ("ＳＰＥＮＴ＿ＣＵＭＵＬＡＴＩＶＥ", ("spentcumulative", None)),
        ("Spent Cumulative", ("spentcumulative", None)),  # a space where the alias has _ (or -)
        ("budget-adjusted (万元)", ("budgetadjusted", "万元")),
        ("预算完成率(%)", ("预算完成率", "%")),
        ("调整后预算数【万元】", ("调整后预算数", "万元")),
    ],
)
def test_normalise_header(text: str, expected: tuple[str, str | None]) -> None:
    assert headers.normalise_header(text) == expected


@pytest.mark.parametrize(
    ("cells", "unit"),
    [
        (["单位：万元"], "万元"),
        (["", "金额单位：元"], "元"),
        (["2023年6月预算执行情况表", None, "单位: 亿元"], "亿元"),
        (["填报单位：区财政局"], None),
        (["填报单位：元村街道办事处"], None),  # 元村 is a place (天河区), not the unit 元
        (["填报单位：万元路社区", "单位：万元"], "万元"),
        (["金额单位：万元人民币"], "万元"),
        (["（单位：万元）"], "万元"),
        (["单位：人民币万元"], "万元"),  # as 财政 tables often write it; was read as 元
        (["单位（万元）"], "万元"),
        (["单位(亿元)"], "亿元"),
        (["填报单位（区财政局）"], None),
        (["2023年6月预算执行情况表"], None),
    ],
)
def test_detect_unit_line(cells: list[object], unit: str | None) -> None:
    assert headers.detect_unit_line(cells) == unit


@pytest.mark.parametrize(
    ("value", "unit", "fen"),
    [
        (1234.5, 1, 123450),
        ("1,234.50", 1, 123450),
        (" 1234.5 ", 1, 123450),
        ("１２３４．５", 1, 123450),
        ("１，２３４．５０", 1, 123450),
        ("-", 1, 0),
        ("—", 1, 0),
        (199.99, 10_000, 199_990_000),  # exactly 1,999,900 yuan
        (0.1 + 0.2, 1, 30),  # repr 0.30000000000000004 -> rounds to the fen
        (12, 10_000, 12_000_000),
        ("0.005", 1, 1),  # half up to the fen
        ("-12.3", 1, -1230),
        ("(12.30)", 1, -1230),
        ("¥1,000", 1, 100000),
        (None, 1, None),
        ("  ", 1, None),
    ],
)
def test_parse_amount(value: object, unit: int, fen: int | None) -> None:
    assert cells.parse_amount(value, unit) == fen


@pytest.mark.parametrize("value", ["abc", "12a", "1.2.3", True, "一百"])
def test_parse_amount_rejects(value: object) -> None:
    with pytest.raises(cells.CellError) as exc:
        cells.parse_amount(value)
    assert exc.value.code == "not_a_number"


@pytest.mark.parametrize(
    ("value", "centi"),
    [("45.2%", 4520), ("45.2", 4520), (45.2, 4520), (0.452, 4520), ("0.452", 4520), (1, 10000),
     ("100%", 10000), ("９７．５５％", 9755), (97.555, 9756), (None, None)],
)
def test_parse_rate(value: object, centi: int | None) -> None:
    assert cells.parse_rate(value) == centi


@pytest.mark.parametrize(
    ("value", "date"),
    [
        (dt.date(2023, 6, 30), dt.date(2023, 6, 30)),
        (dt.datetime(2023, 6, 30, 0, 0), dt.date(2023, 6, 30)),
        ("2023-06-30", dt.date(2023, 6, 30)),
        ("2023/6/30", dt.date(2023, 6, 30)),
        ("2023年6月30日", dt.date(2023, 6, 30)),
        ("２０２３年６月３０日", dt.date(2023, 6, 30)),
        ("2023.6.30", dt.date(2023, 6, 30)),
        ("20230630", dt.date(2023, 6, 30)),
        ("2023-06-30 00:00:00", dt.date(2023, 6, 30)),
        (45107.0, dt.date(2023, 6, 30)),  # Excel serial
        ("", None),
    ],
)
def test_parse_date(value: object, date: dt.date | None) -> None:
    assert cells.parse_date(value) == date


@pytest.mark.parametrize("value", ["2023-02-30", "2023-13-01", "2023年2月29日", "明年六月", "30/06/2023", -5])
def test_parse_date_rejects(value: object) -> None:
    with pytest.raises(cells.CellError) as exc:
        cells.parse_date(value)
    assert exc.value.code == "invalid_date"


@pytest.mark.parametrize(
    ("value", "code"),
    [("0012", "0012"), (" HP 2022 K001 ", "HP2022K001"), ("ＨＰ２０２２", "HP2022"), (12301.0, "12301"),
     (12301, "12301"), ("12301", "12301"), ("\t0012\u3000", "0012"), (None, None)],
)
def test_parse_code(value: object, code: str | None) -> None:
    assert cells.parse_code(value) == code


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("101001-区教育局", ("101001", "区教育局")),
        ("101001 区教育局", ("101001", "区教育局")),
        ("[101001]区教育局", ("101001", "区教育局")),
        ("【101001】区教育局", ("101001", "区教育局")),
        ("１０１００１－区教育局", ("101001", "区教育局")),
        ("HP001-区教育局", ("HP001", "区教育局")),
        ("区教育局", (None, "区教育局")),
        (" 区教育局 ", (None, "区教育局")),
        ("101001-区人力资源（社保）局", ("101001", "区人力资源（社保）局")),
        ("5G产业办公室", (None, "5G产业办公室")),
        ("", None),
    ],
)
def test_parse_department(value: object, parsed: tuple[str | None, str] | None) -> None:
    assert cells.parse_department(value) == parsed


@pytest.mark.parametrize(
    ("value", "flag"),
    [("是", True), ("否", False), ("yes", True), ("NO", False), ("True", True), ("false", False),
     (1, True), (0, False), ("1", True), ("0", False), (True, True), (None, False), ("", False), ("Ｙｅｓ", True)],
)
def test_parse_bool(value: object, flag: bool) -> None:
    assert cells.parse_bool(value) is flag


def test_parse_bool_rejects() -> None:
    with pytest.raises(cells.CellError) as exc:
        cells.parse_bool("也许")
    assert exc.value.code == "unknown_value"


@pytest.mark.parametrize(
    ("enum", "value", "code"),
    [
        (choices.LEVEL2, "数量", "数量指标"),
        (choices.LEVEL2, "数量指标", "数量指标"),
        (choices.LEVEL2, " 社会效益 ", "社会效益指标"),
        (choices.LEVEL1, "产出", "产出指标"),
        (choices.LEVEL1, "output", "产出指标"),
        (choices.FINDING_STATUS, "已整改", "rectified"),
        (choices.FINDING_STATUS, "in_progress", "in_progress"),
        (choices.FINDING_STATUS, "IN-PROGRESS", "in_progress"),
        (choices.CONCLUSION, "部分支持", "partial"),
        (choices.CONCLUSION, "不予支持", "rejected"),
        (choices.METHOD, "重点评价", "key"),
        (choices.METHOD, "Review", "review"),
        (choices.SUBJECT_TYPE, "部门整体", "department"),
        (choices.SUBJECT_TYPE, "policy", "policy"),
        (choices.PROJECT_KIND, "一次性", "one_off"),
        (choices.PROJECT_KIND, "one-off", "one_off"),
        (KIND, "执行监控", "monitoring"),
        (KIND, "ex_ante", "ex-ante"),
        (choices.OPERATOR, ">=", "≥"),
        (choices.OPERATOR, "≥", "≥"),
        (choices.CATEGORY, "预算编制问题", "预算编制"),
        (choices.GRADE, "优", "excellent"),
        (choices.GRADE, "良好", "good"),
    ],
)
def test_enumerations(enum: choices.Enumeration, value: str, code: str) -> None:
    assert enum.parse(value) == code


def test_enumeration_rejects_with_the_choices() -> None:
    with pytest.raises(cells.CellError) as exc:
        choices.FINDING_STATUS.parse("差不多了")
    assert exc.value.code == "unknown_value"
    assert "未整改、整改中、已整改" in exc.value.reason


@pytest.mark.parametrize(
    ("cells", "skip"),
    [
        ([None, "", "  "], True),
        (["合计", None, 1234], True),
        (["", "  小计：", 12], True),
        (["总计"], True),
        (["其中：区本级", 5], True),
        (["HP001", "合计项目"], False),
        ([2022, "合计"], False),
        (["项目A", 1], False),
    ],
)
def test_should_skip(cells: list[object], skip: bool) -> None:
    assert should_skip(cells) is skip


@pytest.mark.parametrize(("value", "n"), [("2022", 2022), (2022.0, 2022), ("2022年", 2022), ("６", 6), ("6月", 6)])
def test_parse_int(value: object, n: int) -> None:
    assert cells.parse_int(value, "年月") == n


def test_parse_int_rejects_fractions() -> None:
    with pytest.raises(cells.CellError):
        cells.parse_int("6.5")


def test_match_header_any_order_aliases_units_and_unknowns() -> None:
    cells = ["月份", "Code", "备注", "累计支出（万元）", " 预算 年度 ", None, "ＢＵＤＧＥＴ＿ＡＤＪＵＳＴＥＤ"]
    m = headers.match_header(cells, SPECS["monitoring"].columns)
    assert m.columns == {"month": 0, "code": 1, "spent_cumulative_fen": 3, "year": 4, "budget_fen": 6}
    assert m.units == {"spent_cumulative_fen": "万元"}
    assert m.unknown == ["备注"]
    assert m.missing == []


def test_find_header_below_title_lines() -> None:
    rows = [
        ["2023年6月预算执行情况表"],
        ["单位：万元"],
        [],
        ["项目编码", "项目名称", "预算年度", "月份", "累计支出"],
        ["HP001", "道路养护", 2023, 6, 12.5],
    ]
    m = headers.find_header(rows, SPECS["monitoring"].columns)
    assert m is not None and m.excel_row == 4 and not m.missing


def test_find_header_reports_missing_required_columns() -> None:
    rows = [["项目编码", "项目名称", "月份"], ["HP001", "x", 6]]
    m = headers.find_header(rows, SPECS["monitoring"].columns)
    assert m is not None
    assert [c.zh for c in m.missing] == ["预算年度", "累计支出"]


def test_find_header_none_when_nothing_looks_like_one() -> None:
    assert headers.find_header([["hello"], ["world", 1]], SPECS["monitoring"].columns) is None


def test_invisible_covers_every_format_character() -> None:
    """Every Unicode format character (Cf) of this Python is one cells.INVISIBLE removes."""
    import sys
    import unicodedata

    missed = [hex(c) for c in range(sys.maxunicode + 1)
              if unicodedata.category(chr(c)) == "Cf" and not cells.INVISIBLE.fullmatch(chr(c))]
    assert missed == []


@pytest.mark.parametrize("mark", ["\u200b", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u202e"])
def test_an_invisible_character_does_not_make_another_code_or_name(mark: str) -> None:
    """A code or name with a zero-width space, joiner, BOM, word joiner, soft hyphen or bidi control in
    it (copied from a web page or a chat) is the code or name without it, not a lookalike record."""
    assert cells.parse_code(f"HP{mark}001") == "HP001"
    assert cells.parse_name(f"区教育局{mark}") == "区教育局"
    assert cells.key(f"区{mark}教育局") == cells.key("区教育局")
    assert cells.parse_text(f"资料{mark}不全") == "资料不全"
    assert cells.is_blank(f" {mark} ") and cells.parse_code(mark) is None


@pytest.mark.parametrize(("row", "marked"), [
    (["【示例】HP2023P001", "学位供给保障项目"], "【示例】HP2023P001"),
    (["【 示例 】HP2023P001", "学位供给保障项目"], "【 示例 】HP2023P001"),  # spaces inside the mark
    (["［示例］HP2023P001"], "［示例］HP2023P001"),
    (["示例：HP2023P001"], "示例：HP2023P001"),
    ([1, "【示例】HP2023P001", "学位供给保障项目"], "【示例】HP2023P001"),  # a 序号 column in front
    ([None, "", 1, "1-1", "【示例】HP2023P001"], "【示例】HP2023P001"),
    (["HP2023P001", "学位供给保障项目", "区教育局", "示例：某某"], None),  # the fourth cell is data
    (["HP2023P001", "示例学校改造"], None),
])
def test_the_example_mark_is_found_where_a_clerk_leaves_it(row: list[object], marked: object) -> None:
    assert cells.example_cell(row) == marked
