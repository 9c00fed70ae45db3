"""Importing a file, or records typed in a form, through the one reader, validator and upsert.

`import_file`:
1. measure and read the workbook (read.py), find the header row by its names (headers.py);
2. parse every data row's cells by the kind's spec (validate.rows_from_sheet, no database);
3. inside the write transaction (taken first, so two imports never interleave), run the spec's
   lookups and rules (validate.validate) and only if there is no error write everything by the
   spec's key (write.py), keeping the earlier values in audit_log;
4. record an UploadBatch for every attempt; a rejected batch in its own transaction after the
   rollback, so nothing of its rows is ever written.
`import_records` is the same from step 2 on, for records given as field -> value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from sqlmodel import Session, col

from data_access.models import UploadBatch
from data_access.settings import SETTINGS, Settings
from data_access.uploads import prefetch
from data_access.uploads.cells import EXAMPLE_SHEET
from data_access.uploads.columns import LazyPreview, Parsed, parse_columns
from data_access.uploads.context import Ctx, Row
from data_access.uploads.headers import amount_factors, choose_sheet
from data_access.uploads.kinds import KINDS, SPECS
from data_access.uploads.limits import MAX_FILE_BYTES, FileRejected, upload_limits
from data_access.uploads.read import read_workbook
from data_access.uploads.report import ImportReport, Issue, on_sheet
from data_access.uploads.spec import Spec
from data_access.uploads.validate import Progress, UsageError, rows_from_records, rows_from_sheet, validate
from data_access.uploads.write import write

_PG_IMPORT_LOCK = 7_263_001  # pg_advisory_xact_lock key: imports into one database run one at a time
_REFUSED_BEFORE_CHECKS = ("too_many_rows", "unknown_unit", "unit_conflict", "empty_file")


def spec_of(kind: str) -> Spec:
    if kind not in SPECS:
        raise UsageError(f"未知的数据类型“{kind}”（可选：{'、'.join(KINDS)}）")
    return SPECS[kind]


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def previous_uploads(*, session: Session, sha256: str, kind: str | None = None) -> list[UploadBatch]:
    """Earlier committed batches of the same file content (the page flags a file uploaded twice)."""
    q = select(UploadBatch).where(col(UploadBatch.sha256) == sha256, col(UploadBatch.committed).is_(True))
    if kind:
        q = q.where(col(UploadBatch.kind) == kind)
    return list(session.execute(q.order_by(col(UploadBatch.id))).scalars())


def import_file(
    engine: Engine,
    kind: str,
    data: bytes,
    file_name: str,
    *,
    user: str,
    dry_run: bool = False,
    allowed_department_ids: frozenset[int] | None = None,
    settings: Settings = SETTINGS,
    max_bytes: int = MAX_FILE_BYTES,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate `data` as a KIND upload and, unless dry_run and only without errors, commit it all."""
    spec = spec_of(kind)
    report = ImportReport(kind=kind, file=Path(file_name).name, sha256=sha256_of(data), dry_run=dry_run)
    with Session(engine) as session:
        report.previous_batches = [int(b.id or 0) for b in previous_uploads(session=session, sha256=report.sha256,
                                                                            kind=kind)]
    ctx = Ctx(spec, report, None, user, settings, allowed_department_ids)
    rows: list[Row] = []
    chosen = _read(spec, data, report, settings, max_bytes)
    if chosen is not None:
        sheet, header, template = chosen
        ctx.sheet = sheet.name
        if header.unknown:
            report.warnings.append(Issue(sheet.name, header.excel_row, None, "unknown_column", on_sheet(
                sheet.name, f"第{header.excel_row}行表头中的列「{'」「'.join(header.unknown)}」"
                            f"不是{spec.title}模板的列，已忽略。")))
        factors = amount_factors(spec, sheet, header, report)
        parsed = None if report.errors else parse_columns(ctx, sheet, header, factors)
        if parsed is not None:  # every cell read: the rows become Row objects only if a check needs them
            report.rows_total = len(parsed)
            report.preview = LazyPreview(parsed)
            if progress:
                progress(0.4, "读取数据行")
            return _check_and_write(engine, ctx, parsed, progress)
        rows = rows_from_sheet(ctx, sheet, header, factors, progress)
        if report.rows_total == 0 and not report.errors:
            untouched = (f"这是未填写的模板：请从第{header.excel_row + 1}行起填写实际数据后再上传"
                         f"（“{EXAMPLE_SHEET}”工作表中的示例行不会被导入）。") if template else ""
            report.errors.append(Issue(sheet.name, header.excel_row, None, "empty_file",
                                       f"工作表“{sheet.name}”第{header.excel_row}行的表头下面没有数据行。{untouched}"))
    if chosen is None or any(e.code in _REFUSED_BEFORE_CHECKS for e in report.errors):
        _count_rows(report, rows)
        finish_rejected(engine, report, user)
        return report
    return _check_and_write(engine, ctx, rows, progress)


def import_path(engine: Engine, kind: str, path: str | Path, **kwargs: Any) -> ImportReport:
    data = Path(path).read_bytes()
    return import_file(engine, kind, data, Path(path).name, **kwargs)


