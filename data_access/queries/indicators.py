"""The indicator library (rows with no project) and where its indicators are used as targets."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, or_, select
from sqlmodel import Session

from data_access.models import Department, Indicator, Project, Region
from data_access.queries.core import count_if, frame


def counts(*, session: Session, region: str) -> pd.DataFrame:
    """Library counts by level 1, level 2 and scope, with core counts."""
    stmt = (
        select(Indicator.level1, Indicator.level2, func.count().label("total"),
               count_if(Indicator.scope == "general").label("general"),
               count_if(Indicator.scope == "specific").label("specific"), count_if(Indicator.is_core).label("core"))
        .join(Region, Region.id == Indicator.region_id)
        .where(Region.name == region, Indicator.project_id.is_(None))
        .group_by(Indicator.level1, Indicator.level2)
        .order_by(Indicator.level1, Indicator.level2)
    )
    return frame(session, stmt)


def search(
    *, session: Session, region: str, text: str | None = None, level1: str | None = None, scope: str | None = None,
    core_only: bool = False, limit: int = 500,
) -> tuple[pd.DataFrame, int]:
    """Library indicators matching the filters (first `limit`), and how many match in all."""
    where = [Region.name == region, Indicator.project_id.is_(None)]
    if text:
        where.append(or_(Indicator.name.contains(text), Department.name.contains(text)))
    if level1:
        where.append(Indicator.level1 == level1)
    if scope:
        where.append(Indicator.scope == scope)
    if core_only:
        where.append(Indicator.is_core.is_(True))
    base = (select(Indicator.name, Indicator.level1, Indicator.level2, Indicator.scope, Department.name.label("department"),
                   Indicator.unit, Indicator.operator, Indicator.target_value, Indicator.is_core)
            .join(Region, Region.id == Indicator.region_id)
            .outerjoin(Department, Department.id == Indicator.department_id)
            .where(*where))
    total = session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    return frame(session, base.order_by(Indicator.level1, Indicator.level2, Indicator.name).limit(limit)), int(total)


def projects_using(*, session: Session, region: str, name: str) -> pd.DataFrame:
    """Projects whose targets (三级指标) carry an indicator of this name."""
    stmt = (
        select(Project.year, Project.code, Project.name.label("project"), Department.name.label("department"),
               Indicator.operator, Indicator.target_value, Indicator.unit)
        .join(Project, Project.id == Indicator.project_id)
        .join(Region, Region.id == Indicator.region_id)
        .join(Department, Department.id == Project.department_id)
        .where(Region.name == region, Indicator.name == name)
        .order_by(Project.year.desc(), Project.code)
    )
    return frame(session, stmt)


def usage_counts(*, session: Session, region: str, names: list[str]) -> dict[str, int]:
    """How many project targets of the region carry each of these indicator names."""
    if not names:
        return {}
    stmt = (
        select(Indicator.name, func.count(func.distinct(Indicator.project_id)))
        .join(Region, Region.id == Indicator.region_id)
        .where(Region.name == region, Indicator.project_id.is_not(None), Indicator.name.in_(names))
        .group_by(Indicator.name)
    )
    return {name: int(n) for name, n in session.execute(stmt).all()}
