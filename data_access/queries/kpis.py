"""The headline figures of CONTRACT.md §1 (`kpis`), one SQL aggregate per block.

Pages call these same functions (or build on `core`), so the dashboard and `kpis --json`
can never disagree. `published_only=True` computes the public portal's figures.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import case, func, literal, select
from sqlmodel import Session, col

from data_access.enums import FINANCE_METHODS, METHODS, SUBJECT_TYPES
from data_access.models import Evaluation, ExAnte, Finding, Indicator, Region
from data_access.money import yuan
from data_access.queries.core import (
    as_of_for,
    count_if,
    grade_counts_columns,
    month_of,
    project_execution,
    rate,
    round_rate,
    sum_int,
    time_progress,
)
from data_access.settings import SETTINGS, Settings

GRADE_KEYS = ("excellent", "good", "fair", "poor")


class Scope(TypedDict):
    """The keyword arguments every KPI block shares, so `**scope` calls stay type-checked."""

    session: Session
    year: int
    region: str | None
    published_only: bool


@dataclass(frozen=True)
class ExecutionSummary:
    as_of_month: int
    projects: int
    key_projects: int
    budget_fen: int
    spent_fen: int
    behind_schedule: int

    @property
    def execution_rate(self) -> Decimal | None:
        return rate(self.spent_fen, self.budget_fen)

    @property
    def time_progress(self) -> Decimal:
        return time_progress(self.as_of_month)


def execution_summary(
    *, session: Session, year: int, region: str | None, month: int, settings: Settings = SETTINGS
) -> ExecutionSummary:
    """Totals over every project of the region and year at month M (DOMAIN.md §3)."""
    pe = project_execution(year=year, region=region, month=month, settings=settings).subquery()
    row = session.exec(  # type: ignore[call-overload]
        select(
            func.count(),
            count_if(pe.c.is_key),
            sum_int(pe.c.budget_fen),
            sum_int(pe.c.spent_fen),
            count_if(pe.c.is_key & (pe.c.status == "red")),
        ).select_from(pe)
    ).one()
    return ExecutionSummary(month, row[0], int(row[1]), int(row[2]), int(row[3]), int(row[4]))


def grade_block(counts: dict[str, int], funds_fen: int) -> dict[str, Any]:
    """A CONTRACT grade block from grade counts and the funds involved."""
    total = sum(counts.get(g, 0) for g in GRADE_KEYS)
    return {
        "count": total,
        **{g: counts.get(g, 0) for g in GRADE_KEYS},
        "excellent_good_rate": round_rate(rate(counts.get("excellent", 0) + counts.get("good", 0), total)),
        "funds_total": yuan(funds_fen),
    }


def grade_shares(block: dict[str, Any]) -> dict[str, Decimal | None]:
    """Each grade's share of a grade block's count (× 100, exact; None when nothing was evaluated)."""
    return {g: rate(block[g], block["count"]) for g in GRADE_KEYS}


def grade_summary(
    *,
    session: Session,
    year: int,
    region: str | None,
    group_by: str | None = None,
    methods: tuple[str, ...] | None = None,
    published_only: bool = False,
) -> dict[str, dict[str, int]]:
    """Grade counts and funds (fen) of evaluations, grouped by 'method', 'subject_type' or nothing."""
    key = getattr(Evaluation, group_by) if group_by else literal("all")
    stmt = (
        select(key.label("k"), *grade_counts_columns(), sum_int(Evaluation.funds_fen).label("funds_fen"))
        .join(Region, col(Region.id) == col(Evaluation.region_id))
        .where(col(Evaluation.year) == year)
    )
    if group_by:
        stmt = stmt.group_by(key)
    if region is not None:
        stmt = stmt.where(col(Region.name) == region)
    if methods:
        stmt = stmt.where(col(Evaluation.method).in_(methods))
    if published_only:
        stmt = stmt.where(col(Evaluation.published).is_(True))
    out: dict[str, dict[str, int]] = {}
    for row in session.exec(stmt).all():  # type: ignore[call-overload]
        m = row._mapping
        out[str(m["k"])] = {k: int(m[k]) for k in (*GRADE_KEYS, "funds_fen")}
    return out


def evaluation_kpis(
    *, session: Session, year: int, region: str | None, published_only: bool = False
) -> dict[str, Any]:
    """finance (review + key), by_method (all), by_subject (finance) grade blocks."""
    empty = dict.fromkeys((*GRADE_KEYS, "funds_fen"), 0)

    def block(d: dict[str, int] | None) -> dict[str, Any]:
        d = d or empty
        return grade_block(d, d["funds_fen"])

    common: Scope = {"session": session, "year": year, "region": region, "published_only": published_only}
    finance = grade_summary(**common, methods=FINANCE_METHODS).get("all")
    by_method = grade_summary(**common, group_by="method")
    by_subject = grade_summary(**common, group_by="subject_type", methods=FINANCE_METHODS)
    return {
        "finance": block(finance),
        "by_method": {m: block(by_method.get(m)) for m in METHODS},
        "by_subject": {s: block(by_subject.get(s)) for s in SUBJECT_TYPES},
    }


def ex_ante_kpis(
    *, session: Session, year: int, region: str | None, published_only: bool = False
) -> dict[str, Any]:
    """Ex-ante counts and amounts; cut and cut rate over supported + partial only (DOMAIN.md §6)."""
    not_rejected = col(ExAnte.conclusion) != "rejected"
    stmt = (
        select(
            func.count(),
            func.count(func.distinct(col(ExAnte.department_id))),
            sum_int(ExAnte.requested_fen),
            *[count_if(col(ExAnte.conclusion) == c) for c in ("supported", "partial", "rejected")],
            sum_int(case((~not_rejected, ExAnte.requested_fen), else_=0)),
            sum_int(case((not_rejected, col(ExAnte.requested_fen) - col(ExAnte.recommended_fen)), else_=0)),
            sum_int(case((not_rejected, ExAnte.requested_fen), else_=0)),
        )
        .join(Region, col(Region.id) == col(ExAnte.region_id))
        .where(col(ExAnte.year) == year)
    )
    if region is not None:
        stmt = stmt.where(col(Region.name) == region)
    if published_only:
        stmt = stmt.where(col(ExAnte.published).is_(True))
    n, depts, requested, sup, part, rej, rejected_fen, cut_fen, base_fen = (
        int(v) for v in session.exec(stmt).one()  # type: ignore[call-overload]
    )
    return {
        "projects": n,
        "departments": depts,
        "requested_total": yuan(requested),
        "supported": sup,
        "partially_supported": part,
        "not_supported": rej,
        "rejected_total": yuan(rejected_fen),
        "cut_total": yuan(cut_fen),
        "cut_rate": round_rate(rate(cut_fen, base_fen)),
    }


def rectification_kpis(
    *, session: Session, year: int, region: str | None, as_of: dt.date, published_only: bool = False
) -> dict[str, Any]:
    """Findings of fiscal year Y by current status; overdue and written feedback as of a date."""
    rectified = col(Finding.status) == "rectified"
    stmt = (
        select(
            func.count(),
            *[count_if(col(Finding.status) == s) for s in ("rectified", "in_progress", "not_started")],
            count_if((col(Finding.deadline) < as_of) & ~rectified),
            count_if(col(Finding.feedback_date) <= as_of),
        )
        .join(Region, col(Region.id) == col(Finding.region_id))
        .where(col(Finding.year) == year)
    )
    if region is not None:
        stmt = stmt.where(col(Region.name) == region)
    if published_only:
        stmt = stmt.where(col(Finding.published).is_(True))
    n, done, doing, todo, overdue, feedback = (int(v) for v in session.exec(stmt).one())  # type: ignore[call-overload]
    return {
        "findings": n,
        "rectified": done,
        "in_progress": doing,
        "not_started": todo,
        "overdue": overdue,
        "feedback_submitted": feedback,
        "completion_rate": round_rate(rate(done, n)),
    }


def indicator_kpis(*, session: Session, region: str | None) -> dict[str, int]:
    """The region's indicator library (rows with no project), whatever the year."""
    stmt = (
        select(
            func.count(),
            count_if(col(Indicator.scope) == "general"),
            count_if(col(Indicator.scope) == "specific"),
            count_if(Indicator.is_core),
        )
        .join(Region, col(Region.id) == col(Indicator.region_id))
        .where(col(Indicator.project_id).is_(None))
    )
    if region is not None:
        stmt = stmt.where(col(Region.name) == region)
    total, general, specific, core = (int(v) for v in session.exec(stmt).one())  # type: ignore[call-overload]
    return {"total": total, "general": general, "specific": specific, "core": core}


