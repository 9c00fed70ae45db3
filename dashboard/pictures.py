"""Pictures two pages share: the ex-ante assessments of a year by department (事前评估 for staff,
事前评估结果 on the portal), drawn from the rows each page lists."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, tables
from dashboard.i18n import t
from data_access.enums import CONCLUSIONS
from data_access.money import fen_to_wan
from data_access.queries.exante import FUND_PARTS, conclusion_counts, fund_parts


def ex_ante_charts(rows: pd.DataFrame) -> None:
    """Side by side: each department's conclusions (支持/部分支持/不支持), and its requested funds as one
    bar split into recommended, cut and rejected; the departments in each chart's own order."""
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('exante.chart.conclusions')}**")
        counts = conclusion_counts(rows).rename(columns={"department": "category"})
        labels = {c: tables.label(c, CONCLUSIONS) for c in charts.CONCLUSION_COLOURS}
        st.altair_chart(charts.stacked_counts(counts, "conclusion", labels, charts.CONCLUSION_COLOURS,
                                              category_title=t("col.department"),
                                              count_title=t("exante.chart.projects"),
                                              legend_title=t("col.conclusion"), row_px=30), width="stretch")
    with right:
        st.markdown(f"**{t('exante.chart.funds')}**")
        parts = fund_parts(rows).rename(columns={"department": "category"})
        parts["wan"] = [float(fen_to_wan(int(v))) for v in parts["fen"]]  # drawn only; tables keep exact amounts
        st.altair_chart(charts.fund_parts_by(
            parts.drop(columns="fen"), category_title=t("col.department"), amount_title=t("exante.wan"),
            part_title=t("exante.chart.part"),
            part_labels={p: t(f"exante.chart.part.{p}") for p in FUND_PARTS}), width="stretch")
