"""绩效评价: grades by method and subject, scores, shares as the seeds write them, comparisons."""

from decimal import Decimal

import pandas as pd
import streamlit as st

from dashboard import charts, loaders, tables
from dashboard.auth_ui import require_role
from dashboard.i18n import choice, t
from dashboard.ui import (
    download_page,
    download_table,
    empty_state,
    glossary,
    grade_label,
    money,
    pct,
    plain,
    show_table,
    sidebar_filters,
)
from data_access.enums import GRADES, METHODS, SUBJECT_TYPES
from data_access.money import yuan_to_fen
from data_access.queries.kpis import grade_shares
from data_access.settings import SETTINGS

GRADE_KEYS = list(GRADES)


def grade_sheet(frame: pd.DataFrame, category: str) -> tables.Table:
    """A chart's data (category, grade code, count) as the page workbook's sheet, in the reader's words."""
    if frame.empty:
        return tables.Table.of()
    return tables.Table.of(tables.text(category, frame["category"]),
                           tables.text(t("col.grade"), tables.each(grade_label, frame["grade"])),
                           tables.count(t("evaluation.count"), frame["count"]))


require_role("admin", "finance", "leader")  # the entrypoint gates too; this page never trusts only that
filters = sidebar_filters(with_as_of=False)
if filters is None:
    st.stop()
st.title(t("evaluation.title"))
glossary("self", "review", "key", "grades", "excellent_good_rate", "completion")
method_choice = st.segmented_control(t("col.method"), ["finance", *METHODS], default="finance",
                                     key=choice("evaluation_method"),
                                     format_func=lambda m: t("evaluation.finance") if m == "finance" else
                                     tables.label(m, METHODS)) or "finance"
methods = ("review", "key") if method_choice == "finance" else (method_choice,)
data = loaders.evaluation_view(*loaders.key(), filters.region, filters.year, methods, SETTINGS)
block = data["kpis"]["finance"] if method_choice == "finance" else data["kpis"]["by_method"][method_choice]
if block["count"] == 0:
    empty_state("evaluation.none")
    st.stop()

share = grade_shares(block)
shares = t("evaluation.share_sep").join(t("evaluation.share", grade=grade_label(g), n=block[g], pct=pct(share[g]))
                                        for g in GRADE_KEYS if block[g])
st.markdown(t("evaluation.sentence", n=block["count"], shares=shares, rate=pct(block["excellent_good_rate"])))
c1, c2, c3 = st.columns(3)
c1.metric(t("evaluation.count"), block["count"], border=True)
c2.metric(t(f"evaluation.eg_rate.{method_choice}"), pct(block["excellent_good_rate"]), border=True)
c3.metric(t("evaluation.funds"), money(yuan_to_fen(block["funds_total"])) if block["funds_total"] else "—", border=True)
comp = data["completion"]
if comp.count:  # no funds reported (self-evaluations): the bands, and why there is no weighted rate
    st.caption(t("evaluation.completion", overall=pct(comp.overall), a=comp.at_100, b=comp.from_90, c=comp.below_90)
               if comp.overall is not None else
               t("evaluation.completion_unweighted", n=comp.count, a=comp.at_100, b=comp.from_90, c=comp.below_90))

grade_names = {g: grade_label(g) for g in GRADE_KEYS}
left, right = st.columns(2)
by_method = pd.DataFrame([{"category": tables.label(m, METHODS), "grade": g, "count": b[g]}
                          for m, b in data["kpis"]["by_method"].items() for g in GRADE_KEYS if b[g]])
by_subject = pd.DataFrame([{"category": tables.label(s, SUBJECT_TYPES), "grade": g, "count": b[g]}
                           for s, b in data["kpis"]["by_subject"].items() for g in GRADE_KEYS if b[g]])


def _stack(frame: pd.DataFrame, category_title: str) -> None:
    """Grade shares per category, each bar named with its total (单位自评（204 个）): 204 and 8 side by side."""
    totals = frame.groupby("category", sort=False)["count"].sum()
    st.altair_chart(charts.grade_stack(frame, category_title=category_title, share_title=t("evaluation.share_axis"),
                                       count_title=t("evaluation.count"), grade_title=t("col.grade"),
                                       grade_labels=grade_names,
                                       category_labels={c: t("evaluation.category_n", category=c, n=n)
                                                        for c, n in totals.items()}), width="stretch")


