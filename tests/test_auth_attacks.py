"""Sign-in under attack: parallel guessing locks the account after exactly MAX_FAILURES, and a
guesser cannot tell real usernames, locked or deactivated accounts from anything else."""

from __future__ import annotations

import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlmodel import Session

from data_access.auth import LOCKOUT, MAX_FAILURES, AuthResult, authenticate, create_user
from data_access.db import make_engine
from data_access.models import AuditLog, User
from tests.apptest import app, sign_in

PARALLEL = 20
GENERIC = "用户名或密码错误"
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _user(url: str, username: str) -> User:
    with Session(make_engine(url)) as s:
        return s.execute(select(User).where(User.username == username)).scalar_one()


def _login_audit(url: str) -> list[tuple[str, dict[str, object]]]:
    with Session(make_engine(url)) as s:
        rows = s.execute(select(AuditLog).where(AuditLog.action.like("login%")).order_by(AuditLog.id)).scalars()
        return [(r.action, json.loads(r.detail_json) if r.detail_json else {}) for r in rows]


@pytest.mark.slow
def test_parallel_wrong_passwords_lock_the_account_after_exactly_max_failures(any_db_url: str) -> None:
    with Session(make_engine(any_db_url)) as s:
        create_user(s, "clerk", "finance", "correct horse battery")
    start = threading.Barrier(PARALLEL)

    def guess(i: int) -> AuthResult:
        engine = make_engine(any_db_url)  # each browser its own connection
        try:
            with Session(engine) as s:
                start.wait(timeout=60)
                return authenticate(s, "clerk", f"guess-{i}")
        finally:
            engine.dispose()

    before = dt.datetime.now(dt.UTC)
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(guess, range(PARALLEL)))
    after = dt.datetime.now(dt.UTC)

    assert {r.reason for r in results} == {"invalid"}  # a guesser never learns of the lock
    user = _user(any_db_url, "clerk")
    assert user.failed_attempts == MAX_FAILURES
    assert user.locked_until is not None and before + LOCKOUT <= user.locked_until <= after + LOCKOUT
    audit = _login_audit(any_db_url)
    counted = [d for a, d in audit if a == "login_failed" and d.get("reason") == "wrong_password"]
    refused = [d for a, d in audit if a == "login_locked"]
    assert len(counted) == MAX_FAILURES and len(refused) == PARALLEL - MAX_FAILURES
    assert sorted(d["failed_attempts"] for d in counted) == list(range(1, MAX_FAILURES + 1))
    assert [d["locked"] for d in counted].count(True) == 1  # the lock was set once, by the 5th failure
    with Session(make_engine(any_db_url)) as s:  # now even the owner must wait
        owner = authenticate(s, "clerk", "correct horse battery")
    assert owner.reason == "locked" and owner.locked_until == user.locked_until
    assert _user(any_db_url, "clerk").locked_until == user.locked_until  # the right password did not unlock it


def _locked_and_deactivated(url: str) -> dt.datetime:
    """Accounts "known" (fine), "locked" (after MAX_FAILURES wrong passwords) and "gone" (deactivated)."""
    now = dt.datetime.now(dt.UTC)
    with Session(make_engine(url)) as s:
        create_user(s, "known", "finance", "known-password")
        create_user(s, "locked", "finance", "locked-password")
        gone = create_user(s, "gone", "leader", "gone-password")
        gone.is_active = False
        s.add(gone)
        s.commit()
        for _ in range(MAX_FAILURES):
            authenticate(s, "locked", "not it", now=now)
    locked_until = _user(url, "locked").locked_until
    assert locked_until is not None
    return locked_until


@pytest.mark.slow  # times argon2 on purpose
@pytest.mark.parametrize("username", ["nobody", "known", "locked", "gone"])
def test_a_wrong_password_gets_the_same_answer_whatever_the_account(db_url: str, username: str) -> None:
    _locked_and_deactivated(db_url)
    with Session(make_engine(db_url)) as s:
        result = authenticate(s, username, "a wrong password")
    assert result == AuthResult(False, "invalid")


