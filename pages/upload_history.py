"""上传记录: every upload batch, committed, rejected or previewed; open one to see its report and rows."""

import pandas as pd
import streamlit as st

from dashboard import issues, loaders
from dashboard.auth_ui import require_role
from dashboard.i18n import choice, t
from dashboard.ui import beijing
from data_access.uploads import KINDS
from data_access.uploads.templates import error_report_xlsx

user = require_role("admin", "finance")
st.title(t("history.title"))
kind_labels = {None: t("history.all"), **{k: t(f"upload.kind.{k}") for k in KINDS}}
kind = st.selectbox(t("history.kind_filter"), list(kind_labels), format_func=kind_labels.__getitem__,
                    key=choice("history_kind"))

# A user scoped to departments: their own uploads, and the committed ones that changed their departments.
batches = loaders.upload_history(*loaders.key(), kind, user.department_ids, user.username)
if not batches:
    st.info(t("history.empty"))
    st.stop()


def _result(b) -> str:  # type: ignore[no-untyped-def]  # b: queries.uploads.Batch
    return (t("history.result.dry_run") if b.dry_run
            else t("history.result.committed" if b.committed else "history.result.rejected"))


reports = {b.id: b.report for b in batches}
kind_names = {k: t(f"upload.kind.{k}") for k in KINDS}


def _table(group: list) -> pd.DataFrame:  # type: ignore[type-arg]
    return pd.DataFrame([{
        t("history.col.id"): b.id,
        t("history.col.at"): beijing(b.uploaded_at),
        t("history.col.kind"): kind_names.get(b.kind, b.kind),
        t("history.col.period"): issues.period(reports[b.id].periods) if reports[b.id] else "",
        t("history.col.file"): b.file_name,
        t("history.col.user"): b.uploaded_by,
        t("history.col.result"): _result(b),
        t("history.col.rows"): b.rows_total,
        t("history.col.errors"): len(reports[b.id].errors) if reports[b.id] else 0,
        t("history.col.warnings"): len(reports[b.id].warnings) if reports[b.id] else 0,
    } for b in group])


# Commits (written or refused) first; previews only checked a file and wrote nothing, so they stand apart.
for title, group, key in ((t("history.commits"), [b for b in batches if not b.dry_run], "history_table"),
                          (t("history.previews"), [b for b in batches if b.dry_run], "history_previews")):
    st.subheader(title)
    if group:
        st.dataframe(_table(group), hide_index=True, key=key)
    else:
        st.caption(t("history.none_of"))

names = {b.id: f"{b.file_name} · {_result(b)}" for b in batches}  # resolved now: format_func must not depend on state
chosen = st.selectbox(t("history.open"), [b.id for b in batches], key=choice("history_batch"),
                      format_func=lambda i: f"#{i} {names[i]}")
batch = next(b for b in batches if b.id == chosen)
report = reports[batch.id]
st.caption(t("history.sha", sha=batch.sha256))
if report is not None:
    if report.errors:
        st.subheader(t("upload.errors_title"))
        st.dataframe(issues.frame(report.errors), hide_index=True)
    if report.warnings:
        st.subheader(t("upload.warnings_title"))
        st.dataframe(issues.frame(report.warnings), hide_index=True)
    st.download_button(t("upload.download_report"), data=error_report_xlsx(report),
                       file_name=f"batch-{batch.id}-report.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="history_report")
st.subheader(t("history.rows"))
rows = loaders.batch_rows(*loaders.key(), batch.id, user.department_ids) if batch.committed else []
if rows:
    changes = {"新增": t("history.change.insert"), "更新": t("history.change.update")}  # as batch_rows writes them
    frame = pd.DataFrame(rows).rename(columns={"变更": t("history.col.change"), "原值": t("history.col.before")})
    frame[t("history.col.change")] = [changes.get(c, c) for c in frame[t("history.col.change")]]
    st.dataframe(frame, hide_index=True, key="history_rows")
else:
    st.info(t("history.no_rows"))
