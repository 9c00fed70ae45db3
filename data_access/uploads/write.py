"""The one upsert: every kind's rows written by the spec's key, the earlier values kept in audit_log.

A row's values are its stored columns (a blank optional cell keeps the stored value; a 是否 column
always writes), the ids its lookups resolved outside the key, 是否公开 with who published when, and
the kind's extra values. A new key inserts, with the model's defaults for what the row leaves
blank; a changed record is updated and its earlier values go to audit_log; the same is counted
unchanged. A model with a `batch_id` column records the batch on every row it writes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # C, as json.dumps uses
from typing import TYPE_CHECKING, Any

from sqlalchemy import ARRAY, ColumnElement, Connection, CursorResult, DateTime, Table, any_, bindparam, insert, update

from data_access.models import AuditLog

if TYPE_CHECKING:
    from data_access.uploads.context import Ctx, Row
    from data_access.uploads.spec import Spec

CHUNK_IDS = 900  # values in one IN (…): under SQLite's old limit of 999 parameters
CHUNK_ROWS = 2000  # rows in one executemany INSERT or UPDATE


def among(conn: Connection, column: ColumnElement[Any], values: Sequence[Any]) -> Iterator[ColumnElement[bool]]:
    """`column IN values` as the conditions of one statement each. On PostgreSQL a single `= ANY(array)` with
    the values as one parameter: an IN list of 900 placeholders a statement cost SQLAlchemy and psycopg
    0.25 s of expanding and parsing for a 100,000-row file's projects. Elsewhere IN lists of CHUNK_IDS."""
    if conn.dialect.name == "postgresql":
        if values:
            yield column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
        return
    for start in range(0, len(values), CHUNK_IDS):
        yield column.in_(values[start:start + CHUNK_IDS])


@dataclass
class Written:
    """One record of an import: its key, the values the row wrote, its id, and the earlier values
    of the fields it changed ({} unchanged, None inserted)."""

    key: tuple
    values: dict[str, Any]
    id: int | None = None
    before: dict[str, Any] | None = field(default=None)


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def publish_fields(ctx: Ctx, row: Row, current: Any) -> dict[str, Any]:
    """是否公开: absent column or blank = not published; keep the first publication's time."""
    if row.values.get("published", False):
        if current is not None and current.published:
            return {"published": True}
        return {"published": True, "published_at": ctx.now, "published_by": ctx.user}
    return {"published": False, "published_at": None, "published_by": None}


def row_values(ctx: Ctx, row: Row, current: Any) -> dict[str, Any]:
    """What the row writes, beyond its key."""
    spec = ctx.spec
    resolved, given = row.resolved, row.values
    values = {f: resolved[f] for f in spec.lookups_written if f in resolved}
    for fld, is_bool, blank_writes_null in spec.stored_plan:
        if is_bool:
            values[fld] = bool(given.get(fld, False))
        elif fld in given:
            values[fld] = given[fld]
        elif blank_writes_null:
            values[fld] = None
    if spec.publishable:
        values.update(publish_fields(ctx, row, current))
    if spec.extra_values is not None:
        values.update(spec.extra_values(ctx, row, current))
    return values


def write(ctx: Ctx, rows: list[Row], existing: dict[tuple, Any]) -> list[Written]:
    """Write the file's rows (validated, one per key) through the one upsert."""
    spec = ctx.spec
    if spec.before_write is not None:
        spec.before_write(ctx, rows)
    defaults = {f: spec.model_default(f) for f in (*(c.field for c in spec.stored), *spec.lookups_written)}
    if spec.publishable:
        defaults.update(published_at=None, published_by=None)
    records: list[tuple[Written, Any, dict[str, Any] | None]] = []
    for row in rows:
        k = spec.row_key(row) if spec.before_write is not None or row.key is None else row.key
        current = existing.get(k)
        values = row_values(ctx, row, current)
        new = None
        if current is None:
            new = {**defaults, **{f: row.resolved[f] if f in row.resolved else row.values.get(f) for f in spec.key},
                   **values}
        records.append((Written(k, values), current, new))
    written = upsert(ctx, records)
    if spec.after_write is not None:
        spec.after_write(ctx, written)
    return written


@dataclass
class Changes:
    """What an import writes: new rows (each with its Written, or as columns), and for stored records that
    changed, the new values by set of changed columns (`(id, *values)` in the order of the columns) and each
    one's audit entry `(record id, detail_json)`."""

    new_rows: list[dict[str, Any]] = field(default_factory=list)
    inserted: list[Written] = field(default_factory=list)
    # New rows given a column at a time instead (kinds/monitoring.bulk): the columns, each row's values in that
    # order, each row's key (the ids come back in this order) and the values every row shares.
    new_columns: tuple[str, ...] = ()
    new_values: list[tuple[Any, ...]] = field(default_factory=list)
    new_keys: list[tuple] = field(default_factory=list)
    new_same: dict[str, Any] = field(default_factory=dict)
    updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = field(default_factory=dict)
    audits: list[tuple[int, str]] = field(default_factory=list)
    unchanged: int = 0


