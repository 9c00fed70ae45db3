"""The read side of uploads: the batch history with each batch's rows, and the submission matrix.

Both take the reader's scope (department ids, or None for every department). A finance user
scoped to departments sees the batches they uploaded themselves, whatever came of them, and the
committed batches of other people that wrote a record of one of their departments; opening such
a batch lists only the records of their departments. Rejected files and previews of other people
stay theirs: their reports quote rows of any department.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session, SQLModel, col

from data_access.formatting import yuan as _yuan
from data_access.models import AuditLog, Department, Monitoring, Project, Region, UploadBatch
from data_access.settings import SETTINGS, Settings
from data_access.uploads.cells import display
from data_access.uploads.kinds import SPECS
from data_access.uploads.report import ImportReport
from data_access.uploads.write import CHUNK_IDS as _CHUNK

# What the history shows of each kind's records, from the kind's spec: (model field, column header).
BATCH_VIEWS: dict[str, tuple[type[SQLModel], tuple[tuple[str, str], ...]]] = {
    kind: (spec.model, tuple((f, spec.column_label(f)) for f in spec.history)) for kind, spec in SPECS.items()
}

SUBMISSION_STATUSES = ("on_time", "late", "failed", "missing", "not_due")


@dataclass(frozen=True)
class Batch:
    """One upload attempt as the history lists it, with the report it stored."""

    id: int
    kind: str
    file_name: str
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime
    dry_run: bool
    committed: bool
    rows_total: int
    report: ImportReport | None


def _batch(b: UploadBatch) -> Batch:
    return Batch(int(b.id or 0), b.kind, b.file_name, b.sha256, b.uploaded_by, b.uploaded_at, b.dry_run, b.committed,
                 b.rows_total, ImportReport.from_record(b.report_json) if b.report_json else None)


def _changes(session: Session, batch_ids: Iterable[int]) -> dict[int, dict[int, tuple[str, dict[str, Any]]]]:
    """Per batch, from its audit rows: record id -> (变更 新增/更新, the earlier values of an update by field)."""
    out: dict[int, dict[int, tuple[str, dict[str, Any]]]] = {}
    ids = list(batch_ids)
    for start in range(0, len(ids), _CHUNK):
        logs = session.execute(select(AuditLog).where(col(AuditLog.batch_id).in_(ids[start:start + _CHUNK]),
                                                      col(AuditLog.action).in_(("import_insert", "import_update")))
                               .order_by(col(AuditLog.id))).scalars()
        for log in logs:
            records = out.setdefault(int(log.batch_id or 0), {})
            detail = json.loads(log.detail_json or "{}")
            if log.action == "import_insert":
                records.update(dict.fromkeys(detail.get("ids", []), ("新增", {})))
            elif log.entity_id is not None:
                records[log.entity_id] = ("更新", detail.get("before", {}))
    return out


def _in_scope(session: Session, model: type[SQLModel], ids: list[int], department_ids: frozenset[int]) -> set[int]:
    """The ids among `ids` of records of those departments (a monitoring row by its project's)."""
    found: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        if model is Monitoring:
            stmt = (select(col(Monitoring.id)).join(Project, col(Project.id) == col(Monitoring.project_id))
                    .where(col(Monitoring.id).in_(chunk), col(Project.department_id).in_(department_ids)))
        else:
            stmt = select(model.id).where(model.id.in_(chunk), model.department_id.in_(department_ids))  # type: ignore[attr-defined]
        found.update(int(i) for i in session.execute(stmt).scalars())
    return found


def upload_batches(
    *, session: Session, kind: str | None = None, department_ids: frozenset[int] | None = None,
    uploaded_by: str | None = None, limit: int = 1000,
) -> list[Batch]:
    """The latest upload batches, newest first; for a scoped reader (department ids given) their own
    and the committed ones that wrote a record of their departments."""
    stmt = select(UploadBatch).order_by(col(UploadBatch.id).desc()).limit(limit)
    if kind:
        stmt = stmt.where(col(UploadBatch.kind) == kind)
    if department_ids is None:
        return [_batch(b) for b in session.execute(stmt).scalars()]
    candidates = list(session.execute(stmt.where(or_(col(UploadBatch.uploaded_by) == uploaded_by,
                                                     col(UploadBatch.committed).is_(True)))).scalars())
    others = [b for b in candidates if b.uploaded_by != uploaded_by]
    changes = _changes(session, [int(b.id or 0) for b in others])
    touching: set[int] = set()
    for b in others:
        written = sorted(changes.get(int(b.id or 0), {}))
        if written and _in_scope(session, BATCH_VIEWS[b.kind][0], written, department_ids):
            touching.add(int(b.id or 0))
    return [_batch(b) for b in candidates if b.uploaded_by == uploaded_by or b.id in touching]


def batch_rows(*, session: Session, batch_id: int,
               department_ids: frozenset[int] | None = None) -> list[dict[str, Any]]:
    """The records a committed batch inserted or updated (of the reader's departments when scoped),
    with the earlier values of the updated ones."""
    kind = session.execute(select(col(UploadBatch.kind)).where(col(UploadBatch.id) == batch_id)).scalar_one()
    model, fields = BATCH_VIEWS[kind]
    change = _changes(session, [batch_id]).get(batch_id, {})
    ids = sorted(change)
    if department_ids is not None:
        ids = sorted(_in_scope(session, model, ids, department_ids))
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), _CHUNK):
        for rec in session.execute(select(model).where(model.id.in_(ids[start:start + _CHUNK]))).scalars():  # type: ignore[attr-defined]
            row: dict[str, Any] = {"ID": rec.id, "变更": change[rec.id][0]}
            for fld, label in fields:
                row[label] = _shown(kind, fld, getattr(rec, fld))
            # the earlier values as the columns read: 累计支出（元） 500,000.00, not spent_cumulative_fen: 50000000
            row["原值"] = "；".join(f"{SPECS[kind].column_label(f)} {display(_shown(kind, f, v))}"
                                  for f, v in change[rec.id][1].items())
            out.append(row)
    return out