def kpis(
    *,
    session: Session,
    year: int,
    region: str | None = None,
    as_of: dt.date | None = None,
    published_only: bool = False,
    settings: Settings = SETTINGS,
) -> dict[str, Any]:
    """The headline figures, shaped exactly as CONTRACT.md §1 `kpis --json`."""
    as_of = as_of_for(year, as_of)
    month = month_of(year, as_of)
    ex = execution_summary(session=session, year=year, region=region, month=month, settings=settings)
    scoped: Scope = {"session": session, "year": year, "region": region, "published_only": published_only}
    return {
        "year": year,
        "region": region,
        "as_of": as_of.isoformat(),
        "execution": {
            "as_of_month": month,
            "time_progress": round_rate(ex.time_progress),
            "projects": ex.projects,
            "key_projects": ex.key_projects,
            "budget_total": yuan(ex.budget_fen),
            "spent_total": yuan(ex.spent_fen),
            "execution_rate": round_rate(ex.execution_rate),
            "behind_schedule": ex.behind_schedule,
        },
        "evaluation": evaluation_kpis(**scoped),
        "ex_ante": ex_ante_kpis(**scoped),
        "rectification": rectification_kpis(**scoped, as_of=as_of),
        "indicators": indicator_kpis(session=session, region=region),
    }


