"""Finding the header row of a sheet by its names, and the unit each amount column is in.

The header row is found by its names, not its position: each column matches its Chinese name,
its English alias or a synonym, ignoring case, spaces, full-width/half-width differences, `_`
and `-`, and a unit suffix such as `（万元）` (CONTRACT.md §2). A `单位：万元` line above the
header sets the unit of every amount column below it; a unit in the header agrees with it or
the file is refused (`unit_conflict`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from data_access.uploads.cells import EXAMPLE_SHEET, display, is_blank, key
from data_access.uploads.report import ImportReport, Issue, on_sheet

if TYPE_CHECKING:
    from data_access.uploads.read import Sheet
    from data_access.uploads.spec import Column, Spec

MONEY_UNITS = {"元": 1, "千元": 1_000, "万元": 10_000, "百万元": 1_000_000, "亿元": 100_000_000}
_UNIT_SUFFIX = re.compile(r"^(?P<name>.+?)[(\[【<](?P<unit>[^()\[\]【】<>]*)[)\]】>]$")
# The unit must end the phrase: `填报单位：元村街道` names a reporting unit, not the unit 元.
# On key()'d text (NFKC: full-width colon and brackets are ASCII): 单位：万元, 金额单位:元, 单位：人民币万元,
# 单位：万元人民币, 单位（万元）.
_UNIT_LINE = re.compile(
    r"(?:金额)?单位(?::|\()(?:人民币)?(?P<unit>百万元|千元|万元|亿元|元)(?:人民币)?\)?(?![\u3400-\u9fff])")


def normalise_header(text: object) -> tuple[str, str | None]:
    """A header cell as (key, unit): `累计支出（万元）` -> ('累计支出', '万元').

    `Budget Adjusted`, `budget-adjusted` and `budget_adjusted` are one spelling.
    """
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


# ---- choosing the sheet --------------------------------------------------------------------------
def choose_sheet(spec: Spec, specs: Sequence[Spec], sheets: Sequence[Sheet],
                 report: ImportReport) -> tuple[Sheet, HeaderMatch, bool] | None:
    """The first sheet whose header has every required column, its header, and whether the file is one
    of our templates (it has the example sheet); else None with a missing_column error for each column."""
    best: tuple[Sheet, HeaderMatch] | None = None
    template = any(s.name == EXAMPLE_SHEET for s in sheets)
    for sheet in sheets:
        m = find_header(sheet.rows, spec.columns)
        if m is None:
            continue
        if not m.missing:
            return sheet, m, template
        if best is None or len(m.columns) > len(best[1].columns):
            best = (sheet, m)
    if best is None:
        names = "、".join(f"「{c.zh}」({c.alias})" for c in spec.columns if c.required)
        report.errors.append(Issue(sheets[0].name if sheets else None, None, None, "missing_column",
                                   f"没有找到表头：文件中没有一行包含{spec.title}数据的列名。必填列为：{names}。"
                                   "请使用下载的模板，或把表头改成这些列名。"))
        return None
    sheet, m = best
    found = "、".join(display(sheet.rows[m.row_index][i]) for i in m.columns.values())
    hint = _other_kind_hint(spec, specs, sheets)
    for c in m.missing:
        report.errors.append(Issue(sheet.name, m.excel_row, c.zh, "missing_column", on_sheet(
            sheet.name, f"缺少必填列「{c.zh}」（英文别名 {c.alias}）。"
                        f"第{m.excel_row}行的表头中已识别：{found}。{hint}")))
    return None


def _other_kind_hint(spec: Spec, specs: Sequence[Spec], sheets: Sequence[Sheet]) -> str:
    """When the file is complete for another kind, the clerk most likely chose the wrong one."""
    for other in specs:
        if other.kind != spec.kind and any((m := find_header(s.rows, other.columns)) is not None and not m.missing
                                           for s in sheets):
            return f"这个文件的表头与「{other.title}」模板一致，是否选错了数据类型？"
    return ""


# ---- units ----------------------------------------------------------------------------------------
def _unit_line(sheet: Sheet, header: HeaderMatch) -> tuple[str, int, str] | None:
    """The last `单位：万元` line above the header: (unit, Excel row, the cell as typed)."""
    found = None
    for i, cells in enumerate(sheet.rows[: header.row_index]):
        for cell in cells:
            unit = detect_unit_line([cell])
            if unit:
                found = (unit, i + 1, display(cell))
    return found


def amount_factors(spec: Spec, sheet: Sheet, header: HeaderMatch, report: ImportReport) -> dict[str, int]:
    """Yuan per unit of each amount column: the header's unit, else the unit line's, else 元.

    A header unit that disagrees with the unit line is an error naming both: the clerk meant one of them.
    """
    line = _unit_line(sheet, header)
    factors: dict[str, int] = {}
    row = header.excel_row
    for fld, idx in header.columns.items():
        column = spec.by_field[fld]
        if column.type != "amount":
            continue
        text = display(sheet.rows[header.row_index][idx])
        own = header.units.get(fld)
        unit = own or (line[0] if line else "元")
        factor = unit_factor(unit)
        if factor is None:
            report.errors.append(Issue(sheet.name, row, column.zh, "unknown_unit", on_sheet(
                sheet.name, f"第{row}行表头「{text}」的单位“{unit}”无法识别（可用：元、万元、亿元）。")))
            factor = 1
        elif own and line and unit_factor(line[0]) != factor:
            report.errors.append(Issue(sheet.name, row, column.zh, "unit_conflict", on_sheet(
                sheet.name, f"第{row}行表头「{text}」的单位“{own}”与第{line[1]}行“{line[2]}”不一致，"
                            f"无法确定金额是按哪个单位填写的。请删除表头中的单位，或改正第{line[1]}行的单位，使两者一致后再上传。")))
        where = "表头" if own else (f"第{line[1]}行“{line[2]}”" if line else "未写单位，默认")
        report.units[column.zh] = f"{unit}（{where}）"
        factors[fld] = factor
    return factors
