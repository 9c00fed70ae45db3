"""Findings and their rectification: by status, category and department; overdue; history; what a
department owes; the bureau's verification queue; written feedback per evaluation.

Overdue follows CONTRACT (deadline < as-of and status not 已整改) against the current deadline;
days overdue are shown against the original deadline too, so a moved deadline never hides a delay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, case, func, or_, select
from sqlmodel import Session, col

from data_access.enums import FINANCE_METHODS
from data_access.models import (
    Department,
    Evaluation,
    Finding,
    FindingDeadlineRevision,
    FindingStatusChange,
    Region,
)
from data_access.queries.core import count_if, frame, rate, sum_int

# The deadline first set (migration 0005 backfilled it; a row written by hand may lack it).
ORIGINAL = func.coalesce(col(Finding.original_deadline), col(Finding.deadline))
OPEN = ("not_started", "in_progress")


def counts_by(*, session: Session, year: int, region: str, column: str) -> pd.DataFrame:
    """Findings per category or department, split by current status."""
    key = col(Department.name) if column == "department" else col(Finding.category)
    stmt = (
        select(key.label(column), func.count().label("findings"),
               count_if(col(Finding.status) == "rectified").label("rectified"),
               count_if(col(Finding.status) == "in_progress").label("in_progress"),
               count_if(col(Finding.status) == "not_started").label("not_started"))
        .join(Region, col(Region.id) == col(Finding.region_id))
        .join(Department, col(Department.id) == col(Finding.department_id))
        .where(col(Region.name) == region, col(Finding.year) == year)
        .group_by(key)
        .order_by(func.count().desc())
    )
    return frame(session, stmt)


def _revisions() -> Any:
    """Deadline moves per finding (a subquery: finding_id, revisions)."""
    return (select(col(FindingDeadlineRevision.finding_id).label("finding_id"), func.count().label("revisions"))
            .group_by(col(FindingDeadlineRevision.finding_id)).subquery())


def _last_step() -> Any:
    """Each finding's latest status-history row (a subquery: finding_id, action, comment)."""
    last = (select(func.max(col(FindingStatusChange.id)).label("id"))
            .group_by(col(FindingStatusChange.finding_id)).subquery())
    return (select(col(FindingStatusChange.finding_id).label("finding_id"),
                   col(FindingStatusChange.action).label("action"), col(FindingStatusChange.comment).label("comment"))
            .join(last, last.c.id == col(FindingStatusChange.id)).subquery())


def _findings() -> Select:
    """Every finding with its department, original deadline, moves, verification and latest step."""
    rev, last = _revisions(), _last_step()
    return (
        select(col(Finding.id), col(Finding.finding_code), col(Finding.year), col(Finding.subject),
               col(Department.name).label("department"), col(Finding.department_id), col(Finding.category),
               col(Finding.description), col(Finding.recommendation), col(Finding.measures), col(Finding.deadline),
               ORIGINAL.label("original_deadline"), func.coalesce(rev.c.revisions, 0).label("revisions"),
               col(Finding.status), col(Finding.feedback_date), col(Finding.rectified_date), col(Finding.verified_at),
               col(Finding.verified_by), col(Finding.published), col(Finding.evaluation_id),
               (and_(col(Finding.status) == "in_progress", last.c.action == "send_back")).label("sent_back"),
               last.c.comment.label("last_comment"))
        .join(Region, col(Region.id) == col(Finding.region_id))
        .join(Department, col(Department.id) == col(Finding.department_id))
        .outerjoin(rev, rev.c.finding_id == col(Finding.id))
        .outerjoin(last, last.c.finding_id == col(Finding.id))
    )


