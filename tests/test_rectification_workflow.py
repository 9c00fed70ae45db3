"""The rectification workflow (data_access/rectification.py): every state × step × party, allowed or
refused; verification and send-back; deadline revisions; history append-only in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from data_access import rectification as R
from data_access.db import make_engine
from data_access.models import (
    AuditLog,
    Department,
    Evaluation,
    Finding,
    FindingDeadlineRevision,
    FindingStatusChange,
    Region,
)
from data_access.queries.kpis import rectification_kpis
from data_access.queries.rectification import deadline_history, overdue, overdue_count, owed

TODAY = dt.date(2024, 5, 10)
DEADLINE = dt.date(2024, 6, 30)


@dataclass(frozen=True)
class World:
    session: Session
    region_id: int
    own: int  # the finding's department (区教育局)
    other: int  # another department of the region (区水务局)
    bureau: int  # the region's 区财政局
    elsewhere_bureau: int  # another region's 区财政局
    evaluation: int


def _world(session: Session) -> World:
    region, elsewhere = Region(name="测试区"), Region(name="对照区")
    session.add_all([region, elsewhere])
    session.flush()
    depts = [Department(region_id=region.id, name="区教育局"), Department(region_id=region.id, name="区水务局"),  # type: ignore[arg-type]
             Department(region_id=region.id, name="区财政局", is_finance_bureau=True),  # type: ignore[arg-type]
             Department(region_id=elsewhere.id, name="区财政局", is_finance_bureau=True)]  # type: ignore[arg-type]
    session.add_all(depts)
    session.flush()
    evaluation = Evaluation(region_id=region.id, department_id=depts[0].id, year=2023, subject="课后服务经费",  # type: ignore[arg-type]
                            subject_type="project", method="key", score_centi=8500)
    session.add(evaluation)
    session.commit()
    return World(session, region.id, depts[0].id, depts[1].id, depts[2].id, depts[3].id, evaluation.id)  # type: ignore[arg-type]


def _opened(url: str) -> Iterator[World]:
    engine = make_engine(url)
    with Session(engine) as s:
        yield _world(s)
    engine.dispose()


@pytest.fixture
def world(any_db_url: str) -> Iterator[World]:
    """Two departments, the region's bureau and another region's, on each backend."""
    yield from _opened(any_db_url)


@pytest.fixture
def sqlite_world(db_url: str) -> Iterator[World]:
    """The same on SQLite only, for the 140-case table."""
    yield from _opened(db_url)


def actors(w: World) -> dict[str, R.Actor]:
    return {
        "own_department": R.Actor("jy-clerk", "finance", frozenset({w.own})),
        "other_department": R.Actor("sw-clerk", "finance", frozenset({w.other})),
        "bureau_finance": R.Actor("czj-clerk", "finance", frozenset({w.bureau})),
        "elsewhere_bureau": R.Actor("dz-czj", "finance", frozenset({w.elsewhere_bureau})),
        "unscoped_finance": R.Actor("finance-all", "finance", None),
        "admin": R.Actor("admin", "admin", None),
        "leader": R.Actor("leader", "leader", None),
    }


def finding(w: World, state: str, *, code: str = "F1", deadline: dt.date = DEADLINE) -> int:
    """A finding of 区教育局 in a workflow state, with the history that led there (rectified by a third clerk)."""
    status = "rectified" if state == R.CLOSED else state
    f = Finding(region_id=w.region_id, department_id=w.own, year=2023, finding_code=code, subject="课后服务经费",
                category="预算编制", description="预算编制不够精准", deadline=deadline, status=status,
                evaluation_id=w.evaluation, rectified_date=TODAY if status == "rectified" else None,
                verified_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC) if state == R.CLOSED else None,
                verified_by="czj-old" if state == R.CLOSED else None)
    w.session.add(f)
    w.session.flush()
    path = ["not_started", "in_progress", "rectified"][: ["not_started", "in_progress", "rectified"].index(status) + 1]
    for frm, to in zip([None, *path], path, strict=False):
        w.session.add(FindingStatusChange(finding_id=f.id, changed_by="third-clerk", from_status=frm, to_status=to))  # type: ignore[arg-type]
    w.session.commit()
    return f.id  # type: ignore[return-value]


def take(w: World, action: str, finding_id: int, actor: R.Actor) -> None:
    """One step with valid inputs."""
    s = w.session
    if action == R.START:
        R.start(s, finding_id, actor, measures="制定整改方案，明确责任人", on=TODAY - dt.timedelta(days=1), today=TODAY)
    elif action == R.RECTIFY:
        R.rectify(s, finding_id, actor, measures="修订预算编制规程", evidence="《预算编制规程（2024年修订）》",
                  on=TODAY, today=TODAY)
    elif action == R.VERIFY:
        R.verify(s, finding_id, actor, comment="佐证齐全", today=TODAY)
    elif action == R.SEND_BACK:
        R.send_back(s, finding_id, actor, reason="佐证材料不足", today=TODAY)
    else:
        R.revise_deadline(s, finding_id, actor, new_deadline=TODAY + dt.timedelta(days=60), reason="项目周期调整",
                          today=TODAY)


BUREAU = {"bureau_finance", "unscoped_finance", "admin"}
EITHER = BUREAU | {"own_department"}
# Written out by hand (not read from TRANSITIONS): (state, step) -> (state after, who may take it).
EXPECTED: dict[tuple[str, str], tuple[str, set[str]]] = {
    ("not_started", "start"): ("in_progress", EITHER),
    ("in_progress", "rectify"): ("rectified", EITHER),
    ("rectified", "verify"): ("closed", BUREAU),
    ("rectified", "send_back"): ("in_progress", BUREAU),
    ("not_started", "revise_deadline"): ("not_started", BUREAU),
    ("in_progress", "revise_deadline"): ("in_progress", BUREAU),
}
ACTORS = ("own_department", "other_department", "bureau_finance", "elsewhere_bureau", "unscoped_finance", "admin",
          "leader")


def _counts(w: World, fid: int) -> tuple[int, int, int]:
    s = w.session
    return (s.execute(select(func.count()).select_from(FindingStatusChange)
                      .where(FindingStatusChange.finding_id == fid)).scalar_one(),
            s.execute(select(func.count()).select_from(FindingDeadlineRevision)
                      .where(FindingDeadlineRevision.finding_id == fid)).scalar_one(),
            s.execute(select(func.count()).select_from(AuditLog).where(AuditLog.entity_id == fid,
                                                                       AuditLog.entity == "finding")).scalar_one())


def test_the_transition_table_is_the_documented_one() -> None:
    assert {k: (r.to, set(r.parties)) for k, r in R.TRANSITIONS.items()} == {
        k: (to, {R.DEPARTMENT, R.BUREAU} if who == EITHER else {R.BUREAU}) for k, (to, who) in EXPECTED.items()}


@pytest.mark.parametrize("state", R.STATES)
@pytest.mark.parametrize("action", R.ACTIONS)
@pytest.mark.parametrize("who", ACTORS)
def test_every_state_step_and_party(sqlite_world: World, state: str, action: str, who: str) -> None:
    w = sqlite_world
    fid = finding(w, state)
    actor = actors(w)[who]
    history, revisions, audits = _counts(w, fid)
    expected = EXPECTED.get((state, action))
    offered = R.allowed_actions(w.session, fid, actor)
    if expected and who in expected[1]:
        assert action in offered
        take(w, action, fid, actor)
        w.session.expire_all()
        f = w.session.get(Finding, fid)
        assert R.state_of(f.status, f.verified_at) == expected[0]  # type: ignore[union-attr]
        grew = (0, 1, 1) if action == R.REVISE_DEADLINE else (1, 0, 1)
        assert _counts(w, fid) == (history + grew[0], revisions + grew[1], audits + grew[2])
    else:
        assert action not in offered
        with pytest.raises(R.RectificationError, match="问题 F1（课后服务经费）"):
            take(w, action, fid, actor)
        w.session.rollback()
        f = w.session.get(Finding, fid)
        assert R.state_of(f.status, f.verified_at) == state and f.deadline == DEADLINE  # type: ignore[union-attr]
        assert _counts(w, fid) == (history, revisions, audits)  # nothing written


@pytest.mark.parametrize(("state", "action", "who", "message"), [
    ("not_started", "rectify", "own_department", "尚未开始整改，请先“开始整改”"),
    ("in_progress", "verify", "bureau_finance", "当前为“整改中”，只有“已整改（待核验）”的问题可以核验销号"),
    ("closed", "send_back", "admin", "已核验销号，不能再变更"),
    ("rectified", "revise_deadline", "admin", "已整改，正待财政局核验，无需调整期限"),
    ("rectified", "verify", "own_department", "只有财政局（管理员或测试区财政局的财务人员）可以核验销号"),
    ("not_started", "start", "other_department",
     "您无权办理区教育局的问题 F1（课后服务经费）；您可办理的单位：区水务局"),
    ("rectified", "verify", "elsewhere_bureau", "只有财政局"),
    ("not_started", "start", "leader", "领导账号只能查看，不能开始整改"),
])
def test_refusals_say_why(sqlite_world: World, state: str, action: str, who: str, message: str) -> None:
    fid = finding(sqlite_world, state)
    with pytest.raises(R.RectificationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        take(sqlite_world, action, fid, actors(sqlite_world)[who])


def test_walk_to_closure_with_a_send_back(world: World) -> None:
    """未整改 → 整改中 → 已整改 → sent back → 已整改 → verified: each step one history row, one audit row."""
    s, a = world.session, actors(world)
    fid = finding(world, "not_started")
    R.start(s, fid, a["own_department"], measures="制定整改方案", evidence="整改方案", on=dt.date(2024, 5, 2),
            today=TODAY)
    R.rectify(s, fid, a["own_department"], measures="修订规程", evidence="规程文本", on=dt.date(2024, 5, 8),
              today=TODAY)
    assert rectification_kpis(session=s, year=2023, region="测试区", as_of=TODAY)["rectified"] == 1
    R.send_back(s, fid, a["bureau_finance"], reason="规程未经党组会审议", today=TODAY)
    f = s.get(Finding, fid)
    assert (f.status, f.rectified_date, f.verified_at) == ("in_progress", None, None)  # type: ignore[union-attr]
    assert rectification_kpis(session=s, year=2023, region="测试区", as_of=TODAY)["rectified"] == 0
    R.rectify(s, fid, a["own_department"], measures="规程经党组会审议通过", evidence="会议纪要", on=TODAY, today=TODAY)
    R.verify(s, fid, a["bureau_finance"], comment="整改到位", today=TODAY)
    s.expire_all()
    f = s.get(Finding, fid)
    assert (f.status, f.rectified_date, f.verified_by, f.measures) == (  # type: ignore[union-attr]
        "rectified", TODAY, "czj-clerk", "规程经党组会审议通过")
    assert f.verified_at is not None  # type: ignore[union-attr]
    rows = s.execute(select(FindingStatusChange).where(FindingStatusChange.finding_id == fid)
                     .order_by(FindingStatusChange.id)).scalars().all()
    assert [(r.action, r.from_status, r.to_status, r.changed_by, r.step_date) for r in rows[1:]] == [
        ("start", "not_started", "in_progress", "jy-clerk", dt.date(2024, 5, 2)),
        ("rectify", "in_progress", "rectified", "jy-clerk", dt.date(2024, 5, 8)),
        ("send_back", "rectified", "in_progress", "czj-clerk", TODAY),
        ("rectify", "in_progress", "rectified", "jy-clerk", TODAY),
        ("verify", "rectified", "rectified", "czj-clerk", TODAY)]
    assert (rows[1].measures, rows[1].evidence) == ("制定整改方案", "整改方案")
    assert rows[3].comment == "规程未经党组会审议" and rows[5].comment == "整改到位"
    audit = s.execute(select(AuditLog.action).where(AuditLog.entity_id == fid).order_by(AuditLog.id)).scalars().all()
    assert audit == ["finding_start", "finding_rectify", "finding_send_back", "finding_rectify", "finding_verify"]


def test_whoever_marked_it_rectified_cannot_verify_it(world: World) -> None:
    s = world.session
    fid = finding(world, "in_progress")
    czj = actors(world)["bureau_finance"]
    R.rectify(s, fid, czj, measures="财政局代为登记", evidence="单位书面报告", on=TODAY, today=TODAY)
    with pytest.raises(R.RectificationError, match="由您本人标记为已整改，须由财政局的其他人员核验"):
        R.verify(s, fid, czj, today=TODAY)
    R.verify(s, fid, actors(world)["admin"], today=TODAY)  # someone else of the bureau may


@pytest.mark.parametrize(("action", "kwargs", "message"), [
    ("start", {"measures": "  ", "on": TODAY}, "请填写“整改措施”"),
    ("start", {"measures": "方案", "on": TODAY + dt.timedelta(days=1)}, "“开始日期”2024-05-11 晚于今天（2024-05-10）"),
    ("rectify", {"measures": "规程", "evidence": "", "on": TODAY}, "请填写“佐证材料”"),
    ("rectify", {"measures": "规程" * 1001, "evidence": "文件", "on": TODAY}, "“整改措施”共 2002 字，超过 2000 字"),
    ("send_back", {"reason": ""}, "请填写“退回理由”"),
    ("revise_deadline", {"new_deadline": DEADLINE, "reason": "延期"}, "新的整改期限 2024-06-30 与当前期限相同"),
    ("revise_deadline", {"new_deadline": TODAY - dt.timedelta(days=1), "reason": "延期"}, "早于今天（2024-05-10）"),
    ("revise_deadline", {"new_deadline": DEADLINE + dt.timedelta(days=30), "reason": " "}, "请填写“调整理由”"),
])
def test_each_step_needs_its_fields(sqlite_world: World, action: str, kwargs: dict, message: str) -> None:
    state = {"start": "not_started", "rectify": "in_progress", "send_back": "rectified"}.get(action, "in_progress")
    fid = finding(sqlite_world, state)
    step = getattr(R, action)
    with pytest.raises(R.RectificationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        step(sqlite_world.session, fid, actors(sqlite_world)["admin"], today=TODAY, **kwargs)
    sqlite_world.session.rollback()
    assert _counts(sqlite_world, fid)[1:] == (0, 0)


def test_a_deadline_moves_only_with_a_reason_and_keeps_the_original(world: World) -> None:
    s, admin = world.session, actors(world)["admin"]
    fid = finding(world, "in_progress", deadline=dt.date(2024, 5, 31))
    R.revise_deadline(s, fid, admin, new_deadline=dt.date(2024, 8, 31), reason="设备采购延期", today=TODAY)
    R.revise_deadline(s, fid, actors(world)["bureau_finance"], new_deadline=dt.date(2024, 12, 31),
                      reason="资金下达推迟", today=TODAY)
    s.expire_all()
    f = s.get(Finding, fid)
    assert (f.original_deadline, f.deadline) == (dt.date(2024, 5, 31), dt.date(2024, 12, 31))  # type: ignore[union-attr]
    revisions = s.execute(select(FindingDeadlineRevision).where(FindingDeadlineRevision.finding_id == fid)
                          .order_by(FindingDeadlineRevision.id)).scalars().all()
    assert [(r.old_deadline, r.new_deadline, r.revised_by, r.reason) for r in revisions] == [
        (dt.date(2024, 5, 31), dt.date(2024, 8, 31), "admin", "设备采购延期"),
        (dt.date(2024, 8, 31), dt.date(2024, 12, 31), "czj-clerk", "资金下达推迟")]
    with pytest.raises(R.RectificationError, match="只有财政局"):
        R.revise_deadline(s, fid, actors(world)["own_department"], new_deadline=dt.date(2025, 3, 31), reason="申请延期",
                          today=TODAY)


def test_deadline_history_cannot_be_rewritten_in_the_database(world: World) -> None:
    s = world.session
    fid = finding(world, "in_progress")
    R.revise_deadline(s, fid, actors(world)["admin"], new_deadline=dt.date(2024, 9, 30), reason="延期", today=TODAY)
    engine = s.get_bind()
    for statement in ("UPDATE finding_deadline_revision SET reason = '改写'",
                      "UPDATE finding_deadline_revision SET new_deadline = '2024-07-01'",
                      "DELETE FROM finding_deadline_revision",
                      "UPDATE finding_status_change SET comment = '改写'",
                      "DELETE FROM finding_status_change"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:  # type: ignore[union-attr]
            conn.execute(text(statement))
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:  # type: ignore[union-attr]
            conn.execute(text("TRUNCATE finding_deadline_revision"))
    assert s.execute(select(FindingDeadlineRevision.reason)).scalars().all() == ["延期"]


def test_a_reasonless_or_unmoving_revision_is_refused_by_the_database(world: World) -> None:
    fid = finding(world, "in_progress")
    engine = world.session.get_bind()
    for new, reason in (("2024-09-30", " "), ("2024-06-30", "原因")):
        with pytest.raises(DBAPIError), engine.begin() as conn:  # type: ignore[union-attr]
            conn.execute(text("INSERT INTO finding_deadline_revision "
                              "(finding_id, revised_at, revised_by, old_deadline, new_deadline, reason) "
                              "VALUES (:f, '2024-05-10 10:00:00', 'x', '2024-06-30', :new, :why)"),
                         {"f": fid, "new": new, "why": reason})


def test_a_step_on_a_finding_someone_else_just_moved_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two clerks act at once: the second's UPDATE finds the finding no longer 未整改 and writes nothing."""
    s = world.session
    fid = finding(world, "not_started")
    stale = s.get(Finding, fid)
    s.expunge(stale)  # what the second clerk's step read, before the first committed
    with Session(s.get_bind()) as other:
        R.start(other, fid, actors(world)["admin"], measures="方案", on=TODAY, today=TODAY)
    monkeypatch.setattr(R, "_load", lambda _session, _id: stale)
    with pytest.raises(R.RectificationError, match="刚被他人更新，请刷新页面后重试"):
        R.start(s, fid, actors(world)["own_department"], measures="方案", on=TODAY, today=TODAY)
    s.rollback()
    assert _counts(world, fid)[0] == 2  # filed, and the one start


