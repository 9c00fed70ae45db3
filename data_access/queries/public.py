"""What the public portal shows: published records only, every figure computed from them alone.

Each function filters on the `published` flag in SQL, so an unpublished record can never reach
a public page, a public download or a public aggregate.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pandas as pd
from sqlalchemy import Select, and_, func, or_, select
from sqlmodel import Session, col

from data_access.enums import CONCLUSIONS, FINDING_STATUSES, GRADES, METHODS, SUBJECT_TYPES
from data_access.models import AuditLog, Department, Evaluation, ExAnte, Finding, FindingStatusChange, Region
from data_access.money import yuan_to_fen
from data_access.queries.core import frame, grade_expr, rate
from data_access.queries.exante import with_cut
from data_access.queries.kpis import evaluation_kpis, ex_ante_kpis, rectification_kpis


def published_years(*, session: Session) -> dict[str, list[int]]:
    """Region -> fiscal years (newest first) holding any published record: the portal's filter lists."""
    found: dict[str, set[int]] = {}
    for model in (Evaluation, Finding, ExAnte):
        stmt = (select(col(Region.name), col(model.year)).join(Region, col(Region.id) == col(model.region_id))
                .where(col(model.published).is_(True)).distinct())
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
    stmt: Select = (
        select(
            col(Evaluation.id), col(Evaluation.subject), col(Evaluation.subject_type), col(Department.name).label("department"),
            col(Evaluation.method), col(Evaluation.score_centi), grade_col, col(Evaluation.funds_fen),
            col(Evaluation.budget_completion_centi), col(Evaluation.evaluator), col(Evaluation.report_summary),
            col(Evaluation.published_at),
        )
        .join(Region, col(Region.id) == col(Evaluation.region_id))
        .join(Department, col(Department.id) == col(Evaluation.department_id))
        .where(col(Region.name) == region, col(Evaluation.year) == year, col(Evaluation.published).is_(True),
               col(Evaluation.method).in_(methods))
        .order_by(Evaluation.method, Evaluation.subject_type, col(Evaluation.score_centi).desc())
    )
    if grade:
        stmt = stmt.where(grade_col == grade)
    if department:
        stmt = stmt.where(col(Department.name) == department)
    if search:
        stmt = stmt.where(or_(col(Evaluation.subject).contains(search), col(Department.name).contains(search)))
    return frame(session, stmt)


def published_findings(
    *, session: Session, region: str, year: int, status: str | None = None, search: str | None = None
) -> pd.DataFrame:
    """Published findings with their rectification status."""
    stmt: Select = (
        select(
            col(Finding.id), col(Finding.finding_code), col(Finding.subject), col(Department.name).label("department"),
            col(Finding.category), col(Finding.description), col(Finding.recommendation), col(Finding.measures), col(Finding.deadline),
            col(Finding.status), col(Finding.feedback_date), col(Finding.rectified_date),
        )
        .join(Region, col(Region.id) == col(Finding.region_id))
        .join(Department, col(Department.id) == col(Finding.department_id))
        .where(col(Region.name) == region, col(Finding.year) == year, col(Finding.published).is_(True))
        .order_by(Finding.finding_code)
    )
    if status:
        stmt = stmt.where(col(Finding.status) == status)
    if search:
        stmt = stmt.where(or_(col(Finding.subject).contains(search), col(Department.name).contains(search),
                              col(Finding.description).contains(search)))
    return frame(session, stmt)


def published_ex_ante(*, session: Session, region: str, year: int) -> pd.DataFrame:
    """Published ex-ante assessments: requested, recommended, cut and conclusion."""
    stmt: Select = (
        select(col(ExAnte.id), col(ExAnte.name), col(Department.name).label("department"), col(ExAnte.requested_fen),
               col(ExAnte.recommended_fen), col(ExAnte.conclusion))
        .join(Region, col(Region.id) == col(ExAnte.region_id))
        .join(Department, col(Department.id) == col(ExAnte.department_id))
        .where(col(Region.name) == region, col(ExAnte.year) == year, col(ExAnte.published).is_(True))
        .order_by(Department.name, ExAnte.name)
    )
    return with_cut(frame(session, stmt))


