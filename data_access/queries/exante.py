"""Ex-ante assessment figures: by department and the assessed projects."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, case, func, select
from sqlmodel import Session, col

from data_access.models import Department, ExAnte, Region
from data_access.queries.core import frame, sum_int


def by_department(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """Requested, recommended and cut (over non-rejected projects) per department."""
    not_rejected = col(ExAnte.conclusion) != "rejected"
    stmt = (
        select(col(Department.name).label("department"), func.count().label("projects"),
               sum_int(ExAnte.requested_fen).label("requested_fen"),
               sum_int(ExAnte.recommended_fen).label("recommended_fen"),
               sum_int(case((not_rejected, col(ExAnte.requested_fen) - col(ExAnte.recommended_fen)),
                            else_=0)).label("cut_fen"))
        .join(Region, col(Region.id) == col(ExAnte.region_id))
        .join(Department, col(Department.id) == col(ExAnte.department_id))
        .where(col(Region.name) == region, col(ExAnte.year) == year)
        .group_by(Department.name)
        .order_by(sum_int(ExAnte.requested_fen).desc())
    )
    return frame(session, stmt)


def assessments(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """Every assessed project with its amounts, conclusion and the five dimension scores."""
    stmt: Select = (
        select(col(ExAnte.name), col(Department.name).label("department"), col(ExAnte.requested_fen),
               col(ExAnte.recommended_fen), col(ExAnte.conclusion), col(ExAnte.score_necessity),
               col(ExAnte.score_economy), col(ExAnte.score_targets),
               col(ExAnte.score_feasibility), col(ExAnte.score_compliance), col(ExAnte.published))
        .join(Region, col(Region.id) == col(ExAnte.region_id))
        .join(Department, col(Department.id) == col(ExAnte.department_id))
        .where(col(Region.name) == region, col(ExAnte.year) == year)
        .order_by(Department.name, ExAnte.name)
    )
    return with_cut(frame(session, stmt))


def with_cut(df: pd.DataFrame) -> pd.DataFrame:
    """核减 of each assessment: requested − recommended; none for a rejected one (DOMAIN: the cut is over
    supported and partly supported projects), so a table never shows 3,000 申报, 0 建议 and 0 核减."""
    cut = (df["requested_fen"] - df["recommended_fen"]).astype("Int64")
    df["cut_fen"] = cut.where(df["conclusion"] != "rejected", pd.NA)
    return df


FUND_PARTS = ("approved", "cut", "rejected")  # together what was requested


def conclusion_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Assessments (rows of `assessments` or `public.published_ex_ante`) counted per department and
    conclusion: department, conclusion, count; the departments with most assessments first."""
    counts = df.groupby(["department", "conclusion"]).size().reset_index(name="count")
    total = counts.groupby("department")["count"].sum()
    order = sorted(total.index, key=lambda d: (-int(total[d]), d))
    return _ordered(counts, order)


def fund_parts(df: pd.DataFrame) -> pd.DataFrame:
    """Each department's requested funds in three parts that add up to them, exact in fen: approved (建议
    金额 of supported and partly supported), cut (核减) and rejected (申报 of 不予支持); department, part,
    fen; the largest request first. Parts of 0 are left out."""
    rejected = df["conclusion"] == "rejected"
    parts = pd.DataFrame({
        "department": df["department"],
        "approved": df["recommended_fen"].where(~rejected, 0).astype("int64"),
        "cut": (df["requested_fen"] - df["recommended_fen"]).where(~rejected, 0).astype("int64"),
        "rejected": df["requested_fen"].where(rejected, 0).astype("int64"),
    }).groupby("department")[list(FUND_PARTS)].sum()
    order = sorted(parts.index, key=lambda d: (-int(parts.loc[d].sum()), d))
    long = parts.reset_index().melt(id_vars="department", var_name="part", value_name="fen")
    return _ordered(long[long["fen"] > 0], order)


def _ordered(df: pd.DataFrame, departments: list[str]) -> pd.DataFrame:
    rank = {d: i for i, d in enumerate(departments)}
    return df.sort_values("department", key=lambda s: s.map(rank), kind="stable").reset_index(drop=True)
