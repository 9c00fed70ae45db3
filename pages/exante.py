"""事前评估: requested against recommended by department, conclusions, cut and cut rate."""

import datetime as dt

import streamlit as st

from dashboard import loaders, tables
from dashboard.auth_ui import require_role
from dashboard.i18n import t
from dashboard.pictures import ex_ante_charts
from dashboard.ui import download_page, download_table, empty_state, glossary, money, pct, show_table, sidebar_filters
from data_access.enums import CONCLUSIONS
from data_access.money import yuan_to_fen

require_role("admin", "finance", "leader")  # the entrypoint gates too; this page never trusts only that
filters = sidebar_filters(with_as_of=False)
if filters is None:
    st.stop()
st.title(t("exante.title"))
glossary("ex_ante", "cut_rate")
data = loaders.ex_ante_view(*loaders.key(), filters.region, filters.year)
k = data["kpis"]
if k["projects"] == 0:
    empty_state("exante.none")
    st.stop()
st.markdown(t("portal.exante.summary", n=k["projects"], d=k["departments"],
              req=money(yuan_to_fen(k["requested_total"])),
              cut=money(yuan_to_fen(k["cut_total"])), rate=pct(k["cut_rate"]), rejected=k["not_supported"]))
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("exante.requested"), money(yuan_to_fen(k["requested_total"])), border=True)
c2.metric(t("exante.cut"), money(yuan_to_fen(k["cut_total"])), border=True)
c3.metric(t("overview.cut_rate"), pct(k["cut_rate"]), border=True)
c4.metric(t("exante.rejected"), k["not_supported"], border=True,
          delta=t("exante.rejected_amount", amount=money(yuan_to_fen(k["rejected_total"]))),
          delta_color="off", delta_arrow="off")  # the amount, neutral: the card stays one line wide
st.caption(t("exante.conclusions", s=k["supported"], p=k["partially_supported"], r=k["not_supported"]))

rows = data["rows"]
ex_ante_charts(rows)

st.subheader(t("exante.projects"))
table = tables.ex_ante(rows).with_columns(*(
    tables.score(t(key), rows[col]) for col, key in (
        ("score_necessity", "exante.d1"), ("score_economy", "exante.d2"), ("score_targets", "exante.d3"),
        ("score_feasibility", "exante.d4"), ("score_compliance", "exante.d5"))))
show_table(table)
download_table(table, f"{filters.region}{filters.year}-ex-ante", "exante_dl")
download_page({t("exante.projects"): table}, f"ex-ante-{filters.region}-{filters.year}", "exante_page_dl")
st.caption(t("exante.note", labels=t("ui.list_sep").join(tables.label(c, CONCLUSIONS) for c in CONCLUSIONS),
             at=dt.date.today()))
