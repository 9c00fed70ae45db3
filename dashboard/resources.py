"""The one database_url(), the cached engine and the data version that cached loaders key on."""

from __future__ import annotations

import os

import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from data_access import version
from data_access.db import APP_WAIT_SECONDS, WRITE_WAIT_SECONDS, default_url, make_engine
from data_access.migrate import check_schema


def database_url() -> str:
    """DATABASE_URL, then .streamlit/secrets.toml `database_url`, then the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    try:
        from streamlit.errors import StreamlitSecretNotFoundError
    except ImportError:  # pragma: no cover - older Streamlit
        StreamlitSecretNotFoundError = FileNotFoundError  # type: ignore[misc,assignment]  # noqa: N806
    try:
        secret = st.secrets.get("database_url")
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        secret = None
    return str(secret) if secret else default_url()


@st.cache_resource(show_spinner=False)
def _engines(url: str) -> dict[float, Engine]:
    """This URL's engines by how long they wait for a lock, made on first use."""
    return {}


def _engine(wait_seconds: float) -> Engine:
    engines = _engines(database_url())
    if wait_seconds not in engines:
        # A missing SQLite file raises here and nothing is kept: once `init` has run, the next
        # run opens it. An engine once made is kept: it remembers which file it opened, so a
        # file deleted or swapped later is refused until the app is restarted.
        engines.setdefault(wait_seconds, make_engine(database_url(), wait_seconds=wait_seconds))
    return engines[wait_seconds]


def get_engine() -> Engine:
    """The engine for this app's database, one per URL for the whole server.

    It waits only a few seconds for another connection's lock, then the page says the
    database is busy (dashboard/faults.py) instead of hanging.
    """
    return _engine(APP_WAIT_SECONDS)


def get_import_engine() -> Engine:
    """The engine for uploads: an import waits as long as the command line for another one to finish."""
    return _engine(WRITE_WAIT_SECONDS)


def check_database() -> None:
    """Raise a DatabaseFault unless the database is there, is the file first opened and has this schema."""
    check_schema(get_engine())


def forget_connections() -> None:
    """Close the pooled connections (after the file was deleted or replaced they point at the old one)."""
    for engine in _engines(database_url()).values():
        engine.dispose()


def data_version() -> int:
    """Changes whenever data changes, from whichever app process or command it was committed.

    Every import, publish and status change moves the counter on as it commits
    (data_access/version.py), so cached loaders keyed on it refresh at once without a timer.
    """
    with Session(get_engine()) as session:
        return version.data_version(session)


def bump_data_version() -> None:
    """After a write: drop cached figures so every page shows the new data."""
    st.cache_data.clear()
