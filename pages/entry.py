"""数据录入: the single record a department enters between uploads — a project's month, a target's
mid-year progress, an evaluation's written feedback. Months and targets are checked by the upload
specs' own rules and written through the importer's audited path (uploads.import_records, one batch
each, the user's department scope); feedback goes through the rectification service, as on 问题整改."""

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import actions, loaders
from dashboard.auth_ui import require_role
from dashboard.forms import feedback_form
from dashboard.i18n import choice, t
from dashboard.tables import label, term
from dashboard.ui import money, plain, sidebar_filters
from data_access.enums import DEVIATION_CATEGORIES, WILL_MEET
from data_access.rectification import Actor
from data_access.uploads import ImportReport

user = require_role("admin", "finance")
filters = sidebar_filters(with_as_of=False)
if filters is None:
    st.stop()
st.title(t("entry.title"))
st.caption(t("entry.intro"))
if user.department_ids is not None:
    st.info(t("entry.scope", n=len(user.department_ids)))
notice = st.session_state.pop("entry_notice", None)
if notice:
    st.success(notice)
views = ["month", "target", "feedback"]
view = st.segmented_control(t("entry.view"), views, default="month", format_func=lambda v: t(f"entry.view.{v}"),
                            key=choice("entry_view"), label_visibility="collapsed") or "month"
projects = loaders.entry_projects(*loaders.key(), filters.region, filters.year, user.department_ids)


