"""Schema creation and upgrades through Alembic (`init`); no create_all outside tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from data_access.db import DatabaseNewer, DatabaseOutdated, DatabaseUninitialised, location

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@cache
def head_revisions() -> frozenset[str]:
    """The revisions this program's migrations end in (one, unless branches await a merge)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


@cache
def known_revisions() -> frozenset[str]:
    """Every revision of this program's migrations."""
    return frozenset(r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def current_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the database is at; empty for a database without the schema."""
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
    cfg = alembic_config()
    with engine.begin() as connection:
        before = frozenset(MigrationContext.configure(connection).get_current_heads())
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    return before
