"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import pytest
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
    assert version == _head()
    engine.dispose()


def test_head_constant_is_the_newest_migration() -> None:
    """`upgrade` skips Alembic on a database stamped with migrate.HEAD: it must be the migrations' head."""
    from data_access.migrate import HEAD, head_revisions

    assert HEAD == head_revisions() == {_head()}


@pytest.mark.slow  # commands run as processes
def test_upgrade_at_head_does_not_load_alembic(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A command on an up-to-date database (every `import`) reads the stamp in SQL instead of loading Alembic;
    an empty database is still created by Alembic."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    probe = ("import sys; from data_access.db import make_engine; from data_access.migrate import upgrade; "
             f"e = make_engine({url!r}, create=True); before = upgrade(e); "
             "print(sorted(before), 'alembic' in sys.modules)")
    first, second = (subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
                     .stdout.strip() for _ in range(2))
    assert first == "[] True"
    assert second == "['0009'] False"


def _head() -> str:
    from alembic.script import ScriptDirectory

    from data_access.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()  # type: ignore[return-value]


def _finding_with_history(engine) -> int:  # type: ignore[no-untyped-def]
    """A finding and one history row, inserted in plain SQL (works at any revision)."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO region (name, grade_excellent, "
                          "grade_good, grade_fair) VALUES ('测试区', 90, 80, 60)"))
        rid = conn.execute(text("SELECT id FROM region WHERE name = '测试区'")).scalar_one()
        conn.execute(text("INSERT INTO department (region_id, name) VALUES (:r, '区测试局')"), {"r": rid})
        did = conn.execute(text("SELECT id FROM department")).scalar_one()
        conn.execute(text(
            "INSERT INTO finding (region_id, department_id, year, finding_code, subject, category, description, "
            "deadline, status, published) VALUES (:r, :d, 2023, 'F1', '对象', '预算编制', '问题', '2024-06-30', "
            "'in_progress', false)"), {"r": rid, "d": did})
        fid = conn.execute(text("SELECT id FROM finding")).scalar_one()
        conn.execute(text(
            "INSERT INTO finding_status_change (finding_id, changed_at, changed_by, from_status, to_status) "
            "VALUES (:f, '2024-01-02 10:00:00', 'tester', 'not_started', 'in_progress')"), {"f": fid})
    return fid


def test_finding_history_is_append_only_in_the_database(any_db_url: str) -> None:
    """UPDATE and DELETE of a status change are refused by the database itself, not only by the app."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    engine = make_engine(any_db_url)
    fid = _finding_with_history(engine)
    for statement in ("UPDATE finding_status_change SET to_status = 'rectified'",
                      "UPDATE finding_status_change SET comment = '改写'",
                      "DELETE FROM finding_status_change"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("TRUNCATE finding_status_change"))
    # Appending still works, and the finding itself may change status.
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO finding_status_change (finding_id, changed_at, changed_by, from_status, to_status) "
            "VALUES (:f, '2024-03-01 10:00:00', 'tester', 'in_progress', 'rectified')"), {"f": fid})
        conn.execute(text("UPDATE finding SET status = 'rectified'"))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT to_status FROM finding_status_change ORDER BY id")).scalars().all()
    assert rows == ["in_progress", "rectified"]
    engine.dispose()


def test_finding_history_statuses_are_checked(any_db_url: str) -> None:
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine = make_engine(any_db_url)
    fid = _finding_with_history(engine)
    for frm, to in (("in_progress", "done"), ("finished", "rectified")):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO finding_status_change (finding_id, changed_at, changed_by, from_status, to_status) "
                "VALUES (:f, '2024-03-01 10:00:00', 'tester', :frm, :to)"), {"f": fid, "frm": frm, "to": to})
    engine.dispose()


def test_init_upgrades_an_older_database_keeping_its_data(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A database left at the first revision, holding history, is brought to head by `init`."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from data_access.__main__ import main

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url, create=True)
    upgrade(engine, "0001")
    _finding_with_history(engine)
    with engine.begin() as conn:  # at 0001 nothing stopped a rewrite
        conn.execute(text("UPDATE finding_status_change SET comment = '旧库允许改写'"))
    assert main(["--db", url, "init"]) == 0
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == _head()
        assert conn.execute(text("SELECT comment FROM finding_status_change")).scalar_one() == "旧库允许改写"
        assert conn.execute(text("SELECT count(*) FROM finding")).scalar_one() == 1
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM finding_status_change"))
    engine.dispose()


def test_downgrade_and_upgrade_again(any_db_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from data_access.migrate import alembic_config

    engine = make_engine(any_db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    fid = _finding_with_history(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM finding_status_change WHERE finding_id = :f"), {"f": fid})
    upgrade(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == _head()
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


@pytest.mark.slow  # commands run as processes
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


@pytest.mark.slow  # commands run as processes
def test_init_fails_cleanly_on_unreachable_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-m", "data_access", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none",
                           "init"], check=False, cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "数据库错误" in done.stderr and "Traceback" not in done.stderr
