"""报送情况: per department and month, whether monitoring data arrived on time, late, failed or not at all."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import loaders
from dashboard.auth_ui import require_role
from dashboard.i18n import t
from dashboard.ui import download_table, plain, sidebar_filters
from data_access.queries.uploads import SUBMISSION_STATUSES
from data_access.settings import SETTINGS

user = require_role("admin", "finance")
filters = sidebar_filters(with_as_of=False)  # the same district and year as every other page
if filters is None:
    st.stop()
region, year = filters.region, filters.year
st.title(t("submissions.title"))

today = dt.date.today()
matrix = loaders.submissions(*loaders.key(), region, year, today, user.department_ids)  # the user's departments only
if not matrix:
    st.info(t("submissions.empty"))
    st.stop()

st.caption(t("submissions.rule", day=SETTINGS.monitoring_due_day, today=today.isoformat()))
counts = {s: sum(1 for cells in matrix.values() for v in cells.values() if v == s) for s in SUBMISSION_STATUSES}
for col, status in zip(st.columns(len(SUBMISSION_STATUSES)), SUBMISSION_STATUSES, strict=True):
    col.metric(t(f"submissions.{status}"), counts[status])
chase = [name for name, cells in matrix.items() if any(v in ("missing", "failed") for v in cells.values())]
if chase:
    st.warning(t("submissions.chase", n=len(chase), names=t("ui.list_sep").join(plain(name) for name in chase)))
frame = pd.DataFrame(
    [{t("submissions.department"): name, **{t("submissions.month", month=m): t(f"submissions.{v}") for m, v in cells.items()}}
     for name, cells in matrix.items()]
)
st.dataframe(frame, hide_index=True, key="submissions_matrix")
download_table(frame, f"{region}{year}-submissions", "submissions_dl")
