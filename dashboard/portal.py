"""Loaders and widgets shared by the public portal pages (published records only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import streamlit as st
from sqlmodel import Session

from dashboard import charts, tables, ui
from dashboard.i18n import choice, lang, t
from dashboard.resources import data_version, database_url, get_engine
from dashboard.tables import Table
from dashboard.ui import Filters, download_table, pct, plain
from data_access import export
from data_access.enums import CONCLUSIONS, FINDING_STATUSES, METHODS, SUBJECT_TYPES
from data_access.money import fen_to_million, fen_to_yi
from data_access.opendata import open_data_zip
from data_access.queries import public
from data_access.queries.core import as_of_for, month_of
from data_access.queries.kpis import kpis

ROOT = Path(__file__).resolve().parent.parent


@st.cache_data(ttl=600, show_spinner=False)
def headline(url: str, version: int, region: str, year: int, as_of: dt.date) -> dict:
    with Session(get_engine()) as session:
        return kpis(session=session, year=year, region=region, as_of=as_of, published_only=True)


@st.cache_data(ttl=600, show_spinner=False)
def trend(url: str, version: int, region: str, as_of: dt.date) -> pd.DataFrame:
    with Session(get_engine()) as session:
        return public.headline_trend(session=session, region=region, as_of=as_of)


@st.cache_data(ttl=600, show_spinner=False)
def evaluations(url: str, version: int, region: str, year: int, methods: tuple[str, ...],
                grade: str | None, department: str | None, search: str | None) -> pd.DataFrame:
    with Session(get_engine()) as session:
        return public.published_evaluations(session=session, region=region, year=year, methods=methods,
                                            grade=grade, department=department, search=search)


@st.cache_data(ttl=600, show_spinner=False)
def findings(url: str, version: int, region: str, year: int, status: str | None,
             search: str | None) -> pd.DataFrame:
    with Session(get_engine()) as session:
        return public.published_findings(session=session, region=region, year=year, status=status, search=search)


@st.cache_data(ttl=600, show_spinner=False)
def ex_ante(url: str, version: int, region: str, year: int) -> pd.DataFrame:
    with Session(get_engine()) as session:
        return public.published_ex_ante(session=session, region=region, year=year)


@st.cache_data(ttl=600, show_spinner=False)
def not_yet_published(url: str, version: int, region: str, year: int) -> dict[str, int]:
    with Session(get_engine()) as session:
        return public.not_yet_published(session=session, region=region, year=year)


def unpublished_note(filters: Filters, kind: str, methods: tuple[str, ...] = ("review", "key")) -> None:
    """One line saying how many records of a kind ('evaluation', 'finding', 'ex_ante') the page's figures
    leave out because they are not yet published; nothing when none are. Never which ones."""
    counts = not_yet_published(*key(), filters.region, filters.year)
    n = sum(counts[m] for m in methods) if kind == "evaluation" else counts[kind]
    if n:
        st.caption(t(f"portal.unpublished.{kind}", n=n))


@st.cache_data(ttl=600, show_spinner=False)
def execution(url: str, version: int, region: str, year: int, as_of: dt.date) -> pd.DataFrame | None:
    """Budget execution by department as of a date, if the region published the year's; else None."""
    with Session(get_engine()) as session:
        return public.published_execution(session=session, region=region, year=year, month=month_of(year, as_of))


@st.cache_data(ttl=600, show_spinner=False)
def changes(url: str, version: int, region: str, since: dt.date) -> pd.DataFrame:
    with Session(get_engine()) as session:
        return public.publication_changes(session=session, region=region, since=since)


@st.cache_data(ttl=600, show_spinner=False)
def latest_publication(url: str, version: int, region: str) -> dt.date | None:
    with Session(get_engine()) as session:
        return public.latest_publication(session=session, region=region)


@st.cache_data(ttl=600, show_spinner=False)
def open_data(url: str, version: int, region: str, year: int) -> bytes:
    with Session(get_engine()) as session:
        return open_data_zip(session=session, region=region, year=year)


@st.cache_data(ttl=600, show_spinner=False)
def published_years(url: str, version: int) -> dict[str, list[int]]:
    with Session(get_engine()) as session:
        return public.published_years(session=session)


