"""Evaluation-results figures: tables, score lists, comparisons and results application."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from data_access.models import Department, Evaluation, Project, Region
from data_access.queries.core import frame, grade_expr


def evaluation_rows(
    *, session: Session, year: int, region: str, methods: tuple[str, ...], subject_type: str | None = None
) -> pd.DataFrame:
    """Evaluated subjects with score, grade (by the region's boundaries), funds and completion."""
    stmt: Select = (
        select(col(Evaluation.subject), col(Evaluation.subject_type), col(Department.name).label("department"), col(Evaluation.method),
               col(Evaluation.score_centi), grade_expr().label("grade"), col(Evaluation.funds_fen),
               col(Evaluation.budget_completion_centi))
        .join(Region, col(Region.id) == col(Evaluation.region_id))
        .join(Department, col(Department.id) == col(Evaluation.department_id))
        .where(col(Region.name) == region, col(Evaluation.year) == year, col(Evaluation.method).in_(methods))
        .order_by(col(Evaluation.score_centi).desc())
    )
    if subject_type:
        stmt = stmt.where(col(Evaluation.subject_type) == subject_type)
    return frame(session, stmt)


def self_vs_review(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """The same subjects scored by their unit (self) and by finance (review or key)."""
    own, fin = aliased(Evaluation), aliased(Evaluation)
    stmt: Select = (
        select(col(Department.name).label("department"), col(own.subject), col(own.score_centi).label("self_centi"),
               col(fin.score_centi).label("finance_centi"), col(fin.method))
        .select_from(own)
        .join(fin, and_(col(fin.region_id) == col(own.region_id), col(fin.year) == col(own.year), col(fin.department_id) == col(own.department_id),
                        col(fin.subject) == col(own.subject), col(fin.method).in_(("review", "key"))))
        .join(Region, col(Region.id) == col(own.region_id))
        .join(Department, col(Department.id) == col(own.department_id))
        .where(col(Region.name) == region, col(own.year) == year, col(own.method) == "self")
        .order_by(Department.name, own.subject)
    )
    return frame(session, stmt)


def results_application(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """Each finance-evaluated project's grade beside its budget the next year (结果应用)."""
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
                                 and_(col(nxt.department_id) == col(this.department_id), col(nxt.name) == col(this.name)))))
        .where(col(Region.name) == region, col(Evaluation.year) == year, col(Evaluation.method).in_(("review", "key")))
        .order_by(col(Evaluation.score_centi).desc())
    )
    return frame(session, stmt)
