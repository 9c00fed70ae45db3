"""The cockpit and 执行监控 in a real browser, zh and en: figures drawn, no error box, screenshots kept."""

from __future__ import annotations

from sqlmodel import Session

from data_access.auth import create_user
from data_access.db import make_engine
from tests.browser.conftest import no_error_box, screenshot, script_run, sign_in


def test_leader_sees_cockpit_and_execution(page, app_server) -> None:  # type: ignore[no-untyped-def]
    with Session(make_engine(app_server.db_url)) as session:
        create_user(session, "cockpit-leader", "leader", "cockpit-password")
    sign_in(page, app_server.url, "cockpit-leader", "cockpit-password")
    for name, title, metric in (("overview", "领导驾驶舱", "92.11%"), ("execution", "执行监控", "177.6 亿元")):
        href = f"{app_server.url}/{name}"  # / only opens the first page at its own URL
        with script_run(page):
            page.locator(f'[data-testid="stSidebarNav"] a[href="{href}"]').first.click()
        no_error_box(page)
        page.get_by_role("heading", name=title).first.wait_for(state="visible")
        assert page.locator('[data-testid="stMetricValue"]').get_by_text(metric).count() == 1
        assert page.locator('[data-testid="stVegaLiteChart"], [data-testid="stMetric"]').count() > 0
        screenshot(page, f"cockpit-{name}-zh")
        with script_run(page):
            page.get_by_text("English", exact=True).click()
        no_error_box(page)
        english = "Leadership cockpit" if name == "overview" else "Execution monitoring"
        page.get_by_role("heading", name=english).first.wait_for(state="visible")
        screenshot(page, f"cockpit-{name}-en")
        with script_run(page):
            page.get_by_text("中文", exact=True).click()
        page.get_by_role("heading", name=title).first.wait_for(state="visible")
