"""信息公开 home: headline figures from published records only, with what each one means."""

import datetime as dt

import streamlit as st

from dashboard import portal
from dashboard.i18n import t
from dashboard.ui import download_table, glossary, money, pct, plain, show_table
from data_access.money import yuan_to_fen

filters, printing = portal.open_page("portal.home.title")
# Rectification is reported as of today: the departments' written feedback arrives the year after.
k = portal.headline(*portal.key(), filters.region, filters.year, dt.date.today())
st.caption(t("portal.home.caption", region=plain(filters.region), year=filters.year))
glossary("key", "review", "grades", "excellent_good_rate", "cut_rate", "rectification")
fin, ea, rc = k["evaluation"]["finance"], k["ex_ante"], k["rectification"]
if fin["count"] == 0 and ea["projects"] == 0 and rc["findings"] == 0:
    st.info(t("portal.home.nothing", region=plain(filters.region), year=filters.year))
    st.stop()

c1, c2, c3 = st.columns(3)
c1.metric(t("portal.home.evaluated"), fin["count"], border=True)
c1.caption(t("portal.home.evaluated_help", funds=money(yuan_to_fen(fin["funds_total"]))))
c2.metric(t("portal.home.eg_rate"), pct(fin["excellent_good_rate"]), border=True)
c2.caption(t("portal.home.grades", e=fin["excellent"], g=fin["good"], f=fin["fair"], p=fin["poor"]))
c3.metric(t("portal.home.cut_rate"), pct(ea["cut_rate"]), border=True)
c3.caption(t("portal.home.cut_help", n=ea["projects"], req=money(yuan_to_fen(ea["requested_total"])),
             cut=money(yuan_to_fen(ea["cut_total"]))))
portal.unpublished_note(filters, "evaluation")
portal.unpublished_note(filters, "ex_ante")
c1, c2, c3 = st.columns(3)
c1.metric(t("portal.home.findings"), rc["findings"], border=True)
c2.metric(t("portal.home.completion"), pct(rc["completion_rate"]), border=True)
c2.caption(t("portal.home.completion_help", done=rc["rectified"], doing=rc["in_progress"], todo=rc["not_started"]))
c3.metric(t("portal.home.feedback"), rc["feedback_submitted"], border=True)
portal.unpublished_note(filters, "finding")
st.caption(t("portal.home.note"))

st.header(t("portal.home.pictures", year=filters.year))
trend = portal.trend(*portal.key(), filters.region, dt.date.today())
left, right = st.columns(2)
with left:
    st.markdown(f"**{t('portal.home.grades_title')}**")
    portal.grade_distribution(fin)
    st.markdown(f"**{t('portal.chart.funds_series')}**")
    portal.funds_chart(trend)
with right:
    st.markdown(f"**{t('portal.home.trend_title')}**")
    st.caption(t("portal.home.one_year", year=filters.year) if len(trend) < 2 else t("portal.home.trend_caption"))
    portal.rates_chart(trend)
trend_table = portal.trend_table(trend)
show_table(trend_table)
download_table(trend_table, f"{filters.region}-trend", "portal_trend_dl")
portal.nav_link("portal_evaluations", t("portal.evaluations.title"), filters.region, filters.year)
portal.nav_link("portal_findings", t("portal.findings.title"), filters.region, filters.year)
portal.nav_link("portal_exante", t("portal.exante.title"), filters.region, filters.year)
portal.nav_link("portal_changes", t("portal.changes.title"), filters.region, filters.year)
portal.nav_link("portal_department", t("portal.department.title"), filters.region, filters.year)
portal.nav_link("portal_project", t("portal.project.title"), filters.region, filters.year)
st.divider()
portal.open_data_button(filters)
