"""`python -m data_access import KIND FILE [--dry-run] [--user NAME] [--json]` (CONTRACT.md §1)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from data_access.uploads.imports import finish_rejected, import_file, sha256_of
from data_access.uploads.kinds import KIND_NAMES, KINDS
from data_access.uploads.report import ImportReport, Issue


def run_import_cli(kind: str, path: str, *, url: str | None, dry_run: bool, user: str | None, as_json: bool) -> int:
    """0 committed (or valid on dry-run), 1 rejected, 2 unreadable file or usage error."""
    from data_access.db import DatabaseFault, classify, location

    who = user or os.environ.get("PERF_USER") or os.environ.get("USER") or "cli"
    if kind not in KINDS:
        print(f"未知的数据类型“{kind}”（可选：{'、'.join(KINDS)}）", file=sys.stderr)
        return 2
    name = Path(path).name
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        report = ImportReport(kind=kind, file=name, sha256="", dry_run=dry_run)
        report.errors.append(Issue(None, None, None, "file_not_found", f"无法打开文件“{path}”：{exc.strerror or exc}"))
        print_report(report, as_json)
        return 2
    try:
        return _run(kind, name, data, url=url, dry_run=dry_run, user=user, who=who, as_json=as_json)
    except (DatabaseFault, SQLAlchemyError) as exc:  # busy, locked, corrupt or gone: still one JSON object
        fault = classify(exc, location(url or ""))
        if fault is None:
            raise  # an error of the query itself (a bug): main() reports it
        report = ImportReport(kind=kind, file=name, sha256=sha256_of(data), dry_run=dry_run)
        report.errors.append(Issue(None, None, None, "database_unavailable", str(fault)))
        print_report(report, as_json)
        return 1


def _run(kind: str, name: str, data: bytes, *, url: str | None, dry_run: bool, user: str | None, who: str,
         as_json: bool) -> int:
    from data_access.db import make_engine

    engine = make_engine(url)
    try:
        return _import(engine, kind, name, data, dry_run=dry_run, user=user, who=who, as_json=as_json)
    finally:
        engine.dispose()  # the connections closed here (SQLite checkpoints its log), not at the process's end


def _import(engine: Engine, kind: str, name: str, data: bytes, *, dry_run: bool, user: str | None, who: str,
            as_json: bool) -> int:
    from data_access.auth import AuthError, import_scope, is_account
    from data_access.migrate import upgrade

    upgrade(engine)
    try:  # `--user NAME` of a scoped finance user imports only for NAME's departments, as on the upload page
        with Session(engine) as session:
            scope = import_scope(session, who)
            unknown = user is not None and not is_account(session, user)
    except AuthError as exc:  # an inactive or read-only user: refused like a rejected file
        report = ImportReport(kind=kind, file=name, sha256=sha256_of(data), dry_run=dry_run)
        report.errors.append(Issue(None, None, None, "user_not_allowed", str(exc)))
        finish_rejected(engine, report, who)
        print_report(report, as_json)
        return 1

    def progress(fraction: float, stage: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{fraction:4.0%} {stage}", end="", file=sys.stderr)

    report = import_file(engine, kind, data, name, user=who, dry_run=dry_run, progress=progress,
                         allowed_department_ids=scope)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if unknown:  # a typo in --user would otherwise import without the scope the clerk meant
        report.warnings.insert(0, Issue(None, None, None, "unknown_user",
                                        f"“{user}”不是本系统的用户，只记为上传人，未按任何用户的单位范围限制导入。"))
    print_report(report, as_json)
    return report.exit_code


def print_report(report: ImportReport, as_json: bool) -> None:
    """The report on stdout: the contract's JSON object, or a short summary for people."""
    if as_json:
        print(report.to_json())
        return
    if report.committed:
        status = "已提交"
    else:
        status = "校验通过（试导入，未写入）" if report.dry_run and report.ok else "已拒绝，未写入任何数据"
    lines = [
        f"文件      {report.file}（{KIND_NAMES.get(report.kind, report.kind)}）",
        f"结果      {status}" + (f"，批次 #{report.batch_id}" if report.batch_id else ""),
        f"数据行    共 {report.rows_total}，有效 {report.rows_valid}，有错 {report.rows_rejected}",
    ]
    if report.committed:
        lines.append(f"写入      新增 {report.inserted}，更新 {report.updated}，未变 {report.unchanged}")
    if report.previous_batches:
        lines.append(f"提示      同一文件此前已上传过（批次 {'、'.join(f'#{b}' for b in report.previous_batches)}）")
    for title, issues in (("错误", report.errors), ("警告", report.warnings)):
        if issues:
            lines.append(f"{title}（{len(issues)}）")
            for i in issues[:50]:
                lines.append(f"  [{i.code}] {i.message}")
            if len(issues) > 50:
                lines.append(f"  …… 另有 {len(issues) - 50} 条，用 --json 查看全部")
    print("\n".join(lines))
