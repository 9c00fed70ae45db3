"""The one validator: rows from any source (a sheet, or records typed in a form) checked by the spec.

1. Cells are parsed by their column's cell type (no database): a cell that cannot be read, a blank
   required cell, or a value out of range is an error naming the row, the column and the value.
2. Every row runs the spec's checks in order (lookups and the kind's rules); a False stops the row.
3. Two rows of one key: identical ones are a warning (kept once), different ones an error.
4. The stored records of the file's keys are loaded: where the key names no department, the record
   a key resolves to must be the user's to change; the kind's warnings compare with them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from sqlalchemy import select

from data_access.formatting import yuan as _yuan
from data_access.uploads.cells import (
    EXAMPLE_MARK,
    CellError,
    display,
    example_cell,
    parse_amount,
    parse_bool,
    parse_code,
    parse_date,
    parse_department,
    parse_int,
    parse_name,
    parse_rate,
    parse_score,
    parse_text,
    should_skip,
)
from data_access.uploads.context import Ctx, Row
from data_access.uploads.headers import HeaderMatch
from data_access.uploads.read import Sheet
from data_access.uploads.report import IN_YUAN, Issue, on_sheet
from data_access.uploads.spec import Cell, Column
from data_access.uploads.write import among

PROGRESS_EVERY = 2000  # rows between two progress reports while reading
Progress = Callable[[float, str], None]


class UsageError(ValueError):
    """An unknown KIND, or records naming fields the kind does not have (exit status 2)."""


# ---- cells ------------------------------------------------------------------------------------------
_READ: dict[str, Callable[[object], Any]] = {  # cell type -> reader (amounts: cell_reader binds the unit)
    Cell.CODE: parse_code,
    Cell.NAME: parse_name,
    Cell.REGION: parse_name,
    Cell.TEXT: parse_text,
    Cell.DEPARTMENT: parse_department,
    Cell.YEAR: partial(parse_int, suffixes="年"),
    Cell.MONTH: partial(parse_int, suffixes="月"),
    Cell.INT: partial(parse_int, suffixes="条个项"),
    Cell.SCORE: parse_score,
    Cell.RATE: parse_rate,
    Cell.DATE: parse_date,
    Cell.BOOL: parse_bool,
}
_OUT_OF_RANGE: dict[str, tuple[Callable[[Any], bool], str, str]] = {  # a value read but not allowed
    Cell.AMOUNT: (lambda x: x < 0, "negative_amount", "是负数，金额不能小于 0。"),
    Cell.YEAR: (lambda x: not 1990 <= x <= 2100, "invalid_year", "不是有效的预算年度（应为 4 位年份，如 2023）。"),
    Cell.MONTH: (lambda x: not 1 <= x <= 12, "month_out_of_range", "不在 1–12 之间。"),
    Cell.INT: (lambda x: x < 0, "not_a_number", "不能是负数。"),
    Cell.SCORE: (lambda x: not 0 <= x <= 10000, "score_out_of_range", "不在 0–100 分之间。"),
    Cell.RATE: (lambda x: x < 0, "not_a_number", "不能是负数。"),
}


def cell_reader(column: Column, factor: int = 1) -> Callable[[object], Any]:
    """The reader of one column's cells (its type's parser, bound to the unit's factor for an amount)."""
    if column.enum is not None:
        return column.enum.parse
    if column.type == Cell.AMOUNT:
        return partial(parse_amount, yuan_per_unit=factor)
    return _READ[column.type]


def parse_cell(ctx: Ctx, row: Row, column: Column, value: object, factor: int = 1,
               reader: Callable[[object], Any] | None = None) -> None:
    """Read one cell into row.values by its column's type, or an error naming the cell."""
    fld, kind = column.field, column.type
    try:
        parsed = (reader or cell_reader(column, factor))(value)
    except CellError as exc:
        ctx.error(row, fld, exc.code, f"{ctx.cell(row, fld)}{exc.reason}。")
        return
    if parsed is not None:
        bound = _OUT_OF_RANGE.get(kind)
        if bound is not None and bound[0](parsed):
            ctx.error(row, fld, bound[1], f"{ctx.cell(row, fld)}{bound[2]}")
            return
    elif column.required:
        ctx.error(row, fld, "required", f"{row.label}「{column.zh}」不能为空。")
        return
    if parsed is not None or kind == Cell.BOOL:
        row.values[fld] = parsed


