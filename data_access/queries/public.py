"""What the public portal shows: published records only, every figure computed from them alone.

Each function filters on the `published` flag in SQL, so an unpublished record can never reach
a public page, a public download or a public aggregate.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, func, or_, select, union
from sqlmodel import Session, col

from data_access.enums import CONCLUSIONS, FINANCE_METHODS, FINDING_STATUSES, GRADES, METHODS, SUBJECT_TYPES
from data_access.models import (
    AuditLog,
    Department,
    Evaluation,
    ExAnte,
    ExecutionPublication,
    Finding,
    FindingStatusChange,
    Region,
)
from data_access.money import yuan_to_fen
from data_access.queries import execution
from data_access.queries.core import frame, grade_expr, rate
from data_access.queries.exante import with_cut
from data_access.queries.kpis import evaluation_kpis, ex_ante_kpis, rectification_kpis


def published_years(*, session: Session) -> dict[str, list[int]]:
    """Region -> fiscal years (newest first) holding any published record or a published budget execution:
    the portal's filter lists."""
    found: dict[str, set[int]] = {}
    stmts = [select(col(Region.name), col(model.year)).join(Region, col(Region.id) == col(model.region_id))
             .where(col(model.published).is_(True)).distinct() for model in (Evaluation, Finding, ExAnte)]
    stmts.append(select(col(Region.name), col(ExecutionPublication.year))
                 .join(Region, col(Region.id) == col(ExecutionPublication.region_id)))
    for stmt in stmts:
        for region, year in session.execute(stmt):
            found.setdefault(region, set()).add(int(year))
    return {region: sorted(found[region], reverse=True) for region in sorted(found)}


def not_yet_published(*, session: Session, region: str, year: int) -> dict[str, int]:
    """How many records of a region and year are not published, never which: finance evaluations by
    method ('review', 'key'), 'finding' and 'ex_ante'. The portal says so where its figures leave them out."""
    rid = select(col(Region.id)).where(col(Region.name) == region).scalar_subquery()
    counts = dict.fromkeys(("review", "key", "finding", "ex_ante"), 0)
    hidden = (col(Evaluation.region_id) == rid, col(Evaluation.year) == year, col(Evaluation.published).is_(False))
    for method, n in session.execute(select(col(Evaluation.method), func.count()).where(
            *hidden, col(Evaluation.method).in_(("review", "key"))).group_by(col(Evaluation.method))):
        counts[method] = int(n)
    for name, model in (("finding", Finding), ("ex_ante", ExAnte)):
        counts[name] = int(session.execute(select(func.count()).select_from(model).where(
            col(model.region_id) == rid, col(model.year) == year, col(model.published).is_(False))).scalar_one())
    return counts


def published_execution(*, session: Session, region: str, year: int, month: int) -> pd.DataFrame | None:
    """Budget execution by department at a month (budget, spending, rate, time progress, gap, status of its
    sums), only where the region published the year's (`publishing.set_execution_published`), else None.
    Nothing below department level: no project is named."""
    published = session.execute(select(func.count()).select_from(ExecutionPublication)
                                .join(Region, col(Region.id) == col(ExecutionPublication.region_id))
                                .where(col(Region.name) == region, col(ExecutionPublication.year) == year)).scalar_one()
    if not published:
        return None
    df = execution.by_department(session=session, year=year, region=region, month=month)
    return df[["department", "projects", "budget_fen", "spent_fen", "rate", "gap", "status"]]


