"""Findings and their rectification: by status, category and department; overdue; history."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from data_access.models import Department, Finding, FindingStatusChange, Region
from data_access.queries.core import count_if, frame


def counts_by(*, session: Session, year: int, region: str, column: str) -> pd.DataFrame:
    """Findings per category or department, split by current status."""
    key = Department.name if column == "department" else Finding.category
    stmt = (
        select(key.label(column), func.count().label("findings"),
               count_if(Finding.status == "rectified").label("rectified"),
               count_if(Finding.status == "in_progress").label("in_progress"),
               count_if(Finding.status == "not_started").label("not_started"))
        .join(Region, Region.id == Finding.region_id)
        .join(Department, Department.id == Finding.department_id)
        .where(Region.name == region, Finding.year == year)
        .group_by(key)
        .order_by(func.count().desc())
    )
    return frame(session, stmt)


def finding_rows(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """Every finding of the year with its department."""
    stmt = (
        select(Finding.id, Finding.finding_code, Finding.subject, Department.name.label("department"), Finding.category,
               Finding.description, Finding.recommendation, Finding.measures, Finding.deadline, Finding.status,
               Finding.feedback_date, Finding.rectified_date, Finding.published)
        .join(Region, Region.id == Finding.region_id)
        .join(Department, Department.id == Finding.department_id)
        .where(Region.name == region, Finding.year == year)
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
        select(FindingStatusChange.changed_at, FindingStatusChange.changed_by, FindingStatusChange.from_status,
               FindingStatusChange.to_status, FindingStatusChange.comment)
        .where(FindingStatusChange.finding_id == finding_id)
        .order_by(FindingStatusChange.changed_at, FindingStatusChange.id)
    )
    return frame(session, stmt)
