"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from data_access import models  # noqa: F401  (registers the tables)
from data_access.db import make_engine
from data_access.migrate import upgrade


def test_migrated_schema_matches_models(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    # The expression index keeping library indicators unique has no model counterpart.
    diff = [d for d in diff if not (d[0] == "remove_index" and d[1].name == "uq_indicator_key")]
    assert diff == []
    engine.dispose()


def test_upgrade_is_idempotent_and_records_head(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    upgrade(engine)  # a second run on an up-to-date database changes nothing
    with engine.connect() as conn:
        version = MigrationContext.configure(conn).get_current_revision()
    assert version == "0001"
    engine.dispose()


def test_library_indicator_unique_despite_null_department(any_db_url: str) -> None:
    """Two library rows (no department, no project) with one name collide: NULLs must not slip through."""
    import pytest
    from sqlalchemy.exc import IntegrityError
    from sqlmodel import Session

    from data_access.models import Indicator, Region

    engine = make_engine(any_db_url)
    with Session(engine) as s:
        region = Region(name="测试区")
        s.add(region)
        s.commit()
        row = {"region_id": region.id, "name": "服务对象满意度", "level1": "满意度指标", "level2": "服务对象满意度指标"}
        s.add(Indicator(**row))
        s.commit()
        s.add(Indicator(**row))
        with pytest.raises(IntegrityError):
            s.commit()
    engine.dispose()


def test_init_creates_schema_on_empty_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys
    from pathlib import Path

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    done = subprocess.run([sys.executable, "-m", "data_access", "--db", url, "init"], check=False,
                          cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    tables = set(inspect(make_engine(url)).get_table_names())
    assert {"project", "monitoring", "evaluation", "finding", "ex_ante", "indicator", "app_user"} <= tables


def test_init_fails_cleanly_on_unreachable_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-m", "data_access", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none",
                           "init"], check=False, cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "数据库错误" in done.stderr and "Traceback" not in done.stderr
