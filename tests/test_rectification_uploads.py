"""Uploads and the rectification workflow: a findings file that moves a deadline writes the append-only
deadline history; one that changes a verified finding's status undoes the verification."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from sqlalchemy import Engine, select
from sqlmodel import Session

from data_access.db import make_engine
from data_access.models import (
    Department,
    Finding,
    FindingDeadlineRevision,
)
from data_access.queries.rectification import closure_counts, deadline_history, overdue
from data_access.uploads import import_file


def upload(engine: Engine, rows: list[list[object]]) -> int | None:
    """A findings file of these rows imported by fin1; its batch number."""
    wb = Workbook()
    wb.active.append(["问题编号", "评价对象", "预算单位", "行政区", "预算年度", "问题类别", "问题描述", "整改期限",
                      "整改状态"])
    for row in rows:
        wb.active.append(row)
    data = io.BytesIO()
    wb.save(data)
    report = import_file(engine, "findings", data.getvalue(), "findings.xlsx", user="fin1")
    assert report.committed, report.errors
    return report.batch_id


def test_an_import_keeps_the_original_deadline_and_its_move_shows_in_the_history(any_seeded_url: str) -> None:
    """Uploads insert findings in bulk (the original deadline is filled all the same) and may move a
    deadline: the move is listed with its batch and no reason, and days overdue still count from the original."""
    engine = make_engine(any_seeded_url)
    with Session(engine) as s:
        f = s.execute(select(Finding).where(Finding.year == 2022, Finding.status == "in_progress")
                      .order_by(Finding.finding_code)).scalars().first()
        dept = s.get(Department, f.department_id).name  # type: ignore[union-attr]
        code, subject, category, description, original = (
            f.finding_code, f.subject, f.category, f.description, f.deadline)  # type: ignore[union-attr]

    batches = [upload(engine, [[code, subject, dept, "黄埔区", 2022, category, description, "2026-12-31", "整改中"],
            ["HP2022-9001", subject, dept, "黄埔区", 2022, category, description, "2025-03-31", "未整改"]])]
    with Session(engine) as s:
        moved = s.execute(select(Finding).where(Finding.finding_code == code)).scalar_one()
        new = s.execute(select(Finding).where(Finding.finding_code == "HP2022-9001")).scalar_one()
        assert (moved.original_deadline, moved.deadline) == (original, dt.date(2026, 12, 31))
        assert new.original_deadline == new.deadline == dt.date(2025, 3, 31)
        history = deadline_history(session=s, finding_id=moved.id)  # type: ignore[arg-type]
        assert history[["revised_by", "old_deadline", "new_deadline", "reason"]].values.tolist() == [
            ["fin1", original, dt.date(2026, 12, 31), f"导入批次 #{batches[0]}（上传文件未写理由）"]]
        stored = s.execute(select(FindingDeadlineRevision)
                           .where(FindingDeadlineRevision.finding_id == moved.id)).scalars()
        assert [(r.old_deadline, r.new_deadline) for r in stored] == [(original, dt.date(2026, 12, 31))]
        listed = overdue(session=s, year=2022, region="黄埔区", as_of=dt.date(2026, 1, 1))
        row = listed[listed["finding_code"] == code].iloc[0]
        assert (row["days_overdue_original"], row["days_overdue"]) == ((dt.date(2026, 1, 1) - original).days, None)
    engine.dispose()


def test_an_import_that_changes_a_verified_findings_status_undoes_the_verification(any_seeded_url: str) -> None:
    """黄埔区 2021's rectified findings are verified (销号) in the sample; a file that reopens one (整改中)
    leaves it unverified, and one that keeps it 已整改 leaves the verification alone."""
    engine = make_engine(any_seeded_url)
    with Session(engine) as s:
        a, b = s.execute(select(Finding).where(Finding.year == 2021, Finding.status == "rectified",
                                               Finding.verified_at.is_not(None))  # type: ignore[union-attr]
                         .order_by(Finding.finding_code).limit(2)).scalars().all()
        rows = [[f.finding_code, f.subject, s.get(Department, f.department_id).name, "黄埔区", 2021,  # type: ignore[union-attr]
                 f.category, f.description, f.deadline, status]
                for f, status in ((a, "整改中"), (b, "已整改"))]
        before = closure_counts(session=s, year=2021, region="黄埔区")
    upload(engine, rows)
    with Session(engine) as s:
        reopened, kept = (s.get(Finding, f.id) for f in (a, b))
        assert (reopened.status, reopened.verified_at, reopened.verified_by) == ("in_progress", None, None)  # type: ignore[union-attr]
        assert kept.verified_at is not None and kept.verified_by == "sample-data"  # type: ignore[union-attr]
        assert closure_counts(session=s, year=2021, region="黄埔区")["verified"] == before["verified"] - 1
    engine.dispose()
