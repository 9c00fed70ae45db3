"""Portal table link cells in chromium: a name holding `& # % ? =` shows as written, and its link opens
its own page (the cell's URL escapes it, the cell's text does not).

The cell's text is `portal.LINK_TEXT`'s capture group, which Streamlit 1.67's LinkColumn passes through
decodeURIComponent. A click on a link cell always opens a new tab: the grid calls
window.open(url, "_blank") and LinkColumn has no option for it (streamlit/streamlit#7464, #9343)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from sqlalchemy import update
from sqlmodel import Session

from data_access.db import make_engine
from data_access.models import Department
from tests.browser.conftest import AppServer, goto, no_error_box, screenshot, serve

ODD = "区民政局&服务#1 50%?x=y+z"

# Every string the page draws on a canvas (the table grid draws its cells there, not in the DOM).
DRAWN = """
(() => {
  window.__drawn = [];
  const fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    window.__drawn.push(String(text));
    return fill.call(this, text, ...rest);
  };
})();
"""


@pytest.fixture(scope="module")
def odd_server(_seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app over its own copy of the sample, 区民政局 renamed to hold every character a URL escapes."""
    db = tmp_path_factory.mktemp("links") / "app.db"
    shutil.copy(_seeded_template, db)
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        s.execute(update(Department).where(Department.name == "区民政局").values(name=ODD))
        s.commit()
    engine.dispose()
    yield from serve(db)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_link_cell_shows_the_name_as_written(page, odd_server, lang: str) -> None:  # type: ignore[no-untyped-def]
    with page.add_init_script(DRAWN):  # for this test only: the tab goes on to the next test (`page`)
        _check(page, odd_server, lang)


def _check(page, odd_server: AppServer, lang: str) -> None:  # type: ignore[no-untyped-def]
    suffix = "&lang=en" if lang == "en" else ""
    goto(page, f"{odd_server.url}/portal_findings?region=黄埔区&year=2022{suffix}")
    no_error_box(page)
    page.locator('[data-testid="stDataFrame"]').first.scroll_into_view_if_needed()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    drawn = page.evaluate("() => window.__drawn")
    assert ODD in drawn
    assert not [d for d in drawn if "%26" in d or "%23" in d or "%25" in d or "%3F" in d]
    screenshot(page, f"public-portal_findings-odd-name-{lang}")
    # The cell's link (the grid's accessible cell holds it) opens the department's page, titled by the name.
    cells = page.locator('[data-testid="stDataFrame"] td[role="gridcell"]').all_inner_texts()
    link = next(c for c in cells if c.startswith("portal_department?") and "%26" in c)
    goto(page, urljoin(odd_server.url + "/", link))
    page.get_by_role("heading", name=ODD).wait_for(state="visible")
    no_error_box(page)
