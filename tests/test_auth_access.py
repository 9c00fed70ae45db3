"""Who may open what, as people meet it in the app: every internal URL refused to anonymous
visitors and to roles without the right, logout, session expiry, the audit page, finance scope."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from dashboard.app import PAGES
from data_access.auth import create_user
from data_access.db import make_engine
from data_access.models import Department, Evaluation, Finding, Region, UserSession
from tests.apptest import app, open_url, sign_in, signed_in, withdraw_sample_result
from tests.test_portal_permalinks import _table

# Users are made before the app is opened: remember their argon2 hashes and checks (tests/apptest.py).
pytestmark = pytest.mark.usefixtures("remembered_passwords")

ROOT = Path(__file__).resolve().parent.parent
INTERNAL = [(Path(path).stem, roles) for path, _s, roles, _t, _i in PAGES if roles is not None]


def shows_no_data(at: AppTest) -> bool:
    charts = [*at.get("vega_lite_chart"), *at.get("arrow_vega_lite_chart"), *at.get("plotly_chart")]
    return not at.exception and not at.dataframe and not at.metric and not charts and not at.get("download_button")


def test_every_internal_url_shows_the_login_form_and_no_data(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = app(monkeypatch, seeded_url).run()
    assert ({p.stem for p in (ROOT / "pages").glob("*.py") if not p.stem.startswith("portal_")}
            == {s for s, _ in INTERNAL})
    for stem, _roles in INTERNAL:
        open_url(at, stem)
        assert [s.value for s in at.header] == ["工作人员登录"], stem
        assert shows_no_data(at), stem
    # No internal page script is registered for an anonymous session at all: each of their URLs
    # leads to a script-less login stand-in (hidden from the navigation).
    scripts = {Path(info["script_path"]).stem for info in at._registered_pages.values()  # noqa: SLF001
               if info.get("script_path")}
    assert scripts == {p.stem for p in (ROOT / "pages").glob("portal_*.py")}


@pytest.mark.parametrize("role", ["leader", "finance"])
def test_a_role_without_the_right_is_refused(monkeypatch: pytest.MonkeyPatch, seeded_url: str, role: str) -> None:
    at = signed_in(monkeypatch, seeded_url, role)
    refused = [stem for stem, roles in INTERNAL if role not in roles]
    assert refused == {"leader": ["upload", "entry", "upload_history", "submissions", "publishing", "users"],
                       "finance": ["users", "audit"]}[role]
    for stem in refused:
        open_url(at, stem)
        assert [e.value for e in at.error] == ["您的账号无权查看此页面"], stem
        assert shows_no_data(at) and not at.text_input and not at.get("multiselect"), stem


def test_logout_and_session_expiry(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = signed_in(monkeypatch, seeded_url, "leader")
    open_url(at, "audit")
    assert at.dataframe and not at.error
    at.sidebar.button(key="logout_button").click().run()
    open_url(at, "audit")
    assert [s.value for s in at.header] == ["工作人员登录"] and shows_no_data(at)

    sign_in(at, "leader-test", "test-password")
    open_url(at, "audit")
    assert at.dataframe
    with Session(make_engine(seeded_url)) as s:  # nothing happened in this browser for 9 hours
        s.execute(update(UserSession).values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=9)))
        s.commit()
    open_url(at, "audit")
    assert [s.value for s in at.header] == ["工作人员登录"] and shows_no_data(at)
    assert [i.value for i in at.info] == ["登录已超时，请重新登录"]


def test_publishing_in_the_app_shows_on_the_portal_and_in_the_audit_log(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str
) -> None:
    with Session(make_engine(seeded_url)) as s:
        create_user(s, "fin1", "finance", "finance-password")
    hidden = withdraw_sample_result(seeded_url)
    visitor = app(monkeypatch, seeded_url)
    visitor.query_params.update({"region": "黄埔区", "year": "2022", "annex": "2"})
    visitor.run().switch_page("../pages/portal_evaluations.py").run()
    assert "区老人院运营" not in set(_table(visitor)["评价对象"])  # and now cached
    fin = sign_in(app(monkeypatch, seeded_url), "fin1", "wrong-password")
    sign_in(fin, "fin1", "finance-password")
    fin.query_params.update({"region": "黄埔区", "year": "2022"})
    open_url(fin, "publishing")
    fin.multiselect(key="publishing_add_evaluation").set_value([hidden]).run()
    fin.button(key="publishing_publish").click().run()
    assert [s.value for s in fin.success] == ["已更新 1 条记录"]
    visitor.run()  # the portal changes at once: its cached loaders key on the data version publishing bumps
    assert "区老人院运营" in set(_table(visitor)["评价对象"])
    admin = signed_in(monkeypatch, seeded_url, "admin")
    open_url(admin, "audit")
    log = admin.dataframe[0].value
    mine = log[log["操作人"] == "fin1"]
    assert {"登录失败", "登录成功", "公开"} <= set(mine["操作"])
    beijing_today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
    assert all(dt.date.fromisoformat(w[:10]) == beijing_today for w in mine["时间（北京时间）"])
    assert "finance-password" not in log.to_csv() and "wrong-password" not in log.to_csv()


def test_scoped_finance_user_sees_and_publishes_only_their_departments(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str
) -> None:
    with Session(make_engine(seeded_url)) as s:
        dept = s.execute(select(Department).join(Region).where(Region.name == "黄埔区",
                                                               Department.name == "区民政局")).scalar_one()
        create_user(s, "scoped", "finance", "scoped-password", [dept.id])
        theirs = set(s.execute(select(Evaluation.subject).where(Evaluation.department_id == dept.id,
                                                                Evaluation.year == 2022,
                                                                Evaluation.method != "self")).scalars())
    at = sign_in(app(monkeypatch, seeded_url), "scoped", "scoped-password")
    at.query_params.update({"region": "黄埔区", "year": "2022"})
    open_url(at, "publishing")
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["预算单位"]) == {"区民政局"} and set(table["名称"]) == theirs


def test_a_returning_browser_is_signed_in_by_its_cookie_until_logout(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str
) -> None:
    """A reload or a new tab is a new Streamlit session: the cookie's token signs it in again."""
    import dashboard.auth_ui as auth_ui
    from data_access.auth import start_session

    with Session(make_engine(seeded_url)) as s:
        user = create_user(s, "returning", "leader", "test-password")
        token = start_session(s, user)
    monkeypatch.setattr(auth_ui, "_cookie_token", lambda: token)
    at = app(monkeypatch, seeded_url)
    at.run()
    open_url(at, "audit")
    assert not at.exception and at.dataframe and not at.header  # straight in, no login form
    at.sidebar.button(key="logout_button").click().run()
    fresh = app(monkeypatch, seeded_url)  # the same cookie, a new tab: the token no longer signs in
    fresh.run()
    open_url(fresh, "audit")
    assert [s.value for s in fresh.header] == ["工作人员登录"] and shows_no_data(fresh)


def test_publishing_tells_apart_findings_of_one_subject(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    """One project may carry three findings: the table and the choices name each by its 问题编号."""
    with Session(make_engine(seeded_url)) as s:
        codes = dict(s.execute(select(Finding.id, Finding.finding_code).join(Region)
                               .where(Region.name == "黄埔区", Finding.year == 2022)).all())
    at = signed_in(monkeypatch, seeded_url, "admin")
    at.query_params.update({"region": "黄埔区", "year": "2022"})
    open_url(at, "publishing")
    at.segmented_control(key="publishing_kind").set_value("finding").run()
    table = at.dataframe[0].value
    assert sorted(table["问题编号"]) == sorted(codes.values())
    choice = at.multiselect(key="publishing_add_finding") if at.multiselect(key="publishing_add_finding").options \
        else at.multiselect(key="publishing_remove_finding")
    labels = choice.options
    assert len(set(labels)) == len(labels) and all(any(c in label for c in codes.values()) for label in labels)