def _shown(kind: str, fld: str, value: Any) -> Any:
    """A stored value as its column reads: amounts in 元, scores in points."""
    column = SPECS[kind].by_field.get(fld)
    if value is None or column is None:
        return value
    if column.type == "amount":
        return _yuan(value)
    return display(Decimal(value) / 100) if column.type == "score" else value


def due_date(year: int, month: int, settings: Settings = SETTINGS) -> dt.date:
    """Monthly monitoring data is due by the setting's day of the following month."""
    return dt.date(year + (month == 12), month % 12 + 1, settings.monitoring_due_day)


def submission_matrix(*, session: Session, region: str, year: int, today: dt.date | None = None,
                      department_ids: frozenset[int] | None = None,
                      settings: Settings = SETTINGS) -> dict[str, dict[int, str]]:
    """Per department (of the reader's scope) and month: on_time, late, failed (only rejected uploads),
    missing or not_due.

    Arrival is the latest submission among the department's projects for the month (China time);
    a month counts as failed when nothing arrived and a rejected upload covered it.
    """
    today = today or dt.date.today()
    rows = session.execute(
        select(col(Department.id), col(Department.name), col(Monitoring.month), func.max(col(Monitoring.submitted_at)))
        .select_from(Project).join(Region, col(Region.id) == col(Project.region_id))
        .join(Department, col(Department.id) == col(Project.department_id))
        .outerjoin(Monitoring, col(Monitoring.project_id) == col(Project.id))
        .where(col(Region.name) == region, col(Project.year) == year)
        .group_by(col(Department.id), col(Department.name), col(Monitoring.month))
    ).all()
    names = {dept_id: name for dept_id, name, _m, _at in rows if department_ids is None or dept_id in department_ids}
    arrived = {(dept_id, month): at for dept_id, _n, month, at in rows if month is not None}
    failed: set[tuple[int, int]] = set()
    batches = session.execute(select(col(UploadBatch.report_json)).where(
        col(UploadBatch.kind) == "monitoring", col(UploadBatch.committed).is_(False),
        col(UploadBatch.dry_run).is_(False),
        col(UploadBatch.uploaded_at) >= dt.datetime(year, 1, 1, tzinfo=dt.UTC))).scalars()
    for report_json in batches:
        for dept_id, y, month in json.loads(report_json or "{}").get("coverage", []):
            if y == year:
                failed.add((dept_id, month))
    matrix: dict[str, dict[int, str]] = {}
    for dept_id, name in sorted(names.items(), key=lambda kv: kv[1]):
        cells = {}
        for month in range(1, 13):
            due = due_date(year, month, settings)
            at = arrived.get((dept_id, month))
            if at is not None:
                utc = at.replace(tzinfo=None) if at.tzinfo is None else at.astimezone(dt.UTC).replace(tzinfo=None)
                local = utc + dt.timedelta(hours=8)
                cells[month] = "on_time" if local.date() <= due else "late"
            elif (dept_id, month) in failed:
                cells[month] = "failed"
            else:
                cells[month] = "missing" if today > due else "not_due"
        matrix[name] = cells
    return matrix
