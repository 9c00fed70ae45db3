"""报送情况: per department and month, whether monitoring data arrived on time, late, failed or not at all."""

import datetime as dt

import pandas as pd
import streamlit as st
from sqlmodel import Session

from dashboard.auth_ui import require_role
from dashboard.i18n import t
from dashboard.resources import get_engine
from data_access.importer import SUBMISSION_STATUSES, submission_matrix
from data_access.queries.kpis import region_names, years
from data_access.settings import SETTINGS

user = require_role("admin", "finance")
st.title(t("submissions.title"))
with Session(get_engine()) as session:
    regions = region_names(session=session)
if not regions:
    st.info(t("submissions.empty"))
    st.stop()
c1, c2 = st.columns(2)
region = c1.selectbox(t("submissions.region"), regions, key="submissions_region")
with Session(get_engine()) as session:
    year_options = sorted(years(session=session, region=region), reverse=True)
year = c2.selectbox(t("submissions.year"), year_options, key="submissions_year")
if year is None:
    st.info(t("submissions.empty"))
    st.stop()

today = dt.date.today()
with Session(get_engine()) as session:
    matrix = submission_matrix(session=session, region=region, year=year, today=today, department_ids=user.department_ids)
if not matrix:
    st.info(t("submissions.empty"))
    st.stop()

st.caption(t("submissions.rule", day=SETTINGS.monitoring_due_day, today=today.isoformat()))
counts = {s: sum(1 for cells in matrix.values() for v in cells.values() if v == s) for s in SUBMISSION_STATUSES}
for col, status in zip(st.columns(len(SUBMISSION_STATUSES)), SUBMISSION_STATUSES, strict=True):
    col.metric(t(f"submissions.{status}"), counts[status])
chase = [name for name, cells in matrix.items() if any(v in ("missing", "failed") for v in cells.values())]
if chase:
    st.warning(t("submissions.chase", n=len(chase)))
frame = pd.DataFrame(
    [{t("submissions.department"): name, **{t("submissions.month", month=m): t(f"submissions.{v}") for m, v in cells.items()}}
     for name, cells in matrix.items()]
)
st.dataframe(frame, hide_index=True, key="submissions_matrix")
