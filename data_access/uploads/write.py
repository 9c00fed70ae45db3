"""The one upsert: every kind's rows written by the spec's key, the earlier values kept in audit_log.

A row's values are its stored columns (a blank optional cell keeps the stored value; a 是否 column
always writes), the ids its lookups resolved outside the key, 是否公开 with who published when, and
the kind's extra values. A new key inserts, with the model's defaults for what the row leaves
blank; a changed record is updated and its earlier values go to audit_log; the same is counted
unchanged. A model with a `batch_id` column records the batch on every row it writes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, update

from data_access.models import AuditLog

if TYPE_CHECKING:
    from data_access.uploads.context import Ctx, Row

CHUNK_IDS = 900  # values in one IN (…): under SQLite's old limit of 999 parameters
CHUNK_ROWS = 2000  # rows in one executemany INSERT or UPDATE


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
    values = {f: row.resolved[f] for f in spec.lookups_written if f in row.resolved}
    for c in spec.stored:
        if c.type == "bool":
            values[c.field] = bool(row.values.get(c.field, False))
        elif c.field in row.values:
            values[c.field] = row.values[c.field]
        elif c.blank_writes_null:
            values[c.field] = None
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


def upsert(ctx: Ctx, records: list[tuple[Written, Any, dict[str, Any] | None]]) -> list[Written]:
    """Insert new keys, update changed records (their earlier values into audit_log), count the same.

    `records` are (what is written, the stored record or None, the full new row when there is none).
    """
    model = ctx.spec.model
    table = str(model.__tablename__)
    stamps = {"batch_id": ctx.batch_id} if "batch_id" in ctx.spec.model_fields else {}
    new_rows: list[dict[str, Any]] = []
    inserted: list[Written] = []
    changes: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    unchanged = 0
    for w, current, new in records:
        if current is None:
            new_rows.append({**new, **stamps})  # type: ignore[dict-item]
            inserted.append(w)
            continue
        changed = {f: v for f, v in w.values.items() if getattr(current, f) != v}
        w.id, w.before = current.id, {f: getattr(current, f) for f in changed}
        if not changed:
            unchanged += 1
            continue
        changes.append({"id": current.id, **changed, **stamps})
        audits.append({
            "actor": ctx.user, "action": "import_update", "entity": table, "entity_id": current.id,
            "batch_id": ctx.batch_id, "at": ctx.now,
            "detail_json": json.dumps({"before": {f: jsonable(v) for f, v in w.before.items()},
                                       "after": {f: jsonable(v) for f, v in changed.items()}}, ensure_ascii=False),
        })
    ids: list[int] = []
    if new_rows:
        # Bulk insert in chunks; RETURNING gives the ids in parameter order on SQLite and PostgreSQL.
        columns = sorted({k for r in new_rows for k in r})
        for start in range(0, len(new_rows), CHUNK_ROWS):
            chunk = [{c: r.get(c) for c in columns} for r in new_rows[start:start + CHUNK_ROWS]]
            stmt = insert(model).returning(model.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
            ids.extend(ctx.session.execute(stmt, chunk).scalars().all())
        for w, i in zip(inserted, ids, strict=True):
            w.id = i
    # Core executemany, one statement per set of changed columns: the ORM's bulk update by primary
    # key issued a statement each time consecutive rows changed different columns, and then
    # synchronised the session's objects (10,000 monitoring rows: over a thousand statements).
    conn, tab = ctx.session.connection(), model.__table__  # type: ignore[attr-defined]
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        by_columns.setdefault(tuple(sorted(k for k in change if k != "id")), []).append(
            {"_id": change["id"], **{f"_{k}": v for k, v in change.items() if k != "id"}})
    for changed_columns, params in by_columns.items():
        upd = update(tab).where(tab.c.id == bindparam("_id")).values({c: bindparam(f"_{c}") for c in changed_columns})
        for start in range(0, len(params), CHUNK_ROWS):
            conn.execute(upd, params[start:start + CHUNK_ROWS])
    if audits:
        conn.execute(insert(AuditLog.__table__), audits)  # type: ignore[attr-defined]
    if ids:
        ctx.session.add(AuditLog(actor=ctx.user, action="import_insert", entity=table, batch_id=ctx.batch_id,
                                 at=ctx.now, detail_json=json.dumps({"ids": ids})))
    ctx.report.inserted += len(ids)
    ctx.report.updated += len(changes)
    ctx.report.unchanged += unchanged
    return [w for w, _c, _n in records]
