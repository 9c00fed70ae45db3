"""数据填报: choose a kind, download its template, upload, preview every problem, confirm."""

import pandas as pd
import streamlit as st

from dashboard import issues
from dashboard.auth_ui import require_role
from dashboard.i18n import choice, t
from dashboard.resources import bump_data_version, get_import_engine
from data_access.uploads import IN_YUAN, KINDS, MAX_FILE_BYTES, ImportReport, import_file, sha256_of
from data_access.uploads.templates import error_report_xlsx, template_bytes

PREVIEW_ROWS = 2000

user = require_role("admin", "finance")
st.title(t("upload.title"))
st.caption(t("upload.intro"))
if user.department_ids is not None:
    st.info(t("upload.scope", n=len(user.department_ids)))

kind_labels = {k: t(f"upload.kind.{k}") for k in KINDS}  # resolved now: format_func must not depend on state
kind = st.selectbox(t("upload.kind"), KINDS, format_func=kind_labels.__getitem__, key=choice("upload_kind"))
st.download_button(t("upload.template"), data=template_bytes(kind), file_name=f"{kind}-template.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   help=t("upload.template_help"), icon=":material/download:", key="upload_template")
uploaded = st.file_uploader(t("upload.file"), type=["xlsx", "xlsm", "xls", "ods", "csv", "txt"],
                            key=f"upload_file_{kind}", max_upload_size=MAX_FILE_BYTES // (1024 * 1024))
if uploaded is None:
    st.info(t("upload.hint"))
    st.stop()

data = uploaded.getvalue()
preview_key = (kind, uploaded.name, sha256_of(data))
if st.session_state.get("upload_preview_key") != preview_key:
    bar = st.progress(0.0, text=t("upload.checking"))
    report = import_file(get_import_engine(), kind, data, uploaded.name, user=user.username, dry_run=True,
                         allowed_department_ids=user.department_ids,
                         progress=lambda f, stage: bar.progress(min(f, 1.0), text=stage))
    bar.empty()
    st.session_state["upload_preview_key"] = preview_key
    st.session_state["upload_preview"] = report
    st.session_state.pop("upload_result", None)
report: ImportReport = st.session_state["upload_preview"]

if report.previous_batches:
    st.warning(t("upload.same_file", batches=t("ui.list_sep").join(f"#{b}" for b in report.previous_batches)))
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("upload.rows_total"), report.rows_total)
c2.metric(t("upload.rows_valid"), report.rows_valid)
c3.metric(t("upload.rows_rejected"), report.rows_rejected)
c4.metric(t("upload.warnings"), len(report.warnings))

if report.errors:
    st.error(t("upload.invalid", errors=len(report.errors)))
    st.subheader(t("upload.errors_title"))
    st.dataframe(issues.frame(report.errors), hide_index=True, key="upload_errors")
else:
    st.success(t("upload.valid", rows=report.rows_valid))
if report.warnings:
    st.subheader(t("upload.warnings_title"))
    st.dataframe(issues.frame(report.warnings), hide_index=True, key="upload_warnings")

if report.preview:
    st.subheader(t("upload.preview"))
    problems: dict[int, list[str]] = {}
    status: dict[int, str] = {}
    for level, found in (("warning", report.warnings), ("error", report.errors)):
        for i in found:
            if i.row is not None:
                problems.setdefault(i.row, []).append(issues.message(i))
                status[i.row] = level
    frame = pd.DataFrame(report.preview[:PREVIEW_ROWS])
    # An error of the whole file (a unit line the headers contradict, a missing column: no row, or a row
    # above the first data row) refuses every row.
    first = min(frame["行"], default=0)
    unset = "refused" if any(e.row is None or e.row < first for e in report.errors) else "ok"
    frame.insert(1, t("upload.status"), [t(f"upload.status.{status.get(r, unset)}") for r in frame["行"]])
    frame.insert(2, t("upload.problems"), [t("ui.clause_sep").join(problems.get(r, [])) for r in frame["行"]])
    in_yuan = {c: t("upload.col.in_yuan", column=c.removesuffix(IN_YUAN)) for c in frame.columns if c.endswith(IN_YUAN)}
    frame = frame.rename(columns={"行": t("upload.col.row"), **in_yuan})
    if report.units:
        st.caption(t("upload.units",
                     units=t("ui.clause_sep").join(f"{column} {unit}" for column, unit in report.units.items())))
    st.dataframe(frame, hide_index=True, key="upload_preview_table")
    if len(report.preview) > PREVIEW_ROWS:
        st.caption(t("upload.preview_cut", shown=PREVIEW_ROWS, total=len(report.preview)))

st.download_button(t("upload.download_report"), data=error_report_xlsx(report),
                   file_name=f"{uploaded.name}-校验报告.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="upload_report")

if st.button(t("upload.confirm"), type="primary", disabled=not report.ok, key="upload_confirm"):
    bar = st.progress(0.0, text=t("upload.committing"))
    result = import_file(get_import_engine(), kind, data, uploaded.name, user=user.username, dry_run=False,
                         allowed_department_ids=user.department_ids,
                         progress=lambda f, stage: bar.progress(min(f, 1.0), text=stage))
    bar.empty()
    if result.committed:
        bump_data_version()
    st.session_state["upload_result"] = result

result: ImportReport | None = st.session_state.get("upload_result")
if result is not None:
    if result.committed:
        st.success(t("upload.committed", batch=result.batch_id, inserted=result.inserted, updated=result.updated,
                     unchanged=result.unchanged))
    else:
        st.error(t("upload.commit_failed"))
        st.dataframe(issues.frame(result.errors), hide_index=True)
