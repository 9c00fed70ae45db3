"""A PostgreSQL backup taken as docs/deployment.md says restores into a fresh database with every figure."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from data_access.db import make_engine
from data_access.migrate import check_schema
from data_access.queries.kpis import kpis
from tests.conftest import _pg_create, _pg_drop, pg_seeded_copy

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_seeded(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from pg_seeded_copy(request)


def _pg_bin(tool: str) -> str:
    """The tool of the newest PostgreSQL installed (the one scripts/pg_throwaway.sh runs)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), key=lambda p: int(p.parts[-3]))
    return str(found[-1]) if found else tool


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _figures(url: str) -> list[dict]:
    engine = make_engine(url)
    check_schema(engine)  # the restored database is at this program's revision: the app opens it
    with Session(engine) as s:
        figures = [kpis(session=s, year=year, region=region, as_of=dt.date(year, 12, 31))
                   for region, year in (("黄埔区", 2022), ("黄埔区", 2021), ("荔湾区", 2020))]
    engine.dispose()
    return figures


def test_pg_dump_and_restore_keep_every_figure(pg_seeded: str, tmp_path: Path) -> None:
    dump = tmp_path / "performance.dump"
    subprocess.run([_pg_bin("pg_dump"), "--format=custom", f"--file={dump}", _libpq(pg_seeded)], check=True)
    fresh = _pg_create()
    try:
        subprocess.run([_pg_bin("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={_libpq(fresh)}", str(dump)],
                       check=True)
        before, after = _figures(pg_seeded), _figures(fresh)
        assert after == before
        assert after[0]["execution"]["spent_total"] and after[0]["evaluation"]
    finally:
        _pg_drop(fresh)
