"""搜索: published records of every district whose name or text holds the words (?q=…), each a link on."""

import streamlit as st

from dashboard import portal
from dashboard.i18n import t

filters = portal.sidebar_filters()
if filters is None:
    st.stop()
portal.print_toggle()
st.title(t("portal.search.title"))
st.caption(t("portal.search.caption"))
text = portal.query_text("q", t("portal.search.box"), "portal_search_q")
if not text:
    st.stop()
portal.search_results(portal.search(*portal.key(), text), filters.region, filters.year)