def test_a_new_finding_gets_its_deadline_as_original(world: World) -> None:
    fid = finding(world, "not_started", deadline=dt.date(2025, 1, 15))
    world.session.expire_all()
    assert world.session.get(Finding, fid).original_deadline == dt.date(2025, 1, 15)  # type: ignore[union-attr]


def test_written_feedback_is_recorded_per_evaluation(world: World) -> None:
    s, a = world.session, actors(world)
    with_date = finding(world, "in_progress", code="F1")
    without = finding(world, "in_progress", code="F2")
    s.get(Finding, with_date).feedback_date = dt.date(2024, 4, 1)  # type: ignore[union-attr]
    s.commit()
    with pytest.raises(R.RectificationError, match="您无权记录区教育局的书面反馈"):
        R.record_feedback(s, world.evaluation, a["other_department"], on=TODAY, text="已整改", today=TODAY)
    with pytest.raises(R.RectificationError, match="晚于今天"):
        R.record_feedback(s, world.evaluation, a["own_department"], on=TODAY + dt.timedelta(days=1), text="已整改",
                          today=TODAY)
    before = rectification_kpis(session=s, year=2023, region="测试区", as_of=TODAY)["feedback_submitted"]
    assert R.record_feedback(s, world.evaluation, a["own_department"], on=dt.date(2024, 5, 6),
                             text="已按评价意见逐项整改，详见整改报告。", today=TODAY) == 1
    s.expire_all()
    e = s.get(Evaluation, world.evaluation)
    assert (e.feedback_date, e.feedback_text, e.feedback_by) == (  # type: ignore[union-attr]
        dt.date(2024, 5, 6), "已按评价意见逐项整改，详见整改报告。", "jy-clerk")
    assert s.get(Finding, with_date).feedback_date == dt.date(2024, 4, 1)  # type: ignore[union-attr]  # kept
    assert s.get(Finding, without).feedback_date == dt.date(2024, 5, 6)  # type: ignore[union-attr]
    assert rectification_kpis(session=s, year=2023, region="测试区", as_of=TODAY)["feedback_submitted"] == before + 1
    assert s.execute(select(AuditLog.action).where(AuditLog.entity == "evaluation")).scalars().all() == [
        "evaluation_feedback"]


