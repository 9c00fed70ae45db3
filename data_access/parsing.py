"""Pure cell and header parsing for upload files (CONTRACT.md §2).

Every function takes a raw cell value as a reader returns it (str, int, float, bool, date,
datetime, None) and either returns the normalised value or raises `CellError` with an error
code and a Chinese message fragment. The importer adds sheet, row and column around it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from data_access import enums
from data_access.money import yuan_to_fen
from data_access.upload_limits import FileRejected, Limits, measure_ods, measure_xls, measure_xlsx

__all__ = ["FileRejected", "Limits"]  # raised and taken by read_workbook; the importer reaches them here

EXCEL_EPOCH = dt.date(1899, 12, 30)
MONEY_UNITS = {"元": 1, "千元": 1_000, "万元": 10_000, "百万元": 1_000_000, "亿元": 100_000_000}
SKIP_PREFIXES = ("合计", "小计", "总计", "其中")
_ZERO_MARKS = {"-", "--", "—", "——", "–", "−"}
_UNIT_SUFFIX = re.compile(r"^(?P<name>.+?)[(\[【<](?P<unit>[^()\[\]【】<>]*)[)\]】>]$")
# The unit must end the phrase: `填报单位：元村街道` names a reporting unit, not the unit 元.
_UNIT_LINE = re.compile(r"(?:金额)?单位\s*[:：]\s*(?P<unit>百万元|千元|万元|亿元|元)(?:人民币)?(?![\u3400-\u9fff])")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class CellError(ValueError):
    """A cell that cannot be read: `code` is the report's error code, `reason` a Chinese phrase."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# ---- text ------------------------------------------------------------------------------------
