"""One place where a fault of the database becomes a plain message instead of a stack trace.

The entrypoint runs the login gate and the page inside `database_guard()`: a missing, busy,
read-only, unreachable, deleted or swapped database shows what happened and what to do, and
the next run tries again (nothing broken is cached), so the app recovers once the fault is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard.i18n import t
from dashboard.resources import database_url, forget_connections
from data_access.db import DatabaseFault, DatabaseOutdated, classify, location

log = logging.getLogger(__name__)

# Faults found before any page ran: the whole page is about them.
_SETUP = {"uninitialised", "outdated", "newer", "deleted", "replaced", "corrupt"}
# Faults an administrator mends at the server: the page points to the server log, which names the
# database's location (a path or server address is nothing to show an anonymous visitor). The
# others (busy, unreachable) pass by themselves.
_SHOW_LOCATION = _SETUP | {"readonly", "full"}


@contextmanager
def database_guard() -> Iterator[None]:
    """Turn a database fault raised inside the block into a message, then stop the run."""
    try:
        yield
    except (DatabaseFault, SQLAlchemyError) as exc:
        fault = classify(exc, location(database_url()))
        if fault is None:
            raise  # an error of the query itself: a bug, shown as one
        log.warning("database fault (%s) at %s: %s", fault.code, fault.location, fault.detail or fault.text)
        if fault.code in ("deleted", "replaced"):
            forget_connections()
        show_fault(fault)
        st.stop()


def show_fault(fault: DatabaseFault) -> None:
    """What happened and what to do, in the reader's language."""
    extra = {"current": fault.current, "head": fault.head} if isinstance(fault, DatabaseOutdated) else {}
    if fault.code in _SETUP:
        st.title(t("app.title"))
    st.error(t(f"fault.{fault.code}", **extra), icon=":material/database:")
    if fault.code in _SHOW_LOCATION:
        st.caption(t("fault.location"))
    if fault.code in ("busy", "unavailable"):
        st.button(t("fault.retry"), key="fault_retry", icon=":material/refresh:")
