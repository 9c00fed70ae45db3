"""Entrypoint: page config, language switch, login gate and navigation — nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # Streamlit puts only this folder on sys.path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.auth_ui import current_user, logout_button, render_login, resend_cookie, sync_cookie  # noqa: E402
from dashboard.faults import database_guard  # noqa: E402
from dashboard.i18n import language_switch, t  # noqa: E402
from dashboard.resources import check_database  # noqa: E402

PUBLIC = None
COOKIE_WRITTEN: str | None = None  # what this run's sync_cookie() wrote (a sign-in's token, "" for a logout)
STAFF = ("admin", "finance", "leader")
EDITORS = ("admin", "finance")
ADMIN = ("admin",)

# (page file, navigation section, roles allowed (None = everyone), title key, icon)
PAGES: list[tuple[str, str, tuple[str, ...] | None, str, str]] = [
    ("pages/portal_home.py", "nav.public", PUBLIC, "portal.home.title", ":material/account_balance:"),
    ("pages/portal_evaluations.py", "nav.public", PUBLIC, "portal.evaluations.title", ":material/fact_check:"),
    ("pages/portal_findings.py", "nav.public", PUBLIC, "portal.findings.title", ":material/task_alt:"),
    ("pages/portal_exante.py", "nav.public", PUBLIC, "portal.exante.title", ":material/gavel:"),
    ("pages/portal_execution.py", "nav.public", PUBLIC, "portal.execution.title", ":material/speed:"),
    ("pages/portal_changes.py", "nav.public", PUBLIC, "portal.changes.title", ":material/update:"),
    ("pages/portal_department.py", "nav.public", PUBLIC, "portal.department.title", ":material/domain:"),
    ("pages/portal_project.py", "nav.public", PUBLIC, "portal.project.title", ":material/folder_open:"),
    ("pages/portal_search.py", "nav.public", PUBLIC, "portal.search.title", ":material/search:"),
    ("pages/overview.py", "nav.internal", STAFF, "overview.title", ":material/dashboard:"),
    ("pages/execution.py", "nav.internal", STAFF, "execution.title", ":material/monitoring:"),
    ("pages/evaluation.py", "nav.internal", STAFF, "evaluation.title", ":material/grading:"),
    ("pages/rectification.py", "nav.internal", STAFF, "rectification.title", ":material/build_circle:"),
    ("pages/exante.py", "nav.internal", STAFF, "exante.title", ":material/price_check:"),
    ("pages/indicators.py", "nav.internal", STAFF, "indicators.title", ":material/list_alt:"),
    ("pages/report.py", "nav.internal", STAFF, "report.title", ":material/description:"),
    ("pages/upload.py", "nav.data", EDITORS, "upload.title", ":material/upload_file:"),
    ("pages/entry.py", "nav.data", EDITORS, "entry.title", ":material/edit_note:"),
    ("pages/upload_history.py", "nav.data", EDITORS, "history.title", ":material/history:"),
    ("pages/submissions.py", "nav.data", EDITORS, "submissions.title", ":material/calendar_month:"),
    ("pages/publishing.py", "nav.data", EDITORS, "publishing.title", ":material/publish:"),
    ("pages/users.py", "nav.admin", ADMIN, "users.title", ":material/manage_accounts:"),
    ("pages/audit.py", "nav.admin", ("admin", "leader"), "audit.title", ":material/policy:"),
]


def _login_page(path: str):  # type: ignore[no-untyped-def]
    """A stand-in for an internal page opened without the right: the login form, no data."""

    def login() -> None:
        st.title(t("app.title"))
        if current_user() is None:
            render_login()
        else:
            st.error(t("auth.forbidden"))

    login.__name__ = f"login_{Path(path).stem}"
    return login


def _front_door(target):  # type: ignore[no-untyped-def]
    """The page at / only opens the role's first page at that page's own URL, keeping the query.

    A page marked default is served at / and nowhere else, so its own URL (/portal_home, /overview)
    would be unknown and a link to it would meet Streamlit's "Page not found"; this stand-in is the
    default instead, and every real page keeps its URL.
    """

    def front_door() -> None:
        resend_cookie(COOKIE_WRITTEN)  # a page switch drops what this run drew, the cookie's script too
        st.switch_page(target, query_params=st.query_params.to_dict())

    return front_door


def build_navigation(role: str | None) -> dict[str, list]:  # type: ignore[type-arg]
    """Sections of pages this role may open; every other internal URL shows the login form."""
    sections: dict[str, list] = {}  # type: ignore[type-arg]
    first = None  # the role's start: the portal for the public, the cockpit for staff
    for path, section, roles, title_key, icon in PAGES:
        if not (ROOT / path).exists():
            continue
        url_path = Path(path).stem
        if roles is None or (role is not None and role in roles):
            page = st.Page(str(ROOT / path), title=t(title_key), icon=icon, url_path=url_path)
            if first is None and (roles is None if role is None else roles is not None):
                first = page
            sections.setdefault(t(section), []).append(page)
        else:
            hidden = st.Page(_login_page(path), title=t("page.login"), url_path=url_path, visibility="hidden")
            sections.setdefault(t("nav.account"), []).append(hidden)
    if role is None:
        login = st.Page(_login_page("login"), title=t("page.login"), icon=":material/login:", url_path="login")
        sections.setdefault(t("nav.account"), []).insert(0, login)
    if first is not None:
        door = st.Page(_front_door(first), title=first.title, url_path="start", default=True, visibility="hidden")
        sections.setdefault(t("nav.account"), []).append(door)
    return sections


st.set_page_config(page_title=t("app.title"), page_icon=":material/account_balance:", layout="wide")
language_switch()
with database_guard():  # a missing, busy or unreachable database: a plain message, not a stack trace
    check_database()
    user = current_user()
    navigation = st.navigation(build_navigation(user.role if user else None), expanded=True)
    st.session_state["current_page"] = navigation.url_path  # portal selects tell a new page from a rerun
    logout_button()
    COOKIE_WRITTEN = sync_cookie()
    navigation.run()
