"""The cockpit (领导驾驶舱): the `kpis` of a year beside the year before, and each card's change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from data_access.money import yuan_to_fen
from data_access.queries.kpis import kpis, rectification_kpis
from data_access.queries.rectification import closure_counts
from data_access.settings import SETTINGS, Settings

Change = int | Decimal | None


@dataclass(frozen=True)
class Cockpit:
    """`kpis` now and a year earlier; `changes` maps each card to its change (None: no data a year earlier).

    `today` is the year's rectification block as of today, shown beside the as-of one: a past year's
    cockpit is as of 31 December, when its findings' deadlines (the next year) had not yet passed.
    `closure` counts the rectified findings the bureau verified and those awaiting it.
    """

    now: dict[str, Any]
    previous: dict[str, Any]
    changes: dict[str, Change]
    today: dict[str, Any]
    closure: dict[str, int]


def previous_as_of(as_of: dt.date) -> dt.date:
    """The same day a year earlier (28 February for a 29 February)."""
    if (as_of.month, as_of.day) == (2, 29):
        return dt.date(as_of.year - 1, 2, 28)
    return as_of.replace(year=as_of.year - 1)


def _difference(current: Any, previous: Any) -> Change:
    """current − previous: counts as an int, rates (already as shown, 2 decimals) as percentage points."""
    if current is None or previous is None:
        return None
    if isinstance(current, int) and isinstance(previous, int):
        return current - previous
    return Decimal(str(current)) - Decimal(str(previous))


def year_on_year(now: dict[str, Any], previous: dict[str, Any]) -> dict[str, Change]:
    """Each cockpit card's change against the previous year's `kpis`, only where that year holds data.

    Amounts change in fen; rates by the difference of the two rates as shown (so the change is what a
    reader gets subtracting the cards), in percentage points; counts by the difference of counts.
    """
    ex, pex = now["execution"], previous["execution"]
    fin, pfin = now["evaluation"]["finance"], previous["evaluation"]["finance"]
    ea, pea = now["ex_ante"], previous["ex_ante"]
    rc, prc = now["rectification"], previous["rectification"]
    had = {"execution": pex["projects"] > 0, "evaluation": pfin["count"] > 0, "ex_ante": pea["projects"] > 0,
           "rectification": prc["findings"] > 0}
    pairs: dict[str, tuple[str, Any, Any]] = {
        "budget_fen": ("execution", yuan_to_fen(ex["budget_total"]), yuan_to_fen(pex["budget_total"])),
        "spent_fen": ("execution", yuan_to_fen(ex["spent_total"]), yuan_to_fen(pex["spent_total"])),
        "execution_rate": ("execution", ex["execution_rate"], pex["execution_rate"]),
        "behind_schedule": ("execution", ex["behind_schedule"], pex["behind_schedule"]),
        "excellent_good_rate": ("evaluation", fin["excellent_good_rate"], pfin["excellent_good_rate"]),
        "cut_rate": ("ex_ante", ea["cut_rate"], pea["cut_rate"]),
        "completion_rate": ("rectification", rc["completion_rate"], prc["completion_rate"]),
        "overdue": ("rectification", rc["overdue"], prc["overdue"]),
    }
    return {card: _difference(current, prior) if had[block] else None
            for card, (block, current, prior) in pairs.items()}


def cockpit(
    *, session: Session, year: int, region: str, as_of: dt.date, settings: Settings = SETTINGS,
    today: dt.date | None = None,
) -> Cockpit:
    """The cockpit's figures as of a date, against the previous year as of the same day a year earlier,
    and the year's rectification as of today."""
    now = kpis(session=session, year=year, region=region, as_of=as_of, settings=settings)
    previous = kpis(session=session, year=year - 1, region=region, as_of=previous_as_of(as_of), settings=settings)
    current = rectification_kpis(session=session, year=year, region=region, as_of=today or dt.date.today())
    current["as_of"] = (today or dt.date.today()).isoformat()
    return Cockpit(now, previous, year_on_year(now, previous), current,
                   closure_counts(session=session, year=year, region=region))