def blank(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def pick_project(key: str) -> pd.Series | None:
    """The project chosen among those the user may enter data for, with its budget and latest month."""
    if projects.empty:
        st.info(t("entry.no_projects"))
        return None
    labels = {int(i): f"{c} {n}（{d}）" for i, c, n, d in
              zip(projects["id"], projects["code"], projects["name"], projects["department"], strict=True)}
    chosen: int = st.selectbox(t("entry.project"), list(labels), format_func=labels.__getitem__, key=key)
    return projects[projects["id"] == chosen].iloc[0]


def save(kind: str, record: dict[str, Any], form: str) -> None:
    """Check the record; save it at once when nothing needs a second look, else hold it for the
    user's confirmation (the warnings shown by `pending`)."""
    checked = actions.save_records(kind, [record], user=user.username, department_ids=user.department_ids, dry_run=True)
    if checked.errors:
        st.error(t("entry.errors") + "\n\n" + "\n\n".join(plain(e.message) for e in checked.errors))
        return
    if checked.warnings:
        st.session_state[f"{form}_pending"] = (kind, record, [w.message for w in checked.warnings])
        return
    commit(kind, record)


def commit(kind: str, record: dict[str, Any]) -> None:
    report: ImportReport = actions.save_records(kind, [record], user=user.username,
                                                department_ids=user.department_ids, dry_run=False)
    if not report.committed:  # the data moved between the check and the save
        st.error(t("entry.errors") + "\n\n" + "\n\n".join(plain(e.message) for e in report.errors))
        return
    st.session_state["entry_notice"] = t("entry.saved", batch=report.batch_id, inserted=report.inserted,
                                         updated=report.updated, unchanged=report.unchanged)
    st.rerun()


def pending(form: str) -> None:
    """A checked record with warnings: shown, then saved or dropped as the user decides."""
    held = st.session_state.get(f"{form}_pending")
    if held is None:
        return
    kind, record, warnings = held
    st.warning(t("entry.warnings") + "\n\n" + "\n\n".join(plain(w) for w in warnings))
    c1, c2 = st.columns(2)
    if c1.button(t("entry.confirm"), type="primary", key=f"{form}_confirm"):
        del st.session_state[f"{form}_pending"]
        commit(kind, record)
    if c2.button(t("entry.cancel"), key=f"{form}_cancel"):
        del st.session_state[f"{form}_pending"]
        st.rerun()


# ---- 项目月度执行 ----------------------------------------------------------------------------------
def month_view() -> None:
    project = pick_project("entry_month_project")
    if project is None:
        return
    c1, c2, c3 = st.columns(3)
    c1.metric(t("entry.budget"), money(int(project["budget_adjusted_fen"])))
    reported = not blank(project["last_month"])
    c2.metric(t("entry.last_month"),
              t("entry.month_n", m=int(project["last_month"])) if reported else t("entry.none_yet"))
    c3.metric(t("entry.last_spent"), money(int(project["last_spent_fen"])) if reported else "—")
    today = dt.date.today()
    default = (min(int(project["last_month"]) + 1, 12) if reported
               else today.month if today.year == filters.year else 1)
    with st.form("entry_month"):
        month = st.number_input(t("entry.month"), min_value=1, max_value=12, value=default, step=1,
                                key="entry_month_n")
        spent = st.text_input(t("entry.spent"), help=t("entry.spent_help"), key="entry_month_spent")
        progress = st.text_area(t("entry.target_progress"), key="entry_month_progress")
        reason = st.text_area(t("entry.deviation_reason"), key="entry_month_reason")
        submitted = st.form_submit_button(t("entry.check"), type="primary")
    if submitted:
        save("monitoring", {"code": project["code"], "year": filters.year, "month": int(month),
                            "region": filters.region, "spent_cumulative_fen": spent, "target_progress": progress,
                            "deviation_reason": reason},
             "entry_month")
    pending("entry_month")


# ---- 目标年中进展 ----------------------------------------------------------------------------------
def target_view() -> None:
    project = pick_project("entry_target_project")
    if project is None:
        return
    targets = loaders.entry_targets(*loaders.key(), int(project["id"]))
    if targets.empty:
        st.info(t("entry.no_targets"))
        return
    labels = {int(r.id): t("entry.target_label", name=r.name, level2=r.level2,
                           target=f"{r.operator or ''}{r.target_value or ''}{r.unit or ''}")
              for r in targets.itertuples()}
    chosen: int = st.selectbox(t("entry.target"), list(labels), format_func=labels.__getitem__, key="entry_target_pick")
    target = targets[targets["id"] == chosen].iloc[0]

    def stored(field: str) -> str:
        return "" if blank(target[field]) else str(target[field])

    will_meet_codes = list(WILL_MEET)
    categories = ["", *DEVIATION_CATEGORIES]
    with st.form(f"entry_target_{chosen}"):  # one form per target, so its stored values fill the fields
        st.caption(t("entry.blank_keeps"))
        c1, c2 = st.columns(2)
        value_to_date = c1.text_input(t("entry.value_to_date"), value=stored("value_to_date"))
        expected = c2.text_input(t("entry.expected"), value=stored("expected_year_end"))
        will_meet = st.selectbox(t("entry.will_meet"), will_meet_codes, format_func=lambda c: label(c, WILL_MEET),
                                 index=will_meet_codes.index(stored("will_meet")) if stored("will_meet") else 0)
        known = stored("deviation_category")
        category_labels = {c: term(c) for c in categories}  # resolved now: format_func must not use state
        category = st.selectbox(t("entry.deviation_category"), categories, format_func=category_labels.__getitem__,
                                index=categories.index(known) if known in categories else 0)
        note = st.text_area(t("entry.deviation_note"), value=stored("deviation_note"))
        measure = st.text_area(t("entry.corrective"), value=stored("corrective_measure"))
        submitted = st.form_submit_button(t("entry.check"), type="primary")
    if submitted:
        save("indicators", {"name": target["name"], "level1": target["level1"], "level2": target["level2"],
                            "scope": target["scope"], "region": filters.region, "department": project["department"],
                            "code": project["code"], "year": filters.year, "value_to_date": value_to_date,
                            "expected_year_end": expected, "will_meet": will_meet, "deviation_category": category,
                            "deviation_note": note, "corrective_measure": measure},
             "entry_target")
    pending("entry_target")


# ---- 评价书面反馈 ----------------------------------------------------------------------------------
def feedback_view() -> None:
    rows = loaders.feedback_view(*loaders.key(), filters.region, filters.year)
    mine = rows if user.department_ids is None else rows[rows["department_id"].isin(user.department_ids)]
    if mine.empty:
        st.info(t("entry.no_feedback"))
        return
    feedback_form(mine, Actor(user.username, user.role, user.department_ids), today=dt.date.today(),
                  key="entry_feedback", notice="entry_notice")


{"month": month_view, "target": target_view, "feedback": feedback_view}[view]()
