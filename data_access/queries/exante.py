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