def sidebar_filters() -> Filters | None:
    """Region and year in the sidebar and the URL, offering only what holds a published record.

    The staff pages' filters list every region and year in the database; here that would reveal
    a region or year whose records are all unpublished.
    """
    by_region = published_years(*key())
    if not by_region:
        st.info(t("portal.nothing_published"))
        return None
    regions = list(by_region)
    # The URL's district and year, else the ones the reader chose on another page: a click in the
    # navigation opens a page without a query, and the choice must not fall back to the newest.
    kept = st.session_state.get(_KEPT, {})
    newest = max(regions, key=lambda r: by_region[r][0])
    region = synced_select(st.sidebar, t("ui.region"), regions, st.query_params.get("region") or kept.get("region"),
                           "portal_region", default=newest)
    years = by_region[region]
    try:
        wanted_year: int | None = int(st.query_params.get("year") or kept.get("year") or "")
    except ValueError:
        wanted_year = None
    year = synced_select(st.sidebar, t("ui.year"), years, wanted_year, f"portal_year_{region}", default=years[0])
    st.query_params["region"] = region
    st.query_params["year"] = str(year)
    st.session_state[_KEPT] = {"region": region, "year": str(year)}
    as_of = as_of_for(int(year))  # 31 December of a past year, else today
    search_box(region, int(year))
    return Filters(region, int(year), as_of)


_KEPT = "portal_context"  # not a widget key: Streamlit keeps it across pages
CURRENT_PAGE = "current_page"  # the URL path of the page this run shows (set by dashboard/app.py)


def synced_select(container: Any, label: str, options: list[Any], wanted: Any, key: str, *, default: Any,
                  placeholder: str | None = None) -> Any:
    """A select that follows the URL when the URL changed since the page last wrote it (a link, the
    navigation, a bookmark), else keeps the reader's own choice; the caller writes the value to the URL.

    A widget keeps its state while its page stays open, so without this a link to the same page with
    another value (a department's page from the list of departments) would show the old one.
    """
    written, here = f"{key}__url", (st.session_state.get(CURRENT_PAGE), wanted)
    # On another page the widget is a new one: its key may still name the last page's value.
    if key not in st.session_state or here != st.session_state.get(written) or st.session_state[key] not in options:
        st.session_state[key] = wanted if wanted in options else default
    value = container.selectbox(label, options, key=key, index=None if placeholder else 0, placeholder=placeholder)
    st.session_state[written] = (here[0], value)
    return value


def search_box(region: str, year: int) -> None:
    """The search box of every portal page: Enter (or the button) opens the results page for the text."""
    with st.sidebar.form("portal_search_form", clear_on_submit=True, border=False):
        text = st.text_input(t("portal.search.box"), key="portal_global_search",
                             placeholder=t("portal.search.placeholder"))
        submitted = st.form_submit_button(t("portal.search.go"), icon=":material/search:")
    if submitted and text.strip():
        st.session_state["portal_search_q"] = text.strip()  # the results page's own box, if it is open already
        st.switch_page(str(ROOT / "pages" / f"{SEARCH_PAGE}.py"),
                       query_params={**context(region, year), "q": text.strip()})


def key() -> tuple[str, int]:
    """The cache key every portal loader starts with."""
    return database_url(), data_version()


def query_text(name: str, label: str, widget_key: str) -> str | None:
    """A text filter kept in the URL so the view is a permalink."""
    value = st.text_input(label, value=st.query_params.get(name, ""), key=widget_key).strip()
    if value:
        st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]
    return value or None


def query_choice(name: str, label: str, options: list[str], fmt, widget_key: str,  # type: ignore[no-untyped-def]
                 *, with_all: bool = True) -> str | None:
    """A select filter ('' = all, unless with_all is False) kept in the URL."""
    choices = ["", *options] if with_all else list(options)
    # Labels are computed now, in this run's language: a format function that looked the language
    # up later would run outside the script (AppTest formats values that way) and fall back to zh.
    labels = {"": t("portal.all"), **{v: fmt(v) for v in options}}
    wanted = st.query_params.get(name, "")
    value = st.selectbox(label, choices, index=choices.index(wanted) if wanted in choices else 0,
                         format_func=labels.__getitem__, key=choice(widget_key))
    if value and (with_all or value != choices[0]):
        st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]
    return value or None


