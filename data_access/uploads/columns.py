"""A sheet's data rows read column by column: each distinct value of a column parsed once.

A large file repeats the same cells down a column (a code on twelve rows, one region, one year,
按计划推进); reading them by column costs a fraction of reading every cell of every row through
`validate.parse_cell`. The values are exactly the per-row reader's (`validate.rows_from_sheet`): the
same reader of each column's type, the same range checks, the same rows skipped. This reader is used
only for a clean sheet: every cell reads, every required cell is filled, no row is the template's
example, the rows are of one width and within the row limit. Anything else returns None and the
file goes through the per-row reader, which words each problem (row, column, value) as before.

The rows become `Row` objects only when a check needs them (`Parsed.rows`, `Parsed.row`); the
preview is built when it is read (`LazyPreview`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from data_access.formatting import yuan as _yuan
from data_access.uploads.cells import _EXAMPLE, SKIP_PREFIXES, CellError, display, is_blank, key, should_skip
from data_access.uploads.context import Ctx, Row
from data_access.uploads.headers import HeaderMatch
from data_access.uploads.read import Sheet
from data_access.uploads.report import IN_YUAN
from data_access.uploads.spec import Cell, Column
from data_access.uploads.validate import _OUT_OF_RANGE, cell_reader

_BAD = object()  # a cell the per-row reader would report


def _parser(column: Column, factor: int) -> Callable[[object], Any]:
    """One cell of the column as `validate.parse_cell` stores it (None: nothing stored), or _BAD for a
    cell it reports (unreadable, out of range, a blank required cell)."""
    read = cell_reader(column, factor)
    bound = _OUT_OF_RANGE.get(column.type)
    required = column.required

    def parse(value: object) -> Any:
        try:
            parsed = read(value)
        except CellError:
            return _BAD
        if parsed is None:
            return _BAD if required else None
        if bound is not None and bound[0](parsed):
            return _BAD
        return parsed

    return parse


class _Memo(dict[object, Any]):
    """cell -> parsed, each distinct cell parsed once."""

    def __init__(self, parse: Callable[[object], Any]) -> None:
        super().__init__()
        self.parse = parse

    def __missing__(self, k: object) -> Any:
        value = self[k] = self.parse(k)
        return value


class _TypedMemo(_Memo):
    """(type, cell) -> parsed, for a column of several types: 1, 1.0 and True are equal keys of a dict,
    and read differently."""

    def __missing__(self, k: object) -> Any:
        value = self[k] = self.parse(k[1])  # type: ignore[index]
        return value


def _parse_all(cells: Sequence[object], parse: Callable[[object], Any]) -> tuple[list[Any], bool]:
    """The parsed cells, and whether every one read (the loops run in C: map over a dict's lookup)."""
    if len(set(map(type, cells))) == 1:
        memo: _Memo = _Memo(parse)
        values = list(map(memo.__getitem__, cells))
    else:
        memo = _TypedMemo(parse)
        values = list(map(memo.__getitem__, zip(map(type, cells), cells, strict=True)))
    return values, all(p is not _BAD for p in memo.values())


@dataclass
class Parsed:
    """The data rows of a clean sheet by column: the Excel row of each, and each field's cells and values."""

    numbers: list[int]
    raw: dict[str, Sequence[object]]  # field -> the cells as given, in the sheet's column order
    values: dict[str, list[Any]]  # field -> parsed values (None: blank, nothing stored)
    names: dict[str, str]  # field -> column name (the preview's headers)
    factors: Mapping[str, int]  # amount fields -> yuan per unit
    bools: frozenset[str] = field(default_factory=frozenset)  # 是否 fields: stored even when False

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, i: int) -> Row:
        """The i-th data row as the per-row reader builds it."""
        values = {f: v[i] for f, v in self.values.items() if v[i] is not None or f in self.bools}
        return Row(self.numbers[i], values, {f: cells[i] for f, cells in self.raw.items()})

    def rows(self) -> list[Row]:
        return [self.row(i) for i in range(len(self))]

    def preview_row(self, i: int) -> dict[str, Any]:
        """As `validate.preview` gives it: the cells as typed, and beside each amount the amount in 元."""
        out: dict[str, Any] = {"行": self.numbers[i]}
        for fld, cells in self.raw.items():
            zh = self.names[fld]
            out[zh] = display(cells[i])
            if fld in self.factors:
                fen = self.values[fld][i]
                out[f"{zh}{IN_YUAN}"] = _yuan(fen) if isinstance(fen, int) else ""
        return out


class LazyPreview(Sequence[dict[str, Any]]):
    """The report's preview of a large file, each row built when it is read (the page shows the first few)."""

    def __init__(self, parsed: Parsed) -> None:
        self._parsed = parsed

    def __len__(self) -> int:
        return len(self._parsed)

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self._parsed.preview_row(j) for j in range(len(self))[i]]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self._parsed.preview_row(i % len(self))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._parsed.preview_row(j) for j in range(len(self)))

    def __eq__(self, other: object) -> bool:
        return list(self) == (list(other) if isinstance(other, Sequence) else other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LazyPreview({len(self)} rows)"


def parse_columns(ctx: Ctx, sheet: Sheet, header: HeaderMatch, factors: Mapping[str, int]) -> Parsed | None:
    """The sheet's data rows below the header, read by column; None when the per-row reader must read them."""
    body = sheet.rows[header.row_index + 1:]
    if not body:
        return None
    width = len(body[0])
    if width == 0 or len(set(map(len, body))) != 1:
        return None  # ragged rows (a CSV): the per-row reader pads them
    columns: list[Sequence[object]] = list(zip(*body, strict=True))
    for column in columns:  # a row marked as the template's example is refused by the per-row reader
        for v in set(column):
            if isinstance(v, str) and _EXAMPLE.match(key(v)):
                return None
    keep = _data_rows(columns[0], body)
    if keep is not None:
        columns = [[cells[i] for i in keep] for cells in columns]
    n = len(columns[0])
    if n == 0 or n > ctx.settings.max_upload_rows:
        return None  # the per-row reader says the sheet is empty or too long, naming the row
    offsets = range(len(body)) if keep is None else keep
    start = header.row_index + 2
    numbers = [start + o for o in offsets]
    by_field = ctx.spec.by_field
    raw: dict[str, Sequence[object]] = {}
    values: dict[str, list[Any]] = {}
    for fld, i in header.columns.items():
        cells: Sequence[object] = columns[i] if i < width else [None] * n
        values[fld], read = _parse_all(cells, _parser(by_field[fld], factors.get(fld, 1)))
        if not read:
            return None
        raw[fld] = cells
    bools = frozenset(f for f in header.columns if by_field[f].type == Cell.BOOL)
    return Parsed(numbers, raw, values, {f: c.zh for f, c in by_field.items()}, factors, bools)


def _data_rows(first: Sequence[object], body: Sequence[Sequence[object]]) -> list[int] | None:
    """The offsets of the rows that are data (None: every row): not blank, not a total or breakdown row
    (`cells.should_skip`, decided by the first column's cell unless it is blank)."""
    blank, total = set(), set()
    for v in set(first):
        if is_blank(v):
            blank.add(v)
        elif isinstance(v, str) and key(v).startswith(SKIP_PREFIXES):
            total.add(v)
    if not blank and not total:
        return None
    return [i for i, v in enumerate(first) if v not in total and not (v in blank and should_skip(body[i]))]
