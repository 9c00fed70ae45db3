"""更新动态: what changed on the portal since a date (results published, findings rectified, deadlines moved)."""

import datetime as dt

import streamlit as st

from dashboard import portal, tables
from dashboard.i18n import t
from dashboard.ui import download_table, empty_state
from data_access.enums import CONCLUSIONS, METHODS

filters, printing = portal.open_page("portal.changes.title")
st.caption(t("portal.changes.caption"))
latest = portal.latest_publication(*portal.key(), filters.region)
if latest is not None:
    st.caption(t("portal.changes.last", date=latest.isoformat()))
# By default from just before the latest publication: what that publication and anything later changed.
default = latest - dt.timedelta(days=1) if latest is not None else dt.date(filters.year, 1, 1)
since = portal.query_date("since", t("portal.changes.since"), default, "portal_since")
df = portal.changes(*portal.key(), filters.region, since)
if df.empty:
    empty_state()
    st.stop()
codes = {"result_published": METHODS, "ex_ante_published": CONCLUSIONS}
detail = [tables.label(d, codes[k]) if k in codes else d for k, d in zip(df["kind"], df["detail"], strict=True)]
shown = df.assign(kind=[t(f"portal.changes.{k}") for k in df["kind"]], detail=detail).rename(columns={
    "date": t("portal.changes.date"), "kind": t("portal.changes.kind"), "year": t("ui.year"),
    "subject": t("col.subject"), "detail": t("portal.changes.detail")})
portal.show_table(shown, printing, (t("col.subject"),))
download_table(shown, f"{filters.region}-changes-{since.isoformat()}", "portal_changes_dl")
