"""Staff accounts: argon2 password hashes, lockout after repeated failures, audit of every login.

argon2-cffi (argon2id) rather than bcrypt: no 72-byte password limit, memory-hard, and it
tells us when a stored hash needs rehashing after a parameter change.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import getpass
import hashlib
import os
import secrets
import sys
from dataclasses import dataclass
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ColumnElement, case, func, literal, or_, select, update
from sqlmodel import Session, col
from sqlmodel.sql.sqltypes import UTCDateTime

from data_access.audit import record
from data_access.enums import ROLES
from data_access.models import Department, Region, User, UserSession
from data_access.uploads import cells

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
SESSION_IDLE = dt.timedelta(hours=8)  # a browser left alone this long signs in again
SESSION_MAX = dt.timedelta(hours=24)  # however busy, a sign-in lasts at most a day
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """What an unknown name is checked against, so it costs what a real account costs. Made once per
    process: by the sign-in form when it loads (dashboard.auth_ui), so every sign-in does the same work;
    not by the command line, which signs nobody in (half a second of argon2 off every import)."""
    return _hasher.hash(secrets.token_urlsafe(24))


def prepare_sign_in() -> None:
    """Make the dummy hash now, before the first sign-in (which must not take longer than the others)."""
    _dummy_hash()


class AuthError(Exception):
    """A user could not be created or changed; the message is for people (Chinese)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parse_scope(scope: str | None) -> frozenset[int] | None:
    """Department ids a finance user may edit; None means every department."""
    if not scope:
        return None
    return frozenset(int(x) for x in scope.split(",") if x.strip())


def check_scope(session: Session, role: str, department_ids: list[int] | None) -> None:
    """A department scope is for finance users only, and every department in it must exist."""
    if not department_ids:
        return
    if role != "finance":
        raise AuthError(f"只有财务人员（finance）可以限定预算单位；角色“{role}”不能限定："
                        "管理员（admin）管理全部单位，领导（leader）只查看、不填报")
    known = set(session.execute(select(col(Department.id)).where(col(Department.id).in_(department_ids))).scalars())
    missing = sorted(set(department_ids) - known)
    if missing:
        raise AuthError(f"预算单位不存在（编号 {'、'.join(map(str, missing))}），请刷新后重新选择")


def resolve_departments(session: Session, region: str, departments: list[str]) -> list[Department]:
    """The departments of a region's name and department names (or `code-name`), as the importer matches them."""
    regions = session.execute(select(Region)).scalars().all()
    found = next((r for r in regions if cells.key(region) in (cells.key(r.name), cells.key(r.full_name or ""))), None)
    if found is None:
        raise AuthError(f"未找到行政区“{region}”；现有："
                        f"{'、'.join(sorted(r.name for r in regions)) or '无（请先导入项目数据）'}")
    depts = session.execute(select(Department).where(col(Department.region_id) == found.id)).scalars().all()
    chosen: dict[int, Department] = {}
    for given in departments:
        code, name = cells.parse_department(given) or (None, "")
        dept = next((d for d in depts if cells.key(d.name) == cells.key(name)), None) or next(
            (d for d in depts if code and d.code == code), None)
        if dept is None:
            close = difflib.get_close_matches(name, [d.name for d in depts], n=1, cutoff=0.3)
            hint = f"，最接近的是“{close[0]}”" if close else f"（该区现有 {len(depts)} 个预算单位，请检查名称）"
            raise AuthError(f"{found.name}没有预算单位“{given}”{hint}")
        chosen[cast(int, dept.id)] = dept
    return [chosen[i] for i in sorted(chosen)]


@dataclass(frozen=True)
class AuthResult:
    ok: bool
    reason: str  # ok; invalid (unknown name or any wrong password); locked, inactive (right password only)
    user: User | None = None
    locked_until: dt.datetime | None = None


def create_user(
    session: Session, username: str, role: str, password: str, department_ids: list[int] | None = None,
    *, actor: str = "system",
) -> User:
    """Create and commit a user; raises AuthError with a Chinese message when refused."""
    username = username.strip()
    if not username:
        raise AuthError("用户名不能为空")
    if role not in ROLES:
        raise AuthError(f"角色“{role}”无效，应为 {'、'.join(ROLES)} 之一")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    if session.execute(select(col(User.id)).where(func.lower(User.username) == username.lower())).first():
        raise AuthError(f"用户名“{username}”已存在")
    check_scope(session, role, department_ids)
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password),
        department_scope=",".join(str(i) for i in sorted(department_ids)) if department_ids else None,
    )
    session.add(user)
    session.flush()
    record(session, actor, "user_create", entity="user", entity_id=user.id,
           detail={"username": username, "role": role, "departments": sorted(department_ids or [])})
    session.commit()
    return user


