"""Issue 12 item 8: axe-core finds no serious or critical violation of the app's own on any portal
page or the login page at 1440 px: every page in Chinese, and in English those of different layouts.

axe.min.js comes with the `axe-playwright-python` package (requirements-dev.txt), so the check runs
offline. Streamlit's own navigation (a <ul> whose items sit inside <div>s) is Streamlit's markup,
not the app's: it is left out of the check, and nothing else is."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from data_access.db import make_engine
from data_access.publishing import set_execution_published
from tests.browser.conftest import goto, no_error_box, screenshot

PAGES = ["portal_home", "portal_evaluations", "portal_findings", "portal_exante", "portal_changes", "portal_execution",
         "login"]
STREAMLIT_OWN = [["[data-testid='stSidebarNav']"]]  # Streamlit's page navigation
VIEWS = {"portal_evaluations": "&annex=1", "portal_findings": "", "portal_changes": "&since=2000-01-01"}


# Every page in Chinese; in English (the same markup and theme, other words) the pages of other layouts:
# the home page's cards and charts, an annex table with its chart, and the login form. One test each, so
# the two workers share the sweep.
CHECKS = [("zh", path) for path in PAGES] + [("en", path) for path in ("portal_home", "portal_evaluations", "login")]


@pytest.mark.parametrize(("lang", "path"), CHECKS)
def test_axe_finds_nothing_serious_of_the_apps_own(page, app_server, lang: str, path: str) -> None:  # type: ignore[no-untyped-def]
    if path != "portal_execution":
        _check(page, app_server, lang, path)
        return
    with Session(make_engine(app_server.db_url)) as session:  # so the execution page has its table
        set_execution_published(session, "黄埔区", 2022, True, "browser-a11y")
    try:
        _check(page, app_server, lang, path)
    finally:  # the server is shared by the session's browser tests: leave it as found
        with Session(make_engine(app_server.db_url)) as session:
            set_execution_published(session, "黄埔区", 2022, False, "browser-a11y")


def _check(page, app_server, lang: str, path: str) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size({"width": 1440, "height": 1000})
    goto(page, f"{app_server.url}/{path}?region=黄埔区&year=2022&lang={lang}{VIEWS.get(path, '')}")
    no_error_box(page)
    results = Axe().run(page, context={"exclude": STREAMLIT_OWN})
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    # Headings go down one level at a time (h1 → h2), which axe rates moderate: held to it all the same.
    order = [v["id"] for v in results.response["violations"] if v["id"] == "heading-order"]
    screenshot(page, f"a11y-{path}-{lang}")
    assert serious + order == []
