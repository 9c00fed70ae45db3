"""The rectification workflow (整改跟踪): every step a finding may take, who may take it, and the steps.

A finding is in one of four states. `Finding.status` keeps the three of CONTRACT's
`kpis.rectification` (not_started 未整改, in_progress 整改中, rectified 已整改); the bureau's
verification is separate state on the finding (`verified_at`, `verified_by`), and *closed*
(已核验销号) is rectified and verified. A send-back returns a rectified finding to in_progress
with the reason.

Two parties act:
- the department (责任单位): a finance user whose scope covers the finding's department (a finance
  user without a scope covers every department);
- the bureau (财政局): an admin; a finance user without a department scope (the importer's
  convention: 不限单位的用户即财政局); or a finance user whose scope includes the department marked
  `is_finance_bureau` in the finding's region (the seed marks 区财政局 in both districts; migration
  0005 marks departments named …财政局; the users page lets an admin mark another).
Leaders only read.

`TRANSITIONS` is the one table of allowed steps; anything not in it is refused with a
`RectificationError` naming the finding, its state and the step. Each step writes one
append-only history row (finding_status_change, or finding_deadline_revision for a deadline)
and one audit_log row, and commits once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from data_access.audit import record
from data_access.enums import FINDING_STATUSES
from data_access.models import (
    Department,
    Evaluation,
    Finding,
    FindingDeadlineRevision,
    FindingStatusChange,
    Region,
    utcnow,
)

NOT_STARTED, IN_PROGRESS, RECTIFIED, CLOSED = "not_started", "in_progress", "rectified", "closed"
STATES = (NOT_STARTED, IN_PROGRESS, RECTIFIED, CLOSED)
STATE_LABELS = {**FINDING_STATUSES, RECTIFIED: "已整改（待核验）", CLOSED: "已核验销号"}

START, RECTIFY, VERIFY, SEND_BACK, REVISE_DEADLINE = "start", "rectify", "verify", "send_back", "revise_deadline"
ACTIONS = (START, RECTIFY, VERIFY, SEND_BACK, REVISE_DEADLINE)
ACTION_LABELS = {START: "开始整改", RECTIFY: "标记已整改", VERIFY: "核验销号", SEND_BACK: "退回重新整改",
                 REVISE_DEADLINE: "调整整改期限", "feedback": "记录书面反馈"}

DEPARTMENT, BUREAU = "department", "bureau"
PARTY_LABELS = {DEPARTMENT: "责任单位", BUREAU: "财政局"}
MAX_TEXT = 2000  # characters of measures, evidence, reasons and feedback


@dataclass(frozen=True)
class Rule:
    """Where a step leads and which parties may take it."""

    to: str
    parties: frozenset[str]


_EITHER = frozenset({DEPARTMENT, BUREAU})
_BUREAU = frozenset({BUREAU})

# (state, action) -> where it leads and who may take it. Every pair not listed is refused.
TRANSITIONS: dict[tuple[str, str], Rule] = {
    (NOT_STARTED, START): Rule(IN_PROGRESS, _EITHER),
    (IN_PROGRESS, RECTIFY): Rule(RECTIFIED, _EITHER),
    (RECTIFIED, VERIFY): Rule(CLOSED, _BUREAU),
    (RECTIFIED, SEND_BACK): Rule(IN_PROGRESS, _BUREAU),
    (NOT_STARTED, REVISE_DEADLINE): Rule(NOT_STARTED, _BUREAU),
    (IN_PROGRESS, REVISE_DEADLINE): Rule(IN_PROGRESS, _BUREAU),
}

# Who may take each step at all (whatever the state): checked before the state, so a refusal says who.
WHO: dict[str, frozenset[str]] = {a: frozenset().union(*(r.parties for (_s, x), r in TRANSITIONS.items() if x == a))
                                  for a in ACTIONS}

# Why a listed state refuses a step, in words a clerk can act on: (state, action) -> refusal code.
_REFUSALS: dict[tuple[str, str], str] = {
    (NOT_STARTED, RECTIFY): "not_started_yet",
    (IN_PROGRESS, START): "already_in_progress",
    (RECTIFIED, START): "awaiting_verification",
    (RECTIFIED, RECTIFY): "awaiting_verification",
    (RECTIFIED, REVISE_DEADLINE): "awaiting_verification_deadline",
}

# The text fields a step asks for, as the page names them.
FIELD_LABELS = {"measures": "整改措施", "evidence": "佐证材料", "start_date": "开始日期", "rectified_date": "完成日期",
                "comment": "核验意见", "send_back_reason": "退回理由", "deadline_reason": "调整理由",
                "feedback_text": "反馈内容", "feedback_date": "反馈日期"}

# Every refusal: its code and the Chinese sentence. `what` names the record (a finding or an evaluation),
# `action`, `state` and `field` are codes, `mine` the departments the user may act for; the UI words
# the same code and parameters in English (dashboard/locales/workflow.py, `refusal.<code>`).
MESSAGES: dict[str, str] = {
    "leader_read_only": "领导账号只能查看，不能{action}（{what}）",
    "bureau_only": "只有财政局（管理员或{region}财政局的财务人员）可以{action}（{what}）",
    "not_yours": "您无权办理{department}的{what}；您可办理的单位：{mine}",
    "not_yours_feedback": "您无权记录{department}的书面反馈（{what}）；您可办理的单位：{mine}",
    "not_started_yet": "{what}尚未开始整改，请先“开始整改”并填写整改措施，再标记为已整改",
    "already_in_progress": "{what}已在整改中",
    "awaiting_verification": "{what}已整改，正待财政局核验",
    "awaiting_verification_deadline": "{what}已整改，正待财政局核验，无需调整期限；如需继续整改请先退回",
    "closed": "{what}已核验销号，不能再变更",
    "only_rectified": "{what}当前为“{state}”，只有“{rectified}”的问题可以{action}",
    "wrong_state": "{what}当前为“{state}”，不能{action}",
    "too_long": "“{field}”共 {n} 字，超过 {limit} 字的上限（{what}），请精简",
    "required_for": "请填写“{field}”（{what}，{action}）",
    "required": "请填写“{field}”（{what}）",
    "future_date": "“{field}”{value} 晚于今天（{today}），请填写实际日期（{what}）",
    "finding_missing": "问题不存在（编号 {id}），请刷新页面后重试",
    "evaluation_missing": "评价不存在（编号 {id}），请刷新页面后重试",
    "changed_meanwhile": "{what}刚被他人更新，请刷新页面后重试",
    "own_rectification": "{what}由您本人标记为已整改，须由财政局的其他人员核验",
    "same_deadline": "新的整改期限 {value} 与当前期限相同（{what}）",
    "past_deadline": "新的整改期限 {value} 早于今天（{today}），请填写今后的日期（{what}）",
    "feedback_date": "“反馈日期”{value} 晚于今天（{today}）或未填写（{what}），请填写收到书面反馈的日期",
}


def what_zh(what: tuple[str, ...]) -> str:
    """A record as the Chinese messages name it: ("finding", code, subject) or ("evaluation", subject)."""
    return f"问题 {what[1]}（{what[2]}）" if what[0] == "finding" else f"评价“{what[1]}”"


class RectificationError(Exception):
    """A step was refused. `code` (a key of MESSAGES) and `params` say why; str() is the Chinese sentence,
    naming the finding. Parameters: what (see what_zh), action, state and field (codes), department and
    region (names), mine (department names), and numbers or ISO dates."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params = code, params
        words = {
            **params,
            **({"what": what_zh(params["what"])} if "what" in params else {}),
            **({"action": ACTION_LABELS[params["action"]]} if "action" in params else {}),
            **({"state": STATE_LABELS[params["state"]], "rectified": STATE_LABELS[RECTIFIED]}
               if "state" in params else {}),
            **({"field": FIELD_LABELS[params["field"]]} if "field" in params else {}),
            **({"mine": "、".join(params["mine"]) or "无"} if "mine" in params else {}),
            **({"value": params["value"] or "（空）"} if "value" in params else {}),
        }
        super().__init__(MESSAGES[code].format(**words))


