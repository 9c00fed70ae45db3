"""The one engine factory: --db URL, else DATABASE_URL, else the embedded SQLite file.

Only `init` creates a database (`create=True`); every other engine opens an existing SQLite
file only, and refuses it once it was deleted or replaced under the running process. Faults of
the database itself (busy, read-only, unreachable, missing) are turned into the small named
exceptions below, so the app and the command line can say in plain words what happened.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = ROOT / "data" / "performance.db"

# How long a statement waits for another connection's lock (SQLite busy_timeout, PostgreSQL
# lock_timeout) and PostgreSQL for a connection. The app waits briefly and says "busy" rather
# than hang; the command line and uploads wait for someone else's import to finish.
APP_WAIT_SECONDS = 3.0
WRITE_WAIT_SECONDS = 30.0

log = logging.getLogger(__name__)


def default_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def resolve_url(url: str | None = None) -> str:
    """The database URL in the contract's order: explicit, DATABASE_URL, embedded SQLite."""
    return url or os.environ.get("DATABASE_URL") or default_url()


# ---- faults ------------------------------------------------------------------------------------------
class DatabaseFault(Exception):
    """The database itself cannot serve right now (not a bug in a query); `code` names the kind."""

    code = "fault"
    text = "数据库出错"

    def __init__(self, location: str, detail: str = "") -> None:
        self.location, self.detail = location, detail
        super().__init__(f"{self.text}（数据库：{location}）" + (f"；{detail}" if detail else ""))


class DatabaseUninitialised(DatabaseFault):
    """No database file at the path, or a database without the schema."""

    code = "uninitialised"
    text = "数据库尚未初始化：请运行 python -m data_access init（示例数据：python -m data_access seed）"


class DatabaseOutdated(DatabaseFault):
    """The schema is at another revision than this program's migrations."""

    code = "outdated"
    text = "数据库结构需要升级：请运行 python -m data_access init"

    def __init__(self, location: str, current: str, head: str) -> None:
        self.current, self.head = current, head
        super().__init__(location, f"数据库为 {current}，程序需要 {head}")


class DatabaseNewer(DatabaseOutdated):
    """The schema is at a revision this program does not know: a newer version's `init` ran."""

    code = "newer"
    text = "数据库结构已由新版本程序升级，本程序版本较旧：请用新版本重启应用"


class DatabaseDeleted(DatabaseFault):
    """The SQLite file this process opened is gone."""

    code = "deleted"
    text = "数据库文件在运行期间被删除"


class DatabaseReplaced(DatabaseFault):
    """Another file now sits at the path of the SQLite file this process opened."""

    code = "replaced"
    text = "数据库文件在运行期间被替换"


class DatabaseBusy(DatabaseFault):
    """Another connection held a lock longer than this one would wait."""

    code = "busy"
    text = "数据库正忙，请稍后再试"


class DatabaseReadOnly(DatabaseFault):
    """A write was refused: the file, its folder or the server is read-only."""

    code = "readonly"
    text = "数据库为只读，无法保存"


class DatabaseFull(DatabaseFault):
    code = "full"
    text = "数据库所在磁盘已满，无法保存"


class DatabaseCorrupt(DatabaseFault):
    code = "corrupt"
    text = "数据库文件已损坏或不是数据库文件"


class DatabaseUnavailable(DatabaseFault):
    """No connection: the server is down or unreachable, or the file cannot be opened."""

    code = "unavailable"
    text = "无法连接数据库"


# SQLite primary result codes (https://sqlite.org/rescode.html) and PostgreSQL SQLSTATEs.
_SQLITE_CODES: dict[int, type[DatabaseFault]] = {
    5: DatabaseBusy, 6: DatabaseBusy, 8: DatabaseReadOnly, 10: DatabaseUnavailable, 11: DatabaseCorrupt,
    13: DatabaseFull, 14: DatabaseUnavailable, 26: DatabaseCorrupt,
}
_SQLITE_WORDS: list[tuple[str, type[DatabaseFault]]] = [
    ("is locked", DatabaseBusy), ("readonly database", DatabaseReadOnly), ("unable to open", DatabaseUnavailable),
    ("disk i/o error", DatabaseUnavailable), ("disk is full", DatabaseFull), ("malformed", DatabaseCorrupt),
    ("not a database", DatabaseCorrupt), ("no such table", DatabaseUninitialised),
]
_PG_STATES: dict[str, type[DatabaseFault]] = {
    "55P03": DatabaseBusy, "57014": DatabaseBusy, "40P01": DatabaseBusy, "25006": DatabaseReadOnly,
    "53100": DatabaseFull, "42P01": DatabaseUninitialised, "57P01": DatabaseUnavailable,
    "57P02": DatabaseUnavailable, "57P03": DatabaseUnavailable, "3D000": DatabaseUnavailable,
}


