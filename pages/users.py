"""用户管理 (admin): accounts, roles, department scope; create, unlock, deactivate."""

import pandas as pd
import streamlit as st
from sqlalchemy import select
from sqlmodel import Session

from dashboard.auth_ui import require_role
from dashboard.i18n import t
from dashboard.resources import get_engine
from dashboard.ui import plain
from data_access.audit import record
from data_access.auth import AuthError, create_user
from data_access.enums import ROLES
from data_access.models import Department, Region, User

admin = require_role("admin")
st.title(t("users.title"))
with Session(get_engine()) as session:
    users = session.execute(select(User).order_by(User.username)).scalars().all()
    depts = session.execute(select(Department.id, Region.name, Department.name).join(Region)
                            .order_by(Region.name, Department.name)).all()
dept_label = {i: f"{r} · {n}" for i, r, n in depts}
st.dataframe(pd.DataFrame({
    t("auth.username"): [u.username for u in users], t("users.role"): [t(f"role.{u.role}") for u in users],
    t("users.scope"): ["、".join(dept_label.get(int(i), i) for i in u.department_scope.split(",")) if u.department_scope
                       else t("users.all_departments") for u in users],
    t("users.active"): ["✓" if u.is_active else "✗" for u in users],
    t("users.locked_until"): [str(u.locked_until)[:16] if u.locked_until else "" for u in users],
}), hide_index=True, width="stretch")

with st.form("users_create", clear_on_submit=True):
    st.subheader(t("users.create"))
    c1, c2 = st.columns(2)
    username = c1.text_input(t("auth.username"), key="users_new_name")
    role = c2.selectbox(t("users.role"), ROLES, format_func=lambda r: t(f"role.{r}"), key="users_new_role")
    password = st.text_input(t("auth.password"), type="password", key="users_new_password")
    scope = st.multiselect(t("users.scope"), list(dept_label), format_func=dept_label.get, key="users_new_scope",
                           help=t("users.scope_help"))
    if st.form_submit_button(t("users.create"), type="primary"):
        try:
            with Session(get_engine()) as session:
                create_user(session, username, role, password, scope or None, actor=admin.username)
        except AuthError as exc:
            st.error(plain(exc))
        else:  # shown after the rerun that lists the new user (a message before st.rerun() never shows)
            st.session_state["users_notice"] = t("users.created", user=plain(username.strip()))
            st.rerun()
notice = st.session_state.pop("users_notice", None)
if notice:
    st.success(notice)

st.subheader(t("users.manage"))
names = [u.username for u in users if u.username != admin.username]
if names:
    who = st.selectbox(t("auth.username"), names, key="users_pick")
    c1, c2 = st.columns(2)
    unlock, toggle = c1.button(t("users.unlock"), key="users_unlock"), c2.button(t("users.toggle"), key="users_toggle")
    if unlock or toggle:
        with Session(get_engine()) as session:
            target = session.execute(select(User).where(User.username == who)).scalar_one()
            if unlock:
                target.locked_until, target.failed_attempts = None, 0
            else:
                target.is_active = not target.is_active
            session.add(target)
            record(session, admin.username, "user_unlock" if unlock else "user_active", entity="user",
                   entity_id=target.id, detail={"active": target.is_active})
            session.commit()
        st.rerun()
