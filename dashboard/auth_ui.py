"""The login gate: who is signed in, the login form, role checks and logout."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st
from sqlalchemy import select
from sqlmodel import Session

from dashboard.i18n import t
from dashboard.resources import get_engine
from data_access.auth import authenticate, parse_scope
from data_access.models import User

SESSION_KEY = "auth_user"
IDLE_TIMEOUT = dt.timedelta(hours=8)


@dataclass(frozen=True)
class AuthUser:
    username: str
    role: str
    department_ids: frozenset[int] | None  # None: every department


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def current_user() -> AuthUser | None:
    """The signed-in user, or None; idle sessions expire and deactivated users are signed out."""
    state = st.session_state.get(SESSION_KEY)
    if not state:
        return None
    if _now() - state["last_seen"] > IDLE_TIMEOUT:
        st.session_state.pop(SESSION_KEY, None)
        st.session_state["auth_notice"] = "auth.expired"
        return None
    with Session(get_engine()) as session:
        user = session.execute(select(User).where(User.username == state["username"])).scalar_one_or_none()
    if user is None or not user.is_active:
        st.session_state.pop(SESSION_KEY, None)
        return None
    state["last_seen"] = _now()
    return AuthUser(user.username, user.role, parse_scope(user.department_scope))


def sign_in(username: str, password: str) -> str | None:
    """Check the password and start a session; returns an error text, or None on success."""
    with Session(get_engine()) as session:
        result = authenticate(session, username, password)
    if result.ok and result.user is not None:
        st.session_state[SESSION_KEY] = {"username": result.user.username, "last_seen": _now()}
        return None
    if result.reason == "locked":
        until = result.locked_until.astimezone(dt.timezone(dt.timedelta(hours=8))) if result.locked_until else None
        return t("auth.locked", until=until.strftime("%H:%M") if until else "")
    if result.reason == "inactive":
        return t("auth.inactive")
    return t("auth.wrong")  # the same words for an unknown user, so names cannot be probed


def render_login() -> None:
    """The login form; on success the app reruns with the user's navigation."""
    st.subheader(t("auth.title"))
    notice = st.session_state.pop("auth_notice", None)
    if notice:
        st.info(t(notice))
    with st.form("login_form", clear_on_submit=False):
        username = st.text_input(t("auth.username"), key="login_username")
        password = st.text_input(t("auth.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("auth.submit"), type="primary")
    if submitted:
        error = sign_in(username, password)
        if error:
            st.error(error)
        else:
            st.rerun()
    st.caption(t("auth.public_hint"))


def require_role(*roles: str) -> AuthUser:
    """The signed-in user if their role is among roles; otherwise the login form or a refusal, and stop."""
    user = current_user()
    if user is None:
        render_login()
        st.stop()
    if roles and user.role not in roles:
        st.error(t("auth.forbidden"))
        st.stop()
    return user  # type: ignore[return-value]


def logout_button() -> None:
    """Sidebar: who is signed in, and a logout button."""
    user = current_user()
    if user is None:
        return
    st.sidebar.caption(t("auth.signed_in", user=user.username, role=t(f"role.{user.role}")))
    if st.sidebar.button(t("auth.logout"), key="logout_button", icon=":material/logout:"):
        st.session_state.pop(SESSION_KEY, None)
        st.rerun()