def preview(row: Row, names: Mapping[str, str], factors: Mapping[str, int]) -> dict[str, Any]:
    """The row as typed; beside each amount, the amount understood in 元 (so the clerk sees the unit read).

    `names`: field -> column name, `factors`: the amount columns' fields -> yuan per unit.
    """
    out: dict[str, Any] = {"行": row.number}
    for fld, value in row.raw.items():
        zh = names[fld]
        out[zh] = display(value)
        if fld in factors:
            fen = row.values.get(fld)
            out[f"{zh}{IN_YUAN}"] = _yuan(fen) if isinstance(fen, int) else ""
    return out


# ---- sources of rows ------------------------------------------------------------------------------
def rows_from_sheet(ctx: Ctx, sheet: Sheet, header: HeaderMatch, factors: Mapping[str, int],
                    progress: Progress | None = None) -> list[Row]:
    """The data rows below the header, parsed; blank, total and breakdown rows skipped."""
    columns = ctx.spec.by_field
    names = {f: c.zh for f, c in columns.items()}
    report, max_rows = ctx.report, ctx.settings.max_upload_rows
    readers = [(fld, i, columns[fld], cell_reader(columns[fld], factors.get(fld, 1)))
               for fld, i in header.columns.items()]
    rows: list[Row] = []
    previews: list[dict[str, Any]] = []
    report.preview = previews
    start = header.row_index + 1
    body = sheet.rows
    for offset in range(len(body) - start):
        cells = body[start + offset]
        if progress and offset % PROGRESS_EVERY == 0:
            progress(0.4 * offset / max(len(body) - start, 1), "读取数据行")
        if should_skip(cells):
            continue
        number = header.row_index + 2 + offset
        report.rows_total += 1
        if report.rows_total > max_rows:
            report.errors.append(Issue(sheet.name, number, None, "too_many_rows", on_sheet(
                sheet.name, f"数据超过单个文件 {max_rows:,} 行的上限（第{number}行起）。"
                            "请拆分成多个文件上传。")))
            break
        width = len(cells)
        raw = {fld: (cells[i] if i < width else None) for fld, i, _c, _r in readers}
        row = Row(number, {}, raw)
        marked = example_cell(cells)
        if marked is not None:
            first = display(marked)
            ctx.error(row, None, "example_row", f"第{number}行是模板中的示例行（“{first}”），不能作为数据导入。"
                                                f"请删除这一行，或改成实际数据并去掉“{EXAMPLE_MARK}”。")
        for fld, _i, column, reader in readers:
            parse_cell(ctx, row, column, raw[fld], reader=reader)
        previews.append(preview(row, names, factors))
        rows.append(row)
    return rows


def rows_from_records(ctx: Ctx, records: Sequence[Mapping[str, object]]) -> list[Row]:
    """Records given as field -> value as typed (a data-entry form), amounts in 元: one row each.

    A record is read like a sheet holding every column it names and every required one: a required
    field left out is a blank required cell, an optional one left out is a column not given.
    """
    spec = ctx.spec
    unknown = sorted({f for r in records for f in r} - set(spec.by_field))
    if unknown:
        raise UsageError(f"“{spec.kind}”没有这些字段：{'、'.join(unknown)}（可用：{'、'.join(spec.by_field)}）")
    rows = []
    previews: list[dict[str, Any]] = []
    ctx.report.preview = previews
    for number, record in enumerate(records, start=1):
        raw = {c.field: record.get(c.field) for c in spec.columns if c.field in record or c.required}
        row = Row(number, {}, raw, label="" if len(records) == 1 else f"第{number}条")
        ctx.report.rows_total += 1
        for fld, value in raw.items():
            parse_cell(ctx, row, spec.by_field[fld], value)
        previews.append(preview(row, {c.field: c.zh for c in spec.columns}, {}))
        rows.append(row)
    return rows


