"""Who changed what: one append-only audit_log row per login, import, status change or publish."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from data_access.models import AuditLog


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    entity: str | None = None,
    entity_id: int | None = None,
    detail: dict[str, Any] | None = None,
    batch_id: int | None = None,
) -> AuditLog:
    """Add an audit row to the session; the caller's transaction commits it with the change."""
    row = AuditLog(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        batch_id=batch_id,
        detail_json=json.dumps(detail, ensure_ascii=False, default=str) if detail is not None else None,
    )
    session.add(row)
    return row
