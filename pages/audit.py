"""操作记录: who changed what — logins, imports, publishing, status changes, users."""

import pandas as pd
import streamlit as st

from dashboard import codes, loaders
from dashboard.auth_ui import require_role
from dashboard.i18n import choice, t
from dashboard.ui import beijing, download_table

require_role("admin", "leader")
st.title(t("audit.title"))
actions = loaders.audit_action_codes(*loaders.key())
# Known actions read as words; an action added later still shows, by its code.
labels = {"": t("portal.all"), **{a: codes.action(a) for a in actions}}
c1, c2 = st.columns(2)
action = c1.selectbox(t("audit.action"), ["", *actions], format_func=labels.__getitem__, key=choice("audit_action"))
actor = c2.text_input(t("audit.actor"), key="audit_actor").strip()
rows = loaders.audit_log(*loaders.key(), action or None, actor or None)
table = pd.DataFrame({
    t("audit.at"): [beijing(at) for at in rows["at"]], t("audit.actor"): rows["actor"],
    t("audit.action"): [labels.get(a, a) for a in rows["action"]],
    t("audit.entity"): [f"{codes.entity(e)} {'' if pd.isna(i) else f'#{int(i)}'}".strip()
                        for e, i in zip(rows["entity"], rows["entity_id"], strict=True)],
    t("audit.detail"): [codes.detail(None if pd.isna(d) else d) for d in rows["detail_json"]],
})
st.caption(t("audit.caption", n=len(rows)))
st.dataframe(table, hide_index=True, width="stretch")
download_table(table, "audit-log", "audit_dl")
