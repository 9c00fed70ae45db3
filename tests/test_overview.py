"""The cockpit shows exactly the figures of `kpis`, formatted as the seeds write them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.formatting import money, percent
from data_access.queries.kpis import kpis, rectification_kpis
from tests.apptest import open_url, signed_in

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cockpit(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> AppTest:
    at = signed_in(monkeypatch, seeded_url)
    assert [t.value for t in at.title] == ["领导驾驶舱"]  # staff land on the cockpit after signing in
    # The root (/) only switches to the cockpit's own URL, as a browser's address bar then shows; AppTest
    # stays on the root's page, so the next runs open the cockpit by its URL as the browser does.
    return open_url(at, "overview")


def _fen(yuan: object) -> int:
    from decimal import Decimal

    return int(Decimal(str(yuan)) * 100)


def test_home_page_shows_huangpu_2022_as_kpis(cockpit: AppTest, seeded_url: str) -> None:
    at = cockpit
    assert not at.exception
    assert at.selectbox(key="filter_region").value == "黄埔区"
    with Session(make_engine(seeded_url)) as session:
        k = kpis(session=session, year=2022, region="黄埔区", as_of=dt.date(2022, 12, 31))
    shown = {m.label: m.value for m in at.metric}
    assert shown["财政评价优良率"] == "92.11%" == percent(k["evaluation"]["finance"]["excellent_good_rate"])
    assert shown["事前评估核减率"] == "23.25%"
    assert shown["预算总额"] == money(_fen(k["execution"]["budget_total"]))
    assert shown["预算执行率"] == percent(k["execution"]["execution_rate"])
    assert shown["重点项目预警"] == str(k["execution"]["behind_schedule"])
    assert shown["逾期未整改（截至 2022-12-31）"] == str(k["rectification"]["overdue"])
    captions = " ".join(c.value for c in at.caption)
    assert "优 4、良 31、中 3、差 0" in captions and "建议核减 3.79 亿元" in captions


def test_other_region_and_english(cockpit: AppTest) -> None:
    at = cockpit
    at.selectbox(key="filter_region").select("荔湾区").run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["事前评估核减率"] == "15.15%" and shown["财政评价优良率"] == "86.49%"
    at.session_state["lang"] = "en"
    at.run()
    assert [t.value for t in at.title] == ["Leadership cockpit"]
    assert {m.label for m in at.metric} >= {"Execution rate", "Ex-ante cut rate", "Overdue as of 2020-12-31"}


def test_overdue_at_the_year_end_and_today_side_by_side(cockpit: AppTest, seeded_url: str) -> None:
    """A past year's cockpit is as of 31 December, before its findings' deadlines passed: 0 overdue there,
    while today many are. Both show, each labelled with its date, so a reader sees why they differ."""
    today = dt.date.today()
    with Session(make_engine(seeded_url)) as session:
        year_end = rectification_kpis(session=session, year=2022, region="黄埔区", as_of=dt.date(2022, 12, 31))
        now = rectification_kpis(session=session, year=2022, region="黄埔区", as_of=today)
    assert year_end["overdue"] == 0 and now["overdue"] > 0
    shown = {m.label: m.value for m in cockpit.metric}
    assert shown["逾期未整改（截至 2022-12-31）"] == "0"
    assert shown[f"逾期未整改（截至今天 {today.isoformat()}）"] == str(now["overdue"])
    labels = [m.label for m in cockpit.metric]
    assert (labels.index(f"逾期未整改（截至今天 {today.isoformat()}）")
            == labels.index("逾期未整改（截至 2022-12-31）") + 1)
