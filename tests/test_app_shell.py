"""The app shell: navigation by role, the login gate, the language switch and the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.auth import create_user
from data_access.db import make_engine
from tests.apptest import open_url, sign_in

# Users are made before the app is opened: remember their argon2 hashes and checks (tests/apptest.py).
pytestmark = pytest.mark.usefixtures("remembered_passwords")

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")


def _app(monkeypatch: pytest.MonkeyPatch, url: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    return AppTest.from_file(APP, default_timeout=60)


def _login(at: AppTest, username: str, password: str) -> AppTest:
    return sign_in(at, username, password)


def test_every_page_in_navigation_exists() -> None:
    from dashboard.app import PAGES

    missing = [path for path, *_ in PAGES if not (ROOT / path).exists()]
    assert missing == []


def test_catalogue_has_both_languages_and_every_used_key() -> None:
    from dashboard.i18n import catalogue

    cat = catalogue()
    assert all(zh.strip() and en.strip() for zh, en in cat.values())
    used: set[str] = set()
    for source in [*ROOT.glob("pages/*.py"), *ROOT.glob("dashboard/*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.\-]+)["']\s*[,)]""", source.read_text(encoding="utf-8")))
    from dashboard.app import PAGES

    used |= {title for _p, _s, _r, title, _i in PAGES} | {section for _p, section, *_ in PAGES}
    assert sorted(used - set(cat)) == []


def test_internal_page_url_shows_login_form_and_no_data(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = _app(monkeypatch, seeded_url).run()
    for url_path in ("overview", "execution", "upload", "users"):
        open_url(at, url_path)
        assert not at.exception
        assert [s.value for s in at.header] == ["工作人员登录"], url_path
        assert len(at.dataframe) == 0 and len(at.metric) == 0


def test_wrong_password_then_login_and_role_refusal(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    with Session(make_engine(seeded_url)) as session:
        create_user(session, "leader1", "leader", "leader-password")
    at = _app(monkeypatch, seeded_url).run()
    _login(at, "leader1", "wrong-password")
    assert [e.value for e in at.error] == ["用户名或密码错误"]
    _login(at, "leader1", "leader-password")
    assert not at.exception and not at.error
    # A leader may read every internal page but not upload: the upload URL refuses, with no form.
    open_url(at, "upload")
    assert not at.exception
    assert [e.value for e in at.error] == ["您的账号无权查看此页面"]
    assert len(at.dataframe) == 0 and not at.get("file_uploader") and not at.text_input


def test_english_switch_changes_the_shell(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = _app(monkeypatch, seeded_url).run()
    open_url(at, "upload")
    assert [s.value for s in at.header] == ["工作人员登录"]
    at.session_state["lang"] = "en"
    at.run()
    assert [s.value for s in at.header] == ["Staff sign-in"]
    assert at.text_input(key="login_username").label == "Username"


@pytest.mark.parametrize("page", ["overview", "execution", "evaluation", "rectification", "exante", "indicators",
                                  "report"])
def test_a_staff_page_run_without_the_entrypoint_still_asks_for_a_login(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str, page: str
) -> None:
    """A second line of defence: were the gate in app.py ever bypassed, the page itself shows no data."""
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60).run()
    assert not at.exception
    assert [s.value for s in at.header] == ["工作人员登录"]
    assert not at.metric and not at.dataframe and not at.get("vega_lite_chart")


def test_english_strings_hold_no_chinese_but_the_terms_a_sheet_itself_uses() -> None:
    import importlib
    import pkgutil

    import dashboard.locales as locales

    quoted_on_purpose = {"upload.hint"}  # names the 万元 a clerk sees in the spreadsheet
    leftovers = {
        key: en
        for module in pkgutil.iter_modules(locales.__path__)
        for key, (_zh, en) in importlib.import_module(f"dashboard.locales.{module.name}").STRINGS.items()
        if re.search(r"[\u4e00-\u9fff]", en) and key not in quoted_on_purpose
    }
    assert leftovers == {}
