"""Accounts: argon2 hashes, lockout, wrong passwords, the create-user command, demo accounts."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from data_access.auth import (
    LOCKOUT,
    MAX_FAILURES,
    SESSION_IDLE,
    SESSION_MAX,
    AuthError,
    authenticate,
    create_demo_users,
    create_user,
    end_session,
    resume_session,
    start_session,
    verify_password,
)
from data_access.db import make_engine
from data_access.models import AuditLog, User, UserSession

ROOT = Path(__file__).resolve().parent.parent


def test_password_stored_only_as_argon2id(session: Session) -> None:
    user = create_user(session, "clerk", "finance", "correct horse battery")
    assert user.password_hash.startswith("$argon2id$") and "correct horse" not in user.password_hash
    assert verify_password(user.password_hash, "correct horse battery")
    assert not verify_password(user.password_hash, "wrong")
    logged = " ".join(a.detail_json or "" for a in session.execute(select(AuditLog)).scalars())
    assert "correct horse" not in logged


def test_lockout_after_repeated_failures(session: Session) -> None:
    create_user(session, "clerk", "finance", "correct horse battery")
    now = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    for _ in range(MAX_FAILURES):  # the guesser is not told of the lock: the same answer every time
        assert authenticate(session, "clerk", "nope", now=now).reason == "invalid"
    # Even the right password is refused while locked, and accepted once the lock has passed.
    locked = authenticate(session, "clerk", "correct horse battery", now=now + dt.timedelta(minutes=1))
    assert (locked.reason, locked.locked_until) == ("locked", now + LOCKOUT)
    assert authenticate(session, "clerk", "correct horse battery", now=now + LOCKOUT + dt.timedelta(seconds=1)).ok
    actions = [a.action for a in session.execute(select(AuditLog).order_by(AuditLog.id)).scalars()]
    assert actions.count("login_failed") == MAX_FAILURES and "login_locked" in actions and actions[-1] == "login"


def test_unknown_and_inactive_users(session: Session) -> None:
    assert authenticate(session, "ghost", "x").reason == "invalid"
    user = create_user(session, "gone", "leader", "a long password")
    user.is_active = False
    session.add(user)
    session.commit()
    assert authenticate(session, "gone", "wrong password").reason == "invalid"
    assert authenticate(session, "gone", "a long password").reason == "inactive"  # told only to the owner


@pytest.mark.parametrize(("username", "role", "password", "message"), [
    ("", "admin", "long enough", "用户名不能为空"),
    ("x", "boss", "long enough", "角色"),
    ("x", "admin", "short", "至少"),
])
def test_create_user_refusals(session: Session, username: str, role: str, password: str, message: str) -> None:
    with pytest.raises(AuthError, match=message):
        create_user(session, username, role, password)


def test_demo_users_only_on_first_start_with_random_passwords(session: Session) -> None:
    first = create_demo_users(session)
    assert set(first) == {"admin", "finance", "leader"} and len(set(first.values())) == 3
    assert all(len(p) >= 12 for p in first.values())
    assert create_demo_users(session) == {}


@pytest.mark.slow  # processes
def test_create_user_command(db_url: str) -> None:
    env = {**os.environ, "PERF_PASSWORD": "a good password"}
    cmd = [sys.executable, "-m", "data_access", "--db", db_url, "create-user", "--role", "admin", "chief"]
    done = subprocess.run(cmd, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    again = subprocess.run(cmd, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "已存在" in again.stderr
    with Session(make_engine(db_url)) as s:
        user = s.execute(select(User).where(User.username == "chief")).scalar_one()
        assert user.role == "admin" and user.password_hash.startswith("$argon2id$")


@pytest.mark.slow
def test_seed_prints_random_demo_passwords_once_and_never_resets_them(db_url: str) -> None:
    cmd = [sys.executable, "-m", "data_access", "--db", db_url, "seed"]
    first = subprocess.run(cmd, check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    printed = dict(line.strip().split(": ", 1) for line in first.stderr.splitlines()
                   if line.startswith("  ") and line.strip().split(":")[0] in ("admin", "finance", "leader"))
    assert set(printed) == {"admin", "finance", "leader"} and len(set(printed.values())) == 3
    second = subprocess.run(cmd, check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0 and not any(p in second.stderr + second.stdout for p in printed.values())
    with Session(make_engine(db_url)) as s:
        assert all(authenticate(s, user, password).ok for user, password in printed.items())


def test_create_user_asks_for_the_password_twice_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from data_access import auth

    monkeypatch.delenv("PERF_PASSWORD", raising=False)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    answers = iter(["typed password", "typed password", "typed password", "different one"])
    monkeypatch.setattr(auth.getpass, "getpass", lambda prompt="": next(answers))
    assert auth.create_user_cli("typist", "admin", url=db_url) == 0
    assert auth.create_user_cli("typist2", "admin", url=db_url) == 1  # the two entries differ
    out = capsys.readouterr()
    assert "typed password" not in out.out + out.err and "不一致" in out.err
    with Session(make_engine(db_url)) as s:
        assert authenticate(s, "typist", "typed password").ok
        assert s.execute(select(User).where(User.username == "typist2")).first() is None


def test_a_browser_session_is_kept_only_as_a_hash_and_ends_on_logout(session: Session) -> None:
    user = create_user(session, "clerk", "finance", "long-enough-password")
    t0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    token = start_session(session, user, now=t0)
    stored = session.execute(select(UserSession.token_sha256)).scalar_one()
    assert len(token) >= 40 and token not in stored and len(stored) == 64
    assert resume_session(session, token, now=t0 + dt.timedelta(hours=1)).username == "clerk"  # a reload, a new tab
    assert resume_session(session, token + "x", now=t0) is None and resume_session(session, "", now=t0) is None
    end_session(session, token, now=t0 + dt.timedelta(hours=2))
    assert resume_session(session, token, now=t0 + dt.timedelta(hours=2, minutes=1)) is None  # logged out everywhere


@pytest.mark.parametrize(("gap", "alive"), [
    (SESSION_IDLE - dt.timedelta(minutes=1), True), (SESSION_IDLE + dt.timedelta(minutes=1), False)])
def test_a_browser_session_idles_out(session: Session, gap: dt.timedelta, alive: bool) -> None:
    user = create_user(session, "clerk", "finance", "long-enough-password")
    t0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    token = start_session(session, user, now=t0)
    assert (resume_session(session, token, now=t0 + gap) is not None) is alive


def test_a_busy_session_still_ends_after_a_day_and_a_deactivated_user_is_out(session: Session) -> None:
    user = create_user(session, "clerk", "finance", "long-enough-password")
    t0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    token = start_session(session, user, now=t0)
    at = t0
    while at < t0 + SESSION_MAX - dt.timedelta(hours=1):  # a click every hour, all day and night
        at += dt.timedelta(hours=1)
        assert resume_session(session, token, now=at) is not None
    assert resume_session(session, token, now=t0 + SESSION_MAX + dt.timedelta(minutes=1)) is None
    other = start_session(session, user, now=t0)
    user.is_active = False
    session.add(user)
    session.commit()
    assert resume_session(session, other, now=t0 + dt.timedelta(minutes=5)) is None


@pytest.mark.slow  # commands run as processes
def test_the_command_line_hashes_no_dummy_password_and_the_sign_in_form_hashes_it_before_any_sign_in() -> None:
    """An unknown name is checked against a dummy argon2 hash so that it costs what a real account costs;
    making that hash takes half a second, which an import through the command line (it signs nobody in)
    does not pay. The sign-in form makes it when it loads, so even the first sign-in does the same work."""
    probe = ("import data_access.auth as auth, data_access.uploads.cli, data_access.__main__;"
             "print(auth._dummy_hash.cache_info().currsize);"
             "import dashboard.auth_ui;"
             "print(auth._dummy_hash.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[1], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["0", "1"]