def classify(exc: BaseException, location: str) -> DatabaseFault | None:
    """The fault behind a database error, or None for an error of the query itself (a bug)."""
    if isinstance(exc, DatabaseFault):
        return exc
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    kind: type[DatabaseFault] | None = None
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        kind = _SQLITE_CODES.get(code & 0xFF) if isinstance(code, int) else None
        if kind is None:
            text = str(orig).lower()
            kind = next((k for words, k in _SQLITE_WORDS if words in text), None)
    else:
        state = getattr(orig, "sqlstate", None)
        if state:
            kind = _PG_STATES.get(state) or (DatabaseUnavailable if state.startswith(("08", "28")) else None)
        elif exc.connection_invalidated or isinstance(exc, OperationalError):
            kind = DatabaseUnavailable  # no SQLSTATE: no connection could be made, or it was lost
    return kind(location, str(orig).strip().splitlines()[0] if str(orig).strip() else "") if kind else None


def location(url: str | URL) -> str:
    """Where the database is, for messages: the SQLite file's path, else the URL without its password."""
    parsed = make_url(url) if isinstance(url, str) else url
    path = _sqlite_file(parsed)
    return str(path) if path else parsed.render_as_string(hide_password=True)


# ---- the engine ----------------------------------------------------------------------------------------
def normalise_url(url: str) -> URL:
    """The URL with PostgreSQL pinned to psycopg 3.

    A plain `postgresql://` (or Heroku-style `postgres://`) URL would make SQLAlchemy pick
    psycopg2, which is not installed; the project runs on psycopg 3 only.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_file(parsed: URL) -> Path | None:
    """The file of a SQLite URL; None in memory and for `file:` URIs, which say their own mode."""
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        return None
    return Path(os.path.abspath(path))


def make_engine(url: str | None = None, *, create: bool = False, wait_seconds: float = WRITE_WAIT_SECONDS) -> Engine:
    """An engine on the database; SQLite gets foreign keys, WAL and a busy timeout.

    A SQLite file must exist unless `create` (only `init` creates one); raises
    DatabaseUninitialised otherwise. `wait_seconds` bounds every wait for another connection's lock.
    """
    parsed = normalise_url(resolve_url(url))
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_file(parsed)
        if path is not None:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.is_file():
                raise DatabaseUninitialised(str(path))
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": wait_seconds})
        event.listen(engine, "connect", _sqlite_pragmas(wait_seconds))
        if path is not None:
            _FileGuard(path, create).watch(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = parsed.query.get("connect_timeout") or max(2, round(wait_seconds))
        options = parsed.query.get("options")
        # jit=off: the carry-forward's correlated lookups look costly to the planner, which then spent
        # more time compiling them (166 ms of 1 s for 8,000 projects) than the lookups take.
        # work_mem=64MB: 执行监控 sorts a district's projects (100,000 of them, about 27 MB) in memory; at the
        # default 4 MB each sort spilled to disk (external merge), about 0.5 s more per first run.
        connect_args["options"] = " ".join(filter(None, [options if isinstance(options, str) else None,
                                                         f"-c lock_timeout={round(wait_seconds * 1000)}",
                                                         "-c jit=off", "-c work_mem=64MB"]))
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_pragmas(wait_seconds: float):  # type: ignore[no-untyped-def]
    def pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={round(wait_seconds * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return pragmas


class _FileGuard:
    """Opens the SQLite file only if it exists, and only the file first opened.

    SQLite keeps reading and writing a deleted file through open connections, and a new
    connection to a missing path creates an empty database: both would lose a bureau's data
    without a word. So each connection is opened with `mode=rw` (never creates), and each
    checkout compares the file's identity (device, inode) with the one seen first.
    """

    def __init__(self, path: Path, create: bool) -> None:
        self.path, self.create = path, create
        self.identity: tuple[int, int] | None = None
        self.check()

    def check(self) -> None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            if self.identity is None:
                if self.create:
                    return
                raise DatabaseUninitialised(str(self.path)) from None
            raise DatabaseDeleted(str(self.path)) from None
        identity = (stat.st_dev, stat.st_ino)
        if self.identity is None:
            self.identity = identity
        elif identity != self.identity:
            log.error("database file %s was replaced while in use; refusing it until restart", self.path)
            raise DatabaseReplaced(str(self.path))

    def watch(self, engine: Engine) -> None:
        @event.listens_for(engine, "do_connect")
        def _open_existing(_dialect, _record, cargs, cparams) -> None:  # type: ignore[no-untyped-def]
            self.check()
            if not self.create:
                cargs[0] = f"file:{quote(str(self.path))}?mode=rw"
                cparams["uri"] = True

        @event.listens_for(engine, "checkout")
        def _same_file(_dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
            self.check()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that rolls back on error; callers commit explicitly."""
    with Session(engine) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


# Every session that commits a change of data moves the data version on (the listeners register on import).
from data_access import version as _version  # noqa: E402,F401
