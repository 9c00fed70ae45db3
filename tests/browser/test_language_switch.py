"""Switching language in chromium keeps a chosen option and shows it in the new language (issue 12): the
browser keeps the label it last had unless the run sends the value again (dashboard.i18n.choice)."""

from __future__ import annotations

from tests.browser.conftest import goto, no_error_box, screenshot, script_run


def _shown(page, label: str) -> str:  # type: ignore[no-untyped-def]
    """The text a select box shows (its combobox input), found by its label."""
    return page.get_by_role("combobox", name=label, exact=True).input_value()


def test_a_chosen_filter_reads_in_the_new_language(page, app_server) -> None:  # type: ignore[no-untyped-def]
    goto(page, f"{app_server.url}/portal_findings?region=黄埔区&year=2022")
    page.get_by_role("combobox", name="整改状态", exact=True).click()
    with script_run(page):
        page.get_by_role("option", name="整改中").click()
    assert _shown(page, "整改状态") == "整改中" and _shown(page, "预算单位") == "全部"
    with script_run(page):
        page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Rectification").wait_for(state="visible")
    assert _shown(page, "Status") == "in progress"  # the same choice, in English
    assert _shown(page, "Department") == "All"  # and the one left at its default
    no_error_box(page)
    screenshot(page, "public-portal_findings-switched-en")
    with script_run(page):
        page.get_by_text("中文", exact=True).click()
    page.get_by_role("heading", name="整改情况").wait_for(state="visible")
    assert _shown(page, "整改状态") == "整改中" and _shown(page, "预算单位") == "全部"
