"""The staff pages' writes: each opens a session on the app's engine, calls one `data_access`
service (which checks its rules, audits and commits) and drops the cached figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from dashboard.resources import bump_data_version, get_engine, get_import_engine
from data_access import auth, publishing, users
from data_access import rectification as workflow
from data_access.uploads import ImportReport, import_records


def create_user(username: str, role: str, password: str, department_ids: list[int] | None, *, actor: str) -> None:
    """A new account (auth.create_user); raises AuthError with a message for people."""
    with Session(get_engine()) as s:
        auth.create_user(s, username, role, password, department_ids, actor=actor)
    bump_data_version()


def unlock_user(username: str, *, actor: str) -> None:
    """Lift an account's lock (users.unlock); raises AuthError."""
    with Session(get_engine()) as s:
        users.unlock(session=s, username=username, actor=actor)
    bump_data_version()


def toggle_user(username: str, *, actor: str) -> bool:
    """Deactivate or reactivate an account (users.toggle_active); the new state. Raises AuthError."""
    with Session(get_engine()) as s:
        active = users.toggle_active(session=s, username=username, actor=actor)
    bump_data_version()
    return active


def set_finance_bureau(department_id: int, *, actor: str) -> None:
    """Mark a department its region's finance bureau (users.set_finance_bureau); raises AuthError."""
    with Session(get_engine()) as s:
        users.set_finance_bureau(session=s, department_id=department_id, actor=actor)
    bump_data_version()


def set_published(entity: str, ids: list[int], published: bool, *, actor: str,
                  department_ids: frozenset[int] | None) -> int:
    """Publish or withdraw records (publishing.set_published); how many changed. Raises PublishingError."""
    with Session(get_engine()) as s:
        changed = publishing.set_published(s, entity, ids, published, actor, department_ids)
    bump_data_version()
    return changed


def set_execution_published(region: str, year: int, published: bool, *, actor: str,
                            department_ids: frozenset[int] | None) -> bool:
    """Publish or withdraw a region's budget execution by department for a year; True if it changed."""
    with Session(get_engine()) as s:
        changed = publishing.set_execution_published(s, region, year, published, actor, department_ids)
    bump_data_version()
    return changed


STEPS: dict[str, Callable[..., None]] = {workflow.START: workflow.start, workflow.RECTIFY: workflow.rectify,
         workflow.VERIFY: workflow.verify,
         workflow.SEND_BACK: workflow.send_back, workflow.REVISE_DEADLINE: workflow.revise_deadline}


def rectification_step(action: str, finding_id: int, actor: workflow.Actor, **fields: Any) -> None:
    """One workflow step on a finding (rectification.start … revise_deadline); raises RectificationError."""
    with Session(get_engine()) as s:
        STEPS[action](s, finding_id, actor, **fields)
    bump_data_version()


def record_feedback(evaluation_id: int, actor: workflow.Actor, *, on: dt.date, text: str) -> int:
    """An evaluation's written feedback (rectification.record_feedback); how many findings it dated."""
    with Session(get_engine()) as s:
        filled = workflow.record_feedback(s, evaluation_id, actor, on=on, text=text)
    bump_data_version()
    return filled


def save_records(kind: str, records: list[dict[str, Any]], *, user: str, department_ids: frozenset[int] | None,
                 dry_run: bool) -> ImportReport:
    """Records typed in a form, checked (dry_run) or written through the importer's own path
    (uploads.import_records: the upload spec's rules, the user's scope, one audited batch)."""
    report = import_records(get_import_engine(), kind, records, user=user, dry_run=dry_run,
                            allowed_department_ids=department_ids)
    if report.committed:
        bump_data_version()
    return report
