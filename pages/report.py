"""年度报告: the draft of 财政支出绩效情况的报告 for a region and year, previewed, downloaded as .docx with its
tables as .xlsx."""

import streamlit as st

from dashboard import loaders
from dashboard.auth_ui import require_role
from dashboard.i18n import t
from dashboard.ui import plain, sidebar_filters
from data_access.queries.core import as_of_for
from data_access.report import FillIn, Paragraph, Section, Table, annex_xlsx, docx_bytes
from data_access.settings import SETTINGS

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADING = {1: "#### ", 2: "##### ", 3: "###### "}


def paragraph(p: Paragraph) -> str:
    """The sentences as typed; a place to fill in highlighted."""
    return "".join(f":orange-background[{plain(str(s))}]" if isinstance(s, FillIn) else plain(s) for s in p.sentences)


def render(blocks) -> None:  # type: ignore[no-untyped-def]
    for b in blocks:
        if isinstance(b, Section):
            if b.page_break:
                st.divider()
            st.markdown(HEADING[b.level] + plain(b.heading))
            render(b.blocks)
        elif isinstance(b, Paragraph):
            st.markdown(paragraph(b))
        elif isinstance(b, Table):
            if b.caption:
                st.caption(plain(b.title))
            st.dataframe(b.frame(), hide_index=True, width="stretch", column_config={
                c.header: st.column_config.Column(alignment="right") for c in b.columns if c.number_format})


require_role("admin", "finance", "leader")  # the entrypoint gates too; this page never trusts only that
filters = sidebar_filters(with_as_of=False)
if filters is None:
    st.stop()
st.title(t("report.title"))
st.caption(t("report.intro"))
as_of = st.date_input(t("report.as_of"), value=as_of_for(filters.year), help=t("report.as_of_help"),
                      key=f"report_as_of_{filters.year}")
draft = loaders.report_draft(*loaders.key(), filters.region, filters.year, as_of, SETTINGS)
name = f"{filters.region}{filters.year}年度财政支出绩效情况的报告（草稿）"
c1, c2, c3 = st.columns([2, 2, 3])
# Written on click (python-docx alone takes about half a second), from the draft shown.
c1.download_button(t("report.download_docx"), lambda: docx_bytes(draft), f"{name}.docx", DOCX, key="report_docx",
                   icon=":material/description:", type="primary")
c2.download_button(t("report.download_xlsx"), lambda: annex_xlsx(draft), f"{name}附件表格.xlsx", XLSX,
                   key="report_xlsx", icon=":material/table:")
c3.markdown(f":orange-background[{plain(t('report.fill_ins', n=len(draft.fill_ins())))}]")

with st.container(border=True):
    st.markdown(f"### {plain(draft.title)}")
    st.caption(plain(draft.subtitle))
    render(draft.blocks)
