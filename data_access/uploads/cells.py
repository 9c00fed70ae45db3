"""Pure cell parsing for upload files (CONTRACT.md §2).

Every function takes a raw cell value as a reader returns it (str, int, float, bool, date,
datetime, None) and either returns the normalised value or raises `CellError` with an error
code and a Chinese message fragment. The validator adds sheet, row and column around it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from data_access.money import yuan_to_fen

EXCEL_EPOCH = dt.date(1899, 12, 30)
SKIP_PREFIXES = ("合计", "小计", "总计", "其中")
EXAMPLE_SHEET = "填写示例"  # the templates' sheet holding one example row, never read as data
EXAMPLE_MARK = "【示例】"  # marks that row's first cell, so a copy of it is refused too
_EXAMPLE = re.compile(r"^[\[(【（]?示例[\])】）:：]")
_ZERO_MARKS = {"-", "--", "—", "——", "–", "−"}
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# Unicode's format characters (category Cf: zero-width spaces and joiners, BOM, soft hyphen, bidi
# controls): invisible, so a code or name holding one looks like another record's and is not. Removed
# from every cell as it is read. tests/test_parsing.py checks this covers every Cf of the running Python.
INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")


class CellError(ValueError):
    """A cell that cannot be read: `code` is the report's error code, `reason` a Chinese phrase."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# ---- text ------------------------------------------------------------------------------------
# A large file repeats the same texts (a region, a department, 按计划推进) on every row: the text
# functions below remember the last few tens of thousands of strings they normalised. ASCII text
# needs neither the invisible-character pass nor NFKC (both leave ASCII as it is).
_CACHED = 1 << 16


@lru_cache(maxsize=_CACHED)
def _nfkc_text(text: str) -> str:
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", INVISIBLE.sub("", text)).strip()


def nfkc(value: object) -> str:
    """NFKC-normalised text of a cell ('' for None), stripped of surrounding white space."""
    if value is None:
        return ""
    return _nfkc_text(value if type(value) is str else str(value))


@lru_cache(maxsize=_CACHED)
def _blank_text(text: str) -> bool:
    return not (text.strip() if text.isascii() else INVISIBLE.sub("", text).strip())


def is_blank(value: object) -> bool:
    """None, NaN, or text of white space and invisible format characters only. (This is `nfkc(text) ==
    ""`: NFKC maps no character outside white space to white space, nor one inside it to anything
    else; checked over every code point.)"""
    if isinstance(value, str):
        return _blank_text(value)
    return value is None or (isinstance(value, float) and math.isnan(value))


def display(value: object) -> str:
    """A cell as the person typed it, for messages (floats without a trailing .0)."""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    return "" if value is None else str(value).strip()


@lru_cache(maxsize=_CACHED)
def _key_text(text: str) -> str:
    return "".join(_nfkc_text(text).split()).lower()  # str.split() splits where re's \s matches


def key(text: object) -> str:
    """Comparison key for headers, names and enumerations: NFKC, lower case, no white space."""
    if text is None:
        return ""
    return _key_text(text if type(text) is str else str(text))


def example_cell(cells: Sequence[object]) -> object | None:
    """The cell marking a row as the template's example: one of its first three non-empty cells
    beginning with 【示例】 (or [示例], (示例), 示例：, spaces inside allowed) — a clerk may have put a
    序号 column or two in front of the pasted row. None for any other row."""
    filled = 0
    for cell in cells:
        if is_blank(cell):
            continue
        if isinstance(cell, str) and _EXAMPLE.match(key(cell)):
            return cell
        filled += 1
        if filled == 3:
            break
    return None


def should_skip(cells: Sequence[object]) -> bool:
    """Blank rows, and total or breakdown rows (first non-empty cell 合计/小计/总计/其中)."""
    for cell in cells:
        if not is_blank(cell):
            return isinstance(cell, str) and key(cell).startswith(SKIP_PREFIXES)
    return True


# ---- numbers ---------------------------------------------------------------------------------
MAX_NUMBER = Decimal(10) ** 15  # a thousand trillion: beyond any budget, within BIGINT fen


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


def _bounded(d: Decimal) -> Decimal:
    if not d.is_finite() or abs(d) >= MAX_NUMBER:
        raise CellError("not_a_number", "数值过大，不是有效的数字")
    return d


def parse_amount(value: object, yuan_per_unit: int = 1) -> int | None:
    """An amount in the given unit as integer fen (half up to the fen); None when blank."""
    if type(value) is int:  # a whole number: exact without Decimal
        if abs(value) >= MAX_NUMBER:
            raise CellError("not_a_number", "数值过大，不是有效的数字")
        return value * yuan_per_unit * 100
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
    if type(value) is int:
        return int(_bounded(Decimal(value)))
    if type(value) is float and value.is_integer() and abs(value) < MAX_NUMBER:
        return int(value)
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
    return "".join(nfkc(value).split()) or None  # every white space removed (str.split() splits at re's \s)


def parse_text(value: object) -> str | None:
    """Free text as written (full-width punctuation kept), runs of white space made one space."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _spaced_text(value if type(value) is str else str(value))


@lru_cache(maxsize=_CACHED)
def _spaced_text(text: str) -> str | None:
    if not text.isascii():
        text = INVISIBLE.sub("", text)
    return re.sub(r"[\s\u3000]+", " ", text).strip() or None


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


# ---- booleans ------------------------------------------------------------------------------------
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
