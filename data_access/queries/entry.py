"""What the data-entry forms offer: a department's projects with their budget and latest month, and a
project's targets with their mid-year progress. Both take the reader's scope (department ids, or
None for every department)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, func, select
from sqlmodel import Session, col

from data_access.models import Department, Indicator, Monitoring, Project, Region
from data_access.queries.core import frame


def project_choices(*, session: Session, region: str, year: int, department_ids: frozenset[int] | None) -> pd.DataFrame:
    """The region-year's projects (of the departments in scope): code, name, department, adjusted
    budget in fen, and the latest month reported with its cumulative spending (None before any)."""
    latest = (select(col(Monitoring.project_id).label("project_id"), func.max(col(Monitoring.month)).label("month"))
              .group_by(col(Monitoring.project_id)).subquery())
    stmt: Select = (
        select(col(Project.id), col(Project.code), col(Project.name), col(Department.id).label("department_id"),
               col(Department.name).label("department"), col(Project.budget_adjusted_fen),
               latest.c.month.label("last_month"), col(Monitoring.spent_cumulative_fen).label("last_spent_fen"))
        .join(Region, col(Region.id) == col(Project.region_id))
        .join(Department, col(Department.id) == col(Project.department_id))
        .outerjoin(latest, latest.c.project_id == col(Project.id))
        .outerjoin(Monitoring,
                   (col(Monitoring.project_id) == col(Project.id)) & (col(Monitoring.month) == latest.c.month))
        .where(col(Region.name) == region, col(Project.year) == year)
        .order_by(col(Department.name), col(Project.code)))
    if department_ids is not None:
        stmt = stmt.where(col(Project.department_id).in_(sorted(department_ids)))
    return frame(session, stmt)


def target_choices(*, session: Session, project_id: int) -> pd.DataFrame:
    """A project's targets (三级指标) as stored: what the form shows and what it must send back unchanged."""
    stmt: Select = (
        select(col(Indicator.id), col(Indicator.name), col(Indicator.level1), col(Indicator.level2),
               col(Indicator.scope), col(Indicator.unit), col(Indicator.operator), col(Indicator.target_value),
               col(Indicator.value_to_date),
               col(Indicator.expected_year_end), col(Indicator.will_meet), col(Indicator.deviation_category),
               col(Indicator.deviation_note), col(Indicator.corrective_measure))
        .where(col(Indicator.project_id) == project_id)
        .order_by(col(Indicator.level1), col(Indicator.level2), col(Indicator.id)))
    return frame(session, stmt)
