"""评价结果公开: 附件1 results summary, 附件2 review table, 附件3 key-evaluation reports.

The print view prints all three annexes, each on a page of its own."""

import streamlit as st

from dashboard import portal, tables
from dashboard.i18n import t
from dashboard.ui import download_table, empty_state, plain
from data_access.enums import GRADES, METHODS

filters, printing = portal.open_page("portal.evaluations.title", heading=False)  # each annex prints its own
st.caption(t("portal.evaluations.caption"))

annex = portal.query_choice("annex", t("portal.annex"), ["1", "2", "3"], lambda a: t(f"portal.annex{a}"),
                            "portal_annex", with_all=False) or "1"
c1, c2, c3 = st.columns(3)
with c1:
    grade = portal.query_choice("grade", t("col.grade"), list(GRADES), lambda g: t(f"grade.{g}"), "portal_grade")
with c2:
    search = portal.query_text("q", t("portal.search"), "portal_search")
ANNEX_METHODS = {"1": ("review", "key"), "2": ("review",), "3": ("key",)}
chosen = portal.evaluations(*portal.key(), filters.region, filters.year, ANNEX_METHODS[annex], grade, None, search)
with c3:
    departments = sorted(chosen["department"].unique()) if len(chosen) else []
    department = portal.query_choice("dept", t("col.department"), departments, str, "portal_dept")

for shown in (["1", "2", "3"] if printing else [annex]):
    methods = ANNEX_METHODS[shown]
    df = chosen if shown == annex else portal.evaluations(*portal.key(), filters.region, filters.year, methods, grade,
                                                         None, search)
    if department:
        df = df[df["department"] == department]
    with st.container(key=f"portal_annex_{shown}"):
        st.header(t(f"portal.annex{shown}") + f"（{plain(filters.region)} {filters.year}）")
        if printing:
            portal.print_heading(filters)
        portal.unpublished_note(filters, "evaluation", methods)
        if df.empty:
            empty_state()
            continue
        if not printing:
            portal.annex_chart(df, shown)
        table = tables.evaluations(df)
        portal.linked_table(table, portal.record_links(df, filters.region, filters.year),
                            (t("col.no"), t("col.subject")), printing)
        if not printing:
            download_table(table, f"{filters.region}{filters.year}-{t('portal.annex' + shown)}", "portal_eval_dl")
        if shown == "3":
            # Subjects, evaluators and summaries come from uploads: shown as typed, never as markdown.
            for row in df.itertuples():
                with st.expander(f"{plain(row.subject)}（{plain(row.department)}）— {t('grade.' + row.grade)}",
                                 expanded=printing):
                    evaluator = plain(row.evaluator) if isinstance(row.evaluator, str) and row.evaluator else "—"
                    st.markdown(t("portal.report_meta", evaluator=evaluator, method=tables.label(row.method, METHODS)))
                    summary = (row.report_summary if isinstance(row.report_summary, str) and row.report_summary.strip()
                               else None)
                    st.markdown(plain(summary) if summary else t("portal.no_summary"))
st.divider()
portal.open_data_button(filters)
