"""Account management for the 用户管理 page: the accounts, the departments a scope can name, unlock
and (de)activate. Creating an account is `auth.create_user` (the command line uses it too)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlmodel import Session, col

from data_access.audit import record
from data_access.auth import AuthError, parse_scope
from data_access.models import Department, Region, User


@dataclass(frozen=True)
class Account:
    """What the page lists of a user: never the password hash."""

    username: str
    role: str
    department_ids: frozenset[int] | None  # None: every department
    is_active: bool
    locked_until: dt.datetime | None


def accounts(*, session: Session) -> list[Account]:
    """Every account, by user name."""
    users = session.execute(select(User).order_by(col(User.username))).scalars()
    return [Account(u.username, u.role, parse_scope(u.department_scope), u.is_active, u.locked_until) for u in users]


def department_labels(*, session: Session) -> dict[int, str]:
    """Every department as '区 · 单位', by region and name: the choices of a user's scope."""
    rows = session.execute(select(col(Department.id), col(Region.name), col(Department.name))
                           .join(Region, col(Region.id) == col(Department.region_id))
                           .order_by(col(Region.name), col(Department.name))).all()
    return {int(i): f"{r} · {n}" for i, r, n in rows}


def _other_user(session: Session, username: str, actor: str) -> User:
    if username == actor:
        raise AuthError("不能在这里修改自己的账号")
    user = session.execute(select(User).where(col(User.username) == username)).scalar_one_or_none()
    if user is None:
        raise AuthError(f"用户“{username}”不存在")
    return user


def unlock(*, session: Session, username: str, actor: str) -> None:
    """Lift a lock after wrong passwords (and reset the count); audited, committed."""
    user = _other_user(session, username, actor)
    user.locked_until, user.failed_attempts = None, 0
    session.add(user)
    record(session, actor, "user_unlock", entity="user", entity_id=user.id, detail={"active": user.is_active})
    session.commit()


def toggle_active(*, session: Session, username: str, actor: str) -> bool:
    """Deactivate an active account or reactivate an inactive one; audited, committed. Returns the new state."""
    user = _other_user(session, username, actor)
    user.is_active = not user.is_active
    session.add(user)
    record(session, actor, "user_active", entity="user", entity_id=user.id, detail={"active": user.is_active})
    session.commit()
    return user.is_active


def finance_bureaus(*, session: Session) -> dict[str, int | None]:
    """Each region's finance bureau (the department whose finance users verify rectification), or None."""
    regions = session.execute(select(col(Region.name)).order_by(col(Region.name))).scalars().all()
    marked = dict(session.execute(select(col(Region.name), col(Department.id))
                                  .join(Region, col(Region.id) == col(Department.region_id))
                                  .where(col(Department.is_finance_bureau).is_(True))).all())
    return {r: marked.get(r) for r in regions}


def set_finance_bureau(*, session: Session, department_id: int, actor: str) -> None:
    """Mark a department its region's finance bureau, unmarking any other of the region; audited, committed."""
    dept = session.get(Department, department_id)
    if dept is None:
        raise AuthError(f"预算单位不存在（编号 {department_id}），请刷新后重新选择")
    before = session.execute(select(col(Department.id)).where(col(Department.region_id) == dept.region_id,
                                                              col(Department.is_finance_bureau).is_(True))).scalars().all()
    session.execute(update(Department).where(col(Department.region_id) == dept.region_id)
                    .values(is_finance_bureau=col(Department.id) == department_id))
    record(session, actor, "finance_bureau", entity="department", entity_id=department_id,
           detail={"before": sorted(before), "after": department_id, "name": dept.name})
    session.commit()
