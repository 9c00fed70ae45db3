"""用户管理 (admin): accounts, roles, department scope; create, unlock, deactivate."""

import pandas as pd
import streamlit as st

from dashboard import actions, loaders
from dashboard.auth_ui import require_role
from dashboard.i18n import choice, t
from dashboard.ui import plain
from data_access.auth import AuthError
from data_access.enums import ROLES

admin = require_role("admin")
st.title(t("users.title"))
accounts, dept_label = loaders.accounts(*loaders.key())
st.dataframe(pd.DataFrame({
    t("auth.username"): [a.username for a in accounts], t("users.role"): [t(f"role.{a.role}") for a in accounts],
    t("users.scope"): [t("ui.list_sep").join(dept_label.get(i, str(i)) for i in sorted(a.department_ids))
                       if a.department_ids else t("users.all_departments") for a in accounts],
    t("users.active"): ["✓" if a.is_active else "✗" for a in accounts],
    t("users.locked_until"): [str(a.locked_until)[:16] if a.locked_until else "" for a in accounts],
}), hide_index=True, width="stretch")

with st.form("users_create", clear_on_submit=True):
    st.subheader(t("users.create"))
    c1, c2 = st.columns(2)
    username = c1.text_input(t("auth.username"), key="users_new_name")
    role = c2.selectbox(t("users.role"), ROLES, format_func=lambda r: t(f"role.{r}"), key=choice("users_new_role"))
    password = st.text_input(t("auth.password"), type="password", key="users_new_password")
    scope = st.multiselect(t("users.scope"), list(dept_label), format_func=dept_label.get, key="users_new_scope",
                           help=t("users.scope_help"))
    if st.form_submit_button(t("users.create"), type="primary"):
        try:
            actions.create_user(username, role, password, scope or None, actor=admin.username)
        except AuthError as exc:
            st.error(plain(exc))
        else:  # shown after the rerun that lists the new user (a message before st.rerun() never shows)
            st.session_state["users_notice"] = t("users.created", user=plain(username.strip()))
            st.rerun()
notice = st.session_state.pop("users_notice", None)
if notice:
    st.success(notice)

st.subheader(t("users.manage"))
names = [a.username for a in accounts if a.username != admin.username]
if names:
    who = st.selectbox(t("auth.username"), names, key="users_pick")
    c1, c2 = st.columns(2)
    unlock, toggle = c1.button(t("users.unlock"), key="users_unlock"), c2.button(t("users.toggle"), key="users_toggle")
    if unlock or toggle:
        try:
            if unlock:
                actions.unlock_user(who, actor=admin.username)
            else:
                actions.toggle_user(who, actor=admin.username)
        except AuthError as exc:
            st.error(plain(exc))
        else:
            st.rerun()

st.subheader(t("users.bureau"))
st.caption(t("users.bureau_help"))
bureaus = loaders.finance_bureaus(*loaders.key())
if bureaus:
    st.dataframe(pd.DataFrame({
        t("ui.region"): list(bureaus),
        t("users.bureau_department"): [dept_label.get(d, "").split(" · ", 1)[-1] if d else t("users.bureau_none")
                                       for d in bureaus.values()],
    }), hide_index=True, width="stretch")
    region = st.selectbox(t("ui.region"), list(bureaus), key="users_bureau_region")  # outside: the list follows it
    with st.form("users_bureau"):
        department = st.selectbox(t("users.bureau_department"), [i for i, label in dept_label.items()
                                                                 if label.startswith(f"{region} · ")],
                                  format_func=dept_label.get, key="users_bureau_department")
        if st.form_submit_button(t("users.bureau_set")) and department is not None:
            try:
                actions.set_finance_bureau(int(department), actor=admin.username)
            except AuthError as exc:
                st.error(plain(exc))
            else:
                st.rerun()
