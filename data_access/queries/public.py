"""What the public portal shows: published records only, every figure computed from them alone.

Each function filters on the `published` flag in SQL, so an unpublished record can never reach
a public page, a public download or a public aggregate.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from data_access.enums import CONCLUSIONS, FINDING_STATUSES, GRADES, METHODS, SUBJECT_TYPES
from data_access.models import AuditLog, Department, Evaluation, ExAnte, Finding, FindingStatusChange, Region
from data_access.queries.core import frame, grade_expr


def published_years(*, session: Session) -> dict[str, list[int]]:
    """Region -> fiscal years (newest first) holding any published record: the portal's filter lists."""
    found: dict[str, set[int]] = {}
    for model in (Evaluation, Finding, ExAnte):
        stmt = (select(Region.name, model.year).join(Region, Region.id == model.region_id)
                .where(model.published.is_(True)).distinct())
        for region, year in session.execute(stmt):
            found.setdefault(region, set()).add(int(year))
    return {region: sorted(found[region], reverse=True) for region in sorted(found)}


def published_evaluations(
    *,
    session: Session,
    region: str,
    year: int,
    methods: tuple[str, ...] = ("review", "key"),
    grade: str | None = None,
    department: str | None = None,
    search: str | None = None,
) -> pd.DataFrame:
    """Published evaluations (附件1 when methods = review + key; 附件2 review; 附件3 key)."""
    grade_col = grade_expr().label("grade")
    stmt = (
        select(
            Evaluation.id, Evaluation.subject, Evaluation.subject_type, Department.name.label("department"),
            Evaluation.method, Evaluation.score_centi, grade_col, Evaluation.funds_fen,
            Evaluation.budget_completion_centi, Evaluation.evaluator, Evaluation.report_summary,
            Evaluation.published_at,
        )
        .join(Region, Region.id == Evaluation.region_id)
        .join(Department, Department.id == Evaluation.department_id)
        .where(Region.name == region, Evaluation.year == year, Evaluation.published.is_(True),
               Evaluation.method.in_(methods))
        .order_by(Evaluation.method, Evaluation.subject_type, Evaluation.score_centi.desc())
    )
    if grade:
        stmt = stmt.where(grade_col == grade)
    if department:
        stmt = stmt.where(Department.name == department)
    if search:
        stmt = stmt.where(or_(Evaluation.subject.contains(search), Department.name.contains(search)))
    return frame(session, stmt)


def published_findings(
    *, session: Session, region: str, year: int, status: str | None = None, search: str | None = None
) -> pd.DataFrame:
    """Published findings with their rectification status."""
    stmt = (
        select(
            Finding.id, Finding.finding_code, Finding.subject, Department.name.label("department"),
            Finding.category, Finding.description, Finding.recommendation, Finding.measures, Finding.deadline,
            Finding.status, Finding.feedback_date, Finding.rectified_date,
        )
        .join(Region, Region.id == Finding.region_id)
        .join(Department, Department.id == Finding.department_id)
        .where(Region.name == region, Finding.year == year, Finding.published.is_(True))
        .order_by(Finding.finding_code)
    )
    if status:
        stmt = stmt.where(Finding.status == status)
    if search:
        stmt = stmt.where(or_(Finding.subject.contains(search), Department.name.contains(search),
                              Finding.description.contains(search)))
    return frame(session, stmt)


def published_ex_ante(*, session: Session, region: str, year: int) -> pd.DataFrame:
    """Published ex-ante assessments: requested, recommended, cut and conclusion."""
    stmt = (
        select(ExAnte.id, ExAnte.name, Department.name.label("department"), ExAnte.requested_fen,
               ExAnte.recommended_fen, ExAnte.conclusion)
        .join(Region, Region.id == ExAnte.region_id)
        .join(Department, Department.id == ExAnte.department_id)
        .where(Region.name == region, ExAnte.year == year, ExAnte.published.is_(True))
        .order_by(Department.name, ExAnte.name)
    )
    df = frame(session, stmt)
    df["cut_fen"] = (df["requested_fen"] - df["recommended_fen"]).where(df["conclusion"] != "rejected", 0)
    return df


def latest_publication(*, session: Session, region: str) -> dt.date | None:
    """The day the region last published a record (evaluation, finding or ex-ante), if any."""
    rid = select(Region.id).where(Region.name == region).scalar_subquery()
    days = [session.execute(select(func.max(model.published_at))
                            .where(model.region_id == rid, model.published.is_(True))).scalar()
            for model in (Evaluation, Finding, ExAnte)]
    found = [d for d in days if d is not None]
    return max(found).date() if found else None


def publication_changes(*, session: Session, region: str, since: dt.date) -> pd.DataFrame:
    """What changed on the portal since a date: results, findings and ex-ante results published,
    findings closed, deadlines moved (published records only)."""
    rid = select(Region.id).where(Region.name == region).scalar_subquery()
    since_dt = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    closed = session.execute(
        select(FindingStatusChange.changed_at, Finding.subject, Finding.finding_code, Finding.year)
        .join(Finding, Finding.id == FindingStatusChange.finding_id)
        .where(and_(Finding.region_id == rid, Finding.published.is_(True), FindingStatusChange.to_status == "rectified",
                    FindingStatusChange.changed_at >= since_dt))
    ).all()
    edits = session.execute(
        select(AuditLog.at, AuditLog.detail_json, Finding.subject, Finding.finding_code, Finding.year)
        .join(Finding, Finding.id == AuditLog.entity_id)
        .where(AuditLog.action == "import_update", AuditLog.entity == "finding", AuditLog.at >= since_dt,
               Finding.region_id == rid, Finding.published.is_(True))
    ).all()
    # (kind, model, name column, detail column) of each record type whose publication is news.
    kinds = (("result_published", Evaluation, Evaluation.subject, Evaluation.method),
             ("finding_published", Finding, Finding.subject, Finding.finding_code),
             ("ex_ante_published", ExAnte, ExAnte.name, ExAnte.conclusion))
    rows = []
    for kind, model, name, detail_col in kinds:
        stmt = select(model.published_at, name, detail_col, model.year).where(
            model.region_id == rid, model.published.is_(True), model.published_at >= since_dt)
        rows += [{"date": at.date(), "kind": kind, "year": y, "subject": n, "detail": d}
                 for at, n, d, y in session.execute(stmt)]
    for at, detail, subject, code, year in edits:
        change = json.loads(detail or "{}")
        if "deadline" in change.get("before", {}):
            rows.append({"date": at.date(), "kind": "deadline_moved", "year": year, "subject": subject,
                         "detail": f"{code}: {change['before']['deadline']} → {change['after']['deadline']}"})
    rows += [{"date": at.date(), "kind": "finding_closed", "year": y, "subject": s, "detail": c} for at, s, c, y in closed]
    return pd.DataFrame(rows, columns=["date", "kind", "year", "subject", "detail"]).sort_values(
        "date", ascending=False, ignore_index=True)


LABELS = {"method": METHODS, "subject_type": SUBJECT_TYPES, "grade": GRADES, "status": FINDING_STATUSES,
          "conclusion": CONCLUSIONS}