@dataclass(frozen=True)
class Actor:
    """Who takes a step: the signed-in user's name, role and department scope (None: every department)."""

    username: str
    role: str
    department_ids: frozenset[int] | None


def state_of(status: str, verified_at: dt.datetime | None) -> str:
    """The workflow state of a finding's status and verification."""
    return CLOSED if status == RECTIFIED and verified_at is not None else status


def is_bureau(session: Session, actor: Actor, region_id: int) -> bool:
    """An admin, an unscoped finance user, or a finance user of the region's finance bureau."""
    if actor.role == "admin" or (actor.role == "finance" and actor.department_ids is None):
        return True
    if actor.role != "finance" or not actor.department_ids:
        return False
    found = session.execute(select(col(Department.id)).where(
        col(Department.id).in_(actor.department_ids), col(Department.region_id) == region_id,
        col(Department.is_finance_bureau).is_(True)).limit(1)).first()
    return found is not None


def is_bureau_of(session: Session, actor: Actor, region: str) -> bool:
    """`is_bureau` for a region named (False for a region that does not exist)."""
    region_id = session.execute(select(col(Region.id)).where(col(Region.name) == region)).scalar()
    return region_id is not None and is_bureau(session, actor, region_id)


def parties(session: Session, actor: Actor, *, department_id: int, region_id: int) -> frozenset[str]:
    """The parties an actor acts as for a record of a department and region."""
    out = set()
    if actor.role == "finance" and (actor.department_ids is None or department_id in actor.department_ids):
        out.add(DEPARTMENT)
    if is_bureau(session, actor, region_id):
        out.add(BUREAU)
    return frozenset(out)


