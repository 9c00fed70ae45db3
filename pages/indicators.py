"""指标库: counts by level and scope, search and filter, and the projects that use an indicator."""

import pandas as pd
import streamlit as st

from dashboard import loaders, tables
from dashboard.auth_ui import require_role
from dashboard.i18n import choice, t
from dashboard.ui import download_table, empty_state, glossary, sidebar_filters
from data_access.enums import LEVEL1, SCOPES

require_role("admin", "finance", "leader")  # the entrypoint gates too; this page never trusts only that
filters = sidebar_filters(with_as_of=False)
if filters is None:
    st.stop()
st.title(t("indicators.title"))
glossary("indicators")
c1, c2, c3, c4 = st.columns([3, 2, 2, 1])
text = c1.text_input(t("indicators.search"), key="indicators_text")
level1_labels = {"": t("portal.all"), **{v: tables.term(v) for v in LEVEL1}}  # resolved now, not in format_func
level1 = c2.selectbox(t("indicators.level1"), list(level1_labels), format_func=level1_labels.__getitem__,
                      key=choice("indicators_level1"))
scope_labels = {"": t("portal.all"), **{v: t(f"indicators.scope.{v}") for v in SCOPES}}
scope = c3.selectbox(t("indicators.scope"), list(scope_labels), key=choice("indicators_scope"),
                     format_func=scope_labels.__getitem__)
core = c4.toggle(t("indicators.core_only"), key="indicators_core")
data = loaders.indicator_view(*loaders.key(), filters.region, text.strip(), level1, scope, core)
k = data["kpis"]
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("indicators.total"), f"{k['total']:,}", border=True)
m2.metric(t("indicators.scope.general"), f"{k['general']:,}", border=True)
m3.metric(t("indicators.scope.specific"), f"{k['specific']:,}", border=True)
m4.metric(t("indicators.core"), f"{k['core']:,}", border=True)
if k["total"] == 0:
    empty_state("indicators.none")
    st.stop()

st.subheader(t("indicators.by_level"))
counts = data["counts"].assign(level1=lambda f: tables.terms(f["level1"]), level2=lambda f: tables.terms(f["level2"]))
counts = counts.rename(columns={"level1": t("indicators.level1"), "level2": t("indicators.level2"),
                                        "total": t("indicators.total"), "general": t("indicators.scope.general"),
                                        "specific": t("indicators.scope.specific"), "core": t("indicators.core")})
st.dataframe(counts, hide_index=True, width="stretch")
download_table(counts, f"{filters.region}-indicator-levels", "indicators_levels_dl")

SHOWN = 500  # rows drawn on the page; the downloads hold every match
found = data["found"]
st.subheader(t("indicators.found", n=data["total"], shown=min(SHOWN, len(found))))
if found.empty:
    empty_state()
    st.stop()
table = pd.DataFrame({
    t("indicators.name"): found["name"], t("indicators.level1"): tables.terms(found["level1"]),
    t("indicators.level2"): tables.terms(found["level2"]),
    t("indicators.scope"): [t(f"indicators.scope.{s}") for s in found["scope"]],
    t("col.department"): found["department"].fillna(t("indicators.shared")),
    t("indicators.target"): tables.targets(found),
    t("indicators.core"): ["★" if c else "" for c in found["is_core"]],
    t("indicators.used_by"): [data["used"].get(n, 0) for n in found["name"]],
})
st.dataframe(table.head(SHOWN), hide_index=True, width="stretch")
download_table(table, f"{filters.region}-indicators", "indicators_dl")

st.subheader(t("indicators.usage"))
# The most used first, so the list opens on an indicator that projects actually set as a target.
names = sorted(set(found["name"].head(SHOWN)), key=lambda n: (-data["used"].get(n, 0), n))
pick_labels = {n: t("indicators.pick_option", name=n, n=data["used"].get(n, 0)) for n in names}
name = st.selectbox(t("indicators.pick"), names, key=choice("indicators_pick"), format_func=pick_labels.__getitem__)
usage = loaders.indicator_usage(*loaders.key(), filters.region, name)
if usage.empty:
    st.caption(t("indicators.unused"))
else:
    usage_table = pd.DataFrame({
        t("ui.year"): usage["year"], t("execution.code"): usage["code"], t("col.project"): usage["project"],
        t("col.department"): usage["department"],
        t("indicators.target"): tables.targets(usage),
    })
    st.dataframe(usage_table, hide_index=True, width="stretch")
    download_table(usage_table, f"{filters.region}-{name}-projects", "indicators_usage_dl")
