"""项目档案: everything published about one evaluated project or policy, every year (?region=…&project=…)."""

import streamlit as st

from dashboard import portal
from dashboard.i18n import t
from dashboard.ui import plain

filters, _printing = portal.open_page(lambda f: portal.record_title(
    "project", portal.subjects(*portal.key(), f.region), "portal.project"))
names = portal.subjects(*portal.key(), filters.region)
subject = portal.record_picker("project", names, filters.region, "portal.project")
if not subject:
    st.caption(t("portal.project.hint", region=plain(filters.region), n=len(names)))
    st.stop()
st.caption(t("portal.project.caption", region=plain(filters.region)))
portal.record_page(portal.subject_record(*portal.key(), filters.region, subject), filters, subject)
