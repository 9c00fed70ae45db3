"""Shared fixtures: temporary SQLite files and throwaway PostgreSQL databases, empty or seeded.

Each test gets its own database. The schema (and the sample data) is built once per session
into a template — a file for SQLite, a TEMPLATE database for PostgreSQL — and copied per test.
PostgreSQL runs where TEST_POSTGRES_URL is set (scripts/test.sh always starts one).
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from streamlit import config as streamlit_config
from streamlit.components.v2 import manifest_scanner
from streamlit.runtime.scriptrunner.script_cache import ScriptCache

from data_access.db import make_engine
from data_access.migrate import upgrade
from data_access.seed import seed_sample

PG_URL = os.environ.get("TEST_POSTGRES_URL")
os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")

# Each new AppTest scans every installed distribution's metadata for Streamlit components (about 470 in
# the test venv, 0.5-2 s a time); a server scans once when it starts. Scan once per test process: the
# installed packages do not change during a run.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)

# AppTest gives each run a new ScriptCache, so every run read, rewrote ("magic") and compiled the
# entrypoint and the page again (a tenth of a page test's CPU); a server compiles each script once. Share
# the compiled code within the test process, keyed on the script's path and exact text (and the magic
# setting), so an edited script is compiled afresh.
_BYTECODE: dict[tuple[str, bool, bytes], object] = {}
_compile_script = ScriptCache.get_bytecode


def _shared_bytecode(self: ScriptCache, script_path: str) -> object:
    path = os.path.abspath(script_path)
    with open(path, "rb") as f:
        key = (path, bool(streamlit_config.get_option("runner.magicEnabled")), f.read())
    if key not in _BYTECODE:
        _BYTECODE[key] = _compile_script(self, script_path)
    return _BYTECODE[key]


ScriptCache.get_bytecode = _shared_bytecode  # type: ignore[method-assign]


def _checkpointed_copy(template: Path, target: Path) -> None:
    shutil.copy(template, target)


def _sqlite_template(tmp_path_factory: pytest.TempPathFactory, name: str, seeded: bool) -> Path:
    path = tmp_path_factory.mktemp(name) / f"{name}.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    if seeded:
        seed_sample(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sqlite_template(tmp_path_factory, "empty", seeded=False)


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sqlite_template(tmp_path_factory, "seeded", seeded=True)


@pytest.fixture
def db_url(_empty_template: Path, tmp_path: Path) -> str:
    """A temporary SQLite file with the schema migrated, no data."""
    target = tmp_path / "test.db"
    _checkpointed_copy(_empty_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def seeded_url(_seeded_template: Path, tmp_path: Path) -> str:
    """A temporary SQLite file holding the sample data of both seed districts."""
    target = tmp_path / "seeded.db"
    _checkpointed_copy(_seeded_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as s:
        yield s


# ---- PostgreSQL ----------------------------------------------------------------------------
def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    assert PG_URL
    return psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _pg_create(template: str | None = None) -> str:
    """A new database, a copy of template if given. From PostgreSQL 15 on, CREATE DATABASE copies block by block
    through the WAL unless told to copy the files (STRATEGY FILE_COPY): twice the server's CPU for a copy of the
    seeded template, spent once per PostgreSQL test, and not counted by TEST_CPU_REPORT (the server is no child
    of the test process)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        sql = f'CREATE DATABASE "{name}"'
        if template:
            sql += f' TEMPLATE "{template}"' + (" STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else "")
        conn.execute(sql)
    return f"{PG_URL.rsplit('/', 1)[0]}/{name}"  # type: ignore[union-attr]


def _pg_drop(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_template(seeded: bool) -> Iterator[str]:
    url = _pg_create()
    engine = make_engine(url)
    upgrade(engine)
    if seeded:
        seed_sample(engine)
    engine.dispose()
    yield url.rsplit("/", 1)[1]
    _pg_drop(url)


def pg_seeded_copy(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL database holding the sample data (skips without TEST_POSTGRES_URL), dropped afterwards."""
    if not PG_URL:
        pytest.skip("TEST_POSTGRES_URL is not set (scripts/test.sh starts a PostgreSQL server)")
    url = _pg_create(request.getfixturevalue("_pg_seeded_template"))
    yield url
    _pg_drop(url)


@pytest.fixture(scope="session")
def _pg_empty_template() -> Iterator[str]:
    yield from _pg_template(seeded=False)


@pytest.fixture(scope="session")
def _pg_seeded_template() -> Iterator[str]:
    yield from _pg_template(seeded=True)


def _backend_url(request: pytest.FixtureRequest, sqlite_fixture: str, pg_template_fixture: str) -> Iterator[str]:
    if request.param == "sqlite":
        yield request.getfixturevalue(sqlite_fixture)
        return
    if not PG_URL:
        pytest.skip("TEST_POSTGRES_URL is not set (scripts/test.sh starts a PostgreSQL server)")
    url = _pg_create(request.getfixturevalue(pg_template_fixture))
    yield url
    _pg_drop(url)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The PostgreSQL variant of a test on both backends is `slow`: the quick loop (`-m "not slow"`)
    runs each such test on SQLite only, the whole suite on both.

    The suite runs with `--dist loadgroup` (scripts/test.sh): tests are shared between the workers one
    by one, except that the tests of a module using a module-scoped fixture (its own app server, a
    database imported once) stay together on one worker, which builds that fixture once."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec and any(callspec.params.get(f) == "postgresql"
                            for f in ("any_db_url", "any_seeded_url", "backend")):
            item.add_marker(pytest.mark.slow)
        info = getattr(item, "_fixtureinfo", None)
        if info and any(d.scope == "module" for defs in info.name2fixturedefs.values() for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty migrated database on each backend in turn."""
    yield from _backend_url(request, "db_url", "_pg_empty_template")


@pytest.fixture(params=["sqlite", "postgresql"])
def any_seeded_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database holding the sample data, on each backend in turn."""
    yield from _backend_url(request, "seeded_url", "_pg_seeded_template")


@pytest.fixture
def remembered_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 hashes and checks remembered for the test (`tests.apptest.remember_passwords`): for page tests
    that create their users before opening the app."""
    from tests.apptest import remember_passwords

    remember_passwords(monkeypatch)


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> Iterator[None]:
    """Cached loaders must not leak between tests (each test has its own database)."""
    yield
    import sys

    if "streamlit" in sys.modules:
        import streamlit as st

        st.cache_data.clear()
        st.cache_resource.clear()


CPU_REPORT = os.environ.get("TEST_CPU_REPORT")  # a file: each test's CPU seconds are appended there
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _live_descendants_cpu() -> float:
    """CPU seconds so far of every live process below this one (its own and its reaped children's), read from
    /proc: a browser test's app server and chromium run on while the test's process waits on a socket, and
    what they spend is not in this process's rusage until they are reaped, at the session's end if ever
    (chromium's renderers are reaped by chromium, whose own children are not all waited for). 0 without /proc."""
    procs: dict[int, tuple[int, float]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0.0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, ...
        except OSError:  # gone meanwhile
            continue
        # utime, stime, cutime, cstime are fields 14-17 of proc(5); fields[0] is field 3
        procs[int(entry)] = (int(fields[1]), sum(int(x) for x in fields[11:15]) / _TICKS)
    me, total = os.getpid(), 0.0
    below: dict[int, bool] = {me: True}

    def is_below(pid: int) -> bool:
        chain = []
        while pid not in below:
            chain.append(pid)
            parent = procs.get(pid, (0, 0.0))[0]
            if parent <= 1 or parent not in procs:
                below.update(dict.fromkeys(chain, False))
                return False
            pid = parent
        below.update(dict.fromkeys(chain, below[pid]))
        return below[pid]

    for pid, (_ppid, cpu) in procs.items():
        if pid != me and is_below(pid):
            total += cpu
    return total


CPU_UNREAPED = [0.0]  # CPU that left the process tree unreaped (`close_counted`), added back to the test


def close_counted(close: Callable[[], object]) -> None:
    """close() a child that takes some of its descendants' CPU away unreaped (chromium: its processes' CPU is
    gone from /proc once it closes, and never reaches this process's rusage), keeping that CPU in the report."""
    if not CPU_REPORT:
        close()
        return
    before = _cpu_so_far()
    close()
    CPU_UNREAPED[0] += max(before - _cpu_so_far(), 0.0)


def _cpu_so_far() -> float:
    """This process's CPU, its reaped children's and its live descendants' (`_live_descendants_cpu`)."""
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage) + _live_descendants_cpu() + CPU_UNREAPED[0]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """With TEST_CPU_REPORT set, append each test's CPU seconds (setup, call and teardown) to that file: this
    process's, and its child processes' (reaped or still running: a browser test's app server and chromium
    count to the test they worked for), where the suite's time goes, read even while other work loads the
    machine, which wall-clock durations are not. A session-scoped fixture's setup counts to the first test
    using it. Processes reparented away from this one (a descendant whose parent exited without waiting)
    take their CPU with them, so a test that stops a server may read a little low."""
    if not CPU_REPORT:
        return (yield)
    before = _cpu_so_far()
    try:
        return (yield)
    finally:
        cpu = _cpu_so_far() - before
        with open(CPU_REPORT, "a", encoding="utf-8") as out:
            out.write(f"{cpu:.3f}\t{item.nodeid}\n")