def nfkc(value: object) -> str:
    """NFKC-normalised text of a cell ('' for None), stripped of surrounding white space."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and nfkc(value) == "") or (isinstance(value, float) and math.isnan(value))


def display(value: object) -> str:
    """A cell as the person typed it, for messages (floats without a trailing .0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    return "" if value is None else str(value).strip()


def key(text: object) -> str:
    """Comparison key for headers and enumerations: NFKC, lower case, no white space."""
    return re.sub(r"\s+", "", nfkc(text)).lower()


def normalise_header(text: object) -> tuple[str, str | None]:
    """A header cell as (key, unit): `累计支出（万元）` -> ('累计支出', '万元'); `Budget Adjusted` = `budget_adjusted`."""
    k = re.sub(r"[_\-]", "", key(text))
    unit = None
    m = _UNIT_SUFFIX.match(k)
    if m and m.group("name"):
        k, unit = m.group("name"), m.group("unit") or None
    return k, unit


def unit_factor(unit: str | None) -> int | None:
    """Yuan per unit for a money unit (`万元` -> 10000), None for anything else."""
    if unit is None:
        return None
    return MONEY_UNITS.get(key(unit).replace("人民币", ""))


def detect_unit_line(cells: Sequence[object]) -> str | None:
    """The money unit a title-area line sets (`单位：万元`, `金额单位：元`), else None."""
    for cell in cells:
        m = _UNIT_LINE.search(key(cell))
        if m:
            return m.group("unit")
    return None


EXAMPLE_SHEET = "填写示例"  # the templates' sheet holding one example row, never read as data
EXAMPLE_MARK = "【示例】"  # marks that row's first cell, so a copy of it is refused too
_EXAMPLE = re.compile(r"^[\[(【（]?示例[\])】）:：]")


def is_example_row(cells: Sequence[object]) -> bool:
    """A row whose first non-empty cell begins with 【示例】 (or [示例], (示例), 示例：): the template's example."""
    for cell in cells:
        if not is_blank(cell):
            return isinstance(cell, str) and bool(_EXAMPLE.match(nfkc(cell)))
    return False


def should_skip(cells: Sequence[object]) -> bool:
    """Blank rows, and total or breakdown rows (first non-empty cell 合计/小计/总计/其中)."""
    for cell in cells:
        if not is_blank(cell):
            return isinstance(cell, str) and key(cell).startswith(SKIP_PREFIXES)
    return True


# ---- numbers ---------------------------------------------------------------------------------
def to_decimal(value: object) -> Decimal:
    """A number cell or numeric text as an exact Decimal; floats by their shortest repr."""
    if isinstance(value, bool):
        raise CellError("not_a_number", "不是数字")
    if isinstance(value, int):
        return _bounded(Decimal(value))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise CellError("not_a_number", "不是数字")
        return _bounded(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return _bounded(value)
    text = re.sub(r"[\s,，¥$]", "", nfkc(value))
    if text in _ZERO_MARKS:
        return Decimal(0)
    if re.fullmatch(r"\(\d[\d.]*\)", text):  # accounting negative: (1234.50)
        text = "-" + text[1:-1]
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        raise CellError("not_a_number", "不是数字")
    try:
        return _bounded(Decimal(text))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid literals
        raise CellError("not_a_number", "不是数字") from exc


MAX_NUMBER = Decimal(10) ** 15  # a thousand trillion: beyond any budget, within BIGINT fen


def _bounded(d: Decimal) -> Decimal:
    if not d.is_finite() or abs(d) >= MAX_NUMBER:
        raise CellError("not_a_number", "数值过大，不是有效的数字")
    return d


def parse_amount(value: object, yuan_per_unit: int = 1) -> int | None:
    """An amount in the given unit as integer fen (half up to the fen); None when blank."""
    if is_blank(value):
        return None
    return yuan_to_fen(to_decimal(value) * yuan_per_unit)


def parse_rate(value: object) -> int | None:
    """A rate as hundredths of a percent: `45.2%` and `45.2` -> 4520; a bare number <= 1 is a fraction."""
    if is_blank(value):
        return None
    text = nfkc(value) if isinstance(value, str) else ""
    if text.endswith("%"):
        pct = to_decimal(text[:-1])
    else:
        d = to_decimal(value)
        pct = d * 100 if abs(d) <= 1 else d
    return int((pct * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_score(value: object) -> int | None:
    """A score (0–100 points, checked by the caller) as hundredths of a point."""
    if is_blank(value):
        return None
    return int((to_decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_int(value: object, suffixes: str = "") -> int | None:
    """A whole number (`2022`, `2022.0`, `2022年` with suffix 年); None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        value = nfkc(value).rstrip(suffixes) if suffixes else nfkc(value)
    d = to_decimal(value)
    if d != d.to_integral_value():
        raise CellError("not_a_number", "不是整数")
    return int(d)


# ---- dates -----------------------------------------------------------------------------------
def parse_date(value: object) -> dt.date | None:
    """An Excel date, datetime, serial number or `2023-06-30`, `2023/6/30`, `2023年6月30日`."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2_958_466:  # Excel serials up to 9999-12-31
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellError("invalid_date", "不是有效日期")
    text = nfkc(value)
    m = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if not m:
        raise CellError("invalid_date", "不是有效日期（应写作 2023-06-30、2023/6/30 或 2023年6月30日）")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise CellError("invalid_date", "不是存在的日期") from exc


# ---- codes, names, departments ------------------------------------------------------------------
def parse_code(value: object) -> str | None:
    """A code as text: NFKC, all white space removed, numbers without decimals, never padded."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("not_a_number", "不是编码")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    return re.sub(r"\s+", "", nfkc(value)) or None


def parse_text(value: object) -> str | None:
    """Free text as written (full-width punctuation kept), runs of white space made one space."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return re.sub(r"[\s\u3000]+", " ", str(value)).strip() or None


def parse_name(value: object) -> str | None:
    """A name (project, department, subject) as written, trimmed; compared by `key()`."""
    return parse_text(value)


_W = "0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"  # ASCII and full-width letters and digits
_DEPT_BRACKET = re.compile(rf"^[\[【(（]\s*(?P<code>[{_W}_.\-－]+)\s*[\]】)）]\s*(?P<name>.+)$")
_DEPT_CODE_NAME = re.compile(rf"^(?P<code>[{_W}][{_W}_.]*)\s*(?:[-—–_:|－：｜]|\s)\s*(?P<name>\S.*)$")


def parse_department(value: object) -> tuple[str | None, str] | None:
    """`101001-区教育局`, `101001 区教育局`, `[101001]区教育局` or `区教育局` -> (code, name)."""
    text = parse_text(value)
    if not text:
        return None
    for pattern in (_DEPT_BRACKET, _DEPT_CODE_NAME):
        m = pattern.match(text)
        if m and re.search(r"\d", nfkc(m.group("code"))) and not re.match(rf"^[{_W}]", m.group("name")):
            return parse_code(m.group("code")), m.group("name").strip()
    return None, text


# ---- booleans and enumerations -----------------------------------------------------------------
_TRUE = {"是", "yes", "y", "true", "1", "√", "✓", "t", "是的", "公开", "核心"}
_FALSE = {"否", "no", "n", "false", "0", "×", "✗", "f", "不", "不公开", "非核心", ""}


def parse_bool(value: object) -> bool:
    """是/否, yes/no, true/false, 1/0; blank means 否."""
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise CellError("unknown_value", "不是“是”或“否”")
    k = key(value)
    if k in _TRUE:
        return True
    if k in _FALSE:
        return False
    raise CellError("unknown_value", "不是“是”或“否”")


@dataclass(frozen=True)
class Enumeration:
    """Accepted spellings of an enumeration: every label and code maps to the stored code."""

    label: str
    choices: Mapping[str, str]  # stored code -> Chinese label
    extra: Mapping[str, str] = field(default_factory=dict)  # other spellings -> stored code
    strip_suffix: str = ""  # `数量` = `数量指标`

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", self._build())

    def _build(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for code, label in self.choices.items():
            for spelling in (code, label, code.replace("_", "-"), code.replace("_", "")):
                table[key(spelling)] = code
        for spelling, code in self.extra.items():
            table[key(spelling)] = code
        if self.strip_suffix:
            for spelling, code in list(table.items()):
                if spelling.endswith(self.strip_suffix):
                    table.setdefault(spelling[: -len(self.strip_suffix)], code)
        return table

    def parse(self, value: object) -> str | None:
        if is_blank(value):
            return None
        k = key(value)
        table: dict[str, str] = self._table  # type: ignore[attr-defined]
        if k in table:
            return table[k]
        if self.strip_suffix and k.endswith(self.strip_suffix) and k[: -len(self.strip_suffix)] in table:
            return table[k[: -len(self.strip_suffix)]]
        allowed = "、".join(self.choices.values())
        raise CellError("unknown_value", f"不是有效的{self.label}（可选：{allowed}）")


def _same(labels: Sequence[str]) -> dict[str, str]:
    return {label: label for label in labels}


METHOD = Enumeration("评价方式", enums.METHODS, {"自评": "self", "单位自评": "self", "复核": "review", "财政重点评价": "key"})
SUBJECT_TYPE = Enumeration(
    "对象类型", enums.SUBJECT_TYPES, {"项目支出": "project", "部门": "department", "部门整体支出": "department", "政策评价": "policy"}
)
FINDING_STATUS = Enumeration("整改状态", enums.FINDING_STATUSES, {"未开始": "not_started", "进行中": "in_progress", "已完成": "rectified", "完成整改": "rectified"})
CONCLUSION = Enumeration("评估结论", enums.CONCLUSIONS, {"支持": "supported", "同意": "supported", "不支持": "rejected", "partially_supported": "partial", "not_supported": "rejected"})
PROJECT_KIND = Enumeration("项目类型", enums.PROJECT_KINDS, {"经常": "recurring", "一次": "one_off", "oneoff": "one_off"})
SCOPE = Enumeration("指标类型", enums.SCOPES, {"通用指标": "general", "个性指标": "specific", "共性": "general", "共性指标": "general"})
WILL_MEET = Enumeration("能否完成", enums.WILL_MEET, {"能": "certain", "确定": "certain", "可能": "possible", "不能": "impossible"})
LEVEL1 = Enumeration("一级指标", _same(enums.LEVEL1), {"output": "产出指标", "effect": "效益指标", "satisfaction": "满意度指标", "cost": "成本指标"}, strip_suffix="指标")
LEVEL2 = Enumeration("二级指标", _same([l2 for l2s in enums.LEVEL2.values() for l2 in l2s]), strip_suffix="指标")
OPERATOR = Enumeration("比较符", _same(enums.OPERATORS), {">=": "≥", "<=": "≤", "==": "=", "≧": "≥", "≦": "≤", "qualitative": "定性"})
CATEGORY = Enumeration("问题类别", _same(enums.FINDING_CATEGORIES), strip_suffix="问题")
DEVIATION = Enumeration("偏差原因类别", _same(enums.DEVIATION_CATEGORIES))
GRADE = Enumeration("等级", enums.GRADES, {"优秀": "excellent", "良好": "good", "中等": "fair", "合格": "fair", "较差": "poor"})
KIND_NAMES = {
    "projects": "项目", "monitoring": "执行监控", "evaluations": "绩效评价",
    "findings": "问题整改", "ex-ante": "事前评估", "indicators": "绩效指标",
}
KIND = Enumeration("数据类型", KIND_NAMES, {"ex_ante": "ex-ante", "exante": "ex-ante"})


# ---- columns of each kind and header matching ---------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One upload column: Chinese name (the template's), English alias, and how to read it."""

    field: str
    zh: str
    alias: str
    kind: str  # code, name, text, amount, rate, score, int, year, month, date, bool, department, region, enum
    required: bool = False
    enum: Enumeration | None = None
    synonyms: tuple[str, ...] = ()

    def spellings(self) -> set[str]:
        return {normalise_header(s)[0] for s in (self.zh, self.alias, *self.synonyms)}


def _c(field_: str, zh: str, alias: str, kind: str, required: bool = False, enum: Enumeration | None = None,
       synonyms: tuple[str, ...] = ()) -> Column:
    return Column(field_, zh, alias, kind, required, enum, synonyms)


_DEPT = ("预算部门", "部门", "单位", "单位名称", "部门名称", "预算单位名称")
_REGION = ("区", "地区", "区域", "行政区划")
_CODE = ("项目代码", "项目编号")
_YEAR = ("年度", "预算年份")
_PUBLISHED = ("公开", "是否公开发布")

COLUMNS: dict[str, tuple[Column, ...]] = {
    "projects": (
        _c("code", "项目编码", "code", "code", True, synonyms=_CODE),
        _c("name", "项目名称", "name", "name", True),
        _c("department", "预算单位", "department", "department", True, synonyms=_DEPT),
        _c("region", "行政区", "region", "region", True, synonyms=_REGION),
        _c("year", "预算年度", "year", "year", True, synonyms=_YEAR),
        _c("budget_adjusted", "调整后预算数", "budget_adjusted", "amount", True, synonyms=("调整后预算", "预算数")),
        _c("budget_initial", "年初预算数", "budget_initial", "amount", synonyms=("年初预算",)),
        _c("fund_source", "资金来源", "fund_source", "text"),
        _c("kind", "项目类型", "kind", "enum", enum=PROJECT_KIND),
        _c("is_new", "是否新增", "is_new", "bool", synonyms=("新增",)),
    ),
    "monitoring": (
        _c("code", "项目编码", "code", "code", True, synonyms=_CODE),
        _c("year", "预算年度", "year", "year", True, synonyms=_YEAR),
        _c("month", "月份", "month", "month", True, synonyms=("月",)),
        _c("spent_cumulative", "累计支出", "spent_cumulative", "amount", True, synonyms=("累计支出数", "累计执行数", "累计支出金额")),
        _c("region", "行政区", "region", "region", synonyms=_REGION),
        _c("budget_adjusted", "调整后预算数", "budget_adjusted", "amount", synonyms=("调整后预算", "预算数")),
        _c("target_progress", "目标完成情况", "target_progress", "text"),
        _c("deviation_reason", "偏差原因", "deviation_reason", "text"),
        # Read for people's convenience (clerks keep them beside the code); not stored.
        _c("name", "项目名称", "name", "name"),
        _c("department", "预算单位", "department", "department", synonyms=_DEPT),
    ),
    "evaluations": (
        _c("subject", "评价对象", "subject", "name", True, synonyms=("评价项目", "项目名称")),
        _c("subject_type", "对象类型", "subject_type", "enum", True, SUBJECT_TYPE, synonyms=("评价类型",)),
        _c("department", "预算单位", "department", "department", True, synonyms=_DEPT),
        _c("region", "行政区", "region", "region", True, synonyms=_REGION),
        _c("year", "预算年度", "year", "year", True, synonyms=_YEAR),
        _c("method", "评价方式", "method", "enum", True, METHOD),
        _c("score", "得分", "score", "score", True, synonyms=("评价得分", "综合得分", "分数")),
        _c("code", "项目编码", "code", "code", synonyms=_CODE),
        _c("grade", "等级", "grade", "enum", enum=GRADE, synonyms=("评价等级", "评价结果")),
        _c("evaluator", "评价机构", "evaluator", "text", synonyms=("第三方机构",)),
        _c("funds", "涉及资金", "funds", "amount", synonyms=("评价金额", "涉及金额")),
        _c("budget_completion_rate", "预算完成率", "budget_completion_rate", "rate", synonyms=("预算执行率",)),
        _c("published", "是否公开", "published", "bool", synonyms=_PUBLISHED),
        _c("recommendations", "建议条数", "recommendations", "int", synonyms=("建议数",)),
        _c("report_summary", "评价摘要", "report_summary", "text", synonyms=("报告摘要", "评价结论")),
    ),
    "findings": (
        _c("finding_code", "问题编号", "finding_code", "code", True),
        _c("subject", "评价对象", "subject", "name", True),
        _c("department", "预算单位", "department", "department", True, synonyms=_DEPT),
        _c("region", "行政区", "region", "region", True, synonyms=_REGION),
        _c("year", "预算年度", "year", "year", True, synonyms=_YEAR),
        _c("category", "问题类别", "category", "enum", True, CATEGORY, synonyms=("问题类型",)),
        _c("description", "问题描述", "description", "text", True),
        _c("deadline", "整改期限", "deadline", "date", True, synonyms=("整改时限",)),
        _c("status", "整改状态", "status", "enum", True, FINDING_STATUS, synonyms=("整改情况",)),
        _c("recommendation", "整改建议", "recommendation", "text"),
        _c("measures", "整改措施", "measures", "text"),
        _c("feedback_date", "书面反馈日期", "feedback_date", "date", synonyms=("反馈日期",)),
        _c("rectified_date", "完成日期", "rectified_date", "date", synonyms=("整改完成日期",)),
        _c("published", "是否公开", "published", "bool", synonyms=_PUBLISHED),
    ),
    "ex-ante": (
        _c("name", "项目名称", "name", "name", True),
        _c("department", "预算单位", "department", "department", True, synonyms=_DEPT),
        _c("region", "行政区", "region", "region", True, synonyms=_REGION),
        _c("year", "预算年度", "year", "year", True, synonyms=_YEAR),
        _c("requested", "申报金额", "requested", "amount", True, synonyms=("申报数",)),
        _c("recommended", "建议金额", "recommended", "amount", True, synonyms=("建议安排金额", "评估建议金额")),
        _c("conclusion", "评估结论", "conclusion", "enum", True, CONCLUSION),
        _c("code", "项目编码", "code", "code", synonyms=_CODE),
        _c("published", "是否公开", "published", "bool", synonyms=_PUBLISHED),
        _c("score_necessity", "立项必要性", "score_necessity", "score"),
        _c("score_economy", "投入经济性", "score_economy", "score"),
        _c("score_targets", "绩效目标合理性", "score_targets", "score"),
        _c("score_feasibility", "实施方案可行性", "score_feasibility", "score"),
        _c("score_compliance", "筹资合规性", "score_compliance", "score"),
    ),
    "indicators": (
        _c("name", "指标名称", "name", "name", True, synonyms=("三级指标",)),
        _c("level1", "一级指标", "level1", "enum", True, LEVEL1),
        _c("level2", "二级指标", "level2", "enum", True, LEVEL2),
        _c("scope", "指标类型", "scope", "enum", True, SCOPE),
        _c("region", "行政区", "region", "region", True, synonyms=_REGION),
        _c("department", "预算单位", "department", "department", synonyms=_DEPT),
        _c("code", "项目编码", "code", "code", synonyms=_CODE),
        _c("year", "预算年度", "year", "year", synonyms=_YEAR),
        _c("unit", "计量单位", "unit", "text"),
        _c("operator", "比较符", "operator", "enum", enum=OPERATOR, synonyms=("指标值比较符",)),
        _c("target", "指标值", "target", "text", synonyms=("目标值",)),
        _c("core", "是否核心", "core", "bool", synonyms=("核心指标",)),
        _c("value_to_date", "截至目前完成值", "value_to_date", "text", synonyms=("1-7月执行情况",)),
        _c("expected_year_end", "全年预计完成值", "expected_year_end", "text"),
        _c("will_meet", "能否完成", "will_meet", "enum", enum=WILL_MEET, synonyms=("能否完成目标",)),
        _c("deviation_category", "偏差原因类别", "deviation_category", "enum", enum=DEVIATION),
        _c("deviation_note", "偏差原因说明", "deviation_note", "text"),
        _c("corrective_measure", "纠偏措施", "corrective_measure", "text", synonyms=("完成目标的措施",)),
    ),
}
AMOUNT_FIELDS = {c.field for cols in COLUMNS.values() for c in cols if c.kind == "amount"}


@dataclass(frozen=True)
class HeaderMatch:
    """A recognised header row: where it is and which column index holds which field."""

    row_index: int  # 0-based in the sheet
    columns: dict[str, int]  # field -> 0-based column index
    units: dict[str, str]  # field -> unit written in the header, if any
    unknown: list[str]  # header texts that match no column
    missing: list[Column]  # required columns not found

    @property
    def excel_row(self) -> int:
        return self.row_index + 1


def match_header(cells: Sequence[object], columns: Sequence[Column]) -> HeaderMatch:
    """Map one row of header texts to the kind's columns (first spelling wins)."""
    lookup: dict[str, Column] = {}
    for column in columns:
        for spelling in column.spellings():
            lookup.setdefault(spelling, column)
    found: dict[str, int] = {}
    units: dict[str, str] = {}
    unknown: list[str] = []
    for i, cell in enumerate(cells):
        if is_blank(cell):
            continue
        k, unit = normalise_header(cell)
        col = lookup.get(k) or lookup.get(key(cell))
        if col is None or col.field in found:
            unknown.append(display(cell))
            continue
        found[col.field] = i
        if unit and lookup.get(k) is col:
            units[col.field] = unit
    missing = [c for c in columns if c.required and c.field not in found]
    return HeaderMatch(-1, found, units, unknown, missing)


def find_header(rows: Sequence[Sequence[object]], columns: Sequence[Column], scan: int = 30) -> HeaderMatch | None:
    """The first row among the first `scan` whose names match every required column, else the best partial.

    Returns None when no row matches at least two columns (nothing looks like a header).
    """
    best: HeaderMatch | None = None
    for i, cells in enumerate(rows[:scan]):
        m = match_header(cells, columns)
        if len(m.columns) < 2:
            continue
        m = HeaderMatch(i, m.columns, m.units, m.unknown, m.missing)
        if not m.missing:
            return m
        if best is None or len(m.columns) > len(best.columns):
            best = m
    return best


# ---- readers -----------------------------------------------------------------------------------
# python-calamine reads .xlsx 7x faster than openpyxl here (benchmarks/bench_excel.py) and .xls too,
# but builds a sheet's whole grid when it opens it: every file is measured first (upload_limits).
@dataclass
class Sheet:
    """One sheet: its name and its cells from A1 (row i is Excel row i + 1)."""

    name: str
    rows: list[list[object]]


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_SPREADSHEET_EXTS = (".xlsx", ".xlsm", ".xls", ".csv", ".ods", ".txt")


def sniff(data: bytes, file_name: str) -> str:
    """The reader for these bytes: 'xlsx', 'xls', 'ods' or 'csv'; raises FileRejected otherwise."""
    ext = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if not data:
        raise FileRejected("empty_file", f"文件“{file_name}”是空文件（0 字节）。")
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data, file_name)
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise FileRejected("encrypted_file", f"文件“{file_name}”设置了打开密码（已加密）。请在 Excel 中取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存再上传。")
        for stream, what in (("WordDocument", "Word 文档"), ("PowerPoint Document", "PowerPoint 演示文稿")):
            if stream.encode("utf-16-le") in data and "Workbook".encode("utf-16-le") not in data:
                raise FileRejected("not_a_spreadsheet",
                                   f"文件“{file_name}”不是电子表格，而是{what}（扩展名可能被改过）。请上传 .xlsx、.xls 或 .csv 文件。")
        return "xls"
    head = data[:4096]
    if _utf16(data) is not None:
        return "csv"  # Excel's "Unicode text" (.txt) export: UTF-16 with a BOM, tab-separated
    if b"\x00" in head.replace(b"\x00\x00", b"") or head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8", b"GIF8", b"{\\rtf")):
        raise FileRejected("not_a_spreadsheet", f"文件“{file_name}”不是电子表格。请上传 .xlsx、.xls 或 .csv 文件。")
    if ext not in ("", ".csv", ".txt"):
        raise FileRejected("corrupt_file" if ext in _SPREADSHEET_EXTS else "not_a_spreadsheet",
                           f"文件“{file_name}”不是有效的 Excel 文件（文件已损坏或扩展名不符）。请在 Excel 中打开后另存为 .xlsx 再上传。")
    return "csv"


_OTHER_OFFICE = (("word/", "Word 文档"), ("ppt/", "PowerPoint 演示文稿"), ("visio/", "Visio 绘图"))


def _sniff_zip(data: bytes, file_name: str) -> str:
    """An Office Open XML or OpenDocument package: a workbook, another Office document, or damaged."""
    import io
    import zipfile

    if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in data[:200]:
        return "ods"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names: list[str] | None = z.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        names = None  # damaged (truncated): judge by the local file headers read so far
    if names is None:
        head = data[:200_000]
        names = [part for part, _ in _OTHER_OFFICE if part.encode() in head]
        if b"xl/" in head or not names:
            return "xlsx"  # a damaged workbook: calamine reports it as corrupt
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    what = next((label for part, label in _OTHER_OFFICE if any(n.startswith(part) for n in names)), "压缩包")
    raise FileRejected("not_a_spreadsheet",
                       f"文件“{file_name}”不是电子表格，而是{what}（扩展名可能被改过）。请上传 .xlsx、.xls 或 .csv 文件。")


def _utf16(data: bytes) -> str | None:
    """The codec of UTF-16 text: by its BOM (FF FE / FE FF), or without one by ASCII beside NUL bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:4096]
    head = head[: len(head) // 2 * 2]
    if len(head) < 4 or b"\x00" not in head:
        return None
    pairs = len(head) // 2
    for codec, low, high in (("utf-16-le", head[0::2], head[1::2]), ("utf-16-be", head[1::2], head[0::2])):
        ascii_chars = sum(1 for lo, hi in zip(low, high, strict=True) if hi == 0 and lo)
        if ascii_chars * 4 < pairs:
            continue
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            continue
        if any(sep in text for sep in "\t,\n") and not any(ord(c) < 32 and c not in "\t\r\n" for c in text):
            return codec
    return None


def decode_text(data: bytes) -> str:
    """CSV text: UTF-16 (Excel's "Unicode text"), UTF-8 (with or without BOM), else GB18030 (Chinese Excel's 'CSV')."""
    codec = _utf16(data)
    if codec is not None:
        try:
            return data.decode(codec).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise FileRejected("not_a_spreadsheet", "文件是 UTF-16 编码的文本（Excel“Unicode 文本”格式），但内容不完整或已损坏，无法读取。"
                                                    "请在 Excel 中另存为 .xlsx 再上传。") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejected("not_a_spreadsheet", "文件编码无法识别（既不是 UTF-8、UTF-16 也不是 GBK/GB18030），不是可读的 CSV 表格。")


def _read_csv(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    """CSV or tab-separated text, bounded while it is read: rows, columns, cells and one cell's length."""
    import csv
    import io

    text = decode_text(data)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    rows: list[list[object]] = []
    cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for row in reader:
            rows.append(list(row))
            cells += len(row)
            n = len(rows)
            if n > limits.rows:
                raise FileRejected("too_many_rows", f"文件“{file_name}”超过 {limits.rows:,} 行，超过单个文件 {limits.max_rows:,} 行的上限。请拆分成多个文件上传。")
            if len(row) > limits.columns:
                raise FileRejected("too_many_columns", f"文件“{file_name}”第{n}行有 {len(row):,} 列，超过 {limits.columns} 列的上限。"
                                                       "请检查分隔符，或删除多余的列后再上传。")
            if cells > limits.cells:
                raise FileRejected("too_many_cells", f"文件“{file_name}”到第{n}行已有 {cells:,} 个单元格，超过单个文件 "
                                                     f"{limits.cells:,} 个单元格的上限。请拆分成多个文件上传。")
            longest = max(map(len, row), default=0)
            if longest > limits.cell_chars:
                raise FileRejected("cell_too_long", f"文件“{file_name}”第{n}行有一个单元格长 {longest:,} 个字符，超过 Excel 单元格 "
                                                    f"{limits.cell_chars:,} 个字符的上限（可能是引号没有配对）。请改正后再上传。")
    except csv.Error as exc:  # a field beyond csv.field_size_limit (131,072 characters), a NUL, ...
        raise FileRejected("cell_too_long" if "field larger" in str(exc) else "corrupt_file",
                           f"文件“{file_name}”第{reader.line_num}行无法读取：" + (
                               f"单元格超过 Excel 单元格 {limits.cell_chars:,} 个字符的上限（可能是引号没有配对）。" if "field larger" in str(exc)
                               else "格式不是有效的 CSV。") + "请在 Excel 中打开后另存为 .xlsx 再上传。") from exc
    return [Sheet("Sheet1", rows)]


_MEASURE = {"xlsx": measure_xlsx, "xls": measure_xls, "ods": measure_ods}


def _read_calamine(data: bytes, file_name: str, fmt: str, limits: Limits) -> list[Sheet]:
    import io

    import python_calamine as pc

    _MEASURE[fmt](data, file_name, limits)  # refuses what would not fit before calamine opens it
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError as exc:
        raise FileRejected("encrypted_file", f"文件“{file_name}”设置了密码，无法读取。请取消密码后另存再上传。") from exc
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise FileRejected("corrupt_file", f"文件“{file_name}”已损坏，无法读取（{exc.__class__.__name__}）。请在 Excel 中打开后另存为 .xlsx 再上传。") from exc
    sheets = []
    try:
        for meta in wb.sheets_metadata:
            if str(meta.typ) not in ("SheetTypeEnum.WorkSheet", "WorkSheet"):
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            rows: list[list[object]] = sheet.to_python(skip_empty_area=False)  # type: ignore[assignment]
            del sheet  # frees calamine's grid before the next sheet is opened
            sheets.append(Sheet(meta.name, rows))
    except Exception as exc:
        raise FileRejected("corrupt_file", f"文件“{file_name}”已损坏，无法读取（{exc.__class__.__name__}）。") from exc
    return sheets


def read_workbook(data: bytes, file_name: str, *, max_rows: int, limits: Limits | None = None) -> list[Sheet]:
    """Every worksheet of an .xlsx/.xlsm/.xls/.ods/.csv file, cells as the reader returns them.

    Nothing is materialised before the file is measured against `limits` (upload_limits): a file
    over a bound raises FileRejected naming the sheet and the bound, whatever it declares.
    """
    limits = limits or Limits(max_rows=max_rows)
    fmt = sniff(data, file_name)
    sheets = _read_csv(data, file_name, limits) if fmt == "csv" else _read_calamine(data, file_name, fmt, limits)
    if not any(any(not is_blank(c) for c in row) for s in sheets for row in s.rows):
        raise FileRejected("empty_file", f"文件“{file_name}”中没有任何数据（工作表为空）。")
    return sheets