# ---- overdue on boundary dates, and what a department owes --------------------------------------------
D = dt.date(2024, 7, 1)


def test_overdue_on_boundary_dates(world: World) -> None:
    """As of D: a deadline of D is not overdue, D − 1 is (one day); D + 30 is due soon, D + 31 not yet."""
    cases = {"F-D": D, "F-D-1": D - dt.timedelta(days=1), "F-D+30": D + dt.timedelta(days=30),
             "F-D+31": D + dt.timedelta(days=31)}
    for code, deadline in cases.items():
        finding(world, "in_progress", code=code, deadline=deadline)
    finding(world, "rectified", code="F-done", deadline=D - dt.timedelta(days=100))  # rectified: never overdue
    s = world.session
    assert rectification_kpis(session=s, year=2023, region="测试区", as_of=D)["overdue"] == 1
    listed = overdue(session=s, year=2023, region="测试区", as_of=D)
    assert list(listed["finding_code"]) == ["F-D-1"] and list(listed["days_overdue"]) == [1]
    tasks = owed(session=s, region="测试区", today=D, department_ids=frozenset({world.own}))
    assert list(tasks.overdue["finding_code"]) == ["F-D-1"]
    assert sorted(tasks.due_soon["finding_code"]) == ["F-D", "F-D+30"]
    assert list(tasks.awaiting["finding_code"]) == ["F-done"]
    assert len(tasks.open) == 4


