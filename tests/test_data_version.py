"""The data version the pages' caches key on changes with every commit, seen from any process.

Replicas share one PostgreSQL. A replica keeps figures cached under the version it read, so a
commit that does not change the version leaves the other replicas showing old figures. PostgreSQL
hands out ids when a row is inserted, not when it is committed: an import takes its batch id
first and commits last, while a clerk's preview on another replica takes a later id and commits
at once, and a sign-in there writes an audit entry with a later id, committed at once too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from data_access.auth import authenticate, create_user
from data_access.db import make_engine
from data_access.models import Monitoring, Project
from data_access.uploads import import_path
from data_access.version import data_version
from tests.browser.test_upload import _file
from tests.conftest import pg_seeded_copy

PASSWORD = "version-leader-password"


@pytest.fixture
def pg_seeded_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from pg_seeded_copy(request)


def _spent(session: Session) -> int:
    return session.execute(select(Monitoring.spent_cumulative_fen).join(Project)
                           .where(col(Project.code) == "HP2022K001", col(Monitoring.month) == 12)).scalar_one()


@pytest.mark.slow
def test_an_import_committed_after_a_later_preview_changes_the_version(pg_seeded_url: str, tmp_path: Path) -> None:
    replica_1, replica_2 = make_engine(pg_seeded_url), make_engine(pg_seeded_url)
    with Session(replica_1) as s:
        create_user(s, "leader_2", "leader", PASSWORD)
    file = _file(tmp_path)  # HP2022K001's December spending becomes 0
    cached: list[tuple[object, int]] = []

    def meanwhile_on_replica_2(_fraction: float, stage: str) -> None:
        if stage != "提交":  # the import's last step before its commit
            return
        preview = import_path(replica_2, "monitoring", file, user="clerk_2", dry_run=True)  # recorded, committed
        assert preview.batch_id is not None and not preview.committed
        with Session(replica_2) as s:  # a leader signs in there (an audit entry) and a page caches its figures
            assert authenticate(s, "leader_2", PASSWORD).ok
            cached.append((data_version(s), _spent(s)))

    report = import_path(replica_1, "monitoring", file, user="clerk_1", progress=meanwhile_on_replica_2)
    assert report.committed and cached and cached[0][1] > 0
    with Session(replica_2) as s:
        assert _spent(s) == 0
        assert data_version(s) != cached[0][0], "replica 2 would keep showing the spending from before the import"
    replica_1.dispose()
    replica_2.dispose()


def test_every_commit_of_a_batch_or_audit_entry_moves_the_version_on(any_seeded_url: str, tmp_path: Path) -> None:
    engine = make_engine(any_seeded_url)
    with Session(engine) as s:
        before = data_version(s)
    report = import_path(engine, "monitoring", _file(tmp_path), user="clerk", dry_run=True)
    with Session(engine) as s:
        after_preview = data_version(s)
    assert report.batch_id and after_preview > before
    report = import_path(engine, "monitoring", _file(tmp_path), user="clerk")
    with Session(engine) as s:
        assert report.committed and data_version(s) > after_preview
    engine.dispose()