# ---- rows against each other and the database ------------------------------------------------------
def validate(ctx: Ctx, rows: list[Row], dry_run: bool) -> tuple[list[Row], dict[tuple, Any]]:
    """Run the spec's checks; the rows to write (one per key) and the stored records of their keys."""
    spec = ctx.spec
    for check in spec.checks:
        prepare = getattr(check, "prepare", None)
        if prepare is not None:
            prepare(ctx, rows)
    for row in rows:
        if not row.ok:
            continue
        for check in spec.checks:
            if check(ctx, row) is False:
                break
    ctx.report.periods.update((r.values["year"], r.values.get("month") or 0) for r in rows
                              if isinstance(r.values.get("year"), int))
    unique = check_duplicates(ctx, rows)
    scoped = ctx.allowed_department_ids is not None
    existing: dict[tuple, Any] = {}
    if (not ctx.report.errors and not dry_run) or spec.warnings is not None or (scoped and spec.scope_on_stored):
        existing = load_existing(ctx, unique)
    if scoped and spec.scope_on_stored:
        _stored_in_scope(ctx, unique, existing)
    if spec.warnings is not None:
        spec.warnings(ctx, unique, existing)
    return unique, existing


def check_duplicates(ctx: Ctx, rows: list[Row]) -> list[Row]:
    """Same key twice: identical rows are a warning (kept once), different values an error."""
    spec = ctx.spec
    ignored = set(spec.same_row_ignores)

    def compare(r: Row) -> dict[str, Any]:
        return {k: v for k, v in r.values.items() if k not in ignored}

    seen: dict[tuple, Row] = {}
    unique: list[Row] = []
    for row in rows:
        if not row.ok:
            continue
        k = row.key = spec.row_key(row)
        first = seen.get(k)
        if first is None:
            seen[k] = row
            unique.append(row)
        elif compare(first) == compare(row):
            ctx.warn(row, None, "duplicate_row", f"{row.label}与{first.label}完全相同，只导入一次。")
        else:
            a, b = compare(first), compare(row)
            diff = [ctx.col(f) for f in sorted(set(a) | set(b)) if a.get(f) != b.get(f)]
            ctx.error(row, None, "duplicate_key_conflict",
                      f"{row.label}与{first.label}是同一条记录（{_describe_key(ctx, row)}），"
                      f"但「{'」「'.join(diff)}」不同。请删除其中一行或改正。")
    return unique


def _describe_key(ctx: Ctx, row: Row) -> str:
    parts = []
    for fld in ("region", "year", "code", "finding_code", "department", "subject", "method", "name", "month"):
        if fld in row.raw and row.raw[fld] not in (None, ""):
            parts.append(f"{ctx.col(fld)} {display(row.raw[fld])}")
    return "，".join(parts)


def load_existing(ctx: Ctx, rows: list[Row]) -> dict[tuple, Any]:
    """The stored records of the rows' keys, by key (selected by the key's first field, in chunks)."""
    spec = ctx.spec
    first = spec.key[0]
    wanted = sorted({r.key[0] for r in rows if isinstance(r.key[0], int)})  # type: ignore[index]
    # Plain rows (attribute access like the model's), not ORM objects: a tenth of the time and memory
    # for a hundred thousand records, and nothing for the session to track.
    table = spec.model.__table__  # type: ignore[attr-defined]
    column = table.c[first]
    existing: dict[tuple, Any] = {}
    connection = ctx.session.connection()
    for condition in among(connection, column, wanted):
        for record in connection.execute(select(table).where(condition)).all():
            existing[spec.record_key(record)] = record
    return existing


def _stored_in_scope(ctx: Ctx, rows: list[Row], existing: dict[tuple, Any]) -> None:
    """A key without a department may name another department's record: it would move to the row's."""
    spec = ctx.spec
    fld = spec.key[-1]
    for row in rows:
        current = existing.get(row.key)  # type: ignore[arg-type]
        if current is not None:
            ctx.in_scope(row, current.department_id, fld, existing=True,
                         record=f"{spec.record or spec.title}（{row.resolved['region'].name}{current.year}年度）")