def test_days_overdue_count_from_the_original_deadline_after_a_move(world: World) -> None:
    s = world.session
    fid = finding(world, "in_progress", deadline=dt.date(2024, 5, 1))
    R.revise_deadline(s, fid, actors(world)["admin"], new_deadline=dt.date(2024, 8, 31), reason="设备到货推迟",
                      today=TODAY)
    listed = overdue(session=s, year=2023, region="测试区", as_of=D)
    assert overdue_count(listed) == 0  # not overdue against the current deadline (CONTRACT's figure)
    row = listed.iloc[0]  # but listed, 61 days past the original
    assert (row["days_overdue_original"], row["days_overdue"], row["revisions"]) == (61, None, 1)
    assert rectification_kpis(session=s, year=2023, region="测试区", as_of=D)["overdue"] == 0
    moves = deadline_history(session=s, finding_id=fid)
    assert moves[["old_deadline", "new_deadline", "reason"]].values.tolist() == [
        [dt.date(2024, 5, 1), dt.date(2024, 8, 31), "设备到货推迟"]]


def test_what_a_department_owes_is_its_own(world: World) -> None:
    s, a = world.session, actors(world)
    fid = finding(world, "rectified", code="F-back")
    R.send_back(s, fid, a["admin"], reason="佐证不足", today=TODAY)
    finding(world, "closed", code="F-closed")
    mine = owed(session=s, region="测试区", today=TODAY, department_ids=frozenset({world.own}))
    assert list(mine.sent_back["finding_code"]) == ["F-back"] and list(mine.sent_back["last_comment"]) == ["佐证不足"]
    assert "F-closed" not in set(mine.open["finding_code"]) | set(mine.awaiting["finding_code"])
    theirs = owed(session=s, region="测试区", today=TODAY, department_ids=frozenset({world.other}))
    assert theirs.open.empty and theirs.awaiting.empty


def test_an_admin_names_the_finance_bureau_and_its_clerks_verify(world: World) -> None:
    from data_access import users

    s, a = world.session, actors(world)
    fid = finding(world, "rectified")
    assert users.finance_bureaus(session=s)["测试区"] == world.bureau
    users.set_finance_bureau(session=s, department_id=world.other, actor="admin")  # 区水务局 now verifies
    assert users.finance_bureaus(session=s) == {"测试区": world.other, "对照区": world.elsewhere_bureau}
    with pytest.raises(R.RectificationError, match="只有财政局"):
        R.verify(s, fid, a["bureau_finance"], today=TODAY)
    R.verify(s, fid, a["other_department"], today=TODAY)
    assert s.execute(select(AuditLog.action, AuditLog.entity_id).where(AuditLog.entity == "department")).all() == [
        ("finance_bureau", world.other)]
