"""Schema creation and upgrades through Alembic (`init`); no create_all outside tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from data_access.db import DatabaseNewer, DatabaseOutdated, DatabaseUninitialised, location

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# The newest revision of migrations/versions: a database stamped with it needs no upgrade, which `upgrade`
# then sees without loading Alembic (about half a second of every command's start). A new migration moves it;
# tests/test_migrations.py checks it against Alembic's own reading of the migrations.
HEAD = frozenset({"0009"})


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@cache
def head_revisions() -> frozenset[str]:
    """The revisions this program's migrations end in (one, unless branches await a merge)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


@cache
def known_revisions() -> frozenset[str]:
    """Every revision of this program's migrations."""
    from alembic.script import ScriptDirectory

    return frozenset(r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def current_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the database is at; empty for a database without the schema."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())


def check_schema(engine: Engine) -> None:
    """Raise DatabaseUninitialised, DatabaseOutdated or DatabaseNewer unless the schema is this program's."""
    current = current_revisions(engine)
    if not current:
        raise DatabaseUninitialised(location(engine.url))
    if current - known_revisions():  # a later version of the program upgraded it (docs/deployment.md, Upgrades)
        raise DatabaseNewer(location(engine.url), "、".join(sorted(current)), "、".join(sorted(head_revisions())))
    if current != head_revisions():
        raise DatabaseOutdated(location(engine.url), "、".join(sorted(current)), "、".join(sorted(head_revisions())))


def upgrade(engine: Engine, revision: str = "head") -> frozenset[str]:
    """Create or upgrade the schema on this engine's database; returns the revisions it was at."""
    if revision == "head" and stamped(engine) == HEAD:
        return HEAD
    from alembic import command
    from alembic.migration import MigrationContext

    cfg = alembic_config()
    with engine.begin() as connection:
        before = frozenset(MigrationContext.configure(connection).get_current_heads())
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    return before


def stamped(engine: Engine) -> frozenset[str] | None:
    """The revisions alembic_version records, read in plain SQL; None when it cannot be read (no schema yet, or
    a fault that Alembic's own reading will then report)."""
    try:
        with engine.connect() as connection:
            return frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except SQLAlchemyError:
        return None