def _days(df: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Days past the current and the original deadline as of a date (None when not past), for unrectified rows."""
    open_ = df["status"] != "rectified"
    past = [(as_of - d).days if o and d < as_of else None for d, o in zip(df["deadline"], open_, strict=True)]
    past_original = [(as_of - d).days if o and d < as_of else None
                     for d, o in zip(df["original_deadline"], open_, strict=True)]
    return df.assign(days_overdue=pd.Series(past, index=df.index, dtype=object),
                     days_overdue_original=pd.Series(past_original, index=df.index, dtype=object),
                     sent_back=df["sent_back"].astype(bool))


def finding_rows(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """Every finding of the year with its department, original deadline, deadline moves and verification."""
    stmt = _findings().where(col(Region.name) == region, col(Finding.year) == year).order_by(col(Finding.finding_code))
    df = frame(session, stmt)
    return df.assign(sent_back=df["sent_back"].astype(bool))


def overdue(*, session: Session, year: int, region: str, as_of: dt.date) -> pd.DataFrame:
    """Unrectified findings past their current deadline or their original one as of a date, most overdue
    (against the original) first. `days_overdue` (current deadline, CONTRACT's rule) is None for a
    finding whose deadline was moved past the date: it is listed, and not counted as overdue."""
    stmt = _findings().where(col(Region.name) == region, col(Finding.year) == year, col(Finding.status) != "rectified",
                             or_(col(Finding.deadline) < as_of, ORIGINAL < as_of))
    df = _days(frame(session, stmt), as_of)
    return df.sort_values(["days_overdue_original", "finding_code"], ascending=[False, True], kind="stable",
                          ignore_index=True)


def overdue_count(df: pd.DataFrame) -> int:
    """How many rows of `overdue` are overdue against their current deadline (CONTRACT's figure)."""
    return int(df["days_overdue"].notna().sum())


@dataclass(frozen=True)
class Owed:
    """What departments owe as of a day: each list a frame of `_findings` rows with days past due."""

    open: pd.DataFrame  # not started or in progress
    overdue: pd.DataFrame  # open and past the current deadline
    due_soon: pd.DataFrame  # open, due from today to today + N days
    sent_back: pd.DataFrame  # returned by the bureau, in progress again
    awaiting: pd.DataFrame  # rectified, awaiting the bureau's verification


def owed(*, session: Session, region: str, today: dt.date, department_ids: frozenset[int] | None,
         due_within: int = 30) -> Owed:
    """我的整改任务: the unclosed findings of these departments (None: all) in a region, every year."""
    stmt = _findings().where(col(Region.name) == region, col(Finding.verified_at).is_(None))
    if department_ids is not None:
        stmt = stmt.where(col(Finding.department_id).in_(department_ids))
    df = _days(frame(session, stmt.order_by(col(Finding.deadline), col(Finding.finding_code))), today)
    open_ = df[df["status"].isin(OPEN)]
    soon = today + dt.timedelta(days=due_within)
    due = [today <= d <= soon for d in open_["deadline"]]
    return Owed(open=open_.reset_index(drop=True),
                overdue=open_[open_["days_overdue"].notna()].sort_values("days_overdue_original", ascending=False,
                                                                          kind="stable", ignore_index=True),
                due_soon=open_[due].reset_index(drop=True),
                sent_back=open_[open_["sent_back"]].reset_index(drop=True),
                awaiting=df[df["status"] == "rectified"].reset_index(drop=True))


def finding_detail(*, session: Session, finding_id: int) -> dict[str, Any] | None:
    """One finding with its department, region and evaluation's written feedback; None if it does not exist."""
    ev = _findings().subquery()
    stmt = (select(ev, col(Region.name).label("region"), col(Finding.region_id),
                   col(Evaluation.subject).label("evaluation"),
                   col(Evaluation.feedback_date).label("evaluation_feedback_date"),
                   col(Evaluation.feedback_text).label("evaluation_feedback_text"))
            .join(Finding, col(Finding.id) == ev.c.id)
            .join(Region, col(Region.id) == col(Finding.region_id))
            .outerjoin(Evaluation, col(Evaluation.id) == col(Finding.evaluation_id))
            .where(ev.c.id == finding_id))
    row = session.execute(stmt).mappings().first()
    return dict(row) if row else None


def history(*, session: Session, finding_id: int) -> pd.DataFrame:
    """A finding's status history, oldest first (append-only): each step's action, measures, evidence, date, reason."""
    stmt = (
        select(col(FindingStatusChange.changed_at), col(FindingStatusChange.changed_by),
               col(FindingStatusChange.action), col(FindingStatusChange.from_status),
               col(FindingStatusChange.to_status), col(FindingStatusChange.step_date),
               col(FindingStatusChange.measures), col(FindingStatusChange.evidence), col(FindingStatusChange.comment))
        .where(col(FindingStatusChange.finding_id) == finding_id)
        .order_by(col(FindingStatusChange.changed_at), col(FindingStatusChange.id))
    )
    return frame(session, stmt)


def deadline_history(*, session: Session, finding_id: int) -> pd.DataFrame:
    """Every move of a finding's deadline, oldest first, with who moved it and why (an upload's move
    names its batch as the reason)."""
    stmt = (select(col(FindingDeadlineRevision.revised_at), col(FindingDeadlineRevision.revised_by),
                   col(FindingDeadlineRevision.old_deadline), col(FindingDeadlineRevision.new_deadline),
                   col(FindingDeadlineRevision.reason))
            .where(col(FindingDeadlineRevision.finding_id) == finding_id)
            .order_by(col(FindingDeadlineRevision.revised_at), col(FindingDeadlineRevision.id)))
    return frame(session, stmt)


def closure_counts(*, session: Session, year: int, region: str) -> dict[str, int]:
    """Of the year's rectified findings: how many the bureau verified (closed) and how many await it."""
    rectified = col(Finding.status) == "rectified"
    verified = col(Finding.verified_at).is_not(None)
    stmt = (select(count_if(rectified & verified), count_if(rectified & ~verified))
            .join(Region, col(Region.id) == col(Finding.region_id))
            .where(col(Region.name) == region, col(Finding.year) == year))
    closed, awaiting = (int(v) for v in session.execute(stmt).one())
    return {"verified": closed, "awaiting": awaiting}


def feedback_rows(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """The year's finance evaluations with how many findings each made and the department's written feedback."""
    findings = (select(col(Finding.evaluation_id).label("evaluation_id"), func.count().label("findings"))
                .group_by(col(Finding.evaluation_id)).subquery())
    stmt: Select = (select(col(Evaluation.id), col(Evaluation.subject), col(Department.name).label("department"),
                   col(Evaluation.department_id), col(Evaluation.method),
                   func.coalesce(findings.c.findings, 0).label("findings"),
                   col(Evaluation.feedback_date), col(Evaluation.feedback_text), col(Evaluation.feedback_by))
            .join(Region, col(Region.id) == col(Evaluation.region_id))
            .join(Department, col(Department.id) == col(Evaluation.department_id))
            .outerjoin(findings, findings.c.evaluation_id == col(Evaluation.id))
            .where(col(Region.name) == region, col(Evaluation.year) == year,
                   col(Evaluation.method).in_(FINANCE_METHODS))
            .order_by(func.coalesce(findings.c.findings, 0).desc(), col(Department.name), col(Evaluation.subject)))
    return frame(session, stmt)


def feedback_rate(block: dict[str, Any]) -> Decimal | None:
    """Written feedback received as a share of the findings of a `rectification_kpis` block (× 100, exact)."""
    return rate(block["feedback_submitted"], block["findings"])


def department_feedback(*, session: Session, year: int, region: str, as_of: dt.date) -> tuple[int, int]:
    """(departments with findings of the year, those whose every finding had written feedback by as_of):
    the report writes 所有被评部门均书面反馈整改情况 when the two agree."""
    per_department = (
        select(func.count().label("findings"),
               sum_int(case((col(Finding.feedback_date) <= as_of, 1), else_=0)).label("fed_back"))
        .join(Region, col(Region.id) == col(Finding.region_id))
        .where(col(Region.name) == region, col(Finding.year) == year)
        .group_by(col(Finding.department_id))
        .subquery()
    )
    departments, fed_back = session.execute(
        select(func.count(), count_if(per_department.c.findings == per_department.c.fed_back))).one()
    return int(departments), int(fed_back)
