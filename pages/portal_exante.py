"""事前评估结果公开: published ex-ante assessments with requested, recommended and cut amounts."""

import streamlit as st

from dashboard import portal, tables
from dashboard.i18n import t
from dashboard.pictures import ex_ante_charts
from dashboard.ui import download_table, empty_state, glossary, money, pct
from data_access.enums import CONCLUSIONS
from data_access.money import yuan_to_fen

filters, printing = portal.open_page("portal.exante.title")
glossary("ex_ante", "cut_rate")
df = portal.ex_ante(*portal.key(), filters.region, filters.year)
if df.empty:
    empty_state()
    st.stop()
k = portal.headline(*portal.key(), filters.region, filters.year, filters.as_of)["ex_ante"]
st.caption(t("portal.exante.summary", n=k["projects"], d=k["departments"], req=money(yuan_to_fen(k["requested_total"])),
             cut=money(yuan_to_fen(k["cut_total"])), rate=pct(k["cut_rate"]), rejected=k["not_supported"]))
portal.unpublished_note(filters, "ex_ante")
c1, c2 = st.columns(2)
with c1:
    department = portal.query_choice("dept", t("col.department"), sorted(df["department"].unique()), str,
                                     "portal_exante_dept")
with c2:
    conclusion = portal.query_choice("conclusion", t("portal.filter.conclusion"), list(CONCLUSIONS),
                                     lambda c: tables.label(c, CONCLUSIONS), "portal_conclusion")
if department:
    df = df[df["department"] == department]
if conclusion:
    df = df[df["conclusion"] == conclusion]
if df.empty:
    empty_state()
    st.stop()
ex_ante_charts(df)
table = tables.ex_ante(df)
portal.linked_table(table, portal.record_links(df, filters.region, filters.year, subject="name"), (t("col.project"),),
                    printing)
download_table(table, f"{filters.region}{filters.year}-ex-ante", "portal_exante_dl")
