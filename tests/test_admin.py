"""The admin pages' services: accounts (data_access/users.py), the audit list (queries/audit.py),
and what a publisher may see (publishing.publishable); then the pages through the entrypoint."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select, update
from sqlmodel import Session

from data_access import users
from data_access.auth import AuthError, create_user
from data_access.db import make_engine
from data_access.models import AuditLog, Department, Evaluation, Region, User
from data_access.publishing import publishable
from data_access.queries.audit import audit_actions, audit_entries
from tests.apptest import app, sign_in

# Users are made before the app is opened: remember their argon2 hashes and checks (tests/apptest.py).
pytestmark = pytest.mark.usefixtures("remembered_passwords")

PASSWORD = "a-long-enough-password"


@pytest.fixture
def seeded(any_seeded_url: str) -> Engine:
    return make_engine(any_seeded_url)


def _dept(engine: Engine, name: str) -> int:
    with Session(engine) as s:
        return int(s.execute(select(Department.id).where(Department.name == name)).scalars().first())  # type: ignore[arg-type]


def test_unlock_and_deactivate_are_audited(seeded: Engine) -> None:
    with Session(seeded) as s:
        create_user(s, "chief", "admin", PASSWORD)
        create_user(s, "clerk", "finance", PASSWORD, [_dept(seeded, "区教育局")])
        s.execute(update(User).where(User.username == "clerk")
                  .values(failed_attempts=5, locked_until=dt.datetime(2099, 1, 1, tzinfo=dt.UTC)))
        s.commit()
        users.unlock(session=s, username="clerk", actor="chief")
        assert users.toggle_active(session=s, username="clerk", actor="chief") is False
        clerk = next(a for a in users.accounts(session=s) if a.username == "clerk")
        assert ((clerk.locked_until, clerk.is_active, clerk.department_ids)
                == (None, False, frozenset({_dept(seeded, "区教育局")})))
        assert s.execute(select(User.failed_attempts).where(User.username == "clerk")).scalar_one() == 0
        log = s.execute(select(AuditLog.actor, AuditLog.action, AuditLog.detail_json).where(AuditLog.entity == "user")
                        .order_by(AuditLog.id.desc()).limit(2)).all()
        assert [tuple(r) for r in log] == [("chief", "user_active", '{"active": false}'),
                                           ("chief", "user_unlock", '{"active": true}')]
        assert users.toggle_active(session=s, username="clerk", actor="chief") is True


def test_an_admin_changes_only_other_existing_accounts(seeded: Engine) -> None:
    with Session(seeded) as s:
        create_user(s, "chief", "admin", PASSWORD)
        with pytest.raises(AuthError, match="自己的账号"):
            users.toggle_active(session=s, username="chief", actor="chief")
        with pytest.raises(AuthError, match="用户“nobody”不存在"):
            users.unlock(session=s, username="nobody", actor="chief")
        assert s.execute(select(User.is_active).where(User.username == "chief")).scalar_one() is True


def test_department_labels_name_the_region(seeded: Engine) -> None:
    with Session(seeded) as s:
        labels = users.department_labels(session=s)
    assert labels[_dept(seeded, "区教育局")] == "黄埔区 · 区教育局"
    assert list(labels.values()) == sorted(labels.values())  # by region, then name


def test_audit_list_newest_first_filtered_by_action_and_actor(seeded: Engine) -> None:
    with Session(seeded) as s:
        create_user(s, "a1", "admin", PASSWORD, actor="root")
        create_user(s, "a2", "admin", PASSWORD, actor="other")
        users.unlock(session=s, username="a2", actor="a1")
        assert {"user_create", "user_unlock"} <= set(audit_actions(session=s))
        created = audit_entries(session=s, action="user_create")
        assert list(created["actor"][:2]) == ["other", "root"]  # newest first
        assert list(audit_entries(session=s, actor="a1")["action"]) == ["user_unlock"]
        assert len(audit_entries(session=s, limit=1)) == 1


def test_a_scoped_publisher_sees_only_the_records_of_their_departments(seeded: Engine) -> None:
    with Session(seeded) as s:
        every = publishable(session=s, entity="evaluation", region="黄埔区", year=2022)
        own = int(every["department_id"].iloc[0])
        mine = publishable(session=s, entity="evaluation", region="黄埔区", year=2022, department_ids=frozenset({own}))
        finance = s.execute(select(Evaluation.id).join(Region).where(
            Region.name == "黄埔区", Evaluation.year == 2022, Evaluation.method.in_(("review", "key")))).scalars().all()
    assert sorted(every["id"]) == sorted(finance) and len(finance) == 38  # finance evaluations only, never self
    assert 0 < len(mine) < len(every) and set(mine["department_id"]) == {own}
    assert set(mine["id"]) == set(every[every["department_id"] == own]["id"])


def test_the_users_page_unlocks_and_deactivates(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    engine = make_engine(seeded_url)
    with Session(engine) as s:
        create_user(s, "chief", "admin", PASSWORD)
        create_user(s, "clerk", "finance", PASSWORD)
    page = sign_in(app(monkeypatch, seeded_url), "chief", PASSWORD).switch_page("../pages/users.py").run()
    assert page.selectbox(key="users_pick").options == ["clerk"]  # never the admin's own account
    page.button(key="users_toggle").click().run()
    assert not page.exception
    listed = page.dataframe[0].value.set_index("用户名")
    assert listed.loc["clerk", "启用"] == "✗"
    with Session(engine) as s:
        assert s.execute(select(User.is_active).where(User.username == "clerk")).scalar_one() is False


def test_the_audit_page_filters_by_actor(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    with Session(make_engine(seeded_url)) as s:
        create_user(s, "chief", "admin", PASSWORD, actor="root")
    page = sign_in(app(monkeypatch, seeded_url), "chief", PASSWORD).switch_page("../pages/audit.py").run()
    page.text_input(key="audit_actor").input("root").run()
    assert not page.exception
    shown = page.dataframe[0].value
    assert list(shown["操作人"]) == ["root"] and list(shown["操作"]) == ["新建用户"]