@pytest.mark.slow  # argon2 several times over
def test_the_login_form_says_the_same_for_every_wrong_password_and_the_truth_after_a_right_one(
    monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    locked_until = _locked_and_deactivated(db_url)
    at = app(monkeypatch, db_url)
    for username in ("nobody", "known", "locked", "gone"):
        sign_in(at, username, "a wrong password")
        assert [e.value for e in at.error] == [GENERIC], username
    sign_in(at, "locked", "locked-password")
    assert [e.value for e in at.error] == [
        f"登录失败次数过多，账号已锁定，请于 {locked_until.astimezone(BEIJING):%H:%M} 后再试"]
    sign_in(at, "gone", "gone-password")
    assert [e.value for e in at.error] == ["该账号已停用，请联系管理员"]
    # The bureau still sees the attack in the audit log, with the real reason of each refusal.
    reasons = [d.get("reason") for a, d in _login_audit(db_url) if a in ("login_failed", "login_locked")][-6:]
    assert reasons == ["unknown", "wrong_password", "locked", "inactive", "locked", "inactive"]


def test_an_unknown_name_costs_one_argon2_check_with_the_parameters_of_a_real_account(
    monkeypatch: pytest.MonkeyPatch, session: Session
) -> None:
    real = create_user(session, "clerk", "finance", "correct horse battery")
    checked: list[str] = []
    original = PasswordHasher.verify

    def counting(self: PasswordHasher, stored: str | bytes, password: str | bytes) -> bool:
        checked.append(stored if isinstance(stored, str) else stored.decode())
        return original(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    assert authenticate(session, "nobody", "some password").reason == "invalid"
    assert len(checked) == 1
    assert checked[0] != real.password_hash
    assert checked[0].rsplit("$", 2)[0] == real.password_hash.rsplit("$", 2)[0]  # $argon2id$v=19$m=…,t=…,p=…


def test_guesses_while_locked_neither_count_nor_move_the_lock(session: Session) -> None:
    create_user(session, "clerk", "finance", "correct horse battery")
    t0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    for _ in range(MAX_FAILURES):
        assert authenticate(session, "clerk", "nope", now=t0).reason == "invalid"
    for minute in (1, 5, 14):
        assert authenticate(session, "clerk", "nope", now=t0 + dt.timedelta(minutes=minute)).reason == "invalid"
    session.expire_all()
    user = session.execute(select(User)).scalar_one()
    assert (user.failed_attempts, user.locked_until) == (MAX_FAILURES, t0 + LOCKOUT)
    # Once the lock has passed, a guess starts a fresh count rather than locking again at once.
    assert authenticate(session, "clerk", "nope", now=t0 + LOCKOUT).reason == "invalid"
    session.expire_all()
    assert (user.failed_attempts, user.locked_until) == (1, None)
    assert authenticate(session, "clerk", "correct horse battery", now=t0 + LOCKOUT).ok
    session.expire_all()
    assert (user.failed_attempts, user.locked_until) == (0, None)


def test_an_unknown_name_is_not_kept_as_typed_in_the_audit_log(session: Session) -> None:
    """A password typed into the name field must not land in 操作记录 in clear."""
    secret = "Hunter2-my-real-password"
    assert authenticate(session, secret, "whatever").reason == "invalid"
    assert authenticate(session, secret, "again").reason == "invalid"
    logs = session.execute(select(AuditLog).where(AuditLog.action == "login_failed")).scalars().all()
    assert len(logs) == 2
    for log in logs:
        assert secret not in log.actor
        assert secret not in (log.detail_json or "")
        assert secret[1:] not in (log.detail_json or "")
    hints = {json.loads(log.detail_json)["name"] for log in logs}
    assert len(hints) == 1  # the same name tried twice is recognisable as the same
    assert hints.pop().startswith("H…（24 个字符")
