"""Every page in a real browser, in Chinese and English: screenshots kept, no error box anywhere."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlmodel import Session

from data_access.auth import create_user
from data_access.db import make_engine
from tests.apptest import WITHDRAWN, withdraw_sample_result
from tests.browser.conftest import goto, no_error_box, screenshot, script_run, sign_in
from tests.browser.test_publishing import pick_to_publish

PUBLIC = ["portal_home", "portal_evaluations", "portal_findings", "portal_exante", "portal_changes",
          "portal_execution", "portal_department", "portal_project", "portal_search"]
INTERNAL = ["overview", "execution", "evaluation", "rectification", "exante", "indicators", "report",
            "upload", "entry", "upload_history", "submissions", "publishing", "users", "audit"]


@pytest.fixture(scope="module")
def admin(app_server) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with Session(make_engine(app_server.db_url)) as session:
        create_user(session, "browser-admin", "admin", "browser-password")
    return "browser-admin", "browser-password"


def test_public_pages_anonymous(page, app_server) -> None:  # type: ignore[no-untyped-def]
    for name in PUBLIC:
        for lang in ("zh", "en"):
            goto(page, f"{app_server.url}/{name}?lang={lang}")  # every page at its own URL, the first one too
            no_error_box(page)
            assert page.get_by_text("Page not found").count() == 0
            screenshot(page, f"public-{name}-{lang}")
    # An internal URL shows the login form and no data.
    goto(page, f"{app_server.url}/execution")
    page.get_by_text("工作人员登录").wait_for(state="visible")
    assert page.locator('[data-testid="stMetric"]').count() == 0


def test_internal_pages_signed_in(page, app_server, admin) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, app_server.url, *admin)
    assert page.get_by_text("领导驾驶舱").first.is_visible()
    for name in INTERNAL:
        for lang in ("zh", "en"):
            href = f"{app_server.url}/{name}"  # / only opens the first page at its own URL
            with script_run(page):
                page.locator(f'[data-testid="stSidebarNav"] a[href="{href}"]').first.click()
            assert urlsplit(page.url).path == urlsplit(href).path, (name, page.url)
            if lang == "en":
                with script_run(page):
                    page.get_by_text("English", exact=True).click()
            no_error_box(page)
            screenshot(page, f"internal-{name}-{lang}")
            if lang == "en":
                with script_run(page):
                    page.get_by_text("中文", exact=True).click()


def test_permalink_and_download(page, app_server) -> None:  # type: ignore[no-untyped-def]
    goto(page, f"{app_server.url}/portal_evaluations?region=荔湾区&year=2020&annex=3&grade=excellent")
    no_error_box(page)
    page.get_by_text("附件3 重点评价报告（荔湾区 2020）").wait_for(state="visible")
    with script_run(page), page.expect_download() as info:  # a download button reruns the script too
        page.locator('[data-testid="stDownloadButton"] button', has_text="CSV").first.click()
    content = info.value.path().read_text(encoding="utf-8-sig")
    assert "区人力和社会保障局" in content and "优" in content
    screenshot(page, "public-permalink")


def test_finance_publishes_and_the_portal_shows_it(page, app_server) -> None:  # type: ignore[no-untyped-def]
    with Session(make_engine(app_server.db_url)) as session:
        create_user(session, "browser-finance", "finance", "finance-password")
    hidden = WITHDRAWN
    withdraw_sample_result(app_server.db_url)
    goto(page, f"{app_server.url}/portal_evaluations?region=黄埔区&year=2022&annex=2")
    assert page.get_by_text("便民服务车线路运营补贴").count() > 0  # the annex table is drawn, without the hidden record
    assert page.get_by_text(hidden).count() == 0
    sign_in(page, app_server.url, "browser-finance", "finance-password")
    with script_run(page):
        page.locator('[data-testid="stSidebarNav"] a[href$="/publishing"]').first.click()
    pick_to_publish(page, hidden)
    with script_run(page):
        page.get_by_role("button", name="公开", exact=True).click()
    page.get_by_text("已更新 1 条记录").wait_for(state="visible")
    screenshot(page, "internal-publishing-done")
    goto(page, f"{app_server.url}/portal_evaluations?region=黄埔区&year=2022&annex=2")  # as any visitor would
    assert page.get_by_text(hidden).count() > 0  # a cell of the annex table (the grid keeps cells in the DOM)
    no_error_box(page)
    screenshot(page, "public-after-publishing")


def test_a_reload_keeps_staff_signed_in_until_they_sign_out(page, app_server) -> None:  # type: ignore[no-untyped-def]
    with Session(make_engine(app_server.db_url)) as session:
        create_user(session, "browser-reloader", "leader", "reload-password")
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


def test_submissions_show_every_department_without_scrolling(page, app_server, admin) -> None:  # type: ignore[no-untyped-def]
    from data_access.queries.uploads import submission_matrix

    with Session(make_engine(app_server.db_url)) as session:
        departments = len(submission_matrix(session=session, region="黄埔区", year=2022))
    assert departments > 10  # more than the ten rows st.dataframe shows by default
    sign_in(page, app_server.url, *admin)
    goto(page, f"{app_server.url}/submissions?region=黄埔区&year=2022")
    no_error_box(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(state="visible")
    box = grid.bounding_box()
    assert box is not None and box["height"] >= (departments + 1) * 35  # every row drawn, header included
    screenshot(page, "internal-submissions-all-rows")