def open_data_button(filters: Filters) -> None:
    """The open-data package of the region and year (every published table, CSV + datapackage.json)."""
    st.download_button(t("portal.open_data"), open_data(*key(), filters.region, filters.year),
                       f"open-data-{filters.region}-{filters.year}.zip", "application/zip", key="portal_open_data",
                       icon=":material/folder_zip:")


def query_date(name: str, label: str, default: dt.date, widget_key: str) -> dt.date:
    """A date filter kept in the URL (ISO date)."""
    try:
        wanted = dt.date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        wanted = default
    value = st.date_input(label, value=wanted, key=widget_key)
    if value != default:
        st.query_params[name] = value.isoformat()
    elif name in st.query_params:
        del st.query_params[name]
    return value


_CONTROLS = ("[data-testid='stSidebar'],[data-testid='stHeader'],[data-testid='stToolbar'],"
             "[data-testid='stDownloadButton'],[data-testid='stExpandSidebarButton'],[data-testid='stSelectbox'],"
             "[data-testid='stTextInput'],[data-testid='stDateInput'],[data-testid='stPopover'],"
             "[data-testid='stButton'],[data-testid='stPageLink-NavLink']{display:none !important}")


# On paper: landscape A4 for the wide annex tables, each annex of 评价结果 on a page of its own
# (containers keyed portal_annex_N), and the print view's own hint and exit button left off.
_PAPER = ("@page{size:A4 landscape;margin:12mm}"
          ".st-key-portal_annex_2,.st-key-portal_annex_3{break-before:page}"
          ".st-key-portal_print_hint{display:none !important}"
          # Streamlit keeps an element's on-screen width in print (stPrintFixedWidth), which cuts a table
          # wider than the paper: let tables take the paper's width and wrap their cells instead.
          ".stElementContainer:has([data-testid='stTable']),[data-testid='stTable']"
          "{width:100% !important;max-width:100% !important;overflow:visible !important}"
          "[data-testid='stTable'] table{width:100% !important;font-size:9pt}"
          "[data-testid='stTable'] tr>:first-child{white-space:nowrap}"
          # …and kept whole it would start on a fresh page and still overflow: break between rows.
          ".stVerticalBlock:has([data-testid='stTable']),.stElementContainer:has([data-testid='stTable'])"
          "{break-inside:auto !important}[data-testid='stTable']>div{overflow:visible !important}"
          "[data-testid='stTable'] table{display:table !important}[data-testid='stTable'] tr{break-inside:avoid}")


def print_toggle() -> bool:
    """A print-friendly view (?print=1 in the URL): controls hidden on screen too, reports opened,
    tables drawn as HTML tables with every row (`show_table`), so the browser's print gives them all.

    Printing any portal page hides the controls anyway; the view shows on screen what will print.
    """
    on = st.sidebar.toggle(t("portal.print"), value=st.query_params.get("print") == "1", key="portal_print")
    if on:
        st.query_params["print"] = "1"
    elif "print" in st.query_params:
        del st.query_params["print"]
    st.html(f"<style>{_CONTROLS if on else ''}@media print{{{_CONTROLS}{_PAPER}}}</style>")
    if on:
        with st.container(key="portal_print_hint"):
            st.caption(t("portal.print_hint"))
            st.button(t("portal.print_exit"), key="portal_print_exit", icon=":material/close:", on_click=_leave_print)
    return on


def open_page(title: str | Callable[[Filters], str], *, heading: bool = True) -> tuple[Filters, bool]:
    """A portal page's top: region and year (stopping when nothing is published), the print view's
    switch, the title and, printing, the district, year and date (`heading=False`: the page prints
    them itself). `title` is the title's locale key, or the title itself made from the filters (a
    record page names its record). Returns the filters and whether the print view is on."""
    filters = sidebar_filters()
    if filters is None:
        st.stop()
    printing = print_toggle()
    st.title(t(title) if isinstance(title, str) else title(filters))
    if printing and heading:
        print_heading(filters)
    return filters, printing  # type: ignore[return-value]


def print_heading(filters: Filters) -> None:
    """On a printed page: the district, the year and the day it was printed."""
    st.caption(t("portal.printed", region=plain(filters.region), year=filters.year, date=dt.date.today().isoformat()))


