"""公开管理: finance staff publish or unpublish results; the portal changes at once."""

import pandas as pd
import streamlit as st

from dashboard import actions, loaders, tables
from dashboard.auth_ui import require_role
from dashboard.i18n import choice, t
from dashboard.ui import plain, sidebar_filters
from data_access.enums import METHODS
from data_access.publishing import PublishingError

user = require_role("admin", "finance")
filters = sidebar_filters(with_as_of=False)
if filters is None:
    st.stop()
st.title(t("publishing.title"))
st.caption(t("publishing.caption"))
notice = st.session_state.pop("publishing_notice", None)
if notice:
    st.success(notice)


def switch_execution(published: bool) -> None:
    try:
        actions.set_execution_published(filters.region, filters.year, published, actor=user.username,
                                        department_ids=user.department_ids)
    except PublishingError as exc:
        st.error(plain(exc))
        return
    done = "publishing.execution.published" if published else "publishing.execution.withdrawn"
    st.session_state["publishing_notice"] = t(done, region=filters.region, year=filters.year)
    st.rerun()


# The region-year switch for the portal's budget execution by department (spending against time progress).
st.subheader(t("publishing.execution.title"))
execution = loaders.execution_publication(*loaders.key(), filters.region, filters.year)
if execution is None:
    st.caption(t("publishing.execution.off", region=plain(filters.region), year=filters.year))
    if st.button(t("publishing.execution.publish"), key="publishing_execution_publish",
                 disabled=user.department_ids is not None):
        switch_execution(True)
else:
    st.caption(t("publishing.execution.on", region=plain(filters.region), year=filters.year, by=plain(execution[0]),
                 at=str(execution[1])[:16]))
    if st.button(t("publishing.execution.withdraw"), key="publishing_execution_withdraw",
                 disabled=user.department_ids is not None):
        switch_execution(False)
st.divider()
entity = st.segmented_control(t("publishing.kind"), ["evaluation", "finding", "ex_ante"], default="evaluation",
                              format_func=lambda e: t(f"publishing.{e}"), key=choice("publishing_kind")) or "evaluation"
rows = loaders.publishable(*loaders.key(), entity, filters.region, filters.year, user.department_ids)
if rows.empty:
    st.info(t("ui.empty_filter"))
    st.stop()
# The reference (问题编号, 评价方式, 项目编码) tells apart records of one subject and department:
# one project may have three findings.
refs = [tables.label(r, METHODS) if entity == "evaluation" else ("" if r is None or pd.isna(r) else str(r))
        for r in rows["ref"]]
labels = {int(i): " ".join(p for p in (ref, f"{n}（{d}）") if p)
          for i, ref, n, d in zip(rows["id"], refs, rows["name"], rows["department"], strict=True)}
st.dataframe(pd.DataFrame({
    t(f"publishing.ref.{entity}"): refs, t("publishing.name"): rows["name"], t("col.department"): rows["department"],
    t("publishing.published"): ["✓" if p else "" for p in rows["published"]],
    t("publishing.by"): rows["published_by"].fillna(""),
    t("publishing.at"): [str(v)[:16] if v is not None and not pd.isna(v) else "" for v in rows["published_at"]],
}), hide_index=True, width="stretch")


def apply(ids: list[int], published: bool) -> None:
    try:
        n = actions.set_published(entity, ids, published, actor=user.username, department_ids=user.department_ids)
    except PublishingError as exc:
        st.error(plain(exc))
        return
    st.session_state["publishing_notice"] = t("publishing.saved", n=n)
    st.rerun()


left, right = st.columns(2)
with left:
    hidden = [i for i, p in zip(rows["id"], rows["published"], strict=True) if not p]
    chosen = st.multiselect(t("publishing.to_publish"), [int(i) for i in hidden], format_func=labels.get,
                            key=choice(f"publishing_add_{entity}"), placeholder=t("publishing.pick"))
    if st.button(t("publishing.publish"), type="primary", disabled=not chosen, key="publishing_publish"):
        apply(chosen, True)
with right:
    shown = [i for i, p in zip(rows["id"], rows["published"], strict=True) if p]
    withdraw = st.multiselect(t("publishing.to_withdraw"), [int(i) for i in shown], format_func=labels.get,
                              key=choice(f"publishing_remove_{entity}"), placeholder=t("publishing.pick"))
    if st.button(t("publishing.withdraw"), disabled=not withdraw, key="publishing_withdraw"):
        apply(withdraw, False)
