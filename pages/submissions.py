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

# Light fills, each status its own hue (the symbol in the cell says it again in greyscale print).
FILL = {"on_time": "#e3f1e6", "late": "#fff1c2", "failed": "#fbd9c4", "missing": "#fde2e1", "not_due": "#ffffff"}

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


def _behind(cells: dict[int, str]) -> tuple[int, int]:
    """Months missing or failed, then months late: who to chase first."""
    return (sum(v in ("missing", "failed") for v in cells.values()), sum(v == "late" for v in cells.values()))


order = sorted(matrix, key=lambda name: (-_behind(matrix[name])[0], -_behind(matrix[name])[1], name))
chase = [name for name in order if _behind(matrix[name])[0]]
if chase:
    st.warning(t("submissions.chase", n=len(chase), names=t("ui.list_sep").join(
        t("submissions.chase_one", name=plain(name), n=_behind(matrix[name])[0]) for name in chase)))
labels = {t(f"submissions.cell.{s}"): s for s in SUBMISSION_STATUSES}  # short, so twelve months fit across
frame = pd.DataFrame(
    [{t("submissions.department"): name,
      **{t("submissions.month", month=m): t(f"submissions.cell.{v}") for m, v in matrix[name].items()}}
     for name in order]
)
styled = frame.style.map(lambda v: f"background-color: {FILL[labels[v]]}" if v in labels else "")
st.caption(t("submissions.order"))
st.dataframe(styled, hide_index=True, height="content", key="submissions_matrix")
download_table(frame, f"{region}{year}-submissions", "submissions_dl")
