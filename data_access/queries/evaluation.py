"""Evaluation-results figures: tables, score lists, comparisons and results application."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from data_access.models import Department, Evaluation, Project, Region
from data_access.queries.core import frame, grade_expr


def evaluation_rows(
    *, session: Session, year: int, region: str, methods: tuple[str, ...], subject_type: str | None = None
) -> pd.DataFrame:
    """Evaluated subjects with score, grade (by the region's boundaries), funds and completion."""
    stmt = (
        select(Evaluation.subject, Evaluation.subject_type, Department.name.label("department"), Evaluation.method,
               Evaluation.score_centi, grade_expr().label("grade"), Evaluation.funds_fen,
               Evaluation.budget_completion_centi)
        .join(Region, Region.id == Evaluation.region_id)
        .join(Department, Department.id == Evaluation.department_id)
        .where(Region.name == region, Evaluation.year == year, Evaluation.method.in_(methods))
        .order_by(Evaluation.score_centi.desc())
    )
    if subject_type:
        stmt = stmt.where(Evaluation.subject_type == subject_type)
    return frame(session, stmt)


def self_vs_review(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """The same subjects scored by their unit (self) and by finance (review or key)."""
    own, fin = aliased(Evaluation), aliased(Evaluation)
    stmt = (
        select(Department.name.label("department"), own.subject, own.score_centi.label("self_centi"),
               fin.score_centi.label("finance_centi"), fin.method)
        .select_from(own)
        .join(fin, and_(fin.region_id == own.region_id, fin.year == own.year, fin.department_id == own.department_id,
                        fin.subject == own.subject, fin.method.in_(("review", "key"))))
        .join(Region, Region.id == own.region_id)
        .join(Department, Department.id == own.department_id)
        .where(Region.name == region, own.year == year, own.method == "self")
        .order_by(Department.name, own.subject)
    )
    return frame(session, stmt)


def results_application(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """Each finance-evaluated project's grade beside its budget the next year (结果应用)."""
    this, nxt = aliased(Project), aliased(Project)
    stmt = (
        select(Evaluation.subject, Department.name.label("department"), Evaluation.score_centi,
               grade_expr().label("grade"), this.code, this.budget_adjusted_fen.label("budget_fen"),
               nxt.budget_adjusted_fen.label("next_budget_fen"))
        .join(Region, Region.id == Evaluation.region_id)
        .join(Department, Department.id == Evaluation.department_id)
        .join(this, this.id == Evaluation.project_id)
        # The same budget line next year: same code, or (codes often carry the year) same department and name.
        .outerjoin(nxt, and_(nxt.region_id == this.region_id, nxt.year == this.year + 1,
                             or_(nxt.code == this.code,
                                 and_(nxt.department_id == this.department_id, nxt.name == this.name))))
        .where(Region.name == region, Evaluation.year == year, Evaluation.method.in_(("review", "key")))
        .order_by(Evaluation.score_centi.desc())
    )
    return frame(session, stmt)