def authenticate(session: Session, username: str, password: str, now: dt.datetime | None = None) -> AuthResult:
    """Check a password; MAX_FAILURES wrong passwords in a row lock the account for LOCKOUT.

    Whatever the name, the same work is done (one argon2 check, against a dummy hash for an
    unknown name; one counting UPDATE for a wrong password) and the same answer given: reason
    "invalid" for an unknown name and for any wrong password, whether the account is fine,
    locked or deactivated. Only after the right password does the answer say "locked" (with
    locked_until) or "inactive". The audit log keeps the real reason of every refusal.
    """
    now = (now or _now()).astimezone(dt.UTC)
    name = username.strip()
    user = session.execute(select(User).where(col(User.username) == name)).scalar_one_or_none()
    right = verify_password(user.password_hash if user is not None else _dummy_hash(), password) and user is not None
    if user is None or not right:
        return _refuse_wrong_password(session, name, user, now)
    if not user.is_active:
        record(session, user.username, "login_failed", entity="user", entity_id=user.id,
               detail={"reason": "inactive", "password_ok": True})
        session.commit()
        return AuthResult(False, "inactive")
    cleared = session.execute(
        update(User).where(col(User.id) == user.id, _not_locked(now))
        .values(failed_attempts=0, locked_until=None).returning(col(User.id))
        .execution_options(synchronize_session=False)
    ).first()
    if cleared is None:  # locked, perhaps by a guess that landed a moment ago
        session.refresh(user)
        record(session, user.username, "login_locked", entity="user", entity_id=user.id,
               detail={"reason": "locked", "password_ok": True})
        session.commit()
        return AuthResult(False, "locked", locked_until=user.locked_until)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record(session, user.username, "login", entity="user", entity_id=user.id)
    session.commit()
    session.refresh(user)
    return AuthResult(True, "ok", user)


def _not_locked(now: dt.datetime) -> ColumnElement[bool]:
    return or_(col(User.locked_until).is_(None), col(User.locked_until) <= now)


def _refuse_wrong_password(session: Session, name: str, user: User | None, now: dt.datetime) -> AuthResult:
    """Count a wrong password in one atomic statement; the MAX_FAILURES-th one sets the lock.

    The count is read and raised by the database itself, so parallel guesses each count once
    and exactly one of them, the MAX_FAILURES-th, sets locked_until. A guess while locked
    counts nothing and leaves the lock where it is (the statement matches no row); the first
    guess after a lock has passed starts a fresh count. An unknown name runs the same
    statement, which matches no row.
    """
    fresh = col(User.locked_until).is_not(None)  # a lock still on matches no row, so this one has passed
    count = case((fresh, 1), else_=col(User.failed_attempts) + 1)
    counted = session.execute(
        update(User).where(col(User.username) == name, _not_locked(now))
        .values(failed_attempts=count,
                locked_until=case((count >= MAX_FAILURES, literal(now + LOCKOUT, UTCDateTime())), else_=None))
        .returning(col(User.failed_attempts), col(User.locked_until))
        .execution_options(synchronize_session=False)
    ).first()
    if user is None:
        record(session, "?", "login_failed", detail={"reason": "unknown", "name": unknown_name_hint(name)})
    elif counted is None:
        record(session, user.username, "login_locked", entity="user", entity_id=user.id,
               detail={"reason": "locked", "password_ok": False})
    else:
        record(session, user.username, "login_failed", entity="user", entity_id=user.id,
               detail={"reason": "wrong_password" if user.is_active else "inactive",
                       "failed_attempts": counted.failed_attempts, "locked": counted.locked_until is not None})
    session.commit()
    return AuthResult(False, "invalid")


def unknown_name_hint(name: str) -> str:
    """An unknown sign-in name as the audit log keeps it: first character, length, short hash.

    People type a password into the name field; keeping the name as typed would put that
    password in the audit log. The hint still shows the bureau that one name is being tried
    again and again (same hash) without being able to read it back.
    """
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{name[:1] or '?'}…（{len(name)} 个字符，指纹 {digest}）"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def start_session(session: Session, user: User, now: dt.datetime | None = None) -> str:
    """A new signed-in browser for this user; returns the token for its cookie (only its hash is stored)."""
    now = now or _now()
    token = secrets.token_urlsafe(32)
    # The user is a stored row (signed in through authenticate), so its id is set.
    session.add(UserSession(user_id=cast(int, user.id), token_sha256=_token_hash(token), created_at=now,
                            last_seen_at=now))
    session.commit()
    return token


