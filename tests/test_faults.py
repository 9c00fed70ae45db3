"""Faults a bureau will meet: the database file missing, deleted or swapped, busy, read-only,
or the PostgreSQL server stopped. Each shows a clear message within seconds, and the app comes
back by itself once the fault is gone (a swapped file excepted: that needs a restart).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.auth import create_user
from data_access.db import make_engine
from data_access.migrate import upgrade
from tests.apptest import app, sign_in

# Users are made before the app is opened: remember their argon2 hashes and checks (tests/apptest.py).
pytestmark = pytest.mark.usefixtures("remembered_passwords")

ROOT = Path(__file__).resolve().parent.parent
NOTHING_PUBLISHED = "尚无已公开的预算绩效信息。"


def _path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


def _page_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("title", "error", "caption", "markdown", "code") for e in at.get(kind))


def _user(url: str, name: str = "clerk") -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        create_user(session, name, "finance", "clerk-password")
    engine.dispose()


# ---- missing, uninitialised, deleted, swapped ----------------------------------------------------
def test_app_on_a_missing_path_says_what_to_run_and_creates_nothing(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    target = tmp_path / "data" / "performance.db"
    with caplog.at_level("WARNING", logger="dashboard.faults"):
        at = app(monkeypatch, f"sqlite:///{target}").run()
    assert str(target) in caplog.text  # the administrator finds the location in the server log
    assert not at.exception
    assert _errors(at) == ["数据库尚未初始化：请运行 python -m data_access init"
                           "（示例数据：python -m data_access seed）"]
    assert str(target) not in _page_text(at)  # a visitor sees no server path; the administrator's log names it
    assert "服务器日志" in _page_text(at)
    assert not target.exists() and not target.parent.exists()
    # English too
    at.session_state["lang"] = "en"
    at.run()
    assert _errors(at) == ["The database is not initialised: run python -m data_access init "
                           "(sample data: python -m data_access seed)"]
    # The admin runs init; the next run works without restarting the app.
    from data_access.__main__ import main

    assert main(["--db", f"sqlite:///{target}", "init"]) == 0
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == [NOTHING_PUBLISHED]  # the portal of an empty database


def test_app_on_a_schemaless_database_says_what_to_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "empty.db"
    target.touch()  # an existing file without tables, e.g. made by hand
    at = app(monkeypatch, f"sqlite:///{target}").run()
    assert not at.exception
    assert _errors(at) == ["数据库尚未初始化：请运行 python -m data_access init"
                           "（示例数据：python -m data_access seed）"]
    assert str(target) not in _page_text(at) and "服务器日志" in _page_text(at)


def test_app_on_an_older_schema_asks_for_init(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{target}", create=True)
    upgrade(engine, "0001")
    engine.dispose()
    at = app(monkeypatch, f"sqlite:///{target}").run()
    assert not at.exception
    [error] = _errors(at)
    assert error.startswith("数据库结构需要升级：请运行 python -m data_access init") and "0001" in error


def test_a_replica_left_on_the_old_version_after_an_upgrade_asks_for_a_restart(monkeypatch: pytest.MonkeyPatch,
                                                                                 db_url: str) -> None:
    """A newer program's `init` ran (docs/deployment.md, Upgrades): the old one must not ask for init."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_newer'"))
    engine.dispose()
    at = app(monkeypatch, db_url).run()
    assert not at.exception
    assert _errors(at) == ["数据库结构已由新版本程序升级（9999_newer），本程序版本较旧：请用新版本重启应用"]
    at.session_state["lang"] = "en"
    at.run()
    assert _errors(at) == ["The database was upgraded by a newer version of the program (9999_newer): "
                           "restart the app on that version"]


def test_file_deleted_while_the_app_runs_is_noticed_and_not_recreated(monkeypatch: pytest.MonkeyPatch,
                                                                       seeded_url: str) -> None:
    target = _path(seeded_url)
    at = app(monkeypatch, seeded_url).run()
    assert not at.exception and not at.error and at.metric  # the portal's headline figures
    target.unlink()  # the -wal and -shm files stay, as after a careless `rm performance.db`
    at.run()
    assert not at.exception
    assert _errors(at) == ["数据库文件在应用运行期间被删除。请恢复数据库文件（或运行 python -m data_access init "
                           "重建），然后重启应用。"]
    assert str(target) not in _page_text(at) and "服务器日志" in _page_text(at)
    assert not at.metric  # nothing read from the deleted file
    at.run()
    assert not target.exists()


def test_file_swapped_while_the_app_runs_is_refused(monkeypatch: pytest.MonkeyPatch, seeded_url: str,
                                                    db_url: str) -> None:
    target = _path(seeded_url)
    at = app(monkeypatch, seeded_url).run()
    assert not at.exception and at.metric
    os.replace(_path(db_url), target)  # another database moved into its place
    at.run()
    assert not at.exception
    assert _errors(at) == ["数据库文件在应用运行期间被替换，应用已停止使用它，以免混用两个数据库的数据。"
                           "如新文件无误，请管理员重启应用。"]
    assert not at.metric


