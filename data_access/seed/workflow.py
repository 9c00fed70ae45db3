"""The sample's rectification workflow: finance bureaus, verifications and written feedback."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import func, select, update
from sqlmodel import col

from data_access.models import Department, Evaluation, Finding, FindingStatusChange
from data_access.seed import names as N
from data_access.seed.builder import SEED_ACTOR, UTC, Builder


def load(b: Builder) -> None:
    """Each district's finance bureau (区财政局, whose finance users verify rectification) and, for the
    years the seeds report as done (黄埔区 2021, 荔湾区 2020): its verification of each rectified finding
    two weeks after it was rectified, and each evaluated department's written feedback (dated as its
    findings' latest). Later years' rectified findings await verification. No random draws, so no
    synthetic figure moves."""
    huangpu = b.region_id(N.HUANGPU)
    codes = b.session.execute(select(func.count()).where(col(Department.region_id) == huangpu)).scalar_one()
    b.session.add(Department(region_id=huangpu, code=f"HP{codes + 1:03d}", name="区财政局", is_finance_bureau=True))
    b.session.execute(update(Department).where(col(Department.region_id) == b.region_id(N.LIWAN),
                                               col(Department.name) == "区财政局").values(is_finance_bureau=True))
    for region, year in ((N.HUANGPU, 2021), (N.LIWAN, 2020)):
        rectified = b.session.execute(select(Finding).where(
            col(Finding.region_id) == b.region_id(region), col(Finding.year) == year,
            col(Finding.status) == "rectified",
        ).order_by(col(Finding.id))).scalars().all()
        for finding in rectified:
            day = cast(dt.date, finding.rectified_date) + dt.timedelta(days=14)
            finding.verified_at = dt.datetime.combine(day, dt.time(10), tzinfo=UTC)
            finding.verified_by = SEED_ACTOR
            b.session.add(FindingStatusChange(finding_id=cast(int, finding.id), changed_at=finding.verified_at,
                                              changed_by=SEED_ACTOR, from_status="rectified", to_status="rectified",
                                              action="verify", step_date=day, comment="财政局核验：整改到位，予以销号"))
        latest = b.session.execute(
            select(col(Finding.evaluation_id), func.max(col(Finding.feedback_date)))
            .where(col(Finding.region_id) == b.region_id(region), col(Finding.year) == year,
                   col(Finding.evaluation_id).is_not(None)).group_by(col(Finding.evaluation_id))).all()
        for evaluation_id, day in latest:
            b.session.execute(update(Evaluation).where(col(Evaluation.id) == evaluation_id).values(
                feedback_date=day, feedback_by=SEED_ACTOR, feedback_at=dt.datetime.combine(day, dt.time(9), tzinfo=UTC),
                feedback_text="已按评价意见逐项落实整改，整改情况详见书面报告（样例数据）。"))
    b.session.flush()
