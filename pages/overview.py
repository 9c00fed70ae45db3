"""领导驾驶舱: the headline figures of a region and year on one screen, each linked to its page."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import streamlit as st

from dashboard import loaders
from dashboard.auth_ui import require_role
from dashboard.i18n import t
from dashboard.ui import glossary, money, page_link, pct, plain, sidebar_filters, status_rule
from data_access.money import yuan_to_fen
from data_access.settings import SETTINGS

require_role("admin", "finance", "leader")  # the entrypoint gates too; this page never trusts only that
filters = sidebar_filters()
if filters is None:
    st.stop()
today = dt.date.today()
view = loaders.cockpit_view(*loaders.key(), filters.region, filters.year, filters.as_of, SETTINGS, today)
now, changes = view.now, view.changes

st.title(t("overview.title"))
st.caption(t("overview.caption", region=plain(filters.region), year=filters.year, as_of=filters.as_of.isoformat()))
glossary("time_progress", "execution_rate", "key_monitoring", "excellent_good_rate", "cut_rate", "rectification",
         "overdue")


@dataclass(frozen=True)
class Change:
    """A card's change against the previous year: the text shown and whether it is zero."""

    text: str
    zero: bool


def delta(card: str, unit: str = "") -> Change | None:
    """A count's or a rate's change, as the query gives it (None: the previous year holds no data)."""
    change = changes[card]
    if change is None:
        return None
    if isinstance(change, Decimal):
        return Change(f"{change:+,.2f}{unit}", change == 0)
    return Change(f"{change:+d}{unit}", change == 0)


def money_delta(card: str) -> Change | None:
    """An amount's change (fen), in the same 亿元 / ¥ bn units as the card."""
    change = changes[card]
    if change is None:
        return None
    return Change(("+" if change >= 0 else "-") + money(abs(int(change))), change == 0)


def card(column, label: str, value: object, change: Change | None, *, inverse: bool = False) -> None:
    """A KPI card; an unchanged figure's change is neutral (grey, no arrow), a worse one red."""
    neutral = change is not None and change.zero
    column.metric(label, value, change.text if change else None, border=True,
                  delta_color="off" if neutral else ("inverse" if inverse else "normal"),
                  delta_arrow="off" if neutral else "auto",
                  delta_description=t("overview.vs_year", year=filters.year - 1) if change else None)


ex, fin, ea, rc = now["execution"], now["evaluation"]["finance"], now["ex_ante"], now["rectification"]

st.subheader(t("overview.section.execution"))
c1, c2, c3, c4 = st.columns(4)
card(c1, t("overview.budget"), money(yuan_to_fen(ex["budget_total"])), money_delta("budget_fen"))
c1.caption(t("overview.budget_help", n=ex["projects"]))
card(c2, t("overview.spent"), money(yuan_to_fen(ex["spent_total"])), money_delta("spent_fen"))
c2.caption(t("overview.spent_help", month=ex["as_of_month"]))
card(c3, t("overview.execution_rate"), pct(ex["execution_rate"]), delta("execution_rate", t("overview.unit_pt")))
c3.caption(t("overview.execution_help", time=pct(ex["time_progress"])))
card(c4, t("overview.behind"), ex["behind_schedule"], delta("behind_schedule"), inverse=True)
c4.caption(t("overview.behind_help", key=ex["key_projects"]))
st.caption(status_rule(SETTINGS))
page_link("pages/execution.py", t("overview.link.execution"))

st.subheader(t("overview.section.results"))
c1, c2, c3 = st.columns(3)
card(c1, t("overview.eg_rate"), pct(fin["excellent_good_rate"]), delta("excellent_good_rate", t("overview.unit_pt")))
c1.caption(t("overview.eg_help", n=fin["count"], e=fin["excellent"], g=fin["good"], f=fin["fair"], p=fin["poor"]))
card(c2, t("overview.cut_rate"), pct(ea["cut_rate"]), delta("cut_rate", t("overview.unit_pt")))
c2.caption(t("overview.cut_help", n=ea["projects"], cut=money(yuan_to_fen(ea["cut_total"]))))
card(c3, t("overview.completion"), pct(rc["completion_rate"]), delta("completion_rate", t("overview.unit_pt")))
c3.caption(t("overview.completion_help", n=rc["findings"], done=rc["rectified"], verified=view.closure["verified"],
             awaiting=view.closure["awaiting"]))
for column, path, link in ((c1, "pages/evaluation.py", "overview.link.evaluation"),
                           (c2, "pages/exante.py", "overview.link.exante"),
                           (c3, "pages/rectification.py", "overview.link.rectification")):
    with column:
        page_link(path, t(link))
# Overdue on the cockpit's date and today, side by side and each dated: a past year's cockpit is as of
# 31 December, before its findings' deadlines (the next year) could pass.
c4, c5, _ = st.columns(3)
card(c4, t("overview.overdue_at", date=now["as_of"]), rc["overdue"], delta("overdue"), inverse=True)
c4.caption(t("overview.overdue_help", date=now["as_of"]))
c5.metric(t("overview.overdue_today", date=view.today["as_of"]), view.today["overdue"], border=True)
c5.caption(t("overview.overdue_today_help", n=view.today["not_started"] + view.today["in_progress"]))
