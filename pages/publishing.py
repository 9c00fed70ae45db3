"""公开管理: finance staff publish or unpublish results; the portal changes at once."""

import pandas as pd
import streamlit as st
from sqlalchemy import select
from sqlmodel import Session

from dashboard.auth_ui import require_role
from dashboard.i18n import t
from dashboard.resources import bump_data_version, get_engine
from dashboard.ui import plain, sidebar_filters
from data_access.models import Department, Evaluation, ExAnte, Finding, Region
from data_access.publishing import PublishingError, set_published

user = require_role("admin", "finance")
filters = sidebar_filters(with_as_of=False)
if filters is None:
    st.stop()
st.title(t("publishing.title"))
st.caption(t("publishing.caption"))
entity = st.segmented_control(t("publishing.kind"), ["evaluation", "finding", "ex_ante"], default="evaluation",
                              format_func=lambda e: t(f"publishing.{e}"), key="publishing_kind") or "evaluation"
model = {"evaluation": Evaluation, "finding": Finding, "ex_ante": ExAnte}[entity]
name_col = {"evaluation": Evaluation.subject, "finding": Finding.subject, "ex_ante": ExAnte.name}[entity]
with Session(get_engine()) as session:
    stmt = (select(model.id, name_col.label("name"), Department.name.label("department"), model.published,
                   model.published_at, model.published_by, model.department_id)
            .join(Region, Region.id == model.region_id).join(Department, Department.id == model.department_id)
            .where(Region.name == filters.region, model.year == filters.year).order_by(Department.name, name_col))
    if entity == "evaluation":
        stmt = stmt.where(Evaluation.method != "self")
    rows = pd.DataFrame(session.execute(stmt).mappings().all())
if rows.empty:
    st.info(t("ui.empty_filter"))
    st.stop()
if user.department_ids is not None:
    rows = rows[rows["department_id"].isin(user.department_ids)]
labels = {int(i): f"{n}（{d}）" for i, n, d in zip(rows["id"], rows["name"], rows["department"], strict=True)}
st.dataframe(pd.DataFrame({
    t("publishing.name"): rows["name"], t("col.department"): rows["department"],
    t("publishing.published"): ["✓" if p else "" for p in rows["published"]],
    t("publishing.by"): rows["published_by"].fillna(""),
    t("publishing.at"): [str(v)[:16] if v is not None and not pd.isna(v) else "" for v in rows["published_at"]],
}), hide_index=True, width="stretch")


def apply(ids: list[int], published: bool) -> None:
    try:
        with Session(get_engine()) as session:
            n = set_published(session, entity, ids, published, user.username, user.department_ids)
    except PublishingError as exc:
        st.error(plain(exc))
        return
    bump_data_version()
    st.session_state["publishing_notice"] = t("publishing.saved", n=n)
    st.rerun()


left, right = st.columns(2)
with left:
    hidden = [i for i, p in zip(rows["id"], rows["published"], strict=True) if not p]
    chosen = st.multiselect(t("publishing.to_publish"), [int(i) for i in hidden], format_func=labels.get,
                            key=f"publishing_add_{entity}", placeholder=t("publishing.pick"))
    if st.button(t("publishing.publish"), type="primary", disabled=not chosen, key="publishing_publish"):
        apply(chosen, True)
with right:
    shown = [i for i, p in zip(rows["id"], rows["published"], strict=True) if p]
    withdraw = st.multiselect(t("publishing.to_withdraw"), [int(i) for i in shown], format_func=labels.get,
                              key=f"publishing_remove_{entity}", placeholder=t("publishing.pick"))
    if st.button(t("publishing.withdraw"), disabled=not withdraw, key="publishing_withdraw"):
        apply(withdraw, False)
notice = st.session_state.pop("publishing_notice", None)
if notice:
    st.success(notice)