def show_table_for_print(table: Table | pd.DataFrame) -> None:
    """Every row as an HTML table (st.table renders each cell as markdown: stored text through plain())."""
    shown = table.shown() if isinstance(table, Table) else table
    st.table(shown.map(lambda v: plain(v) if isinstance(v, str) else v), hide_index=True)


def show_table(table: Table | pd.DataFrame, printing: bool, keys: tuple[str, ...] = ()) -> None:
    """A portal table: on screen the interactive grid, its key columns (headers) pinned to the left
    edge so they stay in view when the reader scrolls sideways; in the print view an HTML table of
    every row (the grid is a virtualised canvas, so paper would get only the rows in view)."""
    if printing:
        show_table_for_print(table)
        return
    shown = table.shown() if isinstance(table, Table) else table
    pinned = {k: st.column_config.Column(pinned=True) for k in keys}
    if isinstance(table, Table):
        ui.show_table(table, column_config=pinned)
    else:
        st.dataframe(shown, hide_index=True, width="stretch", column_config=pinned)


def _leave_print() -> None:
    st.session_state["portal_print"] = False
    st.query_params.pop("print", None)


# ---- pictures -----------------------------------------------------------------------------------
GRADES_IN_ORDER = ("excellent", "good", "fair", "poor")


def grade_distribution(block: dict) -> None:  # type: ignore[type-arg]
    """The year's grades as bars (a kpis grade block: excellent, good, fair, poor)."""
    df = pd.DataFrame({"grade": GRADES_IN_ORDER, "label": [t(f"grade.{g}") for g in GRADES_IN_ORDER],
                       "count": [int(block[g]) for g in GRADES_IN_ORDER]})
    st.altair_chart(charts.grade_bars(df, grade_title=t("col.grade"), count_title=t("evaluation.count")),
                    width="stretch")


def _chart_amount(fen: int) -> float:
    """An amount for a chart axis (display only): 亿元 in Chinese, millions of yuan in English."""
    return float(fen_to_yi(fen) if lang() == "zh" else fen_to_million(fen))


_TREND_RATES = ("excellent_good_rate", "cut_rate", "completion_rate")


def _rate_names() -> dict[str, str]:
    return {"excellent_good_rate": t("portal.home.eg_rate"), "cut_rate": t("portal.home.cut_rate"),
            "completion_rate": t("portal.home.completion")}


def rates_chart(df: pd.DataFrame) -> None:
    """The headline rates by year, one line each (df: headline_trend); a year without a figure has no point."""
    names = _rate_names()
    rates = pd.DataFrame([{"year": int(row["year"]), "series": names[code], "rate": float(row[code])}
                          for _, row in df.iterrows() for code in _TREND_RATES if row[code] is not None],
                         columns=["year", "series", "rate"])
    if not rates.empty:
        st.altair_chart(charts.rate_trend(rates, year_title=t("ui.year"), rate_title=t("portal.chart.rate"),
                                          series_title=t("portal.chart.figure")), width="stretch")


def funds_chart(df: pd.DataFrame) -> None:
    """The funds under finance evaluation by year (df: headline_trend)."""
    funds = pd.DataFrame({"year": df["year"].astype(int), "amount": [_chart_amount(int(f)) for f in df["funds_fen"]],
                          "series": t("portal.chart.funds_series")})
    st.altair_chart(charts.amount_trend(funds, year_title=t("ui.year"), amount_title=t("portal.chart.funds_unit"),
                                        legend_title=t("portal.chart.figure")), width="stretch")


def trend_table(df: pd.DataFrame) -> tables.Table:
    """The trend's figures as a table (what the charts draw, exactly)."""
    names = _rate_names()
    return tables.Table.of(
        tables.text(t("ui.year"), df["year"].astype(str)),
        tables.count(t("portal.home.evaluated"), df["evaluated"]),
        tables.wan(t("col.funds"), df["funds_fen"]),
        *[tables.percent(names[code], df[code], missing="—") for code in _TREND_RATES],
    )


