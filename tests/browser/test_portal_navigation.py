"""A deputy in chromium: a department's whole record in two clicks from the home page, search from any
page, district and year kept from page to page, every page at its own URL (no "Page not found")."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.browser.conftest import goto, no_error_box, screenshot, script_run


def _query(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def _nav(page, title: str) -> None:  # type: ignore[no-untyped-def]
    """A click on a page's entry in the sidebar navigation."""
    with script_run(page):
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()


def test_a_department_in_two_clicks_from_the_home_page(page, app_server) -> None:  # type: ignore[no-untyped-def]
    goto(page, f"{app_server.url}/")
    assert urlsplit(page.url).path == "/portal_home"  # the front door opens the home page at its own URL
    with script_run(page):  # click 1: the home page's link to the departments
        page.locator('[data-testid="stMain"] [data-testid="stPageLink-NavLink"]').filter(has_text="单位档案").click()
    page.get_by_role("heading", name="单位档案").wait_for(state="visible")
    with script_run(page):  # click 2: the department
        page.locator('[data-testid="stPageLink-NavLink"]').filter(has_text="区民政局").first.click()
    page.get_by_role("heading", name="区民政局").wait_for(state="visible")
    no_error_box(page)
    assert _query(page) == {"region": "黄埔区", "year": "2022", "dept": "区民政局"}  # a permalink
    assert page.get_by_text("村居颐康服务站建设").count() > 0  # 2021's evaluation on the same page as 2022's
    assert page.locator('[data-testid="stMetricValue"]').all_inner_texts()[:2] == ["6", "4"]
    screenshot(page, "public-portal_department-record-zh")
    with script_run(page):
        page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Year by year").wait_for(state="visible")
    screenshot(page, "public-portal_department-record-en")


def test_search_from_any_page(page, app_server) -> None:  # type: ignore[no-untyped-def]
    goto(page, f"{app_server.url}/portal_findings?region=荔湾区&year=2020")
    box = page.locator('[data-testid="stSidebar"]').get_by_label("搜索已公开的信息")
    box.fill("绿化养护")
    with script_run(page):
        box.press("Enter")
    page.get_by_role("heading", name="搜索").wait_for(state="visible")
    page.get_by_role("heading", name="评价结果（7）").wait_for(state="visible")
    no_error_box(page)
    assert _query(page) == {"region": "荔湾区", "year": "2020", "q": "绿化养护"}
    assert page.get_by_text("城市绿化养护（区民政局）").count() > 0  # a cell of the results grid
    screenshot(page, "public-portal_search-zh")
    goto(page, f"{app_server.url}/portal_project?region=荔湾区&year=2020&project=城市绿化养护（区民政局）&lang=en")
    page.get_by_role("heading", name="城市绿化养护（区民政局）").wait_for(state="visible")
    no_error_box(page)
    screenshot(page, "public-portal_project-record-en")


def test_district_and_year_stay_from_page_to_page(page, app_server) -> None:  # type: ignore[no-untyped-def]
    goto(page, f"{app_server.url}/portal_home")
    page.locator('[data-testid="stSidebar"]').get_by_label("行政区").click()
    with script_run(page):
        page.get_by_role("option", name="荔湾区").click()
    page.get_by_text("荔湾区 2020 年度预算绩效信息公开").wait_for(state="visible")
    _nav(page, "评价结果")  # the case: this used to land on 黄埔区 2022
    page.get_by_text("附件1 评价结果汇总（荔湾区 2020）").wait_for(state="visible")
    assert {k: _query(page)[k] for k in ("region", "year")} == {"region": "荔湾区", "year": "2020"}
    screenshot(page, "public-portal_evaluations-kept-zh")
    goto(page, f"{app_server.url}/portal_home?region=黄埔区&year=2022")
    page.locator('[data-testid="stSidebar"]').get_by_label("预算年度").click()
    with script_run(page):
        page.get_by_role("option", name="2021").click()
    with script_run(page):
        page.get_by_text("English", exact=True).click()
    _nav(page, "Rectification")
    page.get_by_text("Rectification of the findings of fiscal 2021 (published).").wait_for(state="visible")
    assert _query(page) == {"region": "黄埔区", "year": "2021", "lang": "en"}
    no_error_box(page)


def test_deep_links_open_their_page(page, app_server) -> None:  # type: ignore[no-untyped-def]
    for path, heading in (("portal_home?region=荔湾区&year=2020", "信息公开"),
                          ("portal_exante?region=荔湾区&year=2020&lang=en", "Ex-ante assessments"),
                          ("portal_department?region=荔湾区&year=2020&dept=区民政局", "区民政局")):
        goto(page, f"{app_server.url}/{path}")
        page.get_by_role("heading", name=heading).wait_for(state="visible")
        assert page.get_by_text("Page not found").count() == 0, path
        assert _query(page)["region"] == "荔湾区", path
    screenshot(page, "public-deep-link-department")
