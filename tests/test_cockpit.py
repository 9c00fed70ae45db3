"""The cockpit's year-on-year changes (queries/cockpit.py): the difference of the cards a reader compares."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session

from data_access.db import make_engine
from data_access.money import yuan_to_fen
from data_access.queries.cockpit import cockpit, previous_as_of

CARDS = ["budget_fen", "spent_fen", "execution_rate", "behind_schedule", "excellent_good_rate", "cut_rate",
         "completion_rate", "overdue"]


@pytest.mark.parametrize(
    ("as_of", "previous"),
    [(dt.date(2022, 12, 31), dt.date(2021, 12, 31)), (dt.date(2024, 2, 29), dt.date(2023, 2, 28)),
     (dt.date(2023, 2, 28), dt.date(2022, 2, 28)), (dt.date(2022, 6, 30), dt.date(2021, 6, 30))],
)
def test_the_previous_year_is_read_as_of_the_same_day(as_of: dt.date, previous: dt.date) -> None:
    assert previous_as_of(as_of) == previous


def test_changes_are_the_difference_of_the_cards(any_seeded_url: str) -> None:
    with Session(make_engine(any_seeded_url)) as session:
        c = cockpit(session=session, year=2022, region="黄埔区", as_of=dt.date(2022, 12, 31))
    assert list(c.changes) == CARDS and c.previous["year"] == 2021 and c.previous["as_of"] == "2021-12-31"
    ex, pex = c.now["execution"], c.previous["execution"]
    grew = yuan_to_fen(ex["budget_total"]) - yuan_to_fen(pex["budget_total"])
    assert c.changes["budget_fen"] == grew and grew > 0  # fen, exact
    assert c.changes["execution_rate"] == ex["execution_rate"] - pex["execution_rate"]  # points between the cards
    assert c.changes["overdue"] == 0 and isinstance(c.changes["overdue"], int)  # a count stays a count


def test_no_change_where_the_previous_year_holds_no_data(any_seeded_url: str) -> None:
    with Session(make_engine(any_seeded_url)) as session:
        c = cockpit(session=session, year=2021, region="黄埔区", as_of=dt.date(2021, 12, 31))
    assert c.changes == dict.fromkeys(CARDS)


def test_rectification_as_of_today_beside_the_year_end(any_seeded_url: str) -> None:
    """黄埔区 2022: nothing overdue on 31 December 2022 (deadlines fall in 2023), the open ones overdue by 2024."""
    with Session(make_engine(any_seeded_url)) as session:
        c = cockpit(session=session, year=2022, region="黄埔区", as_of=dt.date(2022, 12, 31), today=dt.date(2024, 1, 1))
    rc = c.now["rectification"]
    assert (c.now["as_of"], rc["overdue"]) == ("2022-12-31", 0)
    assert c.today["as_of"] == "2024-01-01" and c.today["overdue"] == rc["not_started"] + rc["in_progress"] > 0
    # The sample's 2022 rectified findings await the bureau's verification; 2021's were verified.
    assert c.closure == {"verified": 0, "awaiting": rc["rectified"]}
    with Session(make_engine(any_seeded_url)) as session:
        last_year = cockpit(session=session, year=2021, region="黄埔区", as_of=dt.date(2021, 12, 31))
    assert last_year.closure == {"verified": last_year.now["rectification"]["rectified"], "awaiting": 0}
