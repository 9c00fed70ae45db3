"""Forms two pages share. The written-feedback form (书面反馈) sits on 问题整改 and on 数据录入; both
write through the rectification service (scope checked there, audited)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import actions, codes
from dashboard.i18n import t
from dashboard.ui import plain
from data_access.rectification import Actor, RectificationError


def feedback_form(rows: pd.DataFrame, actor: Actor, *, today: dt.date, key: str, notice: str) -> None:
    """Record an evaluation's written feedback; `rows` are the evaluations the user may answer for
    (feedback_rows); on success the confirmation goes to session_state[notice] and the page reruns."""
    labels: dict[int, str] = {int(i): f"{s}（{d}）"
                              for i, s, d in zip(rows["id"], rows["subject"], rows["department"], strict=True)}
    with st.form(key):
        st.markdown(f"**{t('workflow.feedback.record')}**")
        st.caption(t("workflow.feedback.note"))
        evaluation_id: int = st.selectbox(t("workflow.feedback.pick"), list(labels), format_func=labels.__getitem__,
                                          key=f"{key}_pick")
        on = st.date_input(t("workflow.feedback.date"), value=today, max_value=today, key=f"{key}_on")
        text = st.text_area(t("workflow.feedback.text"), key=f"{key}_text")
        if st.form_submit_button(t("workflow.feedback.record"), type="primary"):
            try:
                n = actions.record_feedback(int(evaluation_id), actor, on=on, text=text)
            except RectificationError as exc:
                st.error(plain(codes.refusal(exc)))
            else:
                st.session_state[notice] = t("workflow.feedback.saved", subject=plain(labels[int(evaluation_id)]), n=n)
                st.rerun()