def resume_session(session: Session, token: str, now: dt.datetime | None = None) -> User | None:
    """The active user behind a cookie token, or None once it ended, idled out or grew too old."""
    now = now or _now()
    row = session.execute(
        select(UserSession, User).join(User, col(User.id) == col(UserSession.user_id))
        .where(col(UserSession.token_sha256) == _token_hash(token), col(UserSession.ended_at).is_(None))
    ).first()
    if row is None:
        return None
    user_session, user = row
    expired = (now - _aware(user_session.last_seen_at) > SESSION_IDLE
               or now - _aware(user_session.created_at) > SESSION_MAX)
    if expired or not user.is_active:
        user_session.ended_at = now
        session.commit()
        return None
    if now - _aware(user_session.last_seen_at) > dt.timedelta(minutes=1):  # one write a minute, not one a click
        user_session.last_seen_at = now
        session.commit()
    return user


def end_session(session: Session, token: str, now: dt.datetime | None = None) -> None:
    """Logout: the token signs no browser in again, wherever it was copied to."""
    row = session.execute(select(UserSession).where(col(UserSession.token_sha256) == _token_hash(token))
                          ).scalar_one_or_none()
    if row is not None and row.ended_at is None:
        row.ended_at = now or _now()
        session.commit()


def create_demo_users(session: Session) -> dict[str, str]:
    """On first start only (no user yet): admin/finance/leader demo accounts with random passwords."""
    if session.execute(select(func.count(col(User.id)))).scalar_one():
        return {}
    created = {}
    for username, role in (("admin", "admin"), ("finance", "finance"), ("leader", "leader")):
        password = secrets.token_urlsafe(12)
        create_user(session, username, role, password, actor="first-start")
        created[username] = password
    return created


def is_account(session: Session, username: str) -> bool:
    """True when the name is a user of the app (any role, active or not)."""
    stmt = select(func.count()).select_from(User).where(func.lower(User.username) == username.strip().lower())
    return bool(session.execute(stmt).scalar_one())


def import_scope(session: Session, username: str) -> frozenset[int] | None:
    """The departments an import run under this user name may write (None: all).

    A name that is no user is only recorded as the uploader (a script naming itself); a user's
    own scope applies to what they import, and an inactive or read-only user imports nothing.
    """
    user = session.execute(select(User).where(func.lower(User.username) == username.strip().lower())
                           ).scalar_one_or_none()
    if user is None:
        return None
    if not user.is_active:
        raise AuthError(f"用户“{user.username}”已停用，不能导入数据")
    if user.role == "leader":
        raise AuthError(f"用户“{user.username}”是领导（leader）角色，只读，不能导入数据")
    return parse_scope(user.department_scope)


def create_user_cli(username: str, role: str, *, url: str | None, region: str | None = None,
                    departments: list[str] | None = None) -> int:
    """`create-user`: the password from PERF_PASSWORD, else asked twice on the terminal.

    `--region R --department D …` limits a finance user to those departments (the users page's scope).
    """
    from data_access.db import make_engine

    departments = departments or []
    if departments and not region:
        print("--department 须与 --region 一起使用（预算单位按所属行政区查找）"
              "，例如：--region 黄埔区 --department 区教育局",
              file=sys.stderr)
        return 1
    if region and not departments:
        print("--region 须与 --department 一起使用：请用 --department 列出该用户可以填报的预算单位", file=sys.stderr)
        return 1
    with Session(make_engine(url)) as session:
        try:
            scope = resolve_departments(session, region, departments) if region else []
            department_ids = [cast(int, d.id) for d in scope] or None
            check_scope(session, role, department_ids)
        except AuthError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        password = os.environ.get("PERF_PASSWORD")
        if password is None:
            if not sys.stdin.isatty():
                print("请通过环境变量 PERF_PASSWORD 提供密码，或在终端中运行以输入密码", file=sys.stderr)
                return 1
            password = getpass.getpass("密码 / password: ")
            if getpass.getpass("再次输入密码 / again: ") != password:
                print("两次输入的密码不一致", file=sys.stderr)
                return 1
        try:
            create_user(session, username, role, password, department_ids, actor="cli")
        except AuthError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        names = f"，可填报：{region} {'、'.join(d.name for d in scope)}" if scope else ""
    print(f"已创建用户 {username}（{role}）{names}", file=sys.stderr)
    return 0
