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
now = loaders.headline(*loaders.key(), filters.region, filters.year, filters.as_of, SETTINGS)
prev_as_of = filters.as_of.replace(year=filters.year - 1) if not (filters.as_of.month == 2 and filters.as_of.day == 29) \
    else dt.date(filters.year - 1, 2, 28)
prev = loaders.headline(*loaders.key(), filters.region, filters.year - 1, prev_as_of, SETTINGS)

st.title(t("overview.title"))
st.caption(t("overview.caption", region=plain(filters.region), year=filters.year, as_of=filters.as_of.isoformat()))
glossary("time_progress", "execution_rate", "key_monitoring", "excellent_good_rate", "cut_rate", "rectification", "overdue")


@dataclass(frozen=True)
class Change:
    """A card's change against the previous year: the text shown and whether it is zero."""

    text: str
    zero: bool


def delta(current: object, previous: object, has_previous: bool, unit: str = "") -> Change | None:
    """Change against the previous year, only where that year holds data."""
    if not has_previous or current is None or previous is None:
        return None
    if isinstance(current, int) and isinstance(previous, int):
        return Change(f"{current - previous:+d}{unit}", current == previous)
    diff = Decimal(str(current)) - Decimal(str(previous))
    return Change(f"{diff:+,.2f}{unit}", diff == 0)


def money_delta(current: object, previous: object, has_previous: bool) -> Change | None:
    """Change of an amount against the previous year, in the same 亿元 / ¥ bn units as the card."""
    if not has_previous:
        return None
    diff = yuan_to_fen(current) - yuan_to_fen(previous)
    return Change(("+" if diff >= 0 else "-") + money(abs(diff)), diff == 0)


def card(column, label: str, value: object, change: Change | None, *, inverse: bool = False) -> None:
    """A KPI card; an unchanged figure's change is neutral (grey, no arrow), a worse one red."""
    neutral = change is not None and change.zero
    column.metric(label, value, change.text if change else None, border=True,
                  delta_color="off" if neutral else ("inverse" if inverse else "normal"),
                  delta_arrow="off" if neutral else "auto",
                  delta_description=t("overview.vs_year", year=filters.year - 1) if change else None)


ex, pex = now["execution"], prev["execution"]
fin, pfin = now["evaluation"]["finance"], prev["evaluation"]["finance"]
ea, pea = now["ex_ante"], prev["ex_ante"]
rc, prc = now["rectification"], prev["rectification"]
had_projects, had_evals = pex["projects"] > 0, pfin["count"] > 0
had_ex_ante, had_findings = pea["projects"] > 0, prc["findings"] > 0

st.subheader(t("overview.section.execution"))
c1, c2, c3, c4 = st.columns(4)
card(c1, t("overview.budget"), money(yuan_to_fen(ex["budget_total"])),
     money_delta(ex["budget_total"], pex["budget_total"], had_projects))
c1.caption(t("overview.budget_help", n=ex["projects"]))
card(c2, t("overview.spent"), money(yuan_to_fen(ex["spent_total"])),
     money_delta(ex["spent_total"], pex["spent_total"], had_projects))
c2.caption(t("overview.spent_help", month=ex["as_of_month"]))
card(c3, t("overview.execution_rate"), pct(ex["execution_rate"]),
     delta(ex["execution_rate"], pex["execution_rate"], had_projects, t("overview.unit_pt")))
c3.caption(t("overview.execution_help", time=pct(ex["time_progress"])))
card(c4, t("overview.behind"), ex["behind_schedule"],
     delta(ex["behind_schedule"], pex["behind_schedule"], had_projects), inverse=True)
c4.caption(t("overview.behind_help", key=ex["key_projects"]))
st.caption(status_rule(SETTINGS))
page_link("pages/execution.py", t("overview.link.execution"))

st.subheader(t("overview.section.results"))
c1, c2, c3, c4 = st.columns(4)
card(c1, t("overview.eg_rate"), pct(fin["excellent_good_rate"]),
     delta(fin["excellent_good_rate"], pfin["excellent_good_rate"], had_evals, t("overview.unit_pt")))
c1.caption(t("overview.eg_help", n=fin["count"], e=fin["excellent"], g=fin["good"], f=fin["fair"], p=fin["poor"]))
card(c2, t("overview.cut_rate"), pct(ea["cut_rate"]),
     delta(ea["cut_rate"], pea["cut_rate"], had_ex_ante, t("overview.unit_pt")))
c2.caption(t("overview.cut_help", n=ea["projects"], cut=money(yuan_to_fen(ea["cut_total"]))))
card(c3, t("overview.completion"), pct(rc["completion_rate"]),
     delta(rc["completion_rate"], prc["completion_rate"], had_findings, t("overview.unit_pt")))
c3.caption(t("overview.completion_help", n=rc["findings"], done=rc["rectified"]))
card(c4, t("overview.overdue"), rc["overdue"], delta(rc["overdue"], prc["overdue"], had_findings), inverse=True)
c4.caption(t("overview.overdue_help", date=now["as_of"]))
l1, l2, l3 = st.columns(3)
with l1:
    page_link("pages/evaluation.py", t("overview.link.evaluation"))
with l2:
    page_link("pages/exante.py", t("overview.link.exante"))
with l3:
    page_link("pages/rectification.py", t("overview.link.rectification"))
