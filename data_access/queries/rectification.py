"""Findings and their rectification: by status, category and department; overdue; history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Select, case, func, select
from sqlmodel import Session, col

from data_access.models import Department, Finding, FindingStatusChange, Region
from data_access.queries.core import count_if, frame, rate, sum_int


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


def finding_rows(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """Every finding of the year with its department."""
    stmt: Select = (
        select(col(Finding.id), col(Finding.finding_code), col(Finding.subject), col(Department.name).label("department"), col(Finding.category),
               col(Finding.description), col(Finding.recommendation), col(Finding.measures), col(Finding.deadline), col(Finding.status),
               col(Finding.feedback_date), col(Finding.rectified_date), col(Finding.published))
        .join(Region, col(Region.id) == col(Finding.region_id))
        .join(Department, col(Department.id) == col(Finding.department_id))
        .where(col(Region.name) == region, col(Finding.year) == year)
        .order_by(Finding.finding_code)
    )
    return frame(session, stmt)


def overdue(*, session: Session, year: int, region: str, as_of: dt.date) -> pd.DataFrame:
    """Findings past their deadline and not rectified as of a date, most overdue first."""
    df = finding_rows(session=session, year=year, region=region)
    df = df[(df["status"] != "rectified") & (pd.to_datetime(df["deadline"]).dt.date < as_of)]
    return df.assign(days_overdue=[(as_of - d).days for d in df["deadline"]]).sort_values("days_overdue", ascending=False)


def history(*, session: Session, finding_id: int) -> pd.DataFrame:
    """A finding's status changes, oldest first (append-only)."""
    stmt = (
        select(col(FindingStatusChange.changed_at), col(FindingStatusChange.changed_by), col(FindingStatusChange.from_status),
               col(FindingStatusChange.to_status), col(FindingStatusChange.comment))
        .where(col(FindingStatusChange.finding_id) == finding_id)
        .order_by(col(FindingStatusChange.changed_at), col(FindingStatusChange.id))
    )
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
