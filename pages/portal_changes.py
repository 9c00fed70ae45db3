"""更新动态: what changed on the portal since a date (results published, findings rectified)."""

import datetime as dt

import streamlit as st

from dashboard import portal
from dashboard.i18n import t
from dashboard.ui import download_table, empty_state

filters = portal.sidebar_filters()
if filters is None:
    st.stop()
st.title(t("portal.changes.title"))
since = st.date_input(t("portal.changes.since"), value=dt.date(filters.year, 1, 1), key="portal_since")
df = portal.changes(*portal.key(), filters.region, since)
if df.empty:
    empty_state()
    st.stop()
shown = df.assign(kind=[t(f"portal.changes.{k}") for k in df["kind"]]).rename(columns={
    "date": t("portal.changes.date"), "kind": t("portal.changes.kind"), "year": t("ui.year"),
    "subject": t("col.subject"), "detail": t("portal.changes.detail")})
st.dataframe(shown, hide_index=True, width="stretch")
download_table(shown, f"{filters.region}-changes", "portal_changes_dl")
