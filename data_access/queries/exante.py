"""Ex-ante assessment figures: by department and the assessed projects."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import case, func, select
from sqlmodel import Session

from data_access.models import Department, ExAnte, Region
from data_access.queries.core import frame, sum_int


def by_department(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """Requested, recommended and cut (over non-rejected projects) per department."""
    not_rejected = ExAnte.conclusion != "rejected"
    stmt = (
        select(Department.name.label("department"), func.count().label("projects"),
               sum_int(ExAnte.requested_fen).label("requested_fen"), sum_int(ExAnte.recommended_fen).label("recommended_fen"),
               sum_int(case((not_rejected, ExAnte.requested_fen - ExAnte.recommended_fen), else_=0)).label("cut_fen"))
        .join(Region, Region.id == ExAnte.region_id)
        .join(Department, Department.id == ExAnte.department_id)
        .where(Region.name == region, ExAnte.year == year)
        .group_by(Department.name)
        .order_by(sum_int(ExAnte.requested_fen).desc())
    )
    return frame(session, stmt)


def assessments(*, session: Session, year: int, region: str) -> pd.DataFrame:
    """Every assessed project with its amounts, conclusion and the five dimension scores."""
    stmt = (
        select(ExAnte.name, Department.name.label("department"), ExAnte.requested_fen, ExAnte.recommended_fen,
               ExAnte.conclusion, ExAnte.score_necessity, ExAnte.score_economy, ExAnte.score_targets,
               ExAnte.score_feasibility, ExAnte.score_compliance, ExAnte.published)
        .join(Region, Region.id == ExAnte.region_id)
        .join(Department, Department.id == ExAnte.department_id)
        .where(Region.name == region, ExAnte.year == year)
        .order_by(Department.name, ExAnte.name)
    )
    df = frame(session, stmt)
    df["cut_fen"] = (df["requested_fen"] - df["recommended_fen"]).where(df["conclusion"] != "rejected", 0)
    return df