# ---- busy, read-only ----------------------------------------------------------------------------------
def _hold_write_lock(url: str):  # type: ignore[no-untyped-def]
    """Another connection in the middle of a long write: SQLite's write lock, PostgreSQL's row locks on users."""
    if url.startswith("sqlite"):
        writer = sqlite3.connect(_path(url), isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # e.g. a long import from the command line
        return writer
    import psycopg

    writer = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    writer.execute("SELECT id FROM app_user FOR UPDATE")  # e.g. an administrator's long change to the users
    return writer


def test_sign_in_while_another_writer_holds_the_lock_says_busy_then_works(monkeypatch: pytest.MonkeyPatch,
                                                                          any_seeded_url: str) -> None:
    _user(any_seeded_url)
    at = app(monkeypatch, any_seeded_url).run()
    writer = _hold_write_lock(any_seeded_url)
    try:
        started = time.monotonic()
        sign_in(at, "clerk", "clerk-password")
        waited = time.monotonic() - started
    finally:
        writer.rollback()
        writer.close()
    print(f"sign-in against a held write lock answered in {waited:.1f} s")
    assert not at.exception
    assert "数据库正忙，请稍后再试" in _errors(at)
    assert waited < 10
    sign_in(at, "clerk", "clerk-password")  # the lock is gone: the same app signs in
    assert not at.exception and not at.error
    assert "clerk" in "\n".join(c.value for c in at.sidebar.caption)


def test_sign_in_on_a_read_only_database_says_so(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    """Tests run as root, where chmod 0444 does not stop writes: SQLite's own read-only mode
    (`mode=ro`) gives the same SQLITE_READONLY error a read-only file gives a normal user."""
    _user(seeded_url)
    at = app(monkeypatch, f"sqlite:///file:{_path(seeded_url)}?mode=ro&uri=true").run()
    assert not at.exception and not at.error  # reading works
    sign_in(at, "clerk", "clerk-password")
    assert not at.exception
    assert _errors(at) == ["数据库为只读，无法保存：请检查数据库文件及其所在文件夹的写权限。"]


@pytest.mark.parametrize(
    ("error", "code"),
    [(sqlite3.OperationalError("database is locked"), "busy"),
     (sqlite3.OperationalError("database table is locked"), "busy"),
     (sqlite3.OperationalError("attempt to write a readonly database"), "readonly"),
     (sqlite3.OperationalError("unable to open database file"), "unavailable"),
     (sqlite3.OperationalError("disk I/O error"), "unavailable"),
     (sqlite3.DatabaseError("file is not a database"), "corrupt"),
     (sqlite3.DatabaseError("database disk image is malformed"), "corrupt"),
     (sqlite3.OperationalError("no such table: project"), "uninitialised"),
     (sqlite3.IntegrityError("UNIQUE constraint failed: project.code"), None),
     (sqlite3.OperationalError('near "SELEC": syntax error'), None)],
)
def test_sqlite_errors_are_classified(error: Exception, code: str | None) -> None:
    from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError

    from data_access.db import classify

    wrapper = {sqlite3.OperationalError: OperationalError, sqlite3.IntegrityError: IntegrityError}.get(
        type(error), DatabaseError)
    fault = classify(wrapper("SELECT 1", {}, error), "x.db")
    assert (fault.code if fault else None) == code


def test_postgresql_errors_are_classified() -> None:
    import psycopg
    from psycopg import errors as pg
    from sqlalchemy.exc import InternalError, OperationalError, ProgrammingError

    from data_access.db import classify

    cases = [
        (OperationalError("", {}, psycopg.OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused')),
         "unavailable"),
        (OperationalError("", {}, pg.AdminShutdown("terminating connection due to administrator command")),
         "unavailable"),
        (OperationalError("", {}, pg.LockNotAvailable("canceling statement due to lock timeout")), "busy"),
        (InternalError("", {}, pg.ReadOnlySqlTransaction("cannot execute UPDATE in a read-only transaction")),
         "readonly"),
        (ProgrammingError("", {}, pg.UndefinedTable('relation "project" does not exist')), "uninitialised"),
        (ProgrammingError("", {}, pg.SyntaxError("syntax error")), None),
    ]
    assert [(f.code if (f := classify(exc, "pg")) else None) for exc, _ in cases] == [code for _, code in cases]


# ---- PostgreSQL stopped and started again --------------------------------------------------------
def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


@pytest.fixture
def own_postgres() -> Iterator[tuple[str, list[str], list[str]]]:
    """A PostgreSQL server of this test alone (stopping the suite's shared one would break others)."""
    if not os.environ.get("TEST_POSTGRES_URL"):
        pytest.skip("TEST_POSTGRES_URL is not set (scripts/test.sh starts a PostgreSQL server)")
    if _pg_bin() is None or os.geteuid() != 0:
        pytest.skip("needs PostgreSQL's binaries and root (runuser) to start a private server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = subprocess.run(["bash", str(ROOT / "scripts" / "pg_throwaway.sh")],
                             env={**os.environ, "PGPORT": str(port)},
                             check=True, capture_output=True, text=True, timeout=120)
    env = dict(line.split("=", 1) for line in started.stdout.split())
    pgdata = env["PGDATA"]
    pg_ctl = ["runuser", "-u", "postgres", "--", str(_pg_bin() / "pg_ctl"), "-D", pgdata, "-w", "-t", "30"]
    stop = [*pg_ctl, "-m", "fast", "stop"]
    start = [*pg_ctl, "-l", f"{pgdata}/server.log", "-o", f"-h 127.0.0.1 -p {port} -k {pgdata} -c fsync=off", "start"]
    try:
        yield env["TEST_POSTGRES_URL"], stop, start
    finally:
        subprocess.run(["bash", str(ROOT / "scripts" / "pg_throwaway.sh"), "stop", pgdata], check=False, timeout=120)


@pytest.mark.slow  # starts and stops its own server
def test_postgresql_stopped_then_started_again(monkeypatch: pytest.MonkeyPatch,
                                               own_postgres: tuple[str, list[str], list[str]]) -> None:
    url, stop, start = own_postgres
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    at = app(monkeypatch, url).run()
    assert not at.exception and not at.error
    subprocess.run(stop, check=True, capture_output=True, timeout=60)
    started = time.monotonic()
    at.run()
    waited = time.monotonic() - started
    print(f"stopped PostgreSQL reported in {waited:.1f} s")
    assert not at.exception
    assert _errors(at) == ["无法连接数据库，请稍后再试；如一直如此，请联系管理员检查数据库服务。"]
    assert "postgres@" not in _page_text(at)  # no server address or user name for the public
    assert waited < 10
    subprocess.run(start, check=True, capture_output=True, timeout=60)
    at.run()  # the same app, not restarted
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == [NOTHING_PUBLISHED]


# ---- the command line ------------------------------------------------------------------------------
def _init(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    from data_access.__main__ import main

    assert main(["--db", url, "init"]) == 0
    return capsys.readouterr().err


def test_init_says_what_it_did(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'perf.db'}"
    assert "已创建数据库结构" in _init(url, capsys)
    assert "已是最新" in _init(url, capsys)
    old = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(old, create=True)
    upgrade(engine, "0001")
    engine.dispose()
    said = _init(old, capsys)
    assert "已升级到最新" in said and "0001" in said


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_init_on_an_existing_empty_database(backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file made by hand, or a PostgreSQL database just created by the DBA: init builds the schema."""
    from tests.conftest import PG_URL, _pg_create, _pg_drop

    if backend == "sqlite":
        (tmp_path / "empty.db").touch()
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    elif not PG_URL:
        pytest.skip("TEST_POSTGRES_URL is not set (scripts/test.sh starts a PostgreSQL server)")
    else:
        url = _pg_create()
    try:
        assert "已创建数据库结构" in _init(url, capsys)
        assert "已是最新" in _init(url, capsys)
    finally:
        if backend == "postgresql":
            _pg_drop(url)


@pytest.mark.slow  # a process each
@pytest.mark.parametrize("command", [["kpis", "--year", "2022"], ["seed"], ["create-user", "--role", "admin", "x"]])
def test_other_commands_do_not_create_a_database(tmp_path: Path, command: list[str]) -> None:
    target = tmp_path / "data" / "nowhere.db"
    done = subprocess.run([sys.executable, "-m", "data_access", "--db", f"sqlite:///{target}", *command], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PERF_PASSWORD": "a-long-password"})
    assert done.returncode == 1
    assert "数据库尚未初始化" in done.stderr and "python -m data_access init" in done.stderr
    assert "Traceback" not in done.stderr
    assert not target.exists() and not target.parent.exists()


@pytest.mark.slow
def test_the_first_command_of_the_readme_still_works_on_a_fresh_machine(tmp_path: Path) -> None:
    """run.sh: `init` creates the embedded database, `seed` fills it (the folder data/ may not exist)."""
    target = tmp_path / "data" / "performance.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{target}"}
    for command in (["init"], ["seed"]):
        done = subprocess.run([sys.executable, "-m", "data_access", *command], cwd=ROOT, capture_output=True,
                              text=True, timeout=300, env=env)
        assert done.returncode == 0, done.stderr
    assert "演示账号" in done.stderr
