"""问题整改: the figures and lists, a department's tasks, each finding's steps and history, written
feedback per evaluation, and the bureau's 预警函/督办单. Steps go through data_access/rectification.py."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import actions, codes, loaders, tables
from dashboard.auth_ui import require_role
from dashboard.forms import feedback_form
from dashboard.i18n import choice, t
from dashboard.ui import (
    download_page,
    download_table,
    empty_state,
    glossary,
    pct,
    plain,
    show_table,
    sidebar_filters,
    status_rule,
)
from data_access.enums import FINDING_STATUSES, METHODS
from data_access.queries.core import month_of
from data_access.queries.rectification import feedback_rate, overdue_count
from data_access.rectification import (
    RECTIFIED,
    RECTIFY,
    REVISE_DEADLINE,
    SEND_BACK,
    START,
    VERIFY,
    Actor,
    RectificationError,
)
from data_access.settings import SETTINGS

user = require_role("admin", "finance", "leader")  # the entrypoint gates too; this page never trusts only that
filters = sidebar_filters(with_as_of=False)
if filters is None:
    st.stop()
st.title(t("rectification.title"))
glossary("rectification", "overdue", "verification", "deadline_revision")
today = dt.date.today()
actor = Actor(user.username, user.role, user.department_ids)
bureau = loaders.workflow_role(*loaders.key(), filters.region, user.username, user.role, user.department_ids)
department_user = user.role == "finance" and not bureau  # a department's clerk: their tasks first
views = ["overview", "tasks", "handle", "feedback"] if user.role != "leader" else ["overview", "handle", "feedback"]
views += ["notices"] if bureau else []
default = "tasks" if department_user else "overview"
view = st.segmented_control(t("workflow.view"), views, default=default, format_func=lambda v: t(f"workflow.view.{v}"),
                            key=choice("rectification_view"), label_visibility="collapsed") or default
notice = st.session_state.pop("rectification_notice", None)
if notice:
    st.success(notice)


# ---- 整改概况 ----------------------------------------------------------------------------------------
def overview() -> None:
    as_of = st.date_input(t("rectification.as_of"), value=today, key="rectification_as_of")
    data = loaders.rectification_view(*loaders.key(), filters.region, filters.year, as_of)
    k = data["kpis"]
    st.caption(t("rectification.caption", year=filters.year, as_of=as_of.isoformat()))
    if k["findings"] == 0:
        empty_state("rectification.none")
        return
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("rectification.findings"), k["findings"], border=True)
    c2.metric(t("overview.completion"), pct(k["completion_rate"]), border=True)
    c3.metric(t("overview.overdue"), k["overdue"], border=True)
    c4.metric(t("rectification.feedback_rate"), pct(feedback_rate(k)), border=True)
    st.caption(t("rectification.status_line", done=k["rectified"], doing=k["in_progress"], todo=k["not_started"],
                 fb=k["feedback_submitted"]) + " " + t("workflow.closure_line", done=k["rectified"], **data["closure"]))

    headers = {"findings": t("rectification.findings"),
               **{s: tables.label(s, FINDING_STATUSES) for s in FINDING_STATUSES}}
    left, right = st.columns(2)
    with left:
        st.subheader(t("rectification.by_category"))
        by_cat = (data["by_category"].assign(category=lambda f: tables.terms(f["category"]))
                  .rename(columns={"category": t("col.category"), **headers}))
        st.dataframe(by_cat, hide_index=True, width="stretch")
        download_table(by_cat, f"{filters.region}{filters.year}-findings-by-category", "rectification_cat_dl")
    with right:
        st.subheader(t("rectification.by_department"))
        by_dept = data["by_department"].rename(columns={"department": t("col.department"), **headers})
        st.dataframe(by_dept, hide_index=True, width="stretch")
        download_table(by_dept, f"{filters.region}{filters.year}-findings-by-department", "rectification_dept_dl")

    od = data["overdue"]
    st.subheader(t("rectification.overdue_title", n=overdue_count(od)))
    st.caption(t("workflow.overdue_caption"))
    overdue_table = tables.tracked(od)
    if od.empty:
        st.success(t("rectification.no_overdue"))
    else:
        show_table(overdue_table)
        download_table(overdue_table, f"{filters.region}{filters.year}-overdue", "rectification_overdue_dl")

    st.subheader(t("rectification.all"))
    all_table = tables.findings_tracked(data["rows"])
    show_table(all_table)
    download_table(all_table, f"{filters.region}{filters.year}-findings", "rectification_dl")
    download_page({t("rectification.all"): all_table,
                   t("rectification.overdue_title", n=overdue_count(od)): overdue_table,
                   t("rectification.by_category"): by_cat, t("rectification.by_department"): by_dept},
                  f"rectification-{filters.region}-{filters.year}", "rectification_page_dl")


# ---- 我的整改任务 ------------------------------------------------------------------------------------
def tasks() -> None:
    scope = None if bureau else user.department_ids
    owed = loaders.owed(*loaders.key(), filters.region, today, scope, SETTINGS.due_soon_days)
    if bureau:
        st.caption(t("workflow.tasks.bureau_caption", today=today.isoformat()))
    else:
        labels = loaders.department_labels(*loaders.key())
        names = sorted(labels[i].split(" · ", 1)[-1] for i in user.department_ids or () if i in labels)
        st.caption(t("workflow.tasks.caption", departments=plain(t("ui.list_sep").join(names)),
                     today=today.isoformat()))
    lists = [("awaiting", owed.awaiting)] if bureau else []
    lists += [("overdue", owed.overdue), ("due_soon", owed.due_soon), ("sent_back", owed.sent_back),
              ("open", owed.open)]
    lists += [] if bureau else [("awaiting", owed.awaiting)]
    for column, (name, df) in zip(st.columns(len(lists)), lists, strict=True):
        column.metric(t(f"workflow.tasks.{name}", n=SETTINGS.due_soon_days), len(df), border=True)
    st.caption(t("workflow.tasks.handle_hint"))
    sheets = {}
    for name, df in lists:
        title = t(f"workflow.tasks.{name}", n=SETTINGS.due_soon_days)
        st.subheader(f"{title}（{len(df)}）")
        if df.empty:
            st.caption(t("workflow.tasks.none"))
            continue
        table = tables.tracked(df, today=today)
        if name == "sent_back":
            table = table.with_columns(tables.text(t("workflow.col.reason"), df["last_comment"]))
        if name == "awaiting":
            table = table.with_columns(tables.text(t("workflow.tasks.rectified_on"), df["rectified_date"].astype(str)),
                                       tables.text(t("col.measures"), df["measures"]))
        show_table(table)
        download_table(table, f"{filters.region}-{name}-{today.isoformat()}", f"rectification_tasks_{name}_dl")
        sheets[title] = table
    if sheets:
        download_page(sheets, f"rectification-tasks-{filters.region}-{today.isoformat()}",
                      "rectification_tasks_page_dl")


# ---- 逐项办理 ----------------------------------------------------------------------------------------
def step_forms(finding_id: int, code: str, steps: list[str], detail: dict) -> None:
    """A form for each step this user may take now; the service checks again and says why it refuses."""

    def submit(action: str, **fields: object) -> None:
        try:
            actions.rectification_step(action, finding_id, actor, **fields)
        except RectificationError as exc:
            st.error(plain(codes.refusal(exc)))
            return
        st.session_state["rectification_notice"] = t("workflow.saved", action=t(f"workflow.action.{action}"),
                                                     code=plain(code))
        st.rerun()

    for action in steps:
        with st.form(f"rectification_{action}", clear_on_submit=False):
            st.markdown(f"**{t(f'workflow.action.{action}')}**")
            if action == START:
                measures = st.text_area(t("workflow.measures"), key="rectification_start_measures")
                evidence = st.text_area(t("workflow.evidence_optional"), key="rectification_start_evidence")
                on = st.date_input(t("workflow.start_date"), value=today, max_value=today, key="rectification_start_on")
                if st.form_submit_button(t("workflow.action.start"), type="primary"):
                    submit(action, measures=measures, evidence=evidence, on=on)
            elif action == RECTIFY:
                measures = st.text_area(t("workflow.measures"), value=detail.get("measures") or "",
                                        key="rectification_rectify_measures")
                evidence = st.text_area(t("workflow.evidence"), key="rectification_rectify_evidence")
                on = st.date_input(t("workflow.rectified_date"), value=today, max_value=today,
                                   key="rectification_rectify_on")
                if st.form_submit_button(t("workflow.action.rectify"), type="primary"):
                    submit(action, measures=measures, evidence=evidence, on=on)
            elif action == VERIFY:
                st.caption(t("workflow.four_eyes"))
                comment = st.text_area(t("workflow.comment"), key="rectification_verify_comment")
                if st.form_submit_button(t("workflow.action.verify"), type="primary"):
                    submit(action, comment=comment)
            elif action == SEND_BACK:
                reason = st.text_area(t("workflow.reason_back"), key="rectification_send_back_reason")
                if st.form_submit_button(t("workflow.action.send_back")):
                    submit(action, reason=reason)
            elif action == REVISE_DEADLINE:
                new = st.date_input(t("workflow.new_deadline"), value=max(detail["deadline"], today), min_value=today,
                                    key="rectification_revise_on")
                reason = st.text_area(t("workflow.reason_deadline"), key="rectification_revise_reason")
                if st.form_submit_button(t("workflow.action.revise_deadline")):
                    submit(action, new_deadline=new, reason=reason)


def handle() -> None:
    data = loaders.rectification_view(*loaders.key(), filters.region, filters.year, today)
    rows = data["rows"]
    if department_user and user.department_ids is not None:
        rows = rows[rows["department_id"].isin(user.department_ids)]
    if rows.empty:
        st.info(t("workflow.pick_none") if department_user else t("rectification.none"))
        return
    # The labels never carry the state: a label that changes after a step would make a new widget and lose the choice.
    labels = {int(i): f"{c} {s}（{d}）" for i, c, s, d in zip(rows["id"], rows["finding_code"], rows["subject"],
                                                             rows["department"], strict=True)}
    chosen = st.selectbox(t("workflow.pick"), list(labels), format_func=labels.get, key="rectification_pick")
    view_ = loaders.finding_view(*loaders.key(), int(chosen), user.username, user.role, user.department_ids)
    d = view_["detail"]
    if d is None:
        st.info(t("rectification.none"))
        return
    state = tables.state(d["status"], d["verified_at"], d["sent_back"])
    st.subheader(f"{plain(d['finding_code'])} {plain(d['subject'])}")
    sep = t("workflow.sep")
    st.markdown(f"**{t('workflow.state')}**{sep}{state}")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("workflow.deadline_now"), d["deadline"].isoformat(), border=True)
    c2.metric(t("workflow.deadline_original"), d["original_deadline"].isoformat(), border=True)
    c3.metric(t("workflow.revisions"), int(d["revisions"]), border=True)
    open_ = d["status"] != RECTIFIED
    c4.metric(t("workflow.days_original"), max((today - d["original_deadline"]).days, 0) if open_ else "—", border=True)
    st.markdown(f"**{t('workflow.department')}**{sep}{plain(d['department'])}　"
                f"**{t('col.category')}**{sep}{plain(tables.term(d['category']))}")
    st.markdown(f"**{t('col.description')}**{sep}{plain(d['description'])}")
    if d["recommendation"]:
        st.markdown(f"**{t('workflow.recommendation')}**{sep}{plain(d['recommendation'])}")
    if d["measures"]:
        st.markdown(f"**{t('col.measures')}**{sep}{plain(d['measures'])}")
    if open_:
        past_original = (today - d["original_deadline"]).days
        past_current = (today - d["deadline"]).days
        if past_current > 0:
            st.warning(t("workflow.overdue_line", today=today.isoformat(), original=past_original,
                         current=past_current))
        elif past_original > 0:
            st.warning(t("workflow.deferred_line", today=today.isoformat(), original=past_original))
    if d["sent_back"]:
        st.error(t("workflow.sent_back_reason", reason=plain(d["last_comment"])))
    if d["verified_at"] is not None:
        st.success(t("workflow.verified_line", who=plain(d["verified_by"]), when=str(d["verified_at"])[:16]))
    if d["evaluation"]:
        if d["evaluation_feedback_date"]:
            st.caption(t("workflow.evaluation_feedback", subject=plain(d["evaluation"]),
                         date=d["evaluation_feedback_date"], text=plain(d["evaluation_feedback_text"])))
        else:
            st.caption(t("workflow.evaluation_no_feedback", subject=plain(d["evaluation"])))

    st.subheader(t("workflow.steps_title"))
    if user.role == "leader":
        st.info(t("workflow.read_only"))
    elif view_["steps"]:
        step_forms(int(chosen), d["finding_code"], view_["steps"], d)
    else:
        why = "closed" if d["verified_at"] is not None else ("awaiting" if d["status"] == RECTIFIED else "scope")
        st.info(t("workflow.no_step", why=t(f"workflow.why.{why}")))

    hist = view_["history"]
    st.subheader(t("workflow.history"))
    history_table = pd.DataFrame({
        t("rectification.when"): [str(v)[:16] for v in hist["changed_at"]], t("rectification.who"): hist["changed_by"],
        t("workflow.col.action"): [t(f"workflow.action.{a}") if isinstance(a, str) else t("workflow.action.none")
                                   for a in hist["action"]],
        t("rectification.from"): [tables.label(s, FINDING_STATUSES) for s in hist["from_status"]],
        t("rectification.to"): [tables.label(s, FINDING_STATUSES) for s in hist["to_status"]],
        t("workflow.col.step_date"): [str(v) if v is not None and not pd.isna(v) else "" for v in hist["step_date"]],
        t("col.measures"): hist["measures"].fillna(""), t("workflow.col.evidence"): hist["evidence"].fillna(""),
        t("workflow.col.reason"): hist["comment"].fillna("")})
    st.dataframe(history_table, hide_index=True, width="stretch")
    download_table(history_table, f"{d['finding_code']}-history", "rectification_history_dl")

    moves = view_["deadlines"]
    st.subheader(t("workflow.deadline_history"))
    if moves.empty:
        st.caption(t("workflow.no_revisions"))
    else:
        deadline_table = pd.DataFrame({
            t("rectification.when"): [str(v)[:16] for v in moves["revised_at"]],
            t("rectification.who"): moves["revised_by"], t("workflow.col.old"): moves["old_deadline"].astype(str),
            t("workflow.col.new"): moves["new_deadline"].astype(str), t("workflow.col.reason"): moves["reason"]})
        st.dataframe(deadline_table, hide_index=True, width="stretch")
        download_table(deadline_table, f"{d['finding_code']}-deadlines", "rectification_deadlines_dl")


# ---- 书面反馈 ----------------------------------------------------------------------------------------
def feedback() -> None:
    rows = loaders.feedback_view(*loaders.key(), filters.region, filters.year)
    st.caption(t("workflow.feedback.caption", year=filters.year))
    if rows.empty:
        empty_state()
        return
    table = tables.Table.of(
        tables.text(t("col.subject"), rows["subject"]), tables.text(t("col.department"), rows["department"]),
        tables.text(t("col.method"), tables.each(lambda m: tables.label(m, METHODS), rows["method"])),
        tables.count(t("workflow.feedback.findings"), rows["findings"]),
        tables.text(t("workflow.feedback.date"),
                    [str(v) if v is not None and not pd.isna(v) else "" for v in rows["feedback_date"]]),
        tables.text(t("workflow.feedback.text"), rows["feedback_text"]),
        tables.text(t("workflow.feedback.by"), rows["feedback_by"]))
    show_table(table)
    download_table(table, f"{filters.region}{filters.year}-feedback", "rectification_feedback_dl")
    if user.role == "leader":
        return
    mine = rows if bureau or user.department_ids is None else rows[rows["department_id"].isin(user.department_ids)]
    if mine.empty:
        st.info(t("workflow.feedback.none_in_scope"))
        return
    feedback_form(mine, actor, today=today, key="rectification_feedback", notice="rectification_notice")


# ---- 预警督办 ----------------------------------------------------------------------------------------
def notice_section() -> None:
    month = month_of(filters.year, filters.as_of)
    st.caption(t("workflow.notices.caption", year=filters.year, month=month, rule=status_rule(SETTINGS).rstrip("。"),
                 today=today.isoformat(), days=SETTINGS.notice_reply_working_days))
    listed = loaders.notice_list(*loaders.key(), filters.region, filters.year, month, today, SETTINGS)
    if listed.empty:
        st.success(t("workflow.notices.none"))
        return
    table = tables.Table.of(
        tables.text(t("workflow.notices.department"), listed["department"]),
        tables.count(t("workflow.notices.red"), listed["red"]),
        tables.wan(t("workflow.notices.red_budget"), listed["red_budget_fen"]),
        tables.count(t("workflow.notices.overdue"), listed["overdue"]),
        tables.count(t("workflow.notices.due_soon", n=SETTINGS.due_soon_days), listed["due_soon"]))
    show_table(table)
    download_table(table, f"{filters.region}{filters.year}-notices", "rectification_notices_dl")
    ids = tuple(int(i) for i in listed["department_id"])
    # Every notice in one .zip takes seconds to write: only when asked, then kept (cached) for this list.
    wanted = (filters.region, filters.year, month, today.isoformat(), ids)
    if st.button(t("workflow.notices.make_all", n=len(ids)), key="rectification_notices_make",
                 icon=":material/folder_zip:"):
        st.session_state["rectification_zip_for"] = wanted
    if st.session_state.get("rectification_zip_for") == wanted:
        st.download_button(t("workflow.notices.download_all", n=len(ids)),
                           loaders.notices_zip(*loaders.key(), filters.region, filters.year, ids, month, today,
                                               SETTINGS),
                           f"{filters.region}-预警督办-{today.isoformat()}.zip", "application/zip",
                           key="rectification_notices_zip", icon=":material/download:")
    names = dict(zip(ids, listed["department"], strict=True))
    department_id = st.selectbox(t("workflow.notices.pick"), ids, format_func=names.get,
                                 key="rectification_notice_pick")
    n, notice_tables, paragraphs, docx = loaders.notice_view(*loaders.key(), filters.region, filters.year,
                                                            int(department_id), month, today, SETTINGS)
    st.subheader(f"{plain(n.department)} · {n.title}")
    st.download_button(t("workflow.notices.download"), docx,
                       f"{n.region}-{n.department}-{n.title}-{today.isoformat()}.docx",
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       key="rectification_notice_docx", icon=":material/description:", type="primary")
    for line in paragraphs[:-1]:
        st.markdown(plain(line))
    for nt in notice_tables:
        st.markdown(f"**{plain(nt.title)}**")
        st.dataframe(nt.frame(), hide_index=True, width="stretch")
    st.markdown(plain(paragraphs[-1]))
    st.caption(t("workflow.notices.reply_by", date=n.reply_by.isoformat()))


{"overview": overview, "tasks": tasks, "handle": handle, "feedback": feedback, "notices": notice_section}[view]()