def published_evaluations(
    *,
    session: Session,
    region: str,
    year: int | None,
    methods: tuple[str, ...] = FINANCE_METHODS,
    grade: str | None = None,
    department: str | None = None,
    search: str | None = None,
    subject: str | None = None,
) -> pd.DataFrame:
    """Published evaluations (附件1 when methods = review + key; 附件2 review; 附件3 key); year None:
    every year, newest first (a department's or a subject's page); subject: that subject exactly."""
    grade_col = grade_expr().label("grade")
    stmt: Select = (
        select(
            col(Evaluation.id), col(Evaluation.year), col(Evaluation.subject), col(Evaluation.subject_type),
            col(Department.name).label("department"),
            col(Evaluation.method), col(Evaluation.score_centi), grade_col, col(Evaluation.funds_fen),
            col(Evaluation.budget_completion_centi), col(Evaluation.evaluator), col(Evaluation.report_summary),
            col(Evaluation.published_at),
        )
        .join(Region, col(Region.id) == col(Evaluation.region_id))
        .join(Department, col(Department.id) == col(Evaluation.department_id))
        .where(col(Region.name) == region, col(Evaluation.published).is_(True), col(Evaluation.method).in_(methods))
        .order_by(col(Evaluation.year).desc(), Evaluation.method, Evaluation.subject_type,
                  col(Evaluation.score_centi).desc())
    )
    if year is not None:
        stmt = stmt.where(col(Evaluation.year) == year)
    if grade:
        stmt = stmt.where(grade_col == grade)
    if department:
        stmt = stmt.where(col(Department.name) == department)
    if subject:
        stmt = stmt.where(col(Evaluation.subject) == subject)
    if search:
        stmt = stmt.where(or_(col(Evaluation.subject).contains(search), col(Department.name).contains(search)))
    return frame(session, stmt)


def published_findings(
    *, session: Session, region: str, year: int | None, status: str | None = None, search: str | None = None,
    department: str | None = None, subject: str | None = None,
) -> pd.DataFrame:
    """Published findings with their rectification status (year None: every year, newest first)."""
    stmt: Select = (
        select(
            col(Finding.id), col(Finding.year), col(Finding.finding_code), col(Finding.subject),
            col(Department.name).label("department"),
            col(Finding.category), col(Finding.description), col(Finding.recommendation), col(Finding.measures),
            col(Finding.deadline), col(Finding.status), col(Finding.feedback_date), col(Finding.rectified_date),
        )
        .join(Region, col(Region.id) == col(Finding.region_id))
        .join(Department, col(Department.id) == col(Finding.department_id))
        .where(col(Region.name) == region, col(Finding.published).is_(True))
        .order_by(col(Finding.year).desc(), Finding.finding_code)
    )
    if year is not None:
        stmt = stmt.where(col(Finding.year) == year)
    if status:
        stmt = stmt.where(col(Finding.status) == status)
    if department:
        stmt = stmt.where(col(Department.name) == department)
    if subject:
        stmt = stmt.where(col(Finding.subject) == subject)
    if search:
        stmt = stmt.where(or_(col(Finding.subject).contains(search), col(Department.name).contains(search),
                              col(Finding.description).contains(search)))
    return frame(session, stmt)


