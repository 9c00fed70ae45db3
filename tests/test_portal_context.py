"""The reader's district, year and language stay as they move between portal pages, and stay in the URL."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import app

PAGES = ["portal_evaluations", "portal_findings", "portal_exante", "portal_changes", "portal_department",
         "portal_project", "portal_search", "portal_home"]


def _params(at: AppTest) -> dict[str, str]:
    return {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}


def _navigate(at: AppTest, page: str) -> AppTest:
    """A click in the navigation: the new page's URL carries no query of its own."""
    at.query_params.clear()
    return at.switch_page(f"../pages/{page}.py").run()


def test_district_and_year_chosen_once_stay_on_every_page(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = app(monkeypatch, seeded_url).run()
    assert _params(at) == {"region": "黄埔区", "year": "2022"}  # the newest district-year by default
    at.selectbox(key="portal_region").select("荔湾区").run()
    assert _params(at) == {"region": "荔湾区", "year": "2020"}
    for page in PAGES:
        _navigate(at, page)
        assert not at.exception, page
        assert at.selectbox(key="portal_region").value == "荔湾区", page
        assert at.selectbox(key="portal_year_荔湾区").value == 2020, page
        assert {k: v for k, v in _params(at).items() if k in ("region", "year")} == {"region": "荔湾区", "year": "2020"}
    _navigate(at, "portal_evaluations")
    assert "荔湾区 2020" in at.header[0].value  # the annex of the chosen district-year, not 黄埔区 2022


def test_year_and_language_stay_too(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = app(monkeypatch, seeded_url)
    at.query_params.update({"lang": "en"})
    at.run()
    at.selectbox(key="portal_year_黄埔区").select(2021).run()
    for page in ("portal_findings", "portal_home"):
        _navigate(at, page)
        assert at.selectbox(key="portal_year_黄埔区").value == 2021, page
        assert _params(at) == {"region": "黄埔区", "year": "2021", "lang": "en"}
        assert at.title[0].value in ("Rectification", "Public disclosure")


def test_a_link_wins_over_what_was_chosen_before(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = app(monkeypatch, seeded_url).run()
    at.selectbox(key="portal_region").select("荔湾区").run()
    at.query_params.clear()
    at.query_params.update({"region": "黄埔区", "year": "2021"})
    at.switch_page("../pages/portal_exante.py").run()
    assert _params(at)["region"] == "黄埔区" and _params(at)["year"] == "2021"
    assert at.selectbox(key="portal_region").value == "黄埔区"


def test_the_home_page_links_carry_the_context(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = app(monkeypatch, seeded_url)
    at.query_params.update({"region": "荔湾区", "year": "2020", "lang": "en"})
    at.run()
    links = {p.proto.label: p.proto for p in at.get("page_link")}
    for label in ("Evaluation results", "Rectification", "Ex-ante assessments", "What changed", "Departments"):
        assert parse_qs(links[label].query_string) == {"region": ["荔湾区"], "year": ["2020"], "lang": ["en"]}, label
