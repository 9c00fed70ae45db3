"""In-year monitoring (双监控) figures, all built on core.project_execution so they match kpis.

Rates and gaps are exact Decimals (percent and percentage points, unrounded): pages round them
half up only to show them. Statuses come from core.status_expr under the configured rule, for a
project and for a department's sums alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Float, Select, and_, case, cast, distinct, false, func, or_, select
from sqlmodel import Session, col

from data_access.models import Department, Evaluation, Finding, Indicator, Monitoring, Project, Region
from data_access.queries.core import (
    count_if,
    frame,
    lifecycle_expr,
    project_execution,
    rate,
    region_id,
    status_expr,
    status_of,
    sum_int,
    time_progress,
)
from data_access.settings import SETTINGS, Settings


def with_rate_and_gap(df: pd.DataFrame, month: int) -> pd.DataFrame:
    """Add rate (spent / budget × 100, None for no budget) and gap (time progress − rate, in points)."""
    rates = [rate(int(s), int(b)) for s, b in zip(df["spent_fen"], df["budget_fen"], strict=True)]
    tp = time_progress(month)
    return df.assign(rate=pd.Series(rates, index=df.index, dtype=object),
                     gap=pd.Series([tp - (r or 0) for r in rates], index=df.index, dtype=object))


def _carried_totals(session: Session, scope: list[Any], upto: int) -> list[tuple[int, int]]:
    """(Σ effective budget, Σ spent) of the projects matching `scope` (conditions on Project alone) at each month
    1..upto, carried forward exactly as `core.project_execution` carries them, from one pass over their monitoring
    rows.

    A project's spending at month m is its latest cumulative row with month ≤ m, so the sum over
    projects is the sum of each row's increase over the project's previous row (LAG), over rows with
    month ≤ m. Its budget is the latest recorded budget with month ≤ m, else the adjusted budget: the
    adjusted total plus each recorded budget's change from the one before it. Integer sums, exact.
    """
    adjusted = session.execute(select(sum_int(col(Project.budget_adjusted_fen))).where(*scope)).scalar_one()

    def previous(column: Any) -> Any:  # the project's previous row's value (NULL on its first)
        return func.lag(column).over(partition_by=col(Monitoring.project_id), order_by=col(Monitoring.month))

    # Scoped on the projects' own columns (the region as `core.region_id`), so PostgreSQL knows how many
    # projects match: it then reads the monitoring index in (project_id, month) order beside the projects'
    # primary key (merge joins) and the window pass sorts nothing; SQLite reads the same index per project.
    projects = select(col(Project.id)).where(*scope)
    spent_rows = (
        select(col(Monitoring.month), (col(Monitoring.spent_cumulative_fen) - func.coalesce(
            previous(col(Monitoring.spent_cumulative_fen)), 0)).label("d"))
        .where(col(Monitoring.project_id).in_(projects), col(Monitoring.month) <= upto)
        .subquery()
    )
    budget_rows = (
        select(col(Monitoring.month), (col(Monitoring.budget_fen) - func.coalesce(
            previous(col(Monitoring.budget_fen)), col(Project.budget_adjusted_fen))).label("d"))
        .join(Project, col(Project.id) == col(Monitoring.project_id))
        .where(col(Monitoring.project_id).in_(projects), col(Monitoring.month) <= upto,
               col(Monitoring.budget_fen).is_not(None))
        .subquery()
    )
    d_spent = dict(session.execute(select(spent_rows.c.month,
                                          sum_int(spent_rows.c.d)).group_by(spent_rows.c.month)).all())
    d_budget = dict(session.execute(select(budget_rows.c.month, sum_int(budget_rows.c.d))
                                    .group_by(budget_rows.c.month)).all())
    out, budget, spent = [], int(adjusted), 0
    for month in range(1, upto + 1):
        budget += int(d_budget.get(month, 0))
        spent += int(d_spent.get(month, 0))
        out.append((budget, spent))
    return out


def _curve_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["month", "budget_fen", "spent_fen", "rate", "time_progress"])


def monthly_curve(*, session: Session, year: int, region: str, upto: int) -> pd.DataFrame:
    """Σ spent, Σ budget, execution rate and time progress at each month 1..upto (the cumulative curve)."""
    totals = _carried_totals(session, [col(Project.region_id) == region_id(region), col(Project.year) == year], upto)
    return _curve_frame([{"month": m, "budget_fen": b, "spent_fen": sp, "rate": rate(sp, b),
                          "time_progress": time_progress(m)} for m, (b, sp) in enumerate(totals, start=1)])


def project_rows(
    *, session: Session, year: int, region: str, month: int, department: str | None = None,
    fund_source: str | None = None, key_only: bool = False, settings: Settings = SETTINGS,
) -> pd.DataFrame:
    """Every project at month M with effective budget, spending, rate, gap, key flag and status; furthest
    behind first."""
    pe = project_execution(year=year, region=region, month=month, fund_source=fund_source, settings=settings).subquery()
    stmt = select(pe).order_by(pe.c.code)
    if department:
        stmt = stmt.where(pe.c.department == department)
    if key_only:
        stmt = stmt.where(pe.c.is_key)
    rows = with_rate_and_gap(frame(session, stmt), month)
    return rows.sort_values("gap", ascending=False, kind="stable").reset_index(drop=True)


def by_department(
    *, session: Session, year: int, region: str, month: int, fund_source: str | None = None, key_only: bool = False,
    settings: Settings = SETTINGS,
) -> pd.DataFrame:
    """Per department: projects, key projects, budget, spent, rate, gap, status of its sums, projects in each
    status and its worst project's status; furthest behind first."""
    pe = project_execution(year=year, region=region, month=month, fund_source=fund_source, settings=settings).subquery()
    budget, spent = sum_int(pe.c.budget_fen), sum_int(pe.c.spent_fen)
    red, yellow = count_if(pe.c.status == "red"), count_if(pe.c.status == "yellow")
    stmt = (
        select(
            pe.c.department, func.count().label("projects"), count_if(pe.c.is_key).label("key_projects"),
            budget.label("budget_fen"), spent.label("spent_fen"), red.label("red"), yellow.label("yellow"),
            status_expr(budget, spent, month, settings).label("status"),
            case((red > 0, "red"), (yellow > 0, "yellow"), else_="green").label("worst"),
        )
        .group_by(pe.c.department)
        .order_by(pe.c.department)
    )
    if key_only:
        stmt = stmt.where(pe.c.is_key)
    departments = with_rate_and_gap(frame(session, stmt), month)
    return departments.sort_values("gap", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Projects:
    """执行监控's projects, departments and key-project summary at month M, from one pass over the projects."""

    projects: pd.DataFrame  # as `project_rows`
    departments: pd.DataFrame  # as `by_department`
    key: tuple[int, int, int]  # as `key_summary`


_DEPARTMENT_COLUMNS = ["department", "projects", "key_projects", "budget_fen", "spent_fen", "red", "yellow", "status",
                       "worst"]


def projects_at(
    *, session: Session, year: int, region: str, month: int, department: str | None = None,
    fund_source: str | None = None, key_only: bool = False, settings: Settings = SETTINGS, rates: bool = True,
) -> Projects:
    """`project_rows`, `by_department` and `key_summary` with the same arguments, from one statement: the carry-
    forward (`core.project_execution`, two index lookups per project) is worked out once, not three times.
    The departments' counts and integer sums are added up from the project rows, and each department's status
    is `core.status_of` over its sums, the same comparisons `by_department` makes in SQL (exact integers both).
    The database orders the projects furthest behind first (`behind_first`), so with `rates=False` the projects
    come in `project_rows`' order without their exact rate and gap: a page adds them (`with_rate_and_gap`) to
    the few rows it shows."""
    pe = project_execution(year=year, region=region, month=month, fund_source=fund_source, settings=settings).subquery()
    base = select(pe).where(pe.c.is_key) if key_only else select(pe)
    b = base.subquery()
    rows = frame(session, select(b).order_by(*behind_first(b.c.spent_fen, b.c.budget_fen, b.c.code)))
    departments = _departments(rows, month, settings)
    projects = rows[list(base.selected_columns.keys())]
    if fund_source is None and not key_only:  # every project of the year: the key summary is in these rows
        key = projects[projects["is_key"]]
        summary = (len(key), int(key["department_id"].nunique()), int(key["budget_fen"].sum()))
    else:
        summary = key_summary(session=session, year=year, region=region, month=month, settings=settings)
    if department:
        projects = projects[projects["department"] == department]
    projects = projects.reset_index(drop=True)
    if rates:  # already in order: the stable sort on the exact gaps keeps it so
        projects = with_rate_and_gap(projects, month).sort_values("gap", ascending=False, kind="stable")
    return Projects(projects.reset_index(drop=True), departments.reset_index(drop=True), summary)


def _departments(rows: pd.DataFrame, month: int, settings: Settings) -> pd.DataFrame:
    """`by_department`'s rows from the project rows of `projects_at`, furthest behind first."""
    if rows.empty:
        return with_rate_and_gap(pd.DataFrame(columns=_DEPARTMENT_COLUMNS), month)
    counted = rows.assign(key=rows["is_key"].astype("int64"), red=(rows["status"] == "red").astype("int64"),
                          yellow=(rows["status"] == "yellow").astype("int64"))
    sums = counted.groupby("department", sort=True).agg(
        projects=("code", "size"), key_projects=("key", "sum"), budget_fen=("budget_fen", "sum"),
        spent_fen=("spent_fen", "sum"), red=("red", "sum"), yellow=("yellow", "sum"))
    departments = sums.reset_index().astype(dict.fromkeys(_DEPARTMENT_COLUMNS[1:7], "int64"))
    departments["status"] = [status_of(int(b), int(s), month, settings)
                             for b, s in zip(departments["budget_fen"], departments["spent_fen"], strict=True)]
    departments["worst"] = ["red" if r > 0 else "yellow" if y > 0 else "green"
                            for r, y in zip(departments["red"], departments["yellow"], strict=True)]
    departments = departments[_DEPARTMENT_COLUMNS]
    return with_rate_and_gap(departments, month).sort_values("gap", ascending=False, kind="stable")


def behind_first(spent: Any, budget: Any, code: Any) -> tuple[Any, ...]:
    """ORDER BY terms putting projects furthest behind first, as `project_rows` sorts them: gap = time progress −
    rate descending is rate ascending (no budget counting as 0), then code. The rate as a double: spent and
    budget are exact in it and the division is correctly rounded, so equal rates compare equal and different
    ones of real budgets (well under 2^53 fen) apart."""
    return func.coalesce(cast(spent, Float) / func.nullif(budget, 0), 0.0), code


def key_summary(
    *, session: Session, year: int, region: str, month: int, settings: Settings = SETTINGS
) -> tuple[int, int, int]:
    """重点监控: (projects, departments, budget fen) at month M."""
    pe = project_execution(year=year, region=region, month=month, settings=settings).subquery()
    n, depts, budget = session.execute(
        select(func.count(), func.count(distinct(pe.c.department_id)), sum_int(pe.c.budget_fen)).where(pe.c.is_key)
    ).one()
    return int(n), int(depts), int(budget)


def lifecycle_projects(*, session: Session, year: int, region: str, settings: Settings = SETTINGS) -> pd.DataFrame:
    """全生命周期跟踪问效: new recurring ≥ 500 万 and new one-off ≥ 1000 万 projects."""
    stmt: Select = (
        select(col(Project.id), col(Project.code), col(Project.name), col(Department.name).label("department"),
               col(Project.kind), col(Project.budget_adjusted_fen))
        .join(Region, col(Region.id) == col(Project.region_id))
        .join(Department, col(Department.id) == col(Project.department_id))
        .where(col(Region.name) == region, col(Project.year) == year, lifecycle_expr(settings))
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


def quadrant(departments: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """The 双监控 quadrant: each department's execution rate (of `by_department`) beside its target
    achievement (of `target_achievement`), for departments in both."""
    both = targets.merge(departments[["department", "rate"]], on="department")
    achievement = [rate(int(c), int(n)) for c, n in zip(both["certain"], both["targets"], strict=True)]
    return both.assign(achievement=pd.Series(achievement, index=both.index, dtype=object))


def project_curve(*, session: Session, project_id: int) -> pd.DataFrame:
    """One project at each month it reported: budget and spending carried forward as `kpis` carries them,
    rate and time progress."""
    months = session.execute(select(col(Monitoring.month)).where(col(Monitoring.project_id) == project_id)
                             .order_by(col(Monitoring.month))).scalars().all()
    totals = _carried_totals(session, [col(Project.id) == project_id], max(months)) if months else []
    return _curve_frame([{"month": m, "budget_fen": totals[m - 1][0], "spent_fen": totals[m - 1][1],
                          "rate": rate(totals[m - 1][1], totals[m - 1][0]), "time_progress": time_progress(m)}
                         for m in months])


def project_detail(*, session: Session, project_id: int) -> dict[str, pd.DataFrame]:
    """One project: its curve (`project_curve`), targets with mid-year progress, evaluations and findings."""
    targets = frame(session, select(col(Indicator.name), col(Indicator.level1), col(Indicator.level2),
                                     col(Indicator.operator), col(Indicator.target_value), col(Indicator.unit),
                                     col(Indicator.value_to_date), col(Indicator.expected_year_end),
                                     col(Indicator.will_meet), col(Indicator.deviation_category),
                                     col(Indicator.deviation_note), col(Indicator.corrective_measure))
                     .where(col(Indicator.project_id) == project_id))
    evaluations = frame(session, select(col(Evaluation.id), col(Evaluation.year), col(Evaluation.method),
                                         col(Evaluation.score_centi), col(Evaluation.evaluator))
                         .where(col(Evaluation.project_id) == project_id)
                         .order_by(col(Evaluation.year), col(Evaluation.method)))
    ids = [int(i) for i in evaluations["id"]] if len(evaluations) else []
    project = session.get(Project, project_id)
    same_subject = and_(col(Finding.department_id) == project.department_id, col(Finding.subject) == project.name) \
        if project else false()
    findings = frame(session, select(col(Finding.year), col(Finding.finding_code), col(Finding.category),
                                      col(Finding.description), col(Finding.deadline), col(Finding.status))
                     .where(or_(col(Finding.evaluation_id).in_(ids or [-1]), same_subject))
                     .order_by(col(Finding.deadline)))
    return {"curve": project_curve(session=session, project_id=project_id), "targets": targets,
            "evaluations": evaluations, "findings": findings}
