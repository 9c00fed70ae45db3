"""Every page in a real browser, in Chinese and English: screenshots kept, no error box anywhere."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlmodel import Session

from data_access.db import make_engine
from tests.apptest import WITHDRAWN, republish_sample_result, withdraw_sample_result
from tests.browser.conftest import click, ensure_user, goto, no_error_box, screenshot, script_run, sign_in
from tests.browser.test_publishing import publish_chosen

PUBLIC = ["portal_home", "portal_evaluations", "portal_findings", "portal_exante", "portal_changes",
          "portal_execution", "portal_department", "portal_project", "portal_search"]
INTERNAL = ["overview", "execution", "evaluation", "rectification", "exante", "indicators", "report",
            "upload", "entry", "upload_history", "submissions", "publishing", "users", "audit"]


# One test per page, so the two workers share the sweep; each page opens at its own URL, in Chinese, and is
# then read in English through the sidebar's language switch (a second load of the URL with ?lang=en cost as
# much again; tests/browser/test_accessibility.py and test_portal_navigation.py open English URLs).
@pytest.mark.parametrize("name", PUBLIC)
def test_public_page_anonymous(page, app_server, name: str) -> None:  # type: ignore[no-untyped-def]
    goto(page, f"{app_server.url}/{name}")
    for lang in ("zh", "en"):
        if lang == "en":
            click(page, page.get_by_text("English", exact=True))
        no_error_box(page)
        assert page.get_by_text("Page not found").count() == 0
        assert urlsplit(page.url).path == f"/{name}", page.url
        screenshot(page, f"public-{name}-{lang}")


def test_an_internal_url_shows_the_login_form_and_no_data(page, app_server) -> None:  # type: ignore[no-untyped-def]
    goto(page, f"{app_server.url}/execution")
    page.get_by_text("工作人员登录").wait_for(state="visible")
    assert page.locator('[data-testid="stMetric"]').count() == 0


@pytest.mark.parametrize("name", INTERNAL)
def test_internal_page_signed_in(page, app_server, admin_state, name: str) -> None:  # type: ignore[no-untyped-def]
    page.context.add_cookies(admin_state["cookies"])  # a signed-in admin's browser
    goto(page, f"{app_server.url}/{name}")
    for lang in ("zh", "en"):
        if lang == "en":  # the page read again in English, through the sidebar's switch
            click(page, page.get_by_text("English", exact=True))
        signed_in = "已登录：browser-admin" if lang == "zh" else "Signed in: browser-admin"
        assert page.get_by_text(signed_in).count() == 1  # the cookie alone signs the page in
        assert urlsplit(page.url).path == f"/{name}", page.url  # no forwarding elsewhere
        # The sidebar links every staff page at its own URL (Streamlit opens a link it holds).
        hrefs = page.locator('[data-testid="stSidebarNav"] a').evaluate_all("links => links.map(a => a.href)")
        assert {urlsplit(h).path.lstrip("/") for h in hrefs} >= set(INTERNAL)
        no_error_box(page)
        screenshot(page, f"internal-{name}-{lang}")


def test_permalink_and_download(page, app_server) -> None:  # type: ignore[no-untyped-def]
    goto(page, f"{app_server.url}/portal_evaluations?region=荔湾区&year=2020&annex=3&grade=excellent")
    no_error_box(page)
    page.get_by_text("附件3 重点评价报告（荔湾区 2020）").wait_for(state="visible")
    # A download button reruns the script too; the file is written on the click (deferred), so it may take
    # as long as a run on a busy machine.
    with script_run(page), page.expect_download(timeout=60_000) as info:
        page.locator('[data-testid="stDownloadButton"] button', has_text="CSV").first.click()
    content = info.value.path().read_text(encoding="utf-8-sig")
    assert "区人力和社会保障局" in content and "优" in content
    screenshot(page, "public-permalink")


def test_finance_publishes_and_the_portal_shows_it(page, app_server) -> None:  # type: ignore[no-untyped-def]
    ensure_user(app_server.db_url, "browser-finance", "finance", "finance-password")
    hidden = WITHDRAWN
    withdraw_sample_result(app_server.db_url)
    try:
        _publish_the_withdrawn_record(page, app_server, hidden)
    finally:  # the server is shared: a failure half-way must not leave the record withdrawn for the next test
        republish_sample_result(app_server.db_url)


def _publish_the_withdrawn_record(page, app_server, hidden: str) -> None:  # type: ignore[no-untyped-def]
    goto(page, f"{app_server.url}/portal_evaluations?region=黄埔区&year=2022&annex=2")
    assert page.get_by_text("便民服务车线路运营补贴").count() > 0  # the annex table is drawn, without the hidden record
    assert page.get_by_text(hidden).count() == 0
    sign_in(page, app_server.url, "browser-finance", "finance-password")
    with script_run(page):
        page.locator('[data-testid="stSidebarNav"] a[href$="/publishing"]').first.click()
    publish_chosen(page, hidden)
    page.get_by_text("已更新 1 条记录").wait_for(state="visible")
    screenshot(page, "internal-publishing-done")
    goto(page, f"{app_server.url}/portal_evaluations?region=黄埔区&year=2022&annex=2")  # as any visitor would
    assert page.get_by_text(hidden).count() > 0  # a cell of the annex table (the grid keeps cells in the DOM)
    no_error_box(page)
    screenshot(page, "public-after-publishing")


def test_a_reload_keeps_staff_signed_in_until_they_sign_out(page, app_server) -> None:  # type: ignore[no-untyped-def]
    ensure_user(app_server.db_url, "browser-reloader", "leader", "reload-password")
    sign_in(page, app_server.url, "browser-reloader", "reload-password")
    goto(page, f"{app_server.url}/execution")  # a bookmark, a reload or a new tab
    page.get_by_role("heading", name="执行监控").wait_for(state="visible")
    assert page.get_by_text("已登录：browser-reloader").count() == 1
    with script_run(page):
        page.get_by_role("button", name="退出登录").click()
    page.get_by_text("工作人员登录").wait_for(state="visible")
    with script_run(page):
        page.reload()
    page.get_by_text("工作人员登录").wait_for(state="visible")
    assert page.get_by_role("button", name="退出登录").count() == 0


def test_submissions_show_every_department_without_scrolling(page, app_server, admin_state) -> None:  # type: ignore[no-untyped-def]
    from data_access.queries.uploads import submission_matrix

    with Session(make_engine(app_server.db_url)) as session:
        departments = len(submission_matrix(session=session, region="黄埔区", year=2022))
    assert departments > 10  # more than the ten rows st.dataframe shows by default
    page.context.add_cookies(admin_state["cookies"])  # signed in (the sign-in itself is tested above)
    goto(page, f"{app_server.url}/submissions?region=黄埔区&year=2022")
    no_error_box(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(state="visible")
    box = grid.bounding_box()
    assert box is not None and box["height"] >= (departments + 1) * 35  # every row drawn, header included
    screenshot(page, "internal-submissions-all-rows")