def region_names(*, session: Session) -> list[str]:
    """Every region, in name order."""
    return list(session.exec(select(col(Region.name)).order_by(Region.name)).scalars())  # type: ignore[call-overload]


def region_full_name(*, session: Session, region: str) -> str:
    """The name a report is addressed under (黄埔区、广州开发区), else the region's name."""
    full = session.exec(select(col(Region.full_name)).where(col(Region.name) == region)).scalar_one_or_none()  # type: ignore[call-overload]
    return full or region


def years(*, session: Session, region: str | None = None, every_record: bool = False) -> list[int]:
    """Fiscal years that hold any project or evaluation, newest first; `every_record`: also the years
    holding only findings or ex-ante assessments (a year's first ex-ante drafts, before its projects)."""
    from data_access.models import Project

    stmts = [select(col(Project.year)).join(Region), select(col(Evaluation.year)).join(Region)]
    if every_record:
        stmts += [select(col(Finding.year)).join(Region), select(col(ExAnte.year)).join(Region)]
    if region is not None:
        stmts = [s.where(col(Region.name) == region) for s in stmts]
    found: set[int] = set()
    for s in stmts:
        found.update(int(y) for y in session.exec(s.distinct()).scalars())  # type: ignore[call-overload]
    return sorted(found, reverse=True)


_DEC = re.compile(r'"__dec__(-?[0-9.]+)__"')


def to_json(data: Any) -> str:
    """JSON with Decimals written as plain numbers (92.11, 1234.50), never as strings or floats."""

    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return f"__dec__{o:f}__"
        if isinstance(o, dt.date):
            return o.isoformat()
        raise TypeError(f"not JSON serialisable: {type(o)}")

    return _DEC.sub(r"\1", json.dumps(data, ensure_ascii=False, default=default))


__all__ = ["kpis", "to_json", "yuan"]


@dataclass(frozen=True)
class CompletionSummary:
    """Budget completion of evaluated subjects, as the seeds report it (98 %; 16 at 100 %, …)."""

    count: int
    overall: Decimal | None  # funds-weighted: Σ(funds × rate) / Σ funds
    at_100: int
    from_90: int  # 90 % ≤ rate < 100 %
    below_90: int


def completion_summary(
    *,
    session: Session,
    year: int,
    region: str | None,
    methods: tuple[str, ...] | None = None,
    subject_type: str | None = None,
    published_only: bool = False,
) -> CompletionSummary:
    """Funds-weighted budget completion and its bands over evaluations with a reported rate."""
    c = col(Evaluation.budget_completion_centi)
    stmt = (
        select(
            func.count(c),
            sum_int(case((col(Evaluation.funds_fen).is_not(None) & c.is_not(None), col(Evaluation.funds_fen) * c),
                         else_=0)),
            sum_int(case((c.is_not(None), col(Evaluation.funds_fen)), else_=0)),
            count_if(c >= 10000),
            count_if((c >= 9000) & (c < 10000)),
            count_if(c < 9000),
        )
        .join(Region, col(Region.id) == col(Evaluation.region_id))
        .where(col(Evaluation.year) == year)
    )
    if region is not None:
        stmt = stmt.where(col(Region.name) == region)
    if methods:
        stmt = stmt.where(col(Evaluation.method).in_(methods))
    if subject_type:
        stmt = stmt.where(col(Evaluation.subject_type) == subject_type)
    if published_only:
        stmt = stmt.where(col(Evaluation.published).is_(True))
    n, weighted, funds, at_100, from_90, below = (int(v) for v in session.exec(stmt).one())  # type: ignore[call-overload]
    overall = Decimal(weighted) / Decimal(funds) / 100 if funds else None
    return CompletionSummary(n, overall, at_100, from_90, below)
