"""整改情况公开: the rectification status of each published finding."""

import streamlit as st

from dashboard import portal, tables
from dashboard.i18n import t
from dashboard.ui import download_table, empty_state, pct
from data_access.enums import FINDING_STATUSES
from data_access.queries.public import rectified_share

filters, printing = portal.open_page("portal.findings.title")
st.caption(t("portal.findings.caption", year=filters.year))
portal.unpublished_note(filters, "finding")
c1, c2, c3 = st.columns(3)
with c1:
    status = portal.query_choice("status", t("col.status"), list(FINDING_STATUSES),
                                 lambda s: tables.label(s, FINDING_STATUSES), "portal_status")
with c2:
    search = portal.query_text("q", t("portal.search"), "portal_findings_search")
df = portal.findings(*portal.key(), filters.region, filters.year, status, search)
with c3:
    # Departments from the published findings only, so no department with unpublished ones alone shows.
    department = portal.query_choice("dept", t("col.department"), sorted(df["department"].unique()), str,
                                     "portal_findings_dept")
if department:
    df = df[df["department"] == department]
if df.empty:
    empty_state()
    st.stop()
done, share = rectified_share(df)
st.metric(t("portal.findings.shown"), len(df))
st.caption(t("portal.findings.rate", done=done, rate=pct(share)))
portal.findings_chart(df)
table = tables.findings(df)
portal.linked_table(table, portal.record_links(df, filters.region, filters.year), (t("col.finding_code"),), printing)
download_table(table, f"{filters.region}{filters.year}-findings", "portal_findings_dl")