def import_records(
    engine: Engine,
    kind: str,
    records: Sequence[Mapping[str, object]],
    *,
    user: str,
    dry_run: bool = False,
    allowed_department_ids: frozenset[int] | None = None,
    settings: Settings = SETTINGS,
    source: str = "表单录入",
) -> ImportReport:
    """Records given as field -> value as typed (a data-entry form; amounts in 元), validated and written
    exactly as the rows of a file of that kind: same rules, same messages, same audit, one batch."""
    spec = spec_of(kind)
    canonical = json.dumps(list(records), ensure_ascii=False, sort_keys=True, default=str).encode()
    report = ImportReport(kind=kind, file=source, sha256=sha256_of(canonical), dry_run=dry_run)
    ctx = Ctx(spec, report, None, user, settings, allowed_department_ids)
    rows = rows_from_records(ctx, records)
    if not rows:
        report.errors.append(Issue(None, None, None, "empty_file", "没有要保存的记录。"))
        finish_rejected(engine, report, user)
        return report
    return _check_and_write(engine, ctx, rows, None)


def _read(spec: Spec, data: bytes, report: ImportReport, settings: Settings, max_bytes: int) -> Any:
    """The sheet to import, its header and whether the file is one of our templates; None when refused."""
    if len(data) > max_bytes:
        report.errors.append(Issue(None, None, None, "file_too_large",
                                   f"文件大小 {len(data) / 1024 / 1024:.1f} MB，"
                                   f"超过上限 {max_bytes / 1024 / 1024:.0f} MB。请拆分后上传。"))
        return None
    limits = upload_limits(settings)
    try:
        sheets = prefetch.take(report.sha256, report.file, limits)  # read by the command line's child
        if sheets is None:
            sheets = read_workbook(data, report.file, max_rows=settings.max_upload_rows, limits=limits)
    except FileRejected as exc:
        report.errors.append(Issue(None, None, None, exc.code, exc.message))
        return None
    return choose_sheet(spec, list(SPECS.values()), sheets, report)


def _check_and_write(engine: Engine, ctx: Ctx, rows: list[Row] | Parsed, progress: Progress | None) -> ImportReport:
    """Inside the write transaction: the spec's checks, then the upsert; all of it or nothing.

    Rows read by column go through the spec's `bulk` checks and write when it has them; the per-row checks
    take them when it has not, or when they need them (`bulk` returned False)."""
    report = ctx.report
    if progress:
        progress(0.45, "核对数据库中的单位和项目")
    with Session(engine, autoflush=False) as session:
        batch = None
        if not report.dry_run:
            _lock(session)
            batch = _record_batch(session, report, ctx.user)  # the first write: takes SQLite's write lock
        ctx.session, ctx.batch_id = session, batch.id if batch else None
        ctx.now = dt.datetime.now(dt.UTC)
        if isinstance(rows, Parsed) and ctx.spec.bulk is not None and ctx.spec.bulk(ctx, rows, report.dry_run):
            report.rows_valid, report.rows_rejected = report.rows_total, 0
        else:
            rows = rows.rows() if isinstance(rows, Parsed) else rows
            unique, existing = validate(ctx, rows, report.dry_run)
            if not report.errors and not report.dry_run:
                write(ctx, unique, existing)
            # Let the stored records go before the rollback or commit, which would otherwise expire each one.
            del unique, existing
            _count_rows(report, rows)
        ctx.cache.clear()
        if report.errors or report.dry_run:
            session.rollback()
        else:
            if progress:
                progress(0.95, "提交")
            report.committed = True
            report.batch_id = batch.id  # type: ignore[union-attr]
            _record_batch(session, report, ctx.user, batch)
            session.commit()
            if progress:
                progress(1.0, "完成")
            return report
    finish_rejected(engine, report, ctx.user)
    return report


def _lock(session: Session) -> None:
    """Serialise writers: PostgreSQL by an advisory lock; SQLite by writing first (takes the write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_IMPORT_LOCK})


def _record_batch(session: Session, report: ImportReport, user: str, batch: UploadBatch | None = None) -> UploadBatch:
    batch = batch or UploadBatch(kind=report.kind, file_name=report.file[:255], sha256=report.sha256,
                                 uploaded_by=user[:50])
    batch.dry_run = report.dry_run
    batch.committed = report.committed
    batch.rows_total, batch.rows_valid, batch.rows_rejected = report.rows_total, report.rows_valid, report.rows_rejected
    batch.report_json = report.to_record()
    session.add(batch)
    session.flush()
    return batch


def _count_rows(report: ImportReport, rows: list[Row]) -> None:
    report.rows_rejected = sum(1 for r in rows if not r.ok)
    report.rows_valid = report.rows_total - report.rows_rejected


def finish_rejected(engine: Engine, report: ImportReport, user: str) -> None:
    """Record a rejected (or dry-run) attempt in its own transaction; nothing else is written."""
    report.committed = False
    with Session(engine) as session:
        batch = _record_batch(session, report, user)
        session.commit()
        report.batch_id = batch.id

