"""The public annex-3 page in a real browser, over records whose every text field is a payload
imported through the importer: the visitor sees the text as typed and nothing it could do."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from data_access.db import make_engine
from tests import payloads as P
from tests.browser.conftest import AppServer, goto, no_error_box, screenshot, serve


@pytest.fixture(scope="module")
def payload_server(_seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    db = tmp_path_factory.mktemp("payloads") / "app.db"
    shutil.copy(_seeded_template, db)
    engine = make_engine(f"sqlite:///{db}")
    P.import_payloads(engine)
    engine.dispose()
    yield from serve(db)


def test_annex_three_shows_an_imported_summary_as_text(page, payload_server: AppServer) -> None:  # type: ignore[no-untyped-def]
    requested: list[str] = []
    dialogs: list[str] = []

    def on_request(request) -> None:  # type: ignore[no-untyped-def]
        requested.append(request.url)

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("request", on_request)
    page.on("dialog", on_dialog)
    try:
        _check(page, payload_server, requested, dialogs)
    finally:  # the tab goes on to the next test (`page`)
        page.remove_listener("request", on_request)
        page.remove_listener("dialog", on_dialog)


def _check(page, payload_server: AppServer, requested: list[str], dialogs: list[str]) -> None:  # type: ignore[no-untyped-def]
    # The print view opens every report, so the summaries are on screen.
    goto(page, f"{payload_server.url}/portal_evaluations"
               f"?region={quote(P.REGION, safe='')}&year={P.YEAR}&annex=3&print=1")
    no_error_box(page)
    screenshot(page, "public-portal_evaluations-payloads")
    main = page.locator('[data-testid="stMain"]')
    # Nothing the markup asked for: no link, no image from anywhere, no LaTeX, no colour, no HTML, no emphasis.
    # (The app's own links carry the region, payload and all, in their query string: hosts are compared.)
    assert page.evaluate("() => [...document.links].filter(a => a.hostname.endsWith('evil.example')).length") == 0
    assert page.evaluate("() => [...document.images].filter(i => i.src.includes('evil.example')"
                         " || i.getAttribute('src') === 'x').length") == 0
    assert page.locator(".katex, .katex-mathml").count() == 0
    assert main.locator(".stMarkdownColoredText, strong, h1:has-text('标题')").count() == 0
    assert page.evaluate("() => [...document.scripts].filter(s => s.textContent.includes('alert(1)')).length") == 0
    assert [url for url in requested if (urlsplit(url).hostname or "").endswith("evil.example")] == []
    assert dialogs == []  # no alert() ran
    # Character for character (word joiners aside, which keep Streamlit from rewriting a URL or :code:).
    texts = [text.replace("\u2060",
                          "") for text in main.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()]
    assert any(P.SUMMARY in text for text in texts)
    assert any(P.EVALUATOR in text for text in texts)
    assert P.KEY_SUBJECT in main.locator('[data-testid="stExpander"] summary').first.inner_text().replace("\u2060", "")
    assert P.REGION in main.locator("h2").first.inner_text().replace("\u2060", "")  # the annex title names the region
