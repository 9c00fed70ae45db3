"""One upload kind as data: its columns, its key, its lookups and its own rules (one `Spec` per KIND).

The specs (kinds/) are read by one reader (headers.py, validate.rows_from_sheet; or
validate.rows_from_records for a form), one validator (validate.py) and one upsert (write.py);
the templates, the upload history, the sample files and the README check read the same specs.
A column's `field` is the name of the model column it is written to, from the spreadsheet to the
database: a column is stored when its field is a column of the spec's model and not part of the
key (the key's fields are written once, on insert).
Columns whose field is no model column are read for a lookup (行政区, 预算单位, 项目编码 → the
`*_id` a lookup resolves) or only checked (a grade beside a score).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel

from data_access.uploads.cells import key as name_key
from data_access.uploads.choices import Enumeration
from data_access.uploads.headers import normalise_header

if TYPE_CHECKING:
    from data_access.uploads.columns import Parsed
    from data_access.uploads.context import Ctx, Row
    from data_access.uploads.write import Written


class Cell(StrEnum):
    """How a cell is read (validate.parse_cell) and explained (templates.TYPE_HELP)."""

    CODE = "code"
    NAME = "name"
    TEXT = "text"
    AMOUNT = "amount"
    RATE = "rate"
    SCORE = "score"
    INT = "int"
    YEAR = "year"
    MONTH = "month"
    DATE = "date"
    BOOL = "bool"
    DEPARTMENT = "department"
    REGION = "region"
    ENUM = "enum"


class Synonyms:
    """Header spellings several kinds accept."""

    DEPARTMENT = ("预算部门", "部门", "单位", "单位名称", "部门名称", "预算单位名称")
    REGION = ("区", "地区", "区域", "行政区划")
    CODE = ("项目代码", "项目编号")
    YEAR = ("年度", "预算年份")
    PUBLISHED = ("公开", "是否公开发布")


# Model columns a lookup fills (written like any other value unless they are part of the key).
LOOKUP_FIELDS = ("region_id", "department_id", "project_id", "evaluation_id")

# A check of one row (a lookup or a rule of the kind): False stops the row's later checks. A check
# may have `prepare(ctx, rows)`, run once before the rows (to load what the lookups need).
Check = Callable[["Ctx", "Row"], bool | None]


@dataclass(frozen=True)
class Column:
    """One upload column: the field (model column), its Chinese header, English alias and cell type.

    `cell` is a Cell type or an Enumeration (then the type is Cell.ENUM). `example` fills the
    template's example row. `blank_writes_null`: a blank cell clears the stored value instead of
    keeping it (a monitoring month's budget: blank means carried from earlier months).
    """

    field: str
    zh: str
    alias: str
    cell: Cell | Enumeration
    required: bool = False
    synonyms: tuple[str, ...] = ()
    example: object = ""
    blank_writes_null: bool = False

    @cached_property
    def type(self) -> Cell:
        return Cell.ENUM if isinstance(self.cell, Enumeration) else self.cell

    @cached_property
    def enum(self) -> Enumeration | None:
        return self.cell if isinstance(self.cell, Enumeration) else None

    @property
    def header(self) -> str:
        """The template's header: amounts name their unit."""
        return f"{self.zh}（元）" if self.type == Cell.AMOUNT else self.zh

    def spellings(self) -> set[str]:
        return {normalise_header(s)[0] for s in (self.zh, self.alias, *self.synonyms)}


@dataclass(frozen=True)
class Spec:
    """An upload kind: what is read, how rows are keyed, checked and written."""

    kind: str
    title: str  # 项目, 执行监控, … (messages, templates, the upload page)
    model: type[SQLModel]
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # model fields of CONTRACT.md's key; names compare by cells.key
    checks: tuple[Check, ...] = ()  # lookups and the kind's own rules, in order, for each row
    record: str = ""  # what a stored record is called in a scope message (default: the title)
    history: tuple[str, ...] = ()  # model fields the upload history lists for a batch
    same_row_ignores: tuple[str, ...] = ()  # fields two rows of one key may differ in and still be "the same row"
    # Warnings over the file's rows merged with the stored records (unique rows, stored by key).
    warnings: Callable[[Ctx, list[Row], dict[tuple, Any]], None] | None = None
    # Values a row writes beyond its columns (row, the stored record or None).
    extra_values: Callable[[Ctx, Row, Any], dict[str, Any]] | None = None
    before_write: Callable[[Ctx, list[Row]], None] | None = None  # e.g. create what the rows name
    after_write: Callable[[Ctx, list[Written]], None] | None = None  # e.g. a status history
    lookup_labels: dict[str, str] = field(default_factory=dict)  # history headers of lookup fields
    # The checks and the write of a clean file read by column (columns.py), giving what the per-row checks and
    # write give; False (nothing done) sends the rows to the per-row checks. (ctx, parsed, dry_run)
    bulk: Callable[[Ctx, Parsed, bool], bool] | None = None

    @cached_property
    def by_field(self) -> dict[str, Column]:
        return {c.field: c for c in self.columns}

    @cached_property
    def model_fields(self) -> frozenset[str]:
        return frozenset(self.model.__table__.columns.keys())  # type: ignore[attr-defined]

    @cached_property
    def stored(self) -> tuple[Column, ...]:
        """Columns written to the model on insert and update (not the key's, not 是否公开)."""
        return tuple(c for c in self.columns
                     if c.field in self.model_fields and c.field not in self.key and c.field != "published")

    @cached_property
    def stored_plan(self) -> tuple[tuple[str, bool, bool], ...]:
        """(field, is a 是否 column, a blank clears it) of each stored column, for writing row after row."""
        return tuple((c.field, c.type == Cell.BOOL, c.blank_writes_null) for c in self.stored)

    @cached_property
    def lookups_written(self) -> tuple[str, ...]:
        """Model columns a lookup fills that are written as values (those outside the key)."""
        return tuple(f for f in LOOKUP_FIELDS if f in self.model_fields and f not in self.key)

    @cached_property
    def publishable(self) -> bool:
        return "published" in self.by_field and "published_at" in self.model_fields

    @cached_property
    def name_fields(self) -> frozenset[str]:
        return frozenset(f for f in self.key if f in self.by_field and self.by_field[f].type == Cell.NAME)

    @cached_property
    def scope_on_stored(self) -> bool:
        """The key names no department: the stored record a key resolves to may be another department's."""
        return "department_id" in self.model_fields and "department_id" not in self.key

    @cached_property
    def _key_parts(self) -> tuple[tuple[str, bool], ...]:
        return tuple((f, f in self.name_fields) for f in self.key)

    def row_key(self, row: Row) -> tuple:
        """The row's key: resolved ids, else parsed values; names by their comparison key."""
        resolved, values = row.resolved, row.values
        return tuple([name_key(v) if is_name else v
                      for f, is_name in self._key_parts
                      for v in (resolved[f] if f in resolved else values.get(f),)])

    def values_key(self, values: Sequence[Any]) -> tuple:
        """The key of stored values given in the order of the key's fields (names by their comparison key)."""
        if not self.name_fields:
            return tuple(values)
        return tuple(name_key(v) if is_name else v for (_f, is_name), v in zip(self._key_parts, values, strict=True))

    def record_key(self, record: Any) -> tuple:
        return self.values_key([getattr(record, f) for f in self.key])

    def model_default(self, fld: str) -> Any:
        default = self.model.model_fields[fld].default
        return None if default is PydanticUndefined else default

    def column_label(self, fld: str) -> str:
        """A model field's header in the upload history: the column's, else the lookup's."""
        column = next((c for c in self.columns if c.field == fld), None)
        return column.header if column else self.lookup_labels.get(fld, fld)