with left:
    st.subheader(t("evaluation.by_method"))
    if not by_method.empty:
        _stack(by_method, t("col.method"))
with right:
    st.subheader(t("evaluation.by_subject"))
    if not by_subject.empty:
        _stack(by_subject, t("col.subject_type"))

rows = data["rows"]
st.subheader(t("evaluation.histogram"))
st.altair_chart(charts.score_histogram(charts.score_bins(rows["score_centi"]), score_title=t("col.score"),
                                       count_title=t("evaluation.count"), bounds=data["bounds"],
                                       bound_labels=[t("evaluation.bound", grade=grade_label(g), n=b)
                                                     for g, b in zip(("fair", "good", "excellent"), data["bounds"],
                                                                     strict=True)]), width="stretch")

st.subheader(t("evaluation.subjects"))
subjects = tables.evaluations(rows)
show_table(subjects)
download_table(subjects, f"{filters.region}{filters.year}-evaluations", "evaluation_dl")

st.subheader(t("evaluation.history"))
history = data["history"]
history_table = tables.Table.of()
if not history.empty:
    history_table = tables.Table.of(
        tables.text(t("ui.region"), history["region"]), tables.count(t("ui.year"), history["year"]),
        tables.count(t("evaluation.count"), history["count"]),
        *(tables.count(grade_label(g), history[g]) for g in GRADE_KEYS),
        tables.percent(t("overview.eg_rate"), history["excellent_good_rate"], missing="—"))
    show_table(history_table)
    download_table(history_table, f"{filters.region}-evaluation-history", "evaluation_history_dl")

st.subheader(t("evaluation.self_vs"))
comparison = data["self_vs"]
sv = comparison.rows
sv_table = tables.Table.of()
if sv.empty:
    st.caption(t("evaluation.self_vs_none"))
else:
    if comparison.flagged:
        st.warning(t("evaluation.self_high", threshold=comparison.threshold,
                     depts=t("ui.list_sep").join(plain(d) for d in comparison.flagged)))
    sv_table = tables.Table.of(
        tables.text(t("col.department"), sv["department"]), tables.text(t("col.subject"), sv["subject"]),
        tables.score(t("evaluation.self_score"), sv["self_centi"]),
        tables.score(t("evaluation.finance_score"), sv["finance_centi"]),
        tables.points(t("evaluation.diff"), [Decimal(int(d)).scaleb(-2) for d in sv["diff_centi"]], signed=True,
                      unit=None))
    show_table(sv_table)
    download_table(sv_table, f"{filters.region}{filters.year}-self-vs-finance", "evaluation_sv_dl")

st.subheader(t("evaluation.applied"))
applied = data["applied"]
applied_table = tables.Table.of()
if applied.empty:
    st.caption(t("evaluation.applied_none"))
else:
    has_next = applied["next_budget_fen"].notna().any()
    if not has_next:  # next year's budget is not in the database yet: show what the rule asks for
        st.info(t("evaluation.applied_no_next_year", next=filters.year + 1))
    applied_table = tables.Table.of(
        tables.text(t("col.subject"), applied["subject"]), tables.text(t("col.department"), applied["department"]),
        tables.text(t("col.grade"), tables.each(grade_label, applied["grade"])),
        tables.text(t("evaluation.rule"), tables.each(lambda g: t(f"evaluation.rule.{g}"), applied["grade"])),
        tables.wan(t("evaluation.budget_this"), applied["budget_fen"]))
    if has_next:
        applied_table = applied_table.with_columns(
            tables.wan(t("evaluation.budget_next"), applied["next_budget_fen"], missing=t("evaluation.no_next")),
            tables.percent(t("evaluation.change"), applied["change_rate"], missing="—", signed=True))
    show_table(applied_table)
    download_table(applied_table, f"{filters.region}{filters.year}-results-applied", "evaluation_applied_dl")
    st.caption(t("evaluation.applied_rule"))
download_page({t("evaluation.by_method"): grade_sheet(by_method, t("col.method")),
               t("evaluation.by_subject"): grade_sheet(by_subject, t("col.subject_type")),
               t("evaluation.subjects"): subjects, t("evaluation.history"): history_table,
               t("evaluation.self_vs"): sv_table, t("evaluation.applied"): applied_table},
              f"evaluation-{filters.region}-{filters.year}", "evaluation_page_dl")