def allowed_actions(session: Session, finding_id: int, actor: Actor) -> list[str]:
    """The steps this actor may take on a finding now, in workflow order (the page offers only these)."""
    finding = session.get(Finding, finding_id)
    if finding is None:
        return []
    state = state_of(finding.status, finding.verified_at)
    acting = parties(session, actor, department_id=finding.department_id, region_id=finding.region_id)
    return [a for a in ACTIONS if (rule := TRANSITIONS.get((state, a))) and rule.parties & acting]


# ---- checks ------------------------------------------------------------------------------------
def _label(finding: Finding) -> tuple[str, ...]:
    return ("finding", finding.finding_code, finding.subject)


def _department_names(session: Session, ids: frozenset[int] | set[int]) -> tuple[str, ...]:
    return tuple(session.execute(select(col(Department.name)).where(col(Department.id).in_(ids))
                                 .order_by(col(Department.name))).scalars().all())


def _check(session: Session, finding: Finding, actor: Actor, action: str) -> Rule:
    """The rule of this step, or a RectificationError saying why it is refused (who first, then state)."""
    what = _label(finding)
    if actor.role not in ("admin", "finance"):
        raise RectificationError("leader_read_only", action=action, what=what)
    state = state_of(finding.status, finding.verified_at)
    acting = parties(session, actor, department_id=finding.department_id, region_id=finding.region_id)
    needed = WHO[action]
    if not needed & acting:
        if needed == _BUREAU:
            region = session.get(Region, finding.region_id)
            raise RectificationError("bureau_only", region=region.name if region else "", action=action, what=what)
        raise RectificationError("not_yours", department="、".join(_department_names(session, {finding.department_id})),
                                 what=what, mine=_department_names(session, actor.department_ids or set()))
    rule = TRANSITIONS.get((state, action))
    if rule is None:
        if state == CLOSED:
            raise RectificationError("closed", what=what)
        if (state, action) in _REFUSALS:
            raise RectificationError(_REFUSALS[(state, action)], what=what)
        raise RectificationError("only_rectified" if action in (VERIFY, SEND_BACK) else "wrong_state",
                                 what=what, state=state, action=action)
    return rule


def _optional(value: str | None, field: str, finding: Finding) -> str | None:
    """A trimmed text field (None when blank), at most MAX_TEXT characters."""
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise RectificationError("too_long", field=field, n=len(text), limit=MAX_TEXT, what=_label(finding))
    return text or None


def _required(value: str | None, field: str, finding: Finding, action: str) -> str:
    """A trimmed text field that must be given."""
    text = _optional(value, field, finding)
    if text is None:
        raise RectificationError("required_for", field=field, what=_label(finding), action=action)
    return text