def annex_chart(df: pd.DataFrame, annex: str) -> None:
    """Above an annex table: grade counts by type and method (附件1), each subject's score (附件2, 附件3)."""
    labels = {g: t(f"grade.{g}") for g in GRADES_IN_ORDER}
    if annex == "1":
        category = [f"{tables.label(m, METHODS)} · {tables.label(s, SUBJECT_TYPES)}"
                    for m, s in zip(df["method"], df["subject_type"], strict=True)]
        counts = (df.assign(category=category).groupby(["category", "grade"], sort=False).size()
                  .reset_index(name="count"))
        chart = charts.grade_counts_by(counts, category_title=t("portal.chart.category"),
                                       count_title=t("evaluation.count"), grade_title=t("col.grade"),
                                       grade_labels=labels)
    else:
        names = df["subject"].astype(str)
        twice = names.duplicated(keep=False)  # one subject evaluated for two departments: say whose bar is whose
        names = names.where(~twice, names + "（" + df["department"].astype(str) + "）")
        scores = pd.DataFrame({"subject": names, "score": df["score_centi"] / 100, "grade": df["grade"]})
        chart = charts.subject_scores(scores, subject_title=t("col.subject"), score_title=t("col.score"),
                                      grade_title=t("col.grade"), grade_labels=labels)
    st.altair_chart(chart, width="stretch")


# ---- a department's and a subject's page, links to them ---------------------------------------------
@st.cache_data(ttl=600, show_spinner=False)
def departments(url: str, version: int, region: str) -> list[str]:
    with Session(get_engine()) as session:
        return public.published_departments(session=session, region=region)


@st.cache_data(ttl=600, show_spinner=False)
def subjects(url: str, version: int, region: str) -> list[str]:
    with Session(get_engine()) as session:
        return public.published_subjects(session=session, region=region)


@st.cache_data(ttl=600, show_spinner=False)
def department_record(url: str, version: int, region: str, department: str) -> dict[str, pd.DataFrame]:
    with Session(get_engine()) as session:
        return public.department_record(session=session, region=region, department=department)


@st.cache_data(ttl=600, show_spinner=False)
def subject_record(url: str, version: int, region: str, subject: str) -> dict[str, pd.DataFrame]:
    with Session(get_engine()) as session:
        return public.subject_record(session=session, region=region, subject=subject)


@st.cache_data(ttl=600, show_spinner=False)
def search(url: str, version: int, text: str) -> pd.DataFrame:
    with Session(get_engine()) as session:
        return public.search_published(session=session, text=text)


DEPARTMENT_PAGE, SUBJECT_PAGE, SEARCH_PAGE = "portal_department", "portal_project", "portal_search"
# The record a link names comes last in its URL; a table cell shows it (the JS regex's capture group).
_NAME_PARAM = {DEPARTMENT_PAGE: "dept", SUBJECT_PAGE: "project"}
LINK_TEXT = r"[?&](?:dept|project)=([^&]*)$"
_RESERVED = set('%&#+?=/\\"<>` ')


def _quote(value: object) -> str:
    """Only what would break a query string is escaped, so a cell can show the name as typed."""
    return "".join(quote(c, safe="") if c in _RESERVED or not c.isprintable() else c for c in str(value))


def context(region: str, year: int | None = None) -> dict[str, str]:
    """The reader's district, year and language: what every portal link carries."""
    params = {"region": region}
    if year is not None:
        params["year"] = str(year)
    if lang() == "en":
        params["lang"] = "en"
    return params


def href(page: str, region: str, year: int | None, name: str) -> str:
    """A relative link to a department's (page DEPARTMENT_PAGE) or a subject's page, keeping the context."""
    params = {**context(region, year), _NAME_PARAM[page]: name}
    return page + "?" + "&".join(f"{k}={_quote(v)}" for k, v in params.items())


def record_links(df: pd.DataFrame, region: str, year: int | None, *, subject: str = "subject") -> dict[str, list[str]]:
    """Links for a table's department and subject columns: a department evaluated as a whole links to its page."""
    links = {t("col.department"): [href(DEPARTMENT_PAGE, region, year, d) for d in df["department"]]}
    if subject in df.columns:
        whole = df["subject_type"] == "department" if "subject_type" in df.columns else pd.Series(False, index=df.index)
        header = t("col.project") if subject == "name" else t("col.subject")
        links[header] = [href(DEPARTMENT_PAGE if w else SUBJECT_PAGE, region, year, s)
                         for s, w in zip(df[subject], whole, strict=True)]
    return links


