"""单位档案: everything published about one department, every year (a permalink: ?region=…&dept=…)."""

import streamlit as st

from dashboard import portal
from dashboard.i18n import t
from dashboard.ui import plain

filters, _printing = portal.open_page(lambda f: portal.record_title(
    "dept", portal.departments(*portal.key(), f.region), "portal.department"))
names = portal.departments(*portal.key(), filters.region)
department = portal.record_picker("dept", names, filters.region, "portal.department")
if not department:
    st.caption(t("portal.department.all", region=plain(filters.region), n=len(names)))
    portal.page_links(portal.DEPARTMENT_PAGE, filters.region, filters.year, names)
    st.stop()
st.caption(t("portal.department.caption", region=plain(filters.region)))
portal.record_page(portal.department_record(*portal.key(), filters.region, department), filters, department)
