"""数据填报 in a real browser: log in, upload last month's file, see the preview, confirm, see the figures change."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from sqlmodel import Session

from dashboard.ui import money
from data_access.db import make_engine
from data_access.models import Monitoring, Project
from data_access.money import yuan_to_fen
from data_access.queries.kpis import kpis
from tests.browser.conftest import ensure_user, no_error_box, screenshot, script_run, sign_in

PASSWORD = "browser-clerk-password"


@pytest.fixture(scope="module")
def clerk(app_server) -> str:  # type: ignore[no-untyped-def]
    ensure_user(app_server.db_url, "upload_clerk", "finance", PASSWORD)
    return "upload_clerk"


def _spent(db_url: str, code: str, month: int) -> int:
    eng = make_engine(db_url)
    with Session(eng) as s:
        value = s.execute(select(Monitoring.spent_cumulative_fen).join(Project)
                          .where(Project.code == code, Monitoring.month == month)).scalar_one()
    eng.dispose()
    return value


def _file(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "12月"
    ws.append(["2022年12月预算执行情况表（黄埔区）"])
    ws.append(["填报单位：区财政局", None, "单位：万元"])
    ws.append(["项目编码", "项目名称", "预算年度", "月份", "累计支出"])
    ws.append([" HP2022K001 ", "示例", "2022年", "12月", "0"])  # the year-end spending of one key project goes to 0
    ws.append(["合计", None, None, None, "0"])
    path = tmp_path / "2022-12 黄埔区.xlsx"
    wb.save(path)
    return path


def _cockpit_spent(page, base: str) -> str:  # type: ignore[no-untyped-def]
    """The 累计支出 card of the cockpit (黄埔区 2022, month 12), as shown."""
    with script_run(page):
        page.locator(f'[data-testid="stSidebarNav"] a[href="{base}/overview"]').first.click()
    page.get_by_role("heading", name="领导驾驶舱").wait_for()
    card = page.locator('[data-testid="stMetric"]', has_text="累计支出")
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _kpis_spent(db_url: str) -> object:
    eng = make_engine(db_url)
    with Session(eng) as s:
        value = kpis(session=s, year=2022, region="黄埔区", as_of=dt.date(2022, 12, 31))["execution"]["spent_total"]
    eng.dispose()
    return value


def test_upload_preview_confirm(app_server, page, clerk: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = _spent(app_server.db_url, "HP2022K001", 12)
    assert before > 0
    sign_in(page, app_server.url, clerk, PASSWORD, path="upload")  # on /upload: the page itself once signed in
    spent_before = _cockpit_spent(page, app_server.url)
    with script_run(page):
        page.locator('[data-testid="stSidebarNav"] a[href$="/upload"]').first.click()
    page.get_by_role("heading", name="数据填报").wait_for()
    page.locator('[data-testid="stSelectbox"]').first.click()
    with script_run(page):
        page.get_by_role("option", name="执行监控（月报）").click()
    with script_run(page):
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(_file(tmp_path)))
    page.get_by_text("校验通过：1 行数据可以提交。").wait_for()
    page.get_by_text("数据预览（问题列在对应行旁）").wait_for()
    no_error_box(page)
    screenshot(page, "upload-preview")
    assert _spent(app_server.db_url, "HP2022K001", 12) == before  # the preview writes nothing
    with script_run(page):
        page.get_by_role("button", name="确认提交").click()
    page.get_by_text(re.compile(r"已提交（批次 #\d+）：新增 0 条，更新 1 条")).wait_for()
    screenshot(page, "upload-committed")
    assert _spent(app_server.db_url, "HP2022K001", 12) == 0
    # The cockpit shows the new total at once: the import bumped the data version its cache keys on.
    spent_after = _cockpit_spent(page, app_server.url)
    assert spent_after == money(yuan_to_fen(_kpis_spent(app_server.db_url))) != spent_before
    screenshot(page, "upload-cockpit-after")
    with script_run(page):
        page.locator('[data-testid="stSidebarNav"]').get_by_text("上传记录").click()
    page.get_by_role("heading", name="上传记录").wait_for()
    no_error_box(page)
    screenshot(page, "upload-history")