def latest_publication(*, session: Session, region: str) -> dt.date | None:
    """The day the region last published a record (evaluation, finding or ex-ante), if any."""
    rid = select(col(Region.id)).where(col(Region.name) == region).scalar_subquery()
    days = [session.execute(select(func.max(col(model.published_at)))
                            .where(col(model.region_id) == rid, col(model.published).is_(True))).scalar()
            for model in (Evaluation, Finding, ExAnte)]
    found = [d for d in days if d is not None]
    return max(found).date() if found else None


def publication_changes(*, session: Session, region: str, since: dt.date) -> pd.DataFrame:
    """What changed on the portal since a date: results, findings and ex-ante results published,
    findings closed, deadlines moved (published records only)."""
    rid = select(col(Region.id)).where(col(Region.name) == region).scalar_subquery()
    since_dt = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    closed = session.execute(
        select(col(FindingStatusChange.changed_at), col(Finding.subject), col(Finding.finding_code), col(Finding.year))
        .join(Finding, col(Finding.id) == col(FindingStatusChange.finding_id))
        .where(and_(col(Finding.region_id) == rid, col(Finding.published).is_(True), col(FindingStatusChange.to_status) == "rectified",
                    col(FindingStatusChange.from_status).is_distinct_from("rectified"),  # not the bureau's verification
                    col(FindingStatusChange.changed_at) >= since_dt))
    ).all()
    edits = session.execute(
        select(col(AuditLog.at), col(AuditLog.detail_json), col(Finding.subject), col(Finding.finding_code), col(Finding.year))
        .join(Finding, col(Finding.id) == col(AuditLog.entity_id))
        .where(col(AuditLog.action) == "import_update", col(AuditLog.entity) == "finding", col(AuditLog.at) >= since_dt,
               col(Finding.region_id) == rid, col(Finding.published).is_(True))
    ).all()
    # (kind, model, name column, detail column) of each record type whose publication is news.
    kinds = (("result_published", Evaluation, col(Evaluation.subject), col(Evaluation.method)),
             ("finding_published", Finding, col(Finding.subject), col(Finding.finding_code)),
             ("ex_ante_published", ExAnte, col(ExAnte.name), col(ExAnte.conclusion)))
    rows = []
    for kind, model, name, detail_col in kinds:
        stmt = select(col(model.published_at), name, detail_col, col(model.year)).where(
            col(model.region_id) == rid, col(model.published).is_(True), col(model.published_at) >= since_dt)
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


def rectified_share(findings: pd.DataFrame) -> tuple[int, Decimal | None]:
    """Of the findings listed (`published_findings`, as filtered): how many are rectified, and their share (× 100, exact)."""
    done = int((findings["status"] == "rectified").sum())
    return done, rate(done, len(findings))


def headline_trend(*, session: Session, region: str, as_of: dt.date) -> pd.DataFrame:
    """The portal's headline figures for every year of the region holding a published record, oldest
    first: 优良率, 核减率, 整改完成率 (exact, × 100; None where nothing is published) and evaluated
    funds in fen, each computed from published records alone exactly as `kpis(published_only=True)`.
    Rectification is counted as of `as_of` for every year, like the home page's card."""
    rows = []
    for year in sorted(published_years(session=session).get(region, [])):
        fin = evaluation_kpis(session=session, year=year, region=region, published_only=True)["finance"]
        ea = ex_ante_kpis(session=session, year=year, region=region, published_only=True)
        rc = rectification_kpis(session=session, year=year, region=region, published_only=True, as_of=as_of)
        rows.append({"year": year, "evaluated": fin["count"], "funds_fen": yuan_to_fen(fin["funds_total"]),
                     "excellent_good_rate": fin["excellent_good_rate"], "cut_rate": ea["cut_rate"],
                     "completion_rate": rc["completion_rate"]})
    return pd.DataFrame(rows, columns=["year", "evaluated", "funds_fen", "excellent_good_rate", "cut_rate", "completion_rate"])
