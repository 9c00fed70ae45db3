"""问题整改: findings by status, category and department, overdue ones, and each one's history."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import loaders, tables
from dashboard.auth_ui import require_role
from dashboard.i18n import t
from dashboard.ui import download_page, download_table, empty_state, glossary, pct, show_table, sidebar_filters
from data_access.enums import FINDING_STATUSES
from data_access.queries.rectification import feedback_rate

require_role("admin", "finance", "leader")  # the entrypoint gates too; this page never trusts only that
filters = sidebar_filters(with_as_of=False)
if filters is None:
    st.stop()
st.title(t("rectification.title"))
glossary("rectification", "overdue")
as_of = st.date_input(t("rectification.as_of"), value=dt.date.today(), key="rectification_as_of")
data = loaders.rectification_view(*loaders.key(), filters.region, filters.year, as_of)
k = data["kpis"]
st.caption(t("rectification.caption", year=filters.year, as_of=as_of.isoformat()))
if k["findings"] == 0:
    empty_state("rectification.none")
    st.stop()
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("rectification.findings"), k["findings"], border=True)
c2.metric(t("overview.completion"), pct(k["completion_rate"]), border=True)
c3.metric(t("overview.overdue"), k["overdue"], border=True)
c4.metric(t("rectification.feedback_rate"), pct(feedback_rate(k)), border=True)
st.caption(t("rectification.status_line", done=k["rectified"], doing=k["in_progress"], todo=k["not_started"],
             fb=k["feedback_submitted"]))

headers = {"findings": t("rectification.findings"), **{s: tables.label(s, FINDING_STATUSES) for s in FINDING_STATUSES}}
left, right = st.columns(2)
with left:
    st.subheader(t("rectification.by_category"))
    by_cat = data["by_category"].rename(columns={"category": t("col.category"), **headers})
    st.dataframe(by_cat, hide_index=True, width="stretch")
    download_table(by_cat, f"{filters.region}{filters.year}-findings-by-category", "rectification_cat_dl")
with right:
    st.subheader(t("rectification.by_department"))
    by_dept = data["by_department"].rename(columns={"department": t("col.department"), **headers})
    st.dataframe(by_dept, hide_index=True, width="stretch")
    download_table(by_dept, f"{filters.region}{filters.year}-findings-by-department", "rectification_dept_dl")

st.subheader(t("rectification.overdue_title", n=len(data["overdue"])))
od = data["overdue"]
overdue_table = pd.DataFrame({t("col.finding_code"): od["finding_code"], t("col.subject"): od["subject"],
                              t("col.department"): od["department"], t("col.deadline"): od["deadline"].astype(str),
                              t("rectification.days"): od["days_overdue"],
                              t("col.status"): [tables.label(s, FINDING_STATUSES) for s in od["status"]]})
if od.empty:
    st.success(t("rectification.no_overdue"))
else:
    st.dataframe(overdue_table, hide_index=True, width="stretch")
    download_table(overdue_table, f"{filters.region}{filters.year}-overdue", "rectification_overdue_dl")

st.subheader(t("rectification.all"))
rows = data["rows"]
all_table = tables.findings(rows)
show_table(all_table)
download_table(all_table, f"{filters.region}{filters.year}-findings", "rectification_dl")

st.subheader(t("rectification.history"))
options = dict(zip(rows["finding_code"] + " " + rows["subject"], rows["id"], strict=True))
chosen = st.selectbox(t("rectification.pick"), list(options), key="rectification_pick")
hist = loaders.finding_history(*loaders.key(), int(options[chosen]))
history_table = pd.DataFrame({
    t("rectification.when"): [str(v)[:16] for v in hist["changed_at"]], t("rectification.who"): hist["changed_by"],
    t("rectification.from"): [tables.label(s, FINDING_STATUSES) for s in hist["from_status"]],
    t("rectification.to"): [tables.label(s, FINDING_STATUSES) for s in hist["to_status"]],
    t("rectification.comment"): hist["comment"].fillna("")})
st.dataframe(history_table, hide_index=True, width="stretch")
download_table(history_table, f"{chosen.split(' ', 1)[0]}-history", "rectification_history_dl")
download_page({t("rectification.all"): all_table, t("rectification.overdue_title", n=len(od)): overdue_table,
               t("rectification.by_category"): by_cat, t("rectification.by_department"): by_dept,
               t("rectification.history"): history_table},
              f"rectification-{filters.region}-{filters.year}", "rectification_page_dl")
