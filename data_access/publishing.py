"""Publishing, with who and when, and an audit row (status changes: data_access/rectification.py)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Select, select
from sqlmodel import Session, col

from data_access.audit import record
from data_access.enums import FINANCE_METHODS
from data_access.models import Department, Evaluation, ExAnte, ExecutionPublication, Finding, Region
from data_access.queries.core import frame

ENTITIES: dict[str, type[Evaluation] | type[Finding] | type[ExAnte]] = {"evaluation": Evaluation, "finding": Finding,
                                                                        "ex_ante": ExAnte}


class PublishingError(Exception):
    """A change was refused; the message is for people (Chinese)."""


def publishable(
    *, session: Session, entity: str, region: str, year: int, department_ids: frozenset[int] | None = None,
) -> pd.DataFrame:
    """The records of a region and year finance may publish (evaluations: review and key only), with who
    published them and when; a user scoped to departments gets those departments' records only."""
    model = ENTITIES[entity]
    name = col(ExAnte.name) if entity == "ex_ante" else col(model.subject)  # type: ignore[union-attr]
    # What tells two records of one subject apart: a finding's 问题编号, an evaluation's method.
    ref = {"finding": col(Finding.finding_code), "evaluation": col(Evaluation.method),
           "ex_ante": col(ExAnte.code)}[entity]
    stmt: Select = (select(col(model.id), ref.label("ref"), name.label("name"),
                           col(Department.name).label("department"), col(model.published),
                   col(model.published_at), col(model.published_by), col(model.department_id))
            .join(Region, col(Region.id) == col(model.region_id))
            .join(Department, col(Department.id) == col(model.department_id))
            .where(col(Region.name) == region, col(model.year) == year)
            .order_by(col(Department.name), name, ref))
    if entity == "evaluation":
        stmt = stmt.where(col(Evaluation.method).in_(FINANCE_METHODS))
    if department_ids is not None:
        stmt = stmt.where(col(model.department_id).in_(department_ids))
    return frame(session, stmt)


def set_published(
    session: Session, entity: str, ids: Iterable[int], published: bool, actor: str,
    allowed_department_ids: frozenset[int] | None = None,
) -> int:
    """Publish or unpublish records in one transaction; returns how many changed."""
    model = ENTITIES[entity]
    rows = [session.get(model, i) for i in ids]
    if any(r is None for r in rows):
        raise PublishingError("所选记录已不存在，请刷新页面后重试")
    if allowed_department_ids is not None:
        # Publishing and withdrawing alike: every record must be of a department in the user's scope.
        outside = Counter(r.department_id for r in rows if r.department_id not in allowed_department_ids)  # type: ignore[union-attr]
        if outside:
            names = dict(session.execute(select(col(Department.id), col(Department.name))
                                         .where(col(Department.id).in_(outside))).all())
            which = "、".join(f"{names.get(d, d)} {n} 条" for d, n in sorted(outside.items(),
                                                                             key=lambda kv: str(names.get(kv[0]))))
            action = "公开" if published else "撤回公开"
            raise PublishingError(f"您无权{action}其他单位的记录（{which}），未作任何改动")
    now = dt.datetime.now(dt.UTC)
    changed = 0
    for row in rows:
        if row.published == published:  # type: ignore[union-attr]
            continue
        row.published = published  # type: ignore[union-attr]
        row.published_at = now if published else None  # type: ignore[union-attr]
        row.published_by = actor if published else None  # type: ignore[union-attr]
        session.add(row)
        record(session, actor, "publish" if published else "unpublish", entity=entity, entity_id=row.id)  # type: ignore[union-attr]
        changed += 1
    session.commit()
    return changed


def execution_publication(*, session: Session, region: str, year: int) -> ExecutionPublication | None:
    """The region's decision to publish the year's department-level budget execution, if it made one."""
    return session.execute(select(ExecutionPublication).join(Region,
                                                             col(Region.id) == col(ExecutionPublication.region_id))
                           .where(col(Region.name) == region,
                                  col(ExecutionPublication.year) == year)).scalar_one_or_none()


def set_execution_published(
    session: Session, region: str, year: int, published: bool, actor: str,
    allowed_department_ids: frozenset[int] | None = None,
) -> bool:
    """Publish or withdraw a region's budget execution by department for a year, with an audit row;
    True when it changed. A whole-region switch: a user limited to departments may not throw it."""
    if allowed_department_ids is not None:
        raise PublishingError("预算执行情况按全区公开或撤回，限定了填报单位的账号无权操作，未作任何改动")
    rid = session.execute(select(col(Region.id)).where(col(Region.name) == region)).scalar_one_or_none()
    if rid is None:
        raise PublishingError(f"行政区“{region}”不存在，未作任何改动")
    row = execution_publication(session=session, region=region, year=year)
    if (row is not None) == published:
        return False
    if published:
        session.add(ExecutionPublication(region_id=rid, year=year, published_by=actor))
    else:
        session.delete(row)
    record(session, actor, "publish_execution" if published else "unpublish_execution", entity="execution",
           entity_id=rid, detail={"region": region, "year": year})
    session.commit()
    return True
