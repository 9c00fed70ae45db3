"""Evaluation-results figures: tables, score lists, comparisons and results application."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, distinct, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from data_access.enums import FINANCE_METHODS, SPECIAL_BOND
from data_access.models import Department, Evaluation, Project, Region
from data_access.queries.core import count_if, frame, grade_counts_columns, grade_expr, rate, sum_int
from data_access.queries.kpis import GRADE_KEYS, grade_block, region_names
from data_access.settings import SETTINGS, Settings


def evaluation_rows(
    *, session: Session, year: int, region: str, methods: tuple[str, ...], subject_type: str | None = None
) -> pd.DataFrame:
    """Evaluated subjects with score, grade (by the region's boundaries), funds, completion, evaluator and
    report summary."""
    stmt: Select = (
        select(col(Evaluation.subject), col(Evaluation.subject_type), col(Department.name).label("department"),
               col(Evaluation.method), col(Evaluation.score_centi), grade_expr().label("grade"),
               col(Evaluation.funds_fen),
               col(Evaluation.budget_completion_centi), col(Evaluation.evaluator), col(Evaluation.report_summary))
        .join(Region, col(Region.id) == col(Evaluation.region_id))
        .join(Department, col(Department.id) == col(Evaluation.department_id))
        .where(col(Region.name) == region, col(Evaluation.year) == year, col(Evaluation.method).in_(methods))
        .order_by(col(Evaluation.score_centi).desc(), col(Evaluation.id))
    )
    if subject_type:
        stmt = stmt.where(col(Evaluation.subject_type) == subject_type)
    return frame(session, stmt)


def grade_bounds(*, session: Session, region: str) -> list[int]:
    """The region's grade boundaries, lowest first: [中 from, 良 from, 优 from]."""
    row = session.execute(select(col(Region.grade_fair), col(Region.grade_good), col(Region.grade_excellent))
                          .where(col(Region.name) == region)).one()
    return [int(v) for v in row]


def finance_history(*, session: Session) -> pd.DataFrame:
    """Every region and year with data (`kpis.years`: any project or evaluation), newest first, regions in name
    order: the finance evaluations' grade block, as `kpis` gives it, from one grouped query (it was three
    queries per region and year)."""
    held: dict[str, set[int]] = {}
    for model in (Project, Evaluation):
        for region, year in session.execute(select(col(Region.name), col(model.year))
                                            .join(Region, col(Region.id) == col(model.region_id)).distinct()):
            held.setdefault(region, set()).add(int(year))
    counts = {(r, int(y)): m for r, y, *m in session.execute(
        select(col(Region.name), col(Evaluation.year), *grade_counts_columns(), sum_int(Evaluation.funds_fen))
        .join(Region, col(Region.id) == col(Evaluation.region_id))
        .where(col(Evaluation.method).in_(FINANCE_METHODS))
        .group_by(col(Region.name), col(Evaluation.year)))}
    rows = []
    for r in region_names(session=session):
        for y in sorted(held.get(r, ()), reverse=True):
            *grades, funds = counts.get((r, y), [0] * (len(GRADE_KEYS) + 1))
            rows.append({"region": r, "year": y,
                         **grade_block(dict(zip(GRADE_KEYS, map(int, grades), strict=True)), int(funds))})
    return pd.DataFrame(rows)


def _self_and_finance(year: int, region: str):  # type: ignore[no-untyped-def]
    """The same subjects evaluated by their unit (own) and by finance (fin), joined; (own, fin, statement)."""
    own, fin = aliased(Evaluation), aliased(Evaluation)
    stmt: Select = (
        select()
        .select_from(own)
        .join(fin, and_(col(fin.region_id) == col(own.region_id), col(fin.year) == col(own.year),
                        col(fin.department_id) == col(own.department_id),
                        col(fin.subject) == col(own.subject), col(fin.method).in_(FINANCE_METHODS)))
        .join(Region, col(Region.id) == col(own.region_id))
        .join(Department, col(Department.id) == col(own.department_id))
        .where(col(Region.name) == region, col(own.year) == year, col(own.method) == "self")
    )
    return own, fin, stmt


def self_vs_review(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """The same subjects scored by their unit (self) and by finance (review or key), and self − finance."""
    own, fin, stmt = _self_and_finance(year, region)
    return frame(session, stmt.add_columns(
        col(Department.name).label("department"), col(own.subject), col(own.score_centi).label("self_centi"),
        col(fin.score_centi).label("finance_centi"), col(fin.method),
        (col(own.score_centi) - col(fin.score_centi)).label("diff_centi"),
    ).order_by(Department.name, own.subject))


@dataclass(frozen=True)
class SelfVsFinance:
    """Self against finance scores, and the departments scoring themselves too high (DOMAIN §4's check)."""

    rows: pd.DataFrame  # department, subject, self_centi, finance_centi, method, diff_centi
    flagged: list[str]  # mean self − finance above `threshold` points, highest first
    threshold: Decimal


def self_vs_finance(*, session: Session, year: int, region: str, settings: Settings = SETTINGS) -> SelfVsFinance:
    """`self_vs_review` with the departments whose self-scores exceed finance's by more than
    `settings.self_score_gap_warn` points on average (exact: Σ difference > threshold × count)."""
    own, fin, stmt = _self_and_finance(year, region)
    diff = func.sum(col(own.score_centi) - col(fin.score_centi))  # hundredths of a point
    threshold = int(settings.self_score_gap_warn * 10_000)  # ten-thousandths of a point, so the test stays integer
    over = session.execute(stmt.add_columns(col(Department.name), diff, func.count())
                           .group_by(col(Department.name))
                           .having(diff * 100 > func.count() * threshold)).all()
    flagged = sorted(over, key=lambda r: (-Decimal(int(r[1])) / int(r[2]), r[0]))
    return SelfVsFinance(self_vs_review(session=session, year=year, region=region), [r[0] for r in flagged],
                         settings.self_score_gap_warn)


def results_application(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """Each finance-evaluated project's grade beside its budget the next year (结果应用) and the change in %
    (exact; None where next year's budget is not there)."""
    this, nxt = aliased(Project), aliased(Project)
    stmt: Select = (
        select(col(Evaluation.subject), col(Department.name).label("department"), col(Evaluation.score_centi),
               grade_expr().label("grade"), col(this.code), col(this.budget_adjusted_fen).label("budget_fen"),
               col(nxt.budget_adjusted_fen).label("next_budget_fen"))
        .join(Region, col(Region.id) == col(Evaluation.region_id))
        .join(Department, col(Department.id) == col(Evaluation.department_id))
        .join(this, col(this.id) == col(Evaluation.project_id))
        # The same budget line next year: same code, or (codes often carry the year) same department and name.
        .outerjoin(nxt, and_(col(nxt.region_id) == col(this.region_id), col(nxt.year) == col(this.year) + 1,
                             or_(col(nxt.code) == col(this.code),
                                 and_(col(nxt.department_id) == col(this.department_id),
                                      col(nxt.name) == col(this.name)))))
        .where(col(Region.name) == region, col(Evaluation.year) == year, col(Evaluation.method).in_(("review", "key")))
        .order_by(col(Evaluation.score_centi).desc())
    )
    applied = frame(session, stmt)
    change = [rate(int(n) - int(b), int(b)) if pd.notna(n) else None
              for b, n in zip(applied["budget_fen"], applied["next_budget_fen"], strict=True)]
    return applied.assign(change_rate=pd.Series(change, index=applied.index, dtype=object))


@dataclass(frozen=True)
class EvaluationGroup:
    """The evaluations one sentence of the report counts (a method and subject types of a year)."""

    count: int
    departments: int  # distinct departments evaluated
    grades: dict[str, Any]  # a `kpis` grade block: count, excellent … poor, excellent_good_rate, funds_total
    funds_fen: int
    recommendations: int  # 建议 made, summed (a blank is 0)
    third_party: int  # evaluations whose evaluator names a third party (第三方)
    published: int
    special_bond: int  # project evaluations funded by 专项债券: the evaluation's fund source, else its project's
    first: str | None  # the first subject in upload order (the one a sentence names: “区国资局等 8 个”)
    first_special_bond: str | None


def evaluation_group(
    *, session: Session, year: int, region: str, methods: tuple[str, ...], subject_types: tuple[str, ...] | None = None
) -> EvaluationGroup:
    """Counts, departments, grades, funds, recommendations and special-bond projects of a set of evaluations."""
    fund = func.coalesce(col(Evaluation.fund_source), col(Project.fund_source))
    bond = (col(Evaluation.subject_type) == "project") & (fund == SPECIAL_BOND)
    where = [col(Region.name) == region, col(Evaluation.year) == year, col(Evaluation.method).in_(methods)]
    if subject_types:
        where.append(col(Evaluation.subject_type).in_(subject_types))

    def scoped(*columns: Any) -> Select:
        return (select(*columns).select_from(Evaluation).join(Region, col(Region.id) == col(Evaluation.region_id))
                .outerjoin(Project, col(Project.id) == col(Evaluation.project_id)).where(*where))

    m = session.execute(scoped(
        func.count().label("n"), func.count(distinct(col(Evaluation.department_id))).label("departments"),
        *grade_counts_columns(), sum_int(Evaluation.funds_fen).label("funds"),
        sum_int(Evaluation.recommendations).label("recommendations"),
        count_if(col(Evaluation.evaluator).contains("第三方")).label("third_party"),
        count_if(col(Evaluation.published).is_(True)).label("published"), count_if(bond).label("bond"),
    )).one()._mapping
    first = scoped(col(Evaluation.subject)).order_by(col(Evaluation.id)).limit(1)
    return EvaluationGroup(
        count=int(m["n"]), departments=int(m["departments"]),
        grades=grade_block({g: int(m[g]) for g in GRADE_KEYS}, int(m["funds"])), funds_fen=int(m["funds"]),
        recommendations=int(m["recommendations"]), third_party=int(m["third_party"]), published=int(m["published"]),
        special_bond=int(m["bond"]), first=session.execute(first).scalar_one_or_none(),
        first_special_bond=session.execute(first.where(bond)).scalar_one_or_none(),
    )
