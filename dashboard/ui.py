"""Shared widgets: the sidebar filters, figures as the seeds write them, status badges, downloads.

Pages stay thin by calling these; every text goes through the i18n catalogue.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

import pandas as pd
import streamlit as st

from dashboard import loaders
from dashboard.i18n import choice, lang, t
from dashboard.tables import Table, file_columns
from data_access import export, formatting
from data_access.queries.core import as_of_for
from data_access.settings import Settings

# Status of execution against time progress: word + symbol + colour, never colour alone.
STATUS_SYMBOL = {"green": "●", "yellow": "▲", "red": "■"}
STATUS_COLOUR = {"green": "#1a7f37", "yellow": "#b08800", "red": "#cf222e"}
# Okabe-Ito, safe for colour-blind readers and distinct in greyscale print.
GRADE_COLOURS = {"excellent": "#0072B2", "good": "#56B4E9", "fair": "#E69F00", "poor": "#D55E00"}


BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def beijing(at: dt.datetime | None) -> str:
    """A stored time (UTC; SQLite gives it back naive) as Beijing time, to the second."""
    if at is None or pd.isna(at):
        return ""
    aware = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at
    return aware.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


# ---- figures ----------------------------------------------------------------------------------
def money(fen: int | None) -> str:
    """亿元 / 万元 as the seeds write them (16.6 亿元, 4,878.53 万元)."""
    return formatting.money(fen, lang())


def pct(value: Decimal | None) -> str:
    return formatting.percent(None if value is None else Decimal(str(value)))


def score(centi: int | None) -> str:
    return formatting.score(centi)


def status_label(status: str) -> str:
    """'● 正常' / '▲ 关注' / '■ 预警' (or English), for tables and legends."""
    return f"{STATUS_SYMBOL[status]} {t(f'status.{status}')}"


def status_rule(settings: Settings) -> str:
    """The rule and thresholds the statuses shown were computed with, in words (DOMAIN: a page says which)."""
    if settings.execution_rule == "ratio":
        return t("status.rule.ratio", yellow=settings.ratio_yellow, red=settings.ratio_red)
    return t("status.rule.gap", yellow=settings.gap_yellow, red=settings.gap_red)


def grade_label(grade: str) -> str:
    return t(f"grade.{grade}")


# ---- stored text in markdown ------------------------------------------------------------------
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
# Streamlit rewrites the text after parsing, where escapes no longer count: GFM autolinks
# (http://…, www.…, name@host), :emoji: / :material_x: / :streamlit: shortcodes, and -> <- <->
# -- >= <= ~= between spaces. A word joiner (U+2060: invisible, no line break) inside each
# leaves them as typed.
_BREAK = re.compile(
    r"(?<=:)(?=[A-Za-z0-9_+-]+:)"  # :smile: :material_home: :streamlit:
    r"|(?i:(?<=http)(?=s?://))"  # http:// https://
    r"|(?i:(?<=www)(?=\.))"  # www.
    r"|(?<=[-.A-Za-z0-9_+])(?=@)"  # name@host
)
_SYMBOL = re.compile(r"(?<!\S)(<->|->|<-|--|>=|<=|~=)(?!\S)")


def plain(text: object) -> str:
    """A stored string for a markdown-rendering call (st.markdown, st.caption, st.info, labels…), shown
    exactly as typed: no link, image, colour, LaTeX, HTML, emphasis, heading, list or table.

    Every ASCII punctuation character is backslash-escaped (CommonMark renders any escaped one
    literally, and Streamlit's :color[…] directives and $…$ LaTeX need an unescaped : or $), each
    line is trimmed and ends in a hard break so no indentation makes a code block. Only for
    markdown: in a table cell, select option or file name the backslashes would show.
    """
    if text is None:
        return ""
    lines = []
    for line in str(text).splitlines():
        line = _SYMBOL.sub(lambda m: m[0][0] + "\u2060" + m[0][1:], _BREAK.sub("\u2060", line.strip()))
        lines.append(_PUNCTUATION.sub(r"\\\1", line))
    return "  \n".join(lines)


# ---- filters ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    region: str
    year: int
    as_of: dt.date


def _query_int(name: str) -> int | None:
    try:
        return int(st.query_params.get(name, ""))
    except ValueError:
        return None


def sidebar_filters(*, with_as_of: bool = True) -> Filters | None:
    """Region, fiscal year and as-of month in the sidebar, kept in the URL so a link reopens the view.

    Returns None (after an explanatory message) when the database holds no data yet.
    """
    regions, by_region, opening = loaders.region_years(*loaders.key())
    if not regions:
        st.info(t("ui.no_data"))
        return None
    wanted = st.query_params.get("region")
    # Without a choice in the URL, open on the region with the newest projects or evaluations, in that year
    # (a year holding only ex-ante drafts or findings is offered, not opened on).
    newest = max(regions, key=lambda r: opening.get(r, 0))
    region = st.sidebar.selectbox(
        t("ui.region"), regions, index=regions.index(wanted if wanted in regions else newest), key="filter_region"
    )
    year_options = by_region.get(region) or [dt.date.today().year]
    wanted_year = _query_int("year")
    if wanted_year not in year_options:
        wanted_year = opening.get(region, year_options[0])
    year = st.sidebar.selectbox(t("ui.year"), year_options, index=year_options.index(wanted_year),
                                key=f"filter_year_{region}")
    as_of = as_of_for(int(year))  # 31 December of a past year, else today
    if with_as_of:
        months = list(range(1, 13))
        default_month = _query_int("month") or as_of.month
        month = st.sidebar.select_slider(
            t("ui.as_of_month"), options=months, value=default_month if default_month in months else 12,
            format_func=lambda m: t("ui.month_n", m=m), key=choice(f"filter_month_{year}"),
        )
        as_of = _month_end(year, month)
        st.query_params["month"] = str(month)
    st.query_params["region"] = region
    st.query_params["year"] = str(year)
    return Filters(region, int(year), as_of)


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def page_link(path: str, label: str) -> None:
    """A link to another page of the app (paths relative to the repository root)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    if (root / path).exists():
        st.page_link(str(root / path), label=label, icon=":material/arrow_forward:")


# ---- help and empty states ------------------------------------------------------------------
def glossary(*terms: str) -> None:
    """A popover explaining the page's terms in plain words."""
    from dashboard.glossary import GLOSSARY

    with st.popover(t("ui.glossary"), icon=":material/help:"):
        for term in terms:
            zh, en, text_zh, text_en = GLOSSARY[term]
            name, text = (zh, text_zh) if lang() == "zh" else (en, text_en)
            st.markdown(f"**{name}** — {text}")


def empty_state(key: str = "ui.empty_filter") -> None:
    st.info(t(key), icon=":material/filter_alt_off:")


# ---- tables and downloads --------------------------------------------------------------------
Downloadable: TypeAlias = Table | pd.DataFrame
# A table, or a function that builds it when the file is asked for (a district's every project).
Lazy: TypeAlias = Downloadable | Callable[[], Downloadable]


def _built(table: Lazy) -> Downloadable:
    return table() if callable(table) else table


def show_table(table: Table, *, column_config: Mapping[str, Any] | None = None,
               shown: pd.DataFrame | None = None) -> None:
    """A page table as the reader sees it: labels and formatted numbers, numbers right-aligned (`shown`: its
    `table.shown()` kept from an earlier run)."""
    st.dataframe(table.shown() if shown is None else shown, hide_index=True, width="stretch",
                 column_config={**table.column_config(), **(column_config or {})})


def remembered(name: str, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """build(), kept in the session for the next run while `key` (the data version, filters, language, page…)
    stays the same: a rerun that changes nothing on the page does not format thousands of rows again."""
    kept = st.session_state.get(f"_remembered_{name}")
    if kept is not None and kept[0] == key:
        return kept[1]
    value = build()
    st.session_state[f"_remembered_{name}"] = (key, value)
    return value


def kept_chart(name: str, key: tuple[Any, ...], build: Callable[[], Any]) -> None:
    """An Altair chart whose Vega-Lite spec is kept (`remembered`) while `key` stays the same: Altair checks
    every spec against its JSON schema when it is converted, a tenth of a second for a few charts, on every
    run of a page that otherwise only reads its cache. `to_dict` is Altair's public conversion (it checks
    the spec once, when it is built)."""
    spec = remembered(f"chart_{name}", key, lambda: build().to_dict())
    st.vega_lite_chart(spec=spec, width="stretch")


def to_csv_bytes(table: Lazy) -> bytes:
    """UTF-8 with BOM so Excel opens Chinese text correctly; numbers as numbers, text neutralised."""
    return export.csv_bytes(file_columns(_built(table)))


def to_xlsx_bytes(sheets: Mapping[str, Lazy]) -> bytes:
    """One workbook, a sheet per table (names cut to Excel's 31 characters), numbers formatted."""
    return export.xlsx_bytes({name: file_columns(_built(table)) for name, table in sheets.items()})


# The files are written when the reader clicks (Streamlit's deferred download), not on every run: a
# district's 25,000-project workbook took seconds on each rerun. The tables are plain data by then
# (labels and units resolved), so the callables touch no session state.
def download_table(table: Lazy, name: str, key: str) -> None:
    """CSV and XLSX buttons for one table, as shown (filtered), its numbers in the units its headers name."""
    c1, c2, _ = st.columns([1, 1, 6])
    sheet = t("ui.sheet")
    c1.download_button(t("ui.download_csv"), lambda: to_csv_bytes(table), f"{name}.csv", "text/csv",
                       key=f"{key}_csv", icon=":material/download:")
    c2.download_button(t("ui.download_xlsx"), lambda: to_xlsx_bytes({sheet: table}), f"{name}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx",
                       icon=":material/download:")


def download_page(sheets: Mapping[str, Lazy], name: str, key: str) -> None:
    """The whole page as one XLSX, a sheet per chart or table, as filtered."""
    sheets = dict(sheets)
    st.download_button(t("ui.download_page"), lambda: to_xlsx_bytes(sheets), f"{name}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=key,
                       icon=":material/file_download:", type="secondary")
