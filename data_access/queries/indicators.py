"""The indicator library (rows with no project) and where its indicators are used as targets."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
from sqlalchemy import Select, case, distinct, func, or_, select
from sqlmodel import Session, col

from data_access.models import Department, Indicator, Project, Region
from data_access.queries.core import count_if, frame


def counts(*, session: Session, region: str) -> pd.DataFrame:
    """Library counts by level 1, level 2 and scope, with core counts."""
    stmt = (
        select(col(Indicator.level1), col(Indicator.level2), func.count().label("total"),
               count_if(col(Indicator.scope) == "general").label("general"),
               count_if(col(Indicator.scope) == "specific").label("specific"),
               count_if(Indicator.is_core).label("core"))
        .join(Region, col(Region.id) == col(Indicator.region_id))
        .where(col(Region.name) == region, col(Indicator.project_id).is_(None))
        .group_by(Indicator.level1, Indicator.level2)
        .order_by(Indicator.level1, Indicator.level2)
    )
    return frame(session, stmt)


def search(
    *, session: Session, region: str, text: str | None = None, level1: str | None = None, scope: str | None = None,
    core_only: bool = False, limit: int | None = None,
) -> tuple[pd.DataFrame, int]:
    """Library indicators matching the filters (the first `limit`, or all), and how many match in all."""
    where = [col(Region.name) == region, col(Indicator.project_id).is_(None)]
    if text:
        where.append(or_(col(Indicator.name).contains(text), col(Department.name).contains(text)))
    if level1:
        where.append(col(Indicator.level1) == level1)
    if scope:
        where.append(col(Indicator.scope) == scope)
    if core_only:
        where.append(col(Indicator.is_core).is_(True))
    base: Select = (select(col(Indicator.name), col(Indicator.level1), col(Indicator.level2), col(Indicator.scope),
                           col(Department.name).label("department"),
                           col(Indicator.unit), col(Indicator.operator), col(Indicator.target_value),
                           col(Indicator.is_core))
                    .join(Region, col(Region.id) == col(Indicator.region_id))
                    .outerjoin(Department, col(Department.id) == col(Indicator.department_id))
                    .where(*where))
    total = session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    ordered = base.order_by(Indicator.level1, Indicator.level2, Indicator.name)
    return frame(session, ordered if limit is None else ordered.limit(limit)), int(total)


def projects_using(*, session: Session, region: str, name: str) -> pd.DataFrame:
    """Projects whose targets (三级指标) carry an indicator of this name."""
    stmt: Select = (
        select(col(Project.year), col(Project.code), col(Project.name).label("project"),
               col(Department.name).label("department"),
               col(Indicator.operator), col(Indicator.target_value), col(Indicator.unit))
        .join(Project, col(Project.id) == col(Indicator.project_id))
        .join(Region, col(Region.id) == col(Indicator.region_id))
        .join(Department, col(Department.id) == col(Project.department_id))
        .where(col(Region.name) == region, col(Indicator.name) == name)
        .order_by(col(Project.year).desc(), Project.code)
    )
    return frame(session, stmt)


def usage_counts(*, session: Session, region: str, names: list[str] | None = None) -> dict[str, int]:
    """How many projects of the region carry each indicator name (these names, or every name) as a target."""
    if names is not None and not names:
        return {}
    stmt = (
        select(col(Indicator.name), func.count(func.distinct(col(Indicator.project_id))))
        .join(Region, col(Region.id) == col(Indicator.region_id))
        .where(col(Region.name) == region, col(Indicator.project_id).is_not(None))
        .group_by(Indicator.name)
    )
    if names is not None:
        stmt = stmt.where(col(Indicator.name).in_(names))
    return {name: int(n) for name, n in session.execute(stmt).all()}


class TargetReview(NamedTuple):
    """An expert review of performance targets (绩效目标专家评审) in a year, as the report counts it."""

    departments: int  # departments whose overall targets were reviewed (their library indicators)
    projects: int  # projects whose targets were reviewed
    key_indicators: int  # core library indicators the review set (关键指标)


def target_review(*, session: Session, year: int, region: str) -> TargetReview:
    """Departments, projects and key indicators of the indicators whose `review_year` is the year."""
    library = col(Indicator.project_id).is_(None)
    stmt = (
        select(func.count(distinct(case((library, col(Indicator.department_id))))),
               func.count(distinct(col(Indicator.project_id))),
               count_if(library & col(Indicator.is_core)))
        .join(Region, col(Region.id) == col(Indicator.region_id))
        .where(col(Region.name) == region, col(Indicator.review_year) == year)
    )
    departments, projects, key = session.execute(stmt).one()
    return TargetReview(int(departments), int(projects), int(key))
