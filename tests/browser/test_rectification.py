"""A finding from 未整改 to verified closure in a real browser: a department's clerk starts and rectifies it,
the finance bureau verifies it, and the cockpit's completion rate moves. Screenshots kept."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from data_access.auth import create_user
from data_access.db import make_engine
from data_access.models import Department, Finding, Region
from tests.browser.conftest import AppServer, no_error_box, screenshot, serve, sign_in, sign_in_here, wait_ready

CODE = "HP2022-0026"  # 黄埔区 2022, 区住房城乡建设局, not started


@pytest.fixture(scope="module")
def server(_seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """A server of its own: this test changes a finding, which other browser tests must not see."""
    db = tmp_path_factory.mktemp("rectification") / "app.db"
    shutil.copy(_seeded_template, db)
    yield from serve(db)


def _users(url: str) -> None:
    with Session(make_engine(url)) as s:
        def dept(name: str) -> int:
            return s.execute(select(Department.id).join(Region, Region.id == Department.region_id)
                             .where(Region.name == "黄埔区", Department.name == name)).scalar_one()
        create_user(s, "zj-clerk", "finance", "clerk-password", [dept("区住房城乡建设局")])
        create_user(s, "czj-clerk", "finance", "bureau-password", [dept("区财政局")])


def _metric(page, label: str) -> str:  # type: ignore[no-untyped-def]
    card = page.locator('[data-testid="stMetric"]', has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def _open(page, base: str, name: str) -> None:  # type: ignore[no-untyped-def]
    href = f"{base}/{name}"  # every page at its own URL; / only forwards
    page.locator(f'[data-testid="stSidebarNav"] a[href="{href}"]').first.click()
    wait_ready(page)
    no_error_box(page)


def _handle(page) -> None:  # type: ignore[no-untyped-def]
    """逐项办理, the finding chosen."""
    page.get_by_text("逐项办理", exact=True).click()
    wait_ready(page)
    page.get_by_label("选择问题").click()
    page.keyboard.type(CODE)  # the list is long (and drawn lazily): filter it
    page.get_by_role("option").filter(has_text=CODE).first.click()
    wait_ready(page)
    page.get_by_role("heading", name=CODE).first.wait_for(state="visible")


def _sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="退出登录").click()
    page.get_by_text("工作人员登录").wait_for(state="visible")
    wait_ready(page)


def test_a_finding_walks_to_verified_closure(page, server) -> None:  # type: ignore[no-untyped-def]
    _users(server.db_url)
    sign_in(page, server.url, "zj-clerk", "clerk-password")
    before = _metric(page, "问题整改完成率")
    assert before == "29.03%"  # 9 of 黄埔区's 31 findings of 2022

    _open(page, server.url, "rectification")
    page.get_by_text("未完成整改").first.wait_for(state="visible")  # a clerk opens on what the department owes
    screenshot(page, "rectification-tasks-department")
    _handle(page)
    page.get_by_label("整改措施").fill("制定资产盘点方案，明确责任科室和完成时限")
    page.get_by_role("button", name="开始整改").click()
    page.get_by_text(f"已保存：开始整改（{CODE}）").wait_for(state="visible")
    wait_ready(page)
    page.get_by_label("佐证材料（文件名、文号或说明）").fill("《固定资产盘点报告》及资产清单")
    page.get_by_role("button", name="标记已整改").click()
    page.get_by_text(f"已保存：标记已整改（{CODE}）").wait_for(state="visible")
    wait_ready(page)
    page.get_by_text("已整改，等待财政局核验").wait_for(state="visible")
    no_error_box(page)
    screenshot(page, "rectification-handle-rectified")
    _open(page, server.url, "overview")
    assert _metric(page, "问题整改完成率") == "32.26%"  # 10 of 31: rectified counts, verified or not
    _sign_out(page)

    sign_in_here(page, "czj-clerk", "bureau-password")  # the form the sign-out left on the page
    _open(page, server.url, "rectification")
    _handle(page)
    page.get_by_role("button", name="核验销号").click()
    page.get_by_text(f"已保存：核验销号（{CODE}）").wait_for(state="visible")
    wait_ready(page)
    page.get_by_text("czj-clerk 于").first.wait_for(state="visible")
    no_error_box(page)
    screenshot(page, "rectification-handle-verified")
    _open(page, server.url, "overview")
    assert _metric(page, "问题整改完成率") == "32.26%"
    page.get_by_text("财政局已核验销号 1 个").wait_for(state="visible")
    screenshot(page, "rectification-cockpit-after")
    with Session(make_engine(server.db_url)) as s:
        f = s.execute(select(Finding).where(Finding.finding_code == CODE)).scalar_one()
    assert (f.status, f.verified_by) == ("rectified", "czj-clerk")


def test_the_bureau_sees_the_notices(page, server) -> None:  # type: ignore[no-untyped-def]
    with Session(make_engine(server.db_url)) as s:
        create_user(s, "notice-admin", "admin", "admin-password")
    sign_in(page, server.url, "notice-admin", "admin-password")
    _open(page, server.url, "rectification")
    for view, shot in (("我的整改任务", "tasks-bureau"), ("书面反馈", "feedback"), ("预警督办", "notices")):
        page.get_by_text(view, exact=True).click()
        wait_ready(page)
        no_error_box(page)
        screenshot(page, f"rectification-{shot}")
    with page.expect_download() as info:
        page.get_by_role("button", name="下载该单位通知（.docx）").click()
    assert info.value.suggested_filename.endswith(".docx")
    page.get_by_text("English", exact=True).click()
    wait_ready(page)
    for view, shot in (("Notices", "notices-en"), ("Handle a finding", "handle-en"), ("Overview", "overview-en")):
        page.get_by_text(view, exact=True).click()
        wait_ready(page)
        no_error_box(page)
        screenshot(page, f"rectification-{shot}")
