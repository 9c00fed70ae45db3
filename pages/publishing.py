"""公开管理: finance staff publish or unpublish results; the portal changes at once."""

import pandas as pd
import streamlit as st
from sqlalchemy import select
from sqlmodel import Session

from dashboard.auth_ui import require_role
from dashboard.i18n import t
from dashboard.resources import bump_data_version, get_engine
from dashboard.ui import sidebar_filters
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
edited = st.data_editor(
    pd.DataFrame({"id": rows["id"], t("publishing.name"): rows["name"], t("col.department"): rows["department"],
                  t("publishing.published"): rows["published"].astype(bool),
                  t("publishing.by"): rows["published_by"].fillna(""),
                  t("publishing.at"): [str(v)[:16] if v is not None and not pd.isna(v) else "" for v in rows["published_at"]]}),
    hide_index=True, width="stretch", disabled=["id", t("publishing.name"), t("col.department"), t("publishing.by"),
                                                  t("publishing.at")], column_config={"id": None},
    key=f"publishing_editor_{entity}_{filters.region}_{filters.year}")
want = dict(zip(edited["id"], edited[t("publishing.published")], strict=True))
have = dict(zip(rows["id"], rows["published"].astype(bool), strict=True))
to_publish = [int(i) for i, v in want.items() if v and not have[i]]
to_hide = [int(i) for i, v in want.items() if not v and have[i]]
st.caption(t("publishing.pending", p=len(to_publish), u=len(to_hide)))
if st.button(t("publishing.save"), type="primary", disabled=not (to_publish or to_hide), key="publishing_save"):
    try:
        with Session(get_engine()) as session:
            n = set_published(session, entity, to_publish, True, user.username, user.department_ids)
            n += set_published(session, entity, to_hide, False, user.username, user.department_ids)
    except PublishingError as exc:
        st.error(str(exc))
    else:
        bump_data_version()
        st.success(t("publishing.saved", n=n))
        st.rerun()