def _past_date(value: dt.date | None, field: str, finding: Finding, today: dt.date) -> dt.date:
    if value is None:
        raise RectificationError("required", field=field, what=_label(finding))
    if value > today:
        raise RectificationError("future_date", field=field, value=value.isoformat(), today=today.isoformat(),
                                 what=_label(finding))
    return value


def _load(session: Session, finding_id: int) -> Finding:
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise RectificationError("finding_missing", id=finding_id)
    return finding


# ---- steps -------------------------------------------------------------------------------------
def _step(session: Session, finding_id: int, finding: Finding, actor: Actor, action: str, *, changes: dict[str, Any],
          history: dict[str, Any]) -> None:
    """Apply a status step: a guarded UPDATE (nobody moved the finding meanwhile), a history row, an audit row."""
    rule = TRANSITIONS[(state_of(finding.status, finding.verified_at), action)]
    to_status = RECTIFIED if rule.to == CLOSED else rule.to
    guard = col(Finding.verified_at).is_(None)  # every step acts on an unverified finding
    done = session.execute(update(Finding).where(col(Finding.id) == finding_id,
                                                 col(Finding.status) == finding.status, guard)
                           .values(status=to_status, **changes).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise RectificationError("changed_meanwhile", what=_label(finding))
    session.add(FindingStatusChange(finding_id=finding_id, changed_by=actor.username, from_status=finding.status,
                                    to_status=to_status, action=action, **history))
    record(session, actor.username, f"finding_{action}", entity="finding", entity_id=finding_id,
           detail={"finding_code": finding.finding_code, "from": finding.status, "to": to_status,
                   **{k: v for k, v in history.items() if v is not None}})
    session.commit()


def start(session: Session, finding_id: int, actor: Actor, *, measures: str, on: dt.date,
          evidence: str | None = None, today: dt.date | None = None) -> None:
    """未整改 → 整改中: the measures the department has taken or planned, from a date."""
    finding = _load(session, finding_id)
    _check(session, finding, actor, START)
    text = _required(measures, "measures", finding, START)
    proof = _optional(evidence, "evidence", finding)
    day = _past_date(on, "start_date", finding, today or dt.date.today())
    _step(session, finding_id, finding, actor, START, changes={"measures": text},
          history={"measures": text, "evidence": proof, "step_date": day})


def rectify(session: Session, finding_id: int, actor: Actor, *, measures: str, evidence: str, on: dt.date,
            today: dt.date | None = None) -> None:
    """整改中 → 已整改 (awaiting the bureau's verification): measures taken, evidence and the date completed."""
    finding = _load(session, finding_id)
    _check(session, finding, actor, RECTIFY)
    text = _required(measures, "measures", finding, RECTIFY)
    proof = _required(evidence, "evidence", finding, RECTIFY)
    day = _past_date(on, "rectified_date", finding, today or dt.date.today())
    _step(session, finding_id, finding, actor, RECTIFY, changes={"measures": text, "rectified_date": day},
          history={"measures": text, "evidence": proof, "step_date": day})


def _rectified_by(session: Session, finding_id: int) -> str | None:
    """Who recorded the finding's latest 已整改 step."""
    return session.execute(select(col(FindingStatusChange.changed_by)).where(
        col(FindingStatusChange.finding_id) == finding_id, col(FindingStatusChange.to_status) == RECTIFIED,
        col(FindingStatusChange.from_status).is_distinct_from(RECTIFIED)).order_by(col(FindingStatusChange.id).desc()).limit(1)).scalar()


def verify(session: Session, finding_id: int, actor: Actor, *, comment: str | None = None,
           today: dt.date | None = None) -> None:
    """已整改 → closed: the bureau confirms the rectification (who and when); never by whoever marked it rectified."""
    finding = _load(session, finding_id)
    _check(session, finding, actor, VERIFY)
    if _rectified_by(session, finding_id) == actor.username:
        raise RectificationError("own_rectification", what=_label(finding))
    note = _optional(comment, "comment", finding)
    now = utcnow()
    _step(session, finding_id, finding, actor, VERIFY, changes={"verified_at": now, "verified_by": actor.username},
          history={"comment": note, "step_date": today or dt.date.today()})


def send_back(session: Session, finding_id: int, actor: Actor, *, reason: str, today: dt.date | None = None) -> None:
    """已整改 → 整改中: the bureau returns a rectification it does not accept, with the reason."""
    finding = _load(session, finding_id)
    _check(session, finding, actor, SEND_BACK)
    why = _required(reason, "send_back_reason", finding, SEND_BACK)
    _step(session, finding_id, finding, actor, SEND_BACK, changes={"rectified_date": None},
          history={"comment": why, "step_date": today or dt.date.today()})


def revise_deadline(session: Session, finding_id: int, actor: Actor, *, new_deadline: dt.date, reason: str,
                    today: dt.date | None = None) -> None:
    """Move the current deadline, with a reason; the original deadline stays, the move is kept for good."""
    finding = _load(session, finding_id)
    _check(session, finding, actor, REVISE_DEADLINE)
    why = _required(reason, "deadline_reason", finding, REVISE_DEADLINE)
    today = today or dt.date.today()
    if new_deadline == finding.deadline:
        raise RectificationError("same_deadline", value=new_deadline.isoformat(), what=_label(finding))
    if new_deadline < today:
        raise RectificationError("past_deadline", value=new_deadline.isoformat(), today=today.isoformat(),
                                 what=_label(finding))
    done = session.execute(update(Finding).where(col(Finding.id) == finding_id,
                                                 col(Finding.deadline) == finding.deadline,
                                                 col(Finding.status) == finding.status,
                                                 col(Finding.verified_at).is_(None))
                           .values(deadline=new_deadline).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise RectificationError("changed_meanwhile", what=_label(finding))
    session.add(FindingDeadlineRevision(finding_id=finding_id, revised_by=actor.username, old_deadline=finding.deadline,
                                        new_deadline=new_deadline, reason=why))
    record(session, actor.username, "finding_revise_deadline", entity="finding", entity_id=finding_id,
           detail={"finding_code": finding.finding_code, "before": {"deadline": finding.deadline},
                   "after": {"deadline": new_deadline}, "reason": why})
    session.commit()


def record_feedback(session: Session, evaluation_id: int, actor: Actor, *, on: dt.date, text: str,
                    today: dt.date | None = None) -> int:
    """The department's written feedback (书面反馈) on an evaluation: date and text, recorded by the
    department or the bureau. The evaluation's findings without a 书面反馈日期 get this date (so the
    feedback figure counts them); dates already recorded are kept. Returns how many findings got it.
    A second recording replaces the first; audit_log keeps the earlier values."""
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None:
        raise RectificationError("evaluation_missing", id=evaluation_id)
    what = ("evaluation", evaluation.subject)
    if actor.role not in ("admin", "finance"):
        raise RectificationError("leader_read_only", action="feedback", what=what)
    if not parties(session, actor, department_id=evaluation.department_id, region_id=evaluation.region_id):
        raise RectificationError("not_yours_feedback",
                                 department="、".join(_department_names(session, {evaluation.department_id})),
                                 what=what, mine=_department_names(session, actor.department_ids or set()))
    body = (text or "").strip()
    if not body:
        raise RectificationError("required", field="feedback_text", what=what)
    if len(body) > MAX_TEXT:
        raise RectificationError("too_long", field="feedback_text", n=len(body), limit=MAX_TEXT, what=what)
    today = today or dt.date.today()
    if on is None or on > today:
        raise RectificationError("feedback_date", value=on.isoformat() if on else "", today=today.isoformat(),
                                 what=what)
    before = {"feedback_date": evaluation.feedback_date, "feedback_text": evaluation.feedback_text}
    evaluation.feedback_date, evaluation.feedback_text = on, body
    evaluation.feedback_by, evaluation.feedback_at = actor.username, utcnow()
    session.add(evaluation)
    filled = session.execute(update(Finding).where(col(Finding.evaluation_id) == evaluation_id,
                                                   col(Finding.feedback_date).is_(None))
                             .values(feedback_date=on).returning(col(Finding.id))).scalars().all()
    record(session, actor.username, "evaluation_feedback", entity="evaluation", entity_id=evaluation_id,
           detail={"before": before, "after": {"feedback_date": on, "feedback_text": body}, "findings": sorted(filled)})
    session.commit()
    return len(filled)