def linked_table(table: tables.Table, links: dict[str, list[str]], keys: tuple[str, ...] = (),
                 printing: bool = False) -> None:
    """A page table whose named columns are links (a department's or subject's page) showing the name,
    its key columns pinned to the left edge; in the print view the plain HTML table of every row."""
    if printing:
        show_table_for_print(table)
        return
    shown = table.shown()
    config: dict[str, Any] = table.column_config()
    for header in keys:
        if header in shown.columns and header not in links:
            config[header] = st.column_config.Column(header, pinned=True)
    for header, urls in links.items():
        if header in shown.columns:
            shown[header] = urls
            config[header] = st.column_config.LinkColumn(header, display_text=LINK_TEXT, pinned=header in keys)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


def nav_link(page: str, label: str, region: str, year: int) -> None:
    """A link to another portal page that keeps the reader's district, year and language in its URL."""
    st.page_link(str(ROOT / "pages" / f"{page}.py"), label=label, icon=":material/arrow_forward:",
                 query_params=context(region, year))


def page_links(page: str, region: str, year: int | None, names: list[str], *, columns: int = 4) -> None:
    """Names as links to their pages, in a grid (a department list, search results)."""
    cols = st.columns(columns)
    for i, name in enumerate(names):
        with cols[i % columns]:
            st.page_link(str(ROOT / "pages" / f"{page}.py"), label=plain(name),  # labels are markdown
                         query_params={**context(region, year), _NAME_PARAM[page]: name})


def _with_year(df: pd.DataFrame, table: tables.Table) -> tables.Table:
    return tables.Table.of(tables.text(t("ui.year"), df["year"].astype(str)), *table.columns)


def record_page(record: dict[str, pd.DataFrame], filters: Filters, name: str) -> None:
    """Everything published about a department or a subject, every year: a summary by year, then its
    evaluations (with a chart of their scores), findings and ex-ante results, each row linking on."""
    ev, fi, ea = record["evaluations"], record["findings"], record["ex_ante"]
    by_year = public.record_by_year(record)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("portal.record.evaluations"), len(ev), border=True)
    c1.caption(t("portal.record.excellent_good", n=int(by_year["excellent_good"].sum())))
    c2.metric(t("portal.record.findings"), len(fi), border=True)
    c2.caption(t("portal.record.rectified", n=int(by_year["rectified"].sum())))
    c3.metric(t("portal.record.ex_ante"), len(ea), border=True)
    c4.metric(t("portal.record.years"), len(by_year), border=True)
    c4.caption(("、" if lang() == "zh" else ", ").join(str(y) for y in by_year["year"]))
    summary = tables.Table.of(
        tables.text(t("ui.year"), by_year["year"].astype(str)),
        tables.count(t("portal.record.evaluations"), by_year["evaluations"]),
        tables.count(t("portal.record.eg_count"), by_year["excellent_good"]),
        tables.count(t("portal.record.findings"), by_year["findings"]),
        tables.count(t("portal.record.rectified_count"), by_year["rectified"]),
        tables.count(t("portal.record.ex_ante"), by_year["ex_ante"]),
        tables.wan(t("col.cut"), by_year["cut_fen"]),
    )
    st.subheader(t("portal.record.by_year"))
    ui.show_table(summary)
    download_table(summary, f"{filters.region}-{name}-by-year", "portal_record_year_dl")
    sections = (("evaluations", ev, tables.evaluations, "subject"), ("findings", fi, tables.findings, "subject"),
                ("ex_ante", ea, tables.ex_ante, "name"))
    for part, df, layout, subject in sections:
        st.subheader(t(f"portal.record.{part}"))
        if df.empty:
            st.caption(t("portal.record.none"))
            continue
        if part == "evaluations":
            annex_chart(df.assign(subject=[f"{s}（{y}）" for s, y in zip(df["subject"], df["year"], strict=True)]), "3")
        if part == "findings":
            done, share = public.rectified_share(df)
            st.caption(t("portal.findings.rate", done=done, rate=pct(share)))
        table = _with_year(df, layout(df))
        linked_table(table, record_links(df, filters.region, filters.year, subject=subject))
        download_table(table, f"{filters.region}-{name}-{part}", f"portal_record_{part}_dl")


