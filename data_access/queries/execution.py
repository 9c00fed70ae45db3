"""In-year monitoring (双监控) figures, all built on core.project_execution so they match kpis."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from sqlalchemy import Select, and_, distinct, false, func, or_, select
from sqlmodel import Session, col

from data_access.models import Evaluation, Finding, Indicator, Monitoring, Project, Region
from data_access.queries.core import count_if, frame, lifecycle_expr, project_execution, sum_int
from data_access.settings import SETTINGS


def monthly_curve(*, session: Session, year: int, region: str, upto: int) -> pd.DataFrame:
    """Σ spent and Σ budget at each month 1..upto (cumulative execution curve)."""
    rows = []
    for month in range(1, upto + 1):
        pe = project_execution(year=year, region=region, month=month).subquery()
        budget, spent = session.execute(select(sum_int(pe.c.budget_fen), sum_int(pe.c.spent_fen))).one()
        rows.append({"month": month, "budget_fen": int(budget), "spent_fen": int(spent)})
    return pd.DataFrame(rows, columns=["month", "budget_fen", "spent_fen"])


def project_rows(
    *, session: Session, year: int, region: str, month: int, department: str | None = None,
    fund_source: str | None = None, key_only: bool = False,
) -> pd.DataFrame:
    """Every project at month M with effective budget, spending, key flag and status."""
    pe = project_execution(year=year, region=region, month=month, fund_source=fund_source).subquery()
    stmt = select(pe).order_by(pe.c.department, pe.c.code)
    if department:
        stmt = stmt.where(pe.c.department == department)
    if key_only:
        stmt = stmt.where(pe.c.is_key)
    return frame(session, stmt)


def by_department(
    *, session: Session, year: int, region: str, month: int, fund_source: str | None = None, key_only: bool = False
) -> pd.DataFrame:
    """Per department: projects, key projects, budget, spent and projects in each status."""
    pe = project_execution(year=year, region=region, month=month, fund_source=fund_source).subquery()
    stmt = (
        select(
            pe.c.department, func.count().label("projects"), count_if(pe.c.is_key).label("key_projects"),
            sum_int(pe.c.budget_fen).label("budget_fen"), sum_int(pe.c.spent_fen).label("spent_fen"),
            count_if(pe.c.status == "red").label("red"), count_if(pe.c.status == "yellow").label("yellow"),
        )
        .group_by(pe.c.department)
    )
    if key_only:
        stmt = stmt.where(pe.c.is_key)
    return frame(session, stmt)


def key_summary(*, session: Session, year: int, region: str, month: int) -> tuple[int, int, int]:
    """重点监控: (projects, departments, budget fen) at month M."""
    pe = project_execution(year=year, region=region, month=month).subquery()
    n, depts, budget = session.execute(
        select(func.count(), func.count(distinct(pe.c.department_id)), sum_int(pe.c.budget_fen)).where(pe.c.is_key)
    ).one()
    return int(n), int(depts), int(budget)


def lifecycle_projects(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """全生命周期跟踪问效: new recurring ≥ 500 万 and new one-off ≥ 1000 万 projects."""
    from data_access.models import Department

    stmt: Select = (
        select(col(Project.id), col(Project.code), col(Project.name), col(Department.name).label("department"), col(Project.kind),
               col(Project.budget_adjusted_fen))
        .join(Region, col(Region.id) == col(Project.region_id))
        .join(Department, col(Department.id) == col(Project.department_id))
        .where(col(Region.name) == region, col(Project.year) == year, lifecycle_expr(SETTINGS))
        .order_by(col(Project.budget_adjusted_fen).desc())
    )
    return frame(session, stmt)


def target_achievement(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """Per department: project targets monitored at mid-year and how many are certain to be met.

    Target achievement on the 双监控 quadrant = certain / targets × 100: the share of the department's
    project indicators (year Y, will_meet recorded) whose mid-year review says 确定能 (certain) that
    the target will be met. 有可能 and 完全不可能 count against it."""
    from data_access.models import Department

    stmt = (
        select(col(Department.name).label("department"), func.count(col(Indicator.id)).label("targets"),
               count_if(col(Indicator.will_meet) == "certain").label("certain"))
        .join(Project, col(Project.id) == col(Indicator.project_id))
        .join(Region, col(Region.id) == col(Project.region_id))
        .join(Department, col(Department.id) == col(Project.department_id))
        .where(col(Region.name) == region, col(Project.year) == year, col(Indicator.will_meet).is_not(None))
        .group_by(Department.name)
    )
    return frame(session, stmt)


def gap_status(gap: Decimal) -> str:
    """green / yellow / red for a gap in points under the default gap rule (DOMAIN §3)."""
    if gap > SETTINGS.gap_red:
        return "red"
    return "yellow" if gap > SETTINGS.gap_yellow else "green"


def project_detail(*, session: Session, project_id: int) -> dict[str, pd.DataFrame]:
    """One project: its monthly rows, targets with mid-year progress, evaluations and findings."""
    monthly = frame(session, select(col(Monitoring.month), col(Monitoring.spent_cumulative_fen), col(Monitoring.budget_fen),
                                     col(Monitoring.target_progress), col(Monitoring.deviation_reason))
                     .where(col(Monitoring.project_id) == project_id).order_by(col(Monitoring.month)))
    targets = frame(session, select(col(Indicator.name), col(Indicator.level1), col(Indicator.level2), col(Indicator.operator),
                                     col(Indicator.target_value), col(Indicator.unit), col(Indicator.value_to_date),
                                     col(Indicator.expected_year_end), col(Indicator.will_meet), col(Indicator.deviation_category),
                                     col(Indicator.deviation_note), col(Indicator.corrective_measure))
                     .where(col(Indicator.project_id) == project_id))
    evaluations = frame(session, select(col(Evaluation.id), col(Evaluation.year), col(Evaluation.method), col(Evaluation.score_centi),
                                         col(Evaluation.evaluator)).where(col(Evaluation.project_id) == project_id)
                         .order_by(col(Evaluation.year), col(Evaluation.method)))
    ids = [int(i) for i in evaluations["id"]] if len(evaluations) else []
    project = session.get(Project, project_id)
    same_subject = and_(col(Finding.department_id) == project.department_id, col(Finding.subject) == project.name) \
        if project else false()
    findings = frame(session, select(col(Finding.year), col(Finding.finding_code), col(Finding.category), col(Finding.description),
                                      col(Finding.deadline), col(Finding.status))
                     .where(or_(col(Finding.evaluation_id).in_(ids or [-1]), same_subject)).order_by(col(Finding.deadline)))
    return {"monthly": monthly, "targets": targets, "evaluations": evaluations, "findings": findings}
