"""Loaders and widgets shared by the public portal pages (published records only)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlmodel import Session

from dashboard import ui
from dashboard.i18n import t
from dashboard.resources import data_version, database_url, get_engine
from dashboard.tables import Table
from dashboard.ui import Filters, plain
from data_access.opendata import open_data_zip
from data_access.queries import public
from data_access.queries.core import as_of_for, month_of
from data_access.queries.kpis import kpis


@st.cache_data(ttl=600, show_spinner=False)
def headline(url: str, version: int, region: str, year: int, as_of: dt.date) -> dict:
    with Session(get_engine()) as session:
        return kpis(session=session, year=year, region=region, as_of=as_of, published_only=True)


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
    wanted = st.query_params.get("region")
    newest = max(regions, key=lambda r: by_region[r][0])
    region = st.sidebar.selectbox(t("ui.region"), regions, index=regions.index(wanted if wanted in regions else newest),
                                  key="portal_region")
    years = by_region[region]
    try:
        wanted_year = int(st.query_params.get("year", ""))
    except ValueError:
        wanted_year = None
    year = st.sidebar.selectbox(t("ui.year"), years, index=years.index(wanted_year) if wanted_year in years else 0,
                                key=f"portal_year_{region}")
    st.query_params["region"] = region
    st.query_params["year"] = str(year)
    as_of = as_of_for(int(year))  # 31 December of a past year, else today
    return Filters(region, int(year), as_of)


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
                         format_func=labels.__getitem__, key=widget_key)
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


def open_page(title_key: str, *, heading: bool = True) -> tuple[Filters, bool]:
    """A portal page's top: region and year (stopping when nothing is published), the print view's
    switch, the title and, printing, the district, year and date (`heading=False`: the page prints
    them itself). Returns the filters and whether the print view is on."""
    filters = sidebar_filters()
    if filters is None:
        st.stop()
    printing = print_toggle()
    st.title(t(title_key))
    if printing and heading:
        print_heading(filters)
    return filters, printing  # type: ignore[return-value]


def print_heading(filters: Filters) -> None:
    """On a printed page: the district, the year and the day it was printed."""
    st.caption(t("portal.printed", region=plain(filters.region), year=filters.year, date=dt.date.today().isoformat()))


def show_table(table: Table | pd.DataFrame, printing: bool, keys: tuple[str, ...] = ()) -> None:
    """A portal table: on screen the interactive grid, its key columns (headers) pinned to the left
    edge so they stay in view when the reader scrolls sideways; in the print view an HTML table of
    every row (the grid is a virtualised canvas, so paper would get only the rows in view)."""
    shown = table.shown() if isinstance(table, Table) else table
    if printing:
        # st.table renders each cell as markdown: stored text goes through plain(), shown as typed.
        st.table(shown.map(lambda v: plain(v) if isinstance(v, str) else v), hide_index=True)
        return
    pinned = {k: st.column_config.Column(pinned=True) for k in keys}
    if isinstance(table, Table):
        ui.show_table(table, column_config=pinned)
    else:
        st.dataframe(shown, hide_index=True, width="stretch", column_config=pinned)


def _leave_print() -> None:
    st.session_state["portal_print"] = False
    st.query_params.pop("print", None)