def record_title(param: str, names: list[str], page: str) -> str:
    """A record page's title: the department or subject the URL names (param dept or project) when it
    has something published, else the page's own title."""
    wanted = st.query_params.get(param)
    return plain(wanted) if wanted in names else t(f"{page}.title")


def record_picker(param: str, names: list[str], region: str, page: str) -> str | None:
    """The department (param dept) or subject (param project) a record page is about: from the URL, else
    picked; None when none is (a link to a name with nothing published says so, and nothing more)."""
    wanted = st.query_params.get(param)
    chosen = synced_select(st, t(f"{page}.pick"), names, wanted, f"portal_{page.split('.')[-1]}_{region}", default=None,
                           placeholder=t(f"{page}.placeholder"))
    if chosen:
        st.query_params[param] = chosen
    elif param in st.query_params:
        del st.query_params[param]
    if not chosen and wanted:
        st.info(t("portal.record.not_found", name=plain(wanted), region=plain(region)))
    if chosen and chosen != wanted:
        st.rerun()  # the title names the record chosen
    return chosen


_KIND_PAGE = {"department": DEPARTMENT_PAGE, "evaluation": SUBJECT_PAGE, "finding": SUBJECT_PAGE,
              "ex_ante": SUBJECT_PAGE}


def search_results(found: pd.DataFrame, region: str, year: int) -> None:
    """Search results by kind, each name a link to its department's or subject's page (in the result's
    district; the reader's year where the district is theirs, else the result's own year)."""
    if found.empty:
        st.info(t("portal.search.nothing"))
        return

    def when(row_region: str, row_year: object) -> int | None:
        if row_region == region:
            return year
        return None if export.is_missing(row_year) else int(row_year)  # type: ignore[call-overload]

    st.caption(t("portal.search.count", n=len(found)))
    for kind in public.SEARCH_KINDS:
        rows = found[found["kind"] == kind]
        if rows.empty:
            continue
        st.subheader(t(f"portal.search.{kind}", n=len(rows)))
        years = [when(r, y) for r, y in zip(rows["region"], rows["year"], strict=True)]
        places = list(zip(rows["region"], years, strict=True))
        names = [href(_KIND_PAGE[kind], r, y, n) for (r, y), n in zip(places, rows["name"], strict=True)]
        depts = [href(DEPARTMENT_PAGE, r, y, d) for (r, y), d in zip(places, rows["department"], strict=True)]
        if kind == "department":
            table = tables.Table.of(tables.text(t("col.department"), rows["name"]),
                                    tables.text(t("ui.region"), rows["region"]))
            linked_table(table, {t("col.department"): names})
            continue
        detail = {"evaluation": (t("col.method"), [tables.label(m, METHODS) for m in rows["detail"]]),
                  "finding": (t("col.finding_code"), list(rows["detail"])),
                  "ex_ante": (t("col.conclusion"), [tables.label(c, CONCLUSIONS) for c in rows["detail"]])}[kind]
        name_header = t("col.project") if kind == "ex_ante" else t("col.subject")
        table = tables.Table.of(
            tables.text(name_header, rows["name"]), tables.text(t("col.department"), rows["department"]),
            tables.text(t("ui.region"), rows["region"]),
            tables.text(t("ui.year"), rows["year"].astype(int).astype(str)),
            tables.text(*detail),
        )
        linked_table(table, {name_header: names, t("col.department"): depts})


def findings_chart(df: pd.DataFrame) -> None:
    """Above the findings table: each department's findings by status, the most still open first."""
    counts = df.groupby(["department", "status"]).size().reset_index(name="count")
    open_ = df[df["status"] != "rectified"].groupby("department").size()
    order = sorted(counts["department"].unique(), key=lambda d: (-int(open_.get(d, 0)), d))
    counts = counts.assign(category=pd.Categorical(counts["department"], categories=order)).sort_values("category")
    counts["category"] = counts["category"].astype(str)
    labels = {s: tables.label(s, FINDING_STATUSES) for s in charts.FINDING_COLOURS}
    st.altair_chart(charts.status_counts_by(counts, category_title=t("col.department"),
                                            count_title=t("portal.findings.shown"), status_title=t("col.status"),
                                            status_labels=labels), width="stretch")
