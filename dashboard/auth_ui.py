"""The login gate: who is signed in, the login form, role checks and logout."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st
from sqlmodel import Session

from dashboard.i18n import t
from dashboard.resources import get_engine
from dashboard.ui import plain
from data_access.auth import (
    SESSION_MAX,
    authenticate,
    end_session,
    parse_scope,
    prepare_sign_in,
    resume_session,
    start_session,
)

SESSION_KEY = "auth_user"
COOKIE = "perf_session"
_COOKIE_PENDING = "auth_cookie_pending"
prepare_sign_in()  # an unknown name's check costs what a real one costs from the first sign-in on


@dataclass(frozen=True)
class AuthUser:
    username: str
    role: str
    department_ids: frozenset[int] | None  # None: every department


def _cookie_token() -> str | None:
    """The session token this browser sent with its connection, if any."""
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) and value else None  # AppTest has no real cookies


def current_user() -> AuthUser | None:
    """The signed-in user, or None.

    The browser's session (server side, behind a cookie token) is checked on every run, so a
    reload or a new tab stays signed in, and logout, idling out or deactivation end it everywhere.
    """
    state = st.session_state.get(SESSION_KEY)
    token = state["token"] if state else _cookie_token()
    if not token:
        return None
    with Session(get_engine()) as session:
        user = resume_session(session, token)
        signed_in = AuthUser(user.username, user.role, parse_scope(user.department_scope)) if user else None
    if signed_in is None:
        if state:  # it was alive a moment ago in this browser: say why the login form is back
            st.session_state["auth_notice"] = "auth.expired"
        st.session_state.pop(SESSION_KEY, None)
        return None
    st.session_state[SESSION_KEY] = {"username": signed_in.username, "token": token}
    return signed_in


def sync_cookie() -> str | None:
    """Write or clear the session cookie in the browser, on the run after a sign-in or a logout.

    Returns what it wrote (the token, or "" for a logout), None when nothing: a run that then moves
    to another page before it ends (the front door at /) loses the script and must `resend_cookie`.
    """
    pending = st.session_state.pop(_COOKIE_PENDING, None)
    if pending is None:
        return None
    value, max_age = (pending, int(SESSION_MAX.total_seconds())) if pending else ("", 0)
    st.sidebar.html(
        "<script>document.cookie = '" + COOKIE + "=" + value + "; path=/; max-age=" + str(max_age)
        + "; SameSite=Strict' + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,  # the token is ours (url-safe base64), nothing a user typed
    )
    return str(pending)


def resend_cookie(written: str | None) -> None:
    """Have the next run write the cookie again: this run's script will not reach the browser."""
    if written is not None:
        st.session_state[_COOKIE_PENDING] = written


def sign_in(username: str, password: str) -> str | None:
    """Check the password and start a session; returns an error text, or None on success."""
    with Session(get_engine()) as session:
        result = authenticate(session, username, password)
    if result.ok and result.user is not None:
        with Session(get_engine()) as session:
            token = start_session(session, result.user)
        st.session_state[SESSION_KEY] = {"username": result.user.username, "token": token}
        st.session_state[_COOKIE_PENDING] = token
        return None
    # authenticate says "locked" or "inactive" only after the right password; every wrong
    # password and every unknown name get the same words, so names and locks cannot be probed.
    if result.reason == "locked":
        until = result.locked_until.astimezone(dt.timezone(dt.timedelta(hours=8))) if result.locked_until else None
        return t("auth.locked", until=until.strftime("%H:%M") if until else "")
    if result.reason == "inactive":
        return t("auth.inactive")
    return t("auth.wrong")


def render_login() -> None:
    """The login form; on success the app reruns with the user's navigation."""
    st.header(t("auth.title"))  # under the app title (h1): an h2, so headings go down one level at a time
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
    st.sidebar.caption(t("auth.signed_in", user=plain(user.username), role=t(f"role.{user.role}")))
    if st.sidebar.button(t("auth.logout"), key="logout_button", icon=":material/logout:"):
        state = st.session_state.pop(SESSION_KEY, None)
        if state:
            with Session(get_engine()) as session:
                end_session(session, state["token"])
        st.session_state[_COOKIE_PENDING] = ""  # clear the browser's cookie on the next run
        st.rerun()