def published_ex_ante(
    *, session: Session, region: str, year: int | None, department: str | None = None, name: str | None = None
) -> pd.DataFrame:
    """Published ex-ante assessments: requested, recommended, cut and conclusion (year None: every year)."""
    stmt: Select = (
        select(col(ExAnte.id), col(ExAnte.year), col(ExAnte.name), col(Department.name).label("department"),
               col(ExAnte.requested_fen), col(ExAnte.recommended_fen), col(ExAnte.conclusion))
        .join(Region, col(Region.id) == col(ExAnte.region_id))
        .join(Department, col(Department.id) == col(ExAnte.department_id))
        .where(col(Region.name) == region, col(ExAnte.published).is_(True))
        .order_by(col(ExAnte.year).desc(), Department.name, ExAnte.name)
    )
    if year is not None:
        stmt = stmt.where(col(ExAnte.year) == year)
    if department:
        stmt = stmt.where(col(Department.name) == department)
    if name:
        stmt = stmt.where(col(ExAnte.name) == name)
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
        .where(and_(col(Finding.region_id) == rid, col(Finding.published).is_(True),
                    col(FindingStatusChange.to_status) == "rectified",
                    # not the bureau's verification
                    col(FindingStatusChange.from_status).is_distinct_from("rectified"),
                    col(FindingStatusChange.changed_at) >= since_dt))
    ).all()
    edits = session.execute(
        select(col(AuditLog.at), col(AuditLog.detail_json), col(Finding.subject), col(Finding.finding_code),
               col(Finding.year))
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
    rows += [{"date": at.date(), "kind": "finding_closed", "year": y, "subject": s, "detail": c}
             for at, s, c, y in closed]
    return pd.DataFrame(rows, columns=["date", "kind", "year", "subject", "detail"]).sort_values(
        "date", ascending=False, ignore_index=True)


LABELS = {"method": METHODS, "subject_type": SUBJECT_TYPES, "grade": GRADES, "status": FINDING_STATUSES,
          "conclusion": CONCLUSIONS}


def rectified_share(findings: pd.DataFrame) -> tuple[int, Decimal | None]:
    """Of the findings listed (`published_findings`, as filtered): how many are rectified, and their share
    (× 100, exact)."""
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
    return pd.DataFrame(rows, columns=["year", "evaluated", "funds_fen", "excellent_good_rate", "cut_rate",
                                       "completion_rate"])


# ---- a department's or a subject's page, and search (published records only) ------------------
_RECORDS = ((Evaluation, col(Evaluation.method).in_(FINANCE_METHODS)), (Finding, None), (ExAnte, None))


def _published_department_ids(region_id: Any) -> Any:
    """The departments of a region holding a published record the portal shows (finance evaluation, finding,
    ex-ante)."""
    parts = []
    for model, extra in _RECORDS:
        stmt = select(col(model.department_id)).where(col(model.region_id) == region_id, col(model.published).is_(True))
        parts.append(stmt.where(extra) if extra is not None else stmt)
    return union(*parts)


def published_departments(*, session: Session, region: str) -> list[str]:
    """Departments of the region with anything published, in name order (a department's page picker)."""
    rid = select(col(Region.id)).where(col(Region.name) == region).scalar_subquery()
    ids = _published_department_ids(rid).subquery()
    stmt = select(col(Department.name)).where(col(Department.id).in_(select(ids.c[0]))).order_by(Department.name)
    return [str(n) for n in session.execute(stmt).scalars()]


def published_subjects(*, session: Session, region: str) -> list[str]:
    """Subjects (projects and policies) of the region's published finance evaluations and findings, and the
    projects of its published ex-ante assessments, in name order: what a subject's page can show."""
    rid = select(col(Region.id)).where(col(Region.name) == region).scalar_subquery()
    stmt = union(
        select(col(Evaluation.subject)).where(col(Evaluation.region_id) == rid, col(Evaluation.published).is_(True),
                                              col(Evaluation.method).in_(FINANCE_METHODS),
                                              col(Evaluation.subject_type) != "department"),
        select(col(Finding.subject)).where(col(Finding.region_id) == rid, col(Finding.published).is_(True)),
        select(col(ExAnte.name)).where(col(ExAnte.region_id) == rid, col(ExAnte.published).is_(True)),
    )
    return sorted(str(n) for n in session.execute(stmt).scalars())


def department_record(*, session: Session, region: str, department: str) -> dict[str, pd.DataFrame]:
    """Everything published about one department, every year: finance evaluations, findings, ex-ante results."""
    return {
        "evaluations": published_evaluations(session=session, region=region, year=None, department=department),
        "findings": published_findings(session=session, region=region, year=None, department=department),
        "ex_ante": published_ex_ante(session=session, region=region, year=None, department=department),
    }


def subject_record(*, session: Session, region: str, subject: str) -> dict[str, pd.DataFrame]:
    """Everything published about one evaluated project (or policy) by its name, every year: its finance
    evaluations, the findings raised on it and the ex-ante assessments of a project of that name."""
    return {
        "evaluations": published_evaluations(session=session, region=region, year=None, subject=subject),
        "findings": published_findings(session=session, region=region, year=None, subject=subject),
        "ex_ante": published_ex_ante(session=session, region=region, year=None, name=subject),
    }


SEARCH_KINDS = ("department", "evaluation", "finding", "ex_ante")


def search_published(*, session: Session, text: str, limit: int = 200) -> pd.DataFrame:
    """Published records of every region whose name or text holds `text` (case-insensitive, literally):
    departments, evaluated subjects, findings (code, subject, description) and ex-ante projects.

    Columns kind, region, year, name, department, detail (a method, finding code or conclusion);
    at most `limit` rows of each kind. A department is found by name when it holds a published record.
    """
    text = text.strip()
    if not text:
        return pd.DataFrame(columns=["kind", "region", "year", "name", "department", "detail"])
    rows: list[dict[str, Any]] = []
    regions = session.execute(select(col(Region.id), col(Region.name))).all()
    for rid, region in regions:
        ids = _published_department_ids(rid).subquery()
        stmt = (select(col(Department.name)).where(col(Department.id).in_(select(ids.c[0])),
                                                  col(Department.name).icontains(text, autoescape=True))
                .order_by(Department.name).limit(limit))
        rows += [{"kind": "department", "region": region, "year": None, "name": n, "department": n, "detail": None}
                 for n in session.execute(stmt).scalars()]
    found: tuple[tuple[str, Any], ...] = (
        ("evaluation", select(col(Region.name), col(Evaluation.year), col(Evaluation.subject), col(Department.name),
                              col(Evaluation.method))
         .join(Region, col(Region.id) == col(Evaluation.region_id))
         .join(Department, col(Department.id) == col(Evaluation.department_id))
         .where(col(Evaluation.published).is_(True), col(Evaluation.method).in_(FINANCE_METHODS),
                col(Evaluation.subject).icontains(text, autoescape=True))
         .order_by(col(Evaluation.year).desc(), Evaluation.subject)),
        ("finding", select(col(Region.name), col(Finding.year), col(Finding.subject), col(Department.name),
                           col(Finding.finding_code))
         .join(Region, col(Region.id) == col(Finding.region_id)).join(Department,
                                                                      col(Department.id) == col(Finding.department_id))
         .where(col(Finding.published).is_(True),
                or_(col(Finding.subject).icontains(text, autoescape=True),
                    col(Finding.finding_code).icontains(text, autoescape=True),
                    col(Finding.description).icontains(text, autoescape=True)))
         .order_by(col(Finding.year).desc(), Finding.finding_code)),
        ("ex_ante", select(col(Region.name), col(ExAnte.year), col(ExAnte.name), col(Department.name),
                           col(ExAnte.conclusion))
         .join(Region, col(Region.id) == col(ExAnte.region_id)).join(Department,
                                                                     col(Department.id) == col(ExAnte.department_id))
         .where(col(ExAnte.published).is_(True), col(ExAnte.name).icontains(text, autoescape=True))
         .order_by(col(ExAnte.year).desc(), ExAnte.name)),
    )
    for kind, stmt in found:
        rows += [{"kind": kind, "region": r, "year": int(y), "name": n, "department": d, "detail": x}
                 for r, y, n, d, x in session.execute(stmt.limit(limit))]
    return pd.DataFrame(rows, columns=["kind", "region", "year", "name", "department", "detail"])


def record_by_year(record: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """A department's or subject's published record summed by year, newest first: finance evaluations and
    how many were rated 优 or 良, findings and how many are rectified, ex-ante assessments and their cut (fen)."""
    ev, fi, ea = record["evaluations"], record["findings"], record["ex_ante"]
    years = sorted({int(y) for df in (ev, fi, ea) for y in df["year"]}, reverse=True)
    rows = []
    for year in years:
        e, f, a = ev[ev["year"] == year], fi[fi["year"] == year], ea[ea["year"] == year]
        rows.append({"year": year, "evaluations": len(e), "excellent_good": int(e["grade"].isin(["excellent",
                                                                                                 "good"]).sum()),
                     "findings": len(f), "rectified": int((f["status"] == "rectified").sum()),
                     "ex_ante": len(a), "cut_fen": int(a["cut_fen"].sum()) if len(a) else 0})
    return pd.DataFrame(rows, columns=["year", "evaluations", "excellent_good", "findings", "rectified", "ex_ante",
                                       "cut_fen"])