def json_value(value: Any) -> str:
    """A value as `json.dumps(jsonable(value), ensure_ascii=False)` writes it, faster for ints, text and None."""
    kind = type(value)
    if kind is int:
        return int.__repr__(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    return _JSON.encode(jsonable(value))


def audit_detail(before: dict[str, Any], after: dict[str, Any]) -> str:
    """An update's audit entry, `{"before": {field: value, …}, "after": {…}}` as json.dumps(ensure_ascii=False)
    writes it: the earlier and the new values of the fields it changed."""
    return AUDIT_DETAIL % (", ".join(f"{encode_basestring(f)}: {json_value(v)}" for f, v in before.items()),
                           ", ".join(f"{encode_basestring(f)}: {json_value(v)}" for f, v in after.items()))


AUDIT_DETAIL = '{"before": {%s}, "after": {%s}}'


def upsert(ctx: Ctx, records: list[tuple[Written, Any, dict[str, Any] | None]]) -> list[Written]:
    """Insert new keys, update changed records (their earlier values into audit_log), count the same.

    `records` are (what is written, the stored record or None, the full new row when there is none).
    """
    stamps = {"batch_id": ctx.batch_id} if "batch_id" in ctx.spec.model_fields else {}
    plan = Changes()
    for w, current, new in records:
        if current is None:
            plan.new_rows.append({**new, **stamps})  # type: ignore[dict-item]
            plan.inserted.append(w)
            continue
        changed = {f: v for f, v in w.values.items() if getattr(current, f) != v}
        w.id, w.before = current.id, {f: getattr(current, f) for f in changed}
        if not changed:
            plan.unchanged += 1
            continue
        columns = tuple(sorted([*changed, *stamps]))
        values = {**changed, **stamps}
        plan.updates.setdefault(columns, []).append((current.id, *(values[c] for c in columns)))
        plan.audits.append((current.id, audit_detail(w.before, changed)))
    apply(ctx, plan)
    return [w for w, _c, _n in records]


def apply(ctx: Ctx, plan: Changes) -> None:
    """Run an import's statements: Core statements in batches, never ORM objects. On SQLite one
    executemany per statement; on PostgreSQL the rows go by COPY into a temporary table and one INSERT or
    UPDATE takes them from there. The inserted records' ids go to their Written; the report counts."""
    model = ctx.spec.model
    table = str(model.__tablename__)
    conn, tab = ctx.session.connection(), model.__table__  # type: ignore[attr-defined]
    bulk = _Copy(conn) if _Copy.usable(conn) else None
    if plan.new_rows:  # rows as dicts (the per-row write): as columns, every column any row gives
        columns = sorted({k for r in plan.new_rows for k in r})
        plan.new_columns, plan.new_keys = tuple(columns), [w.key for w in plan.inserted]
        plan.new_values = [tuple(map(r.get, columns)) for r in plan.new_rows]
    ids: list[int] = []
    if plan.new_values:
        ids = _insert(conn, bulk, tab, ctx.spec, plan)
        if plan.inserted:  # the per-row write's records get their ids
            for w, i in zip(plan.inserted, ids, strict=True):
                w.id = i
    # One statement per set of changed columns: the ORM's bulk update by primary key issued a
    # statement each time consecutive rows changed different columns, and then synchronised the
    # session's objects (10,000 monitoring rows: over a thousand statements).
    updated = 0
    for changed_columns, params in plan.updates.items():
        updated += len(params)
        if bulk is not None:
            bulk.update(tab, changed_columns, params)
        elif conn.dialect.paramstyle == "qmark":
            _executemany_update(conn, tab, changed_columns, params)
        else:
            upd = update(tab).where(tab.c.id == bindparam("_id")).values(
                {c: bindparam(f"_{c}") for c in changed_columns})
            names = ["_id", *(f"_{c}" for c in changed_columns)]
            for start in range(0, len(params), CHUNK_ROWS):
                conn.execute(upd, [dict(zip(names, p, strict=True)) for p in params[start:start + CHUNK_ROWS]])
    if plan.audits:
        audit_table = AuditLog.__table__  # type: ignore[attr-defined]
        same = {"actor": ctx.user, "action": "import_update", "entity": table, "batch_id": ctx.batch_id,
                "at": ctx.now}
        columns = [*same, "entity_id", "detail_json"]
        if bulk is not None:
            bulk.insert_rows(audit_table, ["entity_id", "detail_json"], plan.audits, same)
        elif conn.dialect.paramstyle == "qmark":
            _executemany_insert(conn, audit_table, columns, list(same.values()), plan.audits)
        else:
            conn.execute(insert(audit_table), [{**same, "entity_id": i, "detail_json": d} for i, d in plan.audits])
    if ids:
        ctx.session.add(AuditLog(actor=ctx.user, action="import_insert", entity=table, batch_id=ctx.batch_id,
                                 at=ctx.now, detail_json=json.dumps({"ids": ids})))
    ctx.report.inserted += len(ids)
    ctx.report.updated += updated
    ctx.report.unchanged += plan.unchanged


def _insert(conn: Connection, bulk: _Copy | None, tab: Table, spec: Spec, plan: Changes) -> list[int]:
    """Insert the plan's new rows; their ids in the order of `plan.new_keys`. A column no row gives takes its
    Python-side default, as an INSERT statement applies it."""
    same = plan.new_same
    columns, rows = _with_defaults(tab, [*plan.new_columns, *same], plan.new_columns, plan.new_values)
    if bulk is not None:
        return bulk.insert(tab, columns, rows, same, spec, plan.new_keys)
    if conn.dialect.paramstyle == "qmark":
        # SQLite: one executemany without RETURNING (which sqlalchemy runs a row at a time there), then the
        # ids above the largest id before it: SQLite numbers new rows from there, and the import holds the
        # write lock, so nothing else has inserted meanwhile.
        quote = conn.dialect.identifier_preparer.quote
        first = conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {quote(tab.name)}").scalar_one()
        _executemany_insert(conn, tab, [*same, *columns], list(same.values()), rows)
        n, low, high = conn.exec_driver_sql(f"SELECT count(*), min(id), max(id) FROM {quote(tab.name)} "
                                            "WHERE id > ?", (first,)).one()
        if (n, low, high) == (len(rows), first + 1, first + len(rows)):
            return list(range(first + 1, first + len(rows) + 1))  # each row took the largest id + 1, in turn
        keys = ", ".join(quote(f) for f in spec.key)
        new = conn.exec_driver_sql(f"SELECT id, {keys} FROM {quote(tab.name)} WHERE id > ?", (first,)).all()
        return _ids_by_key(spec, new, plan.new_keys)
    names = [*same, *columns]
    stmt = insert(tab).returning(tab.c.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = [dict(zip(names, (*same.values(), *r), strict=True)) for r in rows[start:start + CHUNK_ROWS]]
        ids.extend(conn.execute(stmt, chunk).scalars().all())
    return ids


def _ids_by_key(spec: Spec, records: Sequence[Any], keys: list[tuple]) -> list[int]:
    """The ids of newly inserted `records` (id, *the spec's key fields) in the order of `keys`."""
    if len(records) != len(keys):
        raise RuntimeError(f"inserted {len(keys)} rows into {spec.kind} but found {len(records)}")
    by_key = {spec.values_key(r[1:]): r[0] for r in records}
    return [by_key[k] for k in keys]


def _with_defaults(tab: Table, given: Sequence[str], columns: Sequence[str],
                   rows: list[tuple[Any, ...]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """`columns` and `rows` with the Python-side default of each column of `tab` outside `given` appended."""
    defaults: list[Any] = [c.default for c in tab.columns if c.name not in given and c.default is not None
                           and (c.default.is_scalar or c.default.is_callable)]
    if not defaults:
        return list(columns), rows
    fixed = [d.arg for d in defaults if d.is_scalar]
    if len(fixed) == len(defaults):
        return [*columns, *(d.column.name for d in defaults)], [(*r, *fixed) for r in rows]

    def values(row: tuple[Any, ...]) -> tuple[Any, ...]:
        params = _Parameters(dict(zip(columns, row, strict=True)))
        return (*row, *(d.arg if d.is_scalar else d.arg(params) for d in defaults))

    return [*columns, *(d.column.name for d in defaults)], list(map(values, rows))


def _bound(conn: Connection, tab: Table, columns: Sequence[str]) -> list[Any]:
    """Each column's bind processor (None where the driver takes the value as it is)."""
    return [tab.c[c].type.bind_processor(conn.dialect) for c in columns]


def _executemany_update(conn: Connection, tab: Table, columns: Sequence[str], changes: list[tuple[Any, ...]]) -> None:
    """SQLite: one prepared UPDATE by id run by the driver over every change `(id, *values)` (numbered
    parameters, so the tuples go to the driver as they are unless a column's type converts its values)."""
    quote = conn.dialect.identifier_preparer.quote
    processors = _bound(conn, tab, columns)
    sql = (f"UPDATE {quote(tab.name)} SET {', '.join(f'{quote(c)} = ?{n}' for n, c in enumerate(columns, start=2))} "
           "WHERE id = ?1")
    if any(processors):
        changes = [(ch[0], *(p(v) if p else v for v, p in zip(ch[1:], processors, strict=True))) for ch in changes]
    conn.exec_driver_sql(sql, changes)


def _executemany_insert(conn: Connection, tab: Table, columns: Sequence[str], same: Sequence[Any],
                        rows: list[tuple[Any, ...]]) -> None:
    """SQLite: one prepared INSERT run by the driver over every row: the first columns take the values `same`
    (for every row, converted once), the others each row's tuple (types the driver takes as they are)."""
    quote = conn.dialect.identifier_preparer.quote
    processors = _bound(conn, tab, columns)
    # Converted once, as the driver would convert them for every row (sqlite3's adapters: a datetime's text).
    fixed = tuple(_adapt(p(v) if p else v) for v, p in zip(same, processors, strict=False))
    own = processors[len(same):]
    if any(own):
        rows = [tuple(p(v) if p else v for v, p in zip(r, own, strict=True)) for r in rows]
    sql = (f"INSERT INTO {quote(tab.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join('?' for _ in columns)})")
    conn.exec_driver_sql(sql, list(map(fixed.__add__, rows)))  # (*fixed, *row) for each row, the loop in C


def _adapt(value: Any) -> Any:
    """A value as sqlite3 passes it to SQLite (its registered adapter, e.g. a datetime's isoformat(" "))."""
    import sqlite3

    adapter = sqlite3.adapters.get((type(value), sqlite3.PrepareProtocol))
    return adapter(value) if adapter is not None else value


@dataclass
class _Parameters:
    """What a column default that reads the row's other values (`context.get_current_parameters()`) is given."""

    row: dict[str, Any]

    def get_current_parameters(self) -> dict[str, Any]:
        return self.row


_JSON = json.JSONEncoder(ensure_ascii=False)  # one encoder: json.dumps(ensure_ascii=False) builds one a call


class _Copy:
    """PostgreSQL (psycopg 3): rows sent by COPY into a temporary table (dropped at commit), then one
    INSERT ... SELECT or UPDATE ... FROM it. Timestamps go through `timestamptz` columns, so the server
    converts them exactly as it converts a bound parameter."""

    _serial = itertools.count(1)  # temporary tables' names: unique in a session however often it writes

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @staticmethod
    def usable(conn: Connection) -> bool:
        return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"

    def _load(self, tab: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
        name = f"import_rows_{next(self._serial)}"
        dialect = self.conn.dialect
        ddl = ", ".join(
            f"{dialect.identifier_preparer.quote(c)} "
            + ("TIMESTAMP WITH TIME ZONE" if isinstance(tab.c[c].type, DateTime) else tab.c[c].type.compile(dialect))
            for c in columns)
        self.conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({ddl}) ON COMMIT DROP")
        quoted = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return name

    def insert(self, tab: Table, columns: Sequence[str], rows: list[tuple[Any, ...]], same: dict[str, Any],
               spec: Spec, keys: list[tuple]) -> list[int]:
        """`insert_rows`, and the new ids in the order of `keys` (matched by the spec's key)."""
        returning = ", ".join(self.conn.dialect.identifier_preparer.quote(f) for f in ("id", *spec.key))
        return _ids_by_key(spec, self._insert(tab, columns, rows, same, f" RETURNING {returning}").all(), keys)

    def insert_rows(self, tab: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]],
                    same: dict[str, Any]) -> None:
        """Insert rows giving `columns` (sequences in that order) and the values `same` for every row (bound
        once, not copied with each row); the other columns take no default."""
        self._insert(tab, columns, rows, same, "")

    def _insert(self, tab: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]], same: dict[str, Any],
                returning: str) -> CursorResult[Any]:
        name = self._load(tab, columns, rows)
        quote = self.conn.dialect.identifier_preparer.quote
        into = ", ".join(quote(c) for c in (*same, *columns))
        values = ", ".join((*(f"%({c})s" for c in same), *(quote(c) for c in columns)))
        sql = f"INSERT INTO {quote(tab.name)} ({into}) SELECT {values} FROM {name}{returning}"
        return self.conn.exec_driver_sql(sql, same)

    def update(self, tab: Table, columns: Sequence[str], changes: list[tuple[Any, ...]]) -> None:
        """Set `columns` of the records that `changes` name: `(id, *values in the order of columns)`."""
        name = self._load(tab, ["id", *columns], changes)
        quote = self.conn.dialect.identifier_preparer.quote
        sets = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in columns)
        self.conn.exec_driver_sql(f"UPDATE {quote(tab.name)} AS t SET {sets} FROM {name} AS s WHERE t.id = s.id")
