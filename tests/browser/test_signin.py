"""The login form in a real browser: an unknown name and a wrong password read alike, then the right one signs in."""

from __future__ import annotations

from sqlmodel import Session

from data_access.auth import create_user
from data_access.db import make_engine
from tests.browser.conftest import goto, no_error_box, screenshot, script_run, sign_in_here


def test_wrong_sign_ins_read_alike_and_the_right_one_signs_in(page, app_server) -> None:  # type: ignore[no-untyped-def]
    with Session(make_engine(app_server.db_url)) as session:
        create_user(session, "signin-clerk", "finance", "signin-password")
    for username in ("nobody-here", "signin-clerk"):
        goto(page, f"{app_server.url}/login")  # a fresh form, so the alert read below is this attempt's
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill("a wrong password")
        with script_run(page):
            page.get_by_role("button", name="登录").click()
        alert = page.locator('[data-testid="stAlertContentError"]')
        alert.wait_for(state="visible")
        assert alert.inner_text().strip() == "用户名或密码错误", username
    screenshot(page, "signin-wrong-password")
    sign_in_here(page, "signin-clerk", "signin-password")  # in the same form, as the clerk would
    no_error_box(page)
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
