"""The one engine factory: URL resolution order, SQLite pragmas, PostgreSQL through psycopg 3."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from data_access.db import default_url, make_engine, normalise_url, resolve_url


def test_url_order_explicit_then_environment_then_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/from-env.db")
    assert resolve_url("sqlite:////tmp/explicit.db") == "sqlite:////tmp/explicit.db"
    assert resolve_url(None) == "sqlite:////tmp/from-env.db"
    monkeypatch.delenv("DATABASE_URL")
    assert resolve_url(None) == default_url()
    assert default_url().endswith("/data/performance.db") and default_url().startswith("sqlite:///")


def test_cli_reads_database_url_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from data_access.__main__ import main

    target = tmp_path / "env.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    assert main(["init"]) == 0
    assert target.exists()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'p.db'}", create=True)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() >= 5000
    engine.dispose()
    assert (tmp_path / "sub" / "p.db").exists()  # the parent folder is created


def test_sqlite_foreign_keys_enforced(db_url: str) -> None:
    from sqlalchemy.exc import IntegrityError

    engine = make_engine(db_url)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO department (region_id, name) VALUES (999, '不存在的区的部门')"))
    engine.dispose()


def test_in_memory_sqlite_creates_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite://", "sqlite:///:memory:"):
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        engine.dispose()
    assert list(tmp_path.iterdir()) == []


def test_sqlite_url_with_query_uses_the_path(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'q' / 'x.db'}?timeout=5", create=True)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    assert (tmp_path / "q" / "x.db").exists()


@pytest.mark.parametrize(
    ("url", "driver"),
    [("postgresql://u:pw@127.0.0.1:5432/perf", "postgresql+psycopg"),
     ("postgres://u@127.0.0.1/perf", "postgresql+psycopg"),
     ("postgresql+psycopg://u@127.0.0.1/perf", "postgresql+psycopg"),
     ("sqlite:///x.db", "sqlite")],
)
def test_postgresql_always_through_psycopg3(url: str, driver: str) -> None:
    assert normalise_url(url).drivername == driver


def test_plain_postgresql_url_makes_a_psycopg3_engine() -> None:
    engine = make_engine("postgresql://u@127.0.0.1:1/none")  # no connection is opened
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_postgresql_engine_connects(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM region")).scalar_one() == 0
    if engine.dialect.name == "postgresql":
        assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_only_create_makes_a_sqlite_file(tmp_path: Path) -> None:
    from data_access.db import DatabaseUninitialised

    target = tmp_path / "data" / "perf.db"
    with pytest.raises(DatabaseUninitialised, match="python -m data_access init") as caught:
        make_engine(f"sqlite:///{target}")
    assert caught.value.location == str(target)
    assert not target.parent.exists()
    make_engine(f"sqlite:///{target}", create=True).dispose()  # the engine alone opens nothing
    assert not target.exists()


def test_a_deleted_or_replaced_file_is_refused_not_recreated(db_url: str, tmp_path: Path) -> None:
    from data_access.db import DatabaseDeleted, DatabaseReplaced

    target = Path(db_url.removeprefix("sqlite:///"))
    engine = make_engine(db_url)
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM region"))
    spare = tmp_path / "spare.db"
    spare.write_bytes(target.read_bytes())
    target.unlink()
    with pytest.raises(DatabaseDeleted), engine.connect():
        pass
    assert not target.exists()
    spare.rename(target)  # a file at the path again, but not the one opened
    with pytest.raises(DatabaseReplaced), engine.connect():
        pass
    engine.dispose()
    with make_engine(db_url).connect() as conn:  # a new process (a restart) opens the new file
        assert conn.execute(text("SELECT count(*) FROM region")).scalar_one() == 0


def test_the_app_waits_seconds_not_half_a_minute(db_url: str) -> None:
    from data_access.db import APP_WAIT_SECONDS

    engine = make_engine(db_url, wait_seconds=APP_WAIT_SECONDS)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == APP_WAIT_SECONDS * 1000 <= 5000
    engine.dispose()


def test_postgresql_engine_gives_up_within_seconds() -> None:
    """Connect and lock waits are bounded; options already in the URL are kept."""
    from sqlalchemy import event

    engine = make_engine("postgresql://u@127.0.0.1:1/none?options=-c%20search_path%3Dx", wait_seconds=3)
    seen: dict[str, object] = {}

    @event.listens_for(engine, "do_connect")
    def _grab(_dialect, _record, _cargs, cparams) -> None:  # type: ignore[no-untyped-def]
        seen.update(cparams)
        raise RuntimeError("no connection needed")

    with pytest.raises(RuntimeError), engine.connect():
        pass
    engine.dispose()
    assert seen["connect_timeout"] == 3
    assert seen["options"] == "-c search_path=x -c lock_timeout=3000 -c jit=off -c work_mem=64MB"  # see make_engine


def test_existing_file_opens_whatever_its_path_holds(tmp_path: Path) -> None:
    """The file is opened through a `file:` URI (mode=rw): Chinese, spaces and # must survive the quoting."""
    url = f"sqlite:///{tmp_path / '财政 局#1' / '绩效 数据.db'}"
    engine = make_engine(url, create=True)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (7)"))
    engine.dispose()
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalar_one() == 7
    engine.dispose()
    assert sorted(p.name for p in (tmp_path / "财政 局#1").iterdir() if p.suffix == ".db") == ["绩效 数据.db"]
