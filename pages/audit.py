"""操作记录: who changed what — logins, imports, publishing, status changes, users."""

import pandas as pd
import streamlit as st
from sqlalchemy import select
from sqlmodel import Session

from dashboard import i18n
from dashboard.auth_ui import require_role
from dashboard.i18n import t
from dashboard.resources import get_engine
from dashboard.ui import download_table
from data_access.models import AuditLog

require_role("admin", "leader")
st.title(t("audit.title"))
with Session(get_engine()) as session:
    actions = sorted(session.execute(select(AuditLog.action).distinct()).scalars())
catalogue = i18n.catalogue()
# Known actions read as words; an action added later still shows, by its code.
labels = {"": t("portal.all"), **{a: t(f"audit.act.{a}") if f"audit.act.{a}" in catalogue else a for a in actions}}
c1, c2 = st.columns(2)
action = c1.selectbox(t("audit.action"), ["", *actions], format_func=labels.__getitem__, key="audit_action")
actor = c2.text_input(t("audit.actor"), key="audit_actor").strip()
stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(1000)
if action:
    stmt = stmt.where(AuditLog.action == action)
if actor:
    stmt = stmt.where(AuditLog.actor == actor)
with Session(get_engine()) as session:
    rows = session.execute(stmt).scalars().all()
table = pd.DataFrame({
    t("audit.at"): [str(r.at)[:19] for r in rows], t("audit.actor"): [r.actor for r in rows],
    t("audit.action"): [labels.get(r.action, r.action) for r in rows], t("audit.entity"): [f"{r.entity or ''} {r.entity_id or ''}" for r in rows],
    t("audit.detail"): [r.detail_json or "" for r in rows],
})
st.caption(t("audit.caption", n=len(rows)))
st.dataframe(table, hide_index=True, width="stretch")
download_table(table, "audit-log", "audit_dl")
