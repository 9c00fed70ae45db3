"""The one database_url(), the cached engine and the data version that cached loaders key on."""

from __future__ import annotations

import os

import streamlit as st
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from data_access.db import default_url, make_engine
from data_access.models import AuditLog, UploadBatch


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
def _engine(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    """The engine for this app's database, one per URL for the whole server."""
    return _engine(database_url())


def data_version() -> tuple[int, int]:
    """Changes whenever data changes: the newest upload batch and audit entry.

    Every import writes a batch and every publish/status change an audit entry, so cached
    loaders keyed on this refresh at once without a timer.
    """
    with Session(get_engine()) as session:
        batch = session.execute(select(func.max(UploadBatch.id))).scalar() or 0
        audit = session.execute(select(func.max(AuditLog.id))).scalar() or 0
    return int(batch), int(audit)


def bump_data_version() -> None:
    """After a write: drop cached figures so every page shows the new data."""
    st.cache_data.clear()
