"""The data version: one counter that moves on with every commit that changes data.

The app's pages cache their figures keyed on it (dashboard/loaders.py), in each app process, so
a commit made through any process, or the command line, must move it for every other process
to see the change at once. Every change of data writes an audit entry or an upload batch; a
session that added or changed one of those moves the counter on just before it commits. The
UPDATE takes the row's lock until the commit, so two writers move it one after the other and a
reader that sees version N sees every commit that set a version up to N: the version grows in
commit order, which ids taken at insert time (the version before issue 13) do not.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import col

from data_access.models import AuditLog, DataVersion, UploadBatch

_TRACKED = (AuditLog, UploadBatch)
_TRACKED_TABLES = frozenset(m.__tablename__ for m in _TRACKED)  # type: ignore[attr-defined]
_FLAG = "data_changed"


def data_version(session: OrmSession) -> int:
    """The current version (0 on a database without the counter, not yet upgraded)."""
    return int(session.execute(select(col(DataVersion.version)).where(col(DataVersion.id) == 1)).scalar() or 0)


@event.listens_for(OrmSession, "before_flush")
def _note_flushed(session: OrmSession, _context: Any, _instances: Any) -> None:
    if any(isinstance(o, _TRACKED) for o in chain(session.new, session.dirty, session.deleted)):
        session.info[_FLAG] = True


@event.listens_for(OrmSession, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    """Bulk INSERT/UPDATE/DELETE statements on the tracked tables, which no flush sees."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _TRACKED_TABLES:
            state.session.info[_FLAG] = True


@event.listens_for(OrmSession, "before_commit")
def _move_on(session: OrmSession) -> None:
    if not (session.info.pop(_FLAG, False) or any(isinstance(o, _TRACKED) for o in session.new)):
        return
    connection = session.connection()
    if connection.dialect.has_table(connection, DataVersion.__tablename__):  # absent before migration 0006
        connection.execute(update(DataVersion).where(col(DataVersion.id) == 1)
                           .values(version=col(DataVersion.version) + 1))


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(_FLAG, None)
