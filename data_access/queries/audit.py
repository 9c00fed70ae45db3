"""The audit log as the 操作记录 page lists it: newest first, filtered by action and by actor."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session, col

from data_access.models import AuditLog
from data_access.queries.core import frame


def audit_actions(*, session: Session) -> list[str]:
    """Every action the log holds, in code order."""
    return sorted(session.execute(select(col(AuditLog.action)).distinct()).scalars())


def audit_entries(*, session: Session, action: str | None = None, actor: str | None = None,
                  limit: int = 1000) -> pd.DataFrame:
    """The latest entries (id, at, actor, action, entity, entity_id, detail_json), newest first."""
    stmt = select(col(AuditLog.id), col(AuditLog.at), col(AuditLog.actor), col(AuditLog.action), col(AuditLog.entity),
                  col(AuditLog.entity_id), col(AuditLog.detail_json)).order_by(col(AuditLog.id).desc()).limit(limit)
    if action:
        stmt = stmt.where(col(AuditLog.action) == action)
    if actor:
        stmt = stmt.where(col(AuditLog.actor) == actor)
    return frame(session, stmt)
