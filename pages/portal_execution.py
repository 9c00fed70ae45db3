"""预算执行公开: budget execution by department against time progress, where the region published the
year's (公开管理); nothing below department level."""

import streamlit as st

from dashboard import portal, tables
from dashboard.i18n import t
from dashboard.ui import download_table, glossary, pct, plain, status_label
from data_access.queries.core import month_of, round_rate, time_progress

filters, printing = portal.open_page("portal.execution.title")
df = portal.execution(*portal.key(), filters.region, filters.year, filters.as_of)
if df is None:
    st.info(t("portal.execution.unpublished", region=plain(filters.region), year=filters.year))
    st.stop()
month = month_of(filters.year, filters.as_of)
tp = round_rate(time_progress(month))
st.caption(t("portal.execution.caption", region=plain(filters.region), year=filters.year, month=month, tp=pct(tp)))
glossary("time_progress", "execution_rate", "gap")
table = tables.Table.of(
    tables.text(t("col.department"), df["department"]),
    tables.count(t("execution.projects"), df["projects"]),
    tables.wan(t("portal.execution.budget"), df["budget_fen"]),
    tables.wan(t("portal.execution.spent"), df["spent_fen"]),
    tables.percent(t("portal.execution.rate"), df["rate"], missing="—"),
    tables.percent(t("portal.execution.time_progress"), [tp] * len(df)),
    tables.points(t("execution.gap"), df["gap"]),
    tables.text(t("execution.status"), tables.each(status_label, df["status"])),
)
portal.show_table(table, printing, (t("col.department"),))
if not printing:
    download_table(table, f"{filters.region}{filters.year}-execution", "portal_execution_dl")
