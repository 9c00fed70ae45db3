"""Department scope (issue 9 §4): a finance user scoped to some departments writes only for them.

The scope is checked against the department of the record a row's key resolves to, not only
the department the row names: naming another department's project, finding or indicator with
one's own department in the file must not move, reset or publish that record.
Files are built with openpyxl; the database is empty and migrated, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from data_access.__main__ import main
from data_access.auth import AuthError, create_user, parse_scope
from data_access.db import make_engine
from data_access.models import Department, Evaluation, Finding, FindingStatusChange, Project, Region, User
from data_access.publishing import PublishingError, set_published
from tests.test_import import DATA_TABLES, EVALUATIONS, EXA, FIND, IND, MON, PROJECTS, run, xlsx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a good password"


@pytest.fixture
def world(any_db_url: str) -> Iterator[Engine]:
    """黄埔区 with 区教育局 (edu) and 区民政局 (civil), each owning one record of every kind (both backends)."""
    engine = make_engine(any_db_url)
    files = [
        ("projects", PROJECTS),
        ("evaluations", EVALUATIONS),
        ("monitoring", [MON + ["行政区"], ["HP002", 2023, 6, 100, "黄埔区"], ["HP001", 2023, 6, 100, "黄埔区"]]),
        ("findings", [FIND, ["F-CIV", "区民政局", "区民政局", "黄埔区", 2023, "项目管理", "台账不全", "2024-06-30",
                             "整改中"],
                      ["F-EDU", "学位供给保障", "区教育局", "黄埔区", 2023, "项目管理", "资料不全", "2024-06-30",
                       "整改中"]]),
        ("ex-ante", [EXA, ["养老服务补贴", "区民政局", "黄埔区", 2024, 1000, 800, "部分支持"]]),
        ("indicators", [IND + ["项目编码", "预算年度"],
                        ["救助对象覆盖率", "产出指标", "质量指标", "个性", "黄埔区", "区民政局", None, None],
                        ["救助人数", "产出指标", "数量指标", "个性", "黄埔区", None, "HP002", 2023],
                        ["预算执行率", "效益指标", "经济效益指标", "通用", "黄埔区", None, None, None]]),
    ]
    for kind, rows in files:
        report = run(engine, kind, rows)
        assert report.committed, (kind, report.errors)
    yield engine
    engine.dispose()


def dept(engine: Engine, name: str) -> int:
    with Session(engine) as s:
        return s.execute(select(Department.id).join(Region).where(Region.name == "黄埔区",
                                                                  Department.name == name)).scalar_one()


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every data table, to show that a refused file changed nothing at all."""
    out = {}
    with Session(engine) as s:
        for model in DATA_TABLES:
            columns = list(model.__table__.columns)  # type: ignore[attr-defined]
            out[model.__tablename__] = sorted(tuple(map(str, r)) for r in s.execute(select(*columns)).all())
    return out


# For every KIND: a file of a user scoped to 区教育局 naming the key of a record of 区民政局.
# (kind, rows, column named in the error, value named in it)
OTHER_DEPARTMENTS_KEY = [
    # A project's key has no department: the file says 区教育局, the record belongs to 区民政局.
    ("projects", [PROJECTS[0], ["HP002", "困难群众救助", "101001-区教育局", "黄埔区", 2023, 5, None, None, None, None]],
     "项目编码", "HP002"),
    ("monitoring", [MON + ["行政区"], ["HP002", 2023, 6, 999, "黄埔区"]], "项目编码", "HP002"),
    ("evaluations", [EVALUATIONS[0], ["区民政局", "部门整体", "区民政局", "黄埔区", 2023, "自评复核", 50, None, None,
                                      "是"]],
     "预算单位", "区民政局"),
    # A finding's key has no department either: 问题编号 F-CIV is 区民政局's whatever the file says.
    ("findings", [FIND + ["是否公开"], ["F-CIV", "学位供给保障", "区教育局", "黄埔区", 2023, "项目管理", "改写",
                                        "2024-06-30", "未整改", "是"]],
     "问题编号", "F-CIV"),
    ("ex-ante", [EXA + ["是否公开"], ["养老服务补贴", "区民政局", "黄埔区", 2024, 1000, 0, "不予支持", "是"]],
     "预算单位", "区民政局"),
    ("indicators", [IND, ["救助对象覆盖率", "产出指标", "质量指标", "个性", "黄埔区", "区民政局"]], "预算单位",
     "区民政局"),
]


@pytest.mark.parametrize(("kind", "rows", "column", "value"), OTHER_DEPARTMENTS_KEY,
                         ids=[c[0] for c in OTHER_DEPARTMENTS_KEY])
def test_a_key_of_another_departments_record_is_refused(world: Engine, kind: str, rows: list, column: str,
                                                        value: str) -> None:
    before = snapshot(world)
    report = run(world, kind, rows, user="edu_clerk", allowed_department_ids=frozenset({dept(world, "区教育局")}))
    assert not report.committed
    assert [(e.row, e.column, e.code) for e in report.errors] == [(2, column, "out_of_scope")]
    message = report.errors[0].message
    assert f"第2行「{column}」的值“{value}”" in message, message
    assert "区民政局" in message and "不在您可以填报的单位范围" in message, message
    assert snapshot(world) == before  # nothing moved, no status reset, nothing published, no history


def test_the_finding_named_by_another_departments_key_keeps_its_status_and_stays_unpublished(world: Engine) -> None:
    rows = OTHER_DEPARTMENTS_KEY[3][1]
    run(world, "findings", rows, user="edu_clerk", allowed_department_ids=frozenset({dept(world, "区教育局")}))
    with Session(world) as s:
        finding = s.execute(select(Finding).where(Finding.finding_code == "F-CIV")).scalar_one()
        assert ((finding.department_id, finding.status, finding.published)
                == (dept(world, "区民政局"), "in_progress", False))
        history = s.execute(select(FindingStatusChange.to_status)
                            .where(FindingStatusChange.finding_id == finding.id)).scalars().all()
        assert history == ["in_progress"]


# Links that would let a row of one's own department reach another department's record.
OTHER_DEPARTMENTS_LINK = [
    # An evaluation of 区教育局 pointing at 区民政局's project.
    ("evaluations", [EVALUATIONS[0], ["救助评价", "项目", "区教育局", "黄埔区", 2023, "重点评价", 80, "HP002", None,
                                      "否"]],
     "项目编码", "HP002"),
    # A finding of 区教育局 whose 评价对象 is only evaluated under 区民政局.
    ("findings", [FIND, ["F-NEW", "区民政局", "区教育局", "黄埔区", 2023, "项目管理", "台账不全", "2024-06-30",
                         "未整改"]],
     "评价对象", "区民政局"),
    # A target of 区民政局's project, the department left blank.
    ("indicators", [IND + ["项目编码", "预算年度"],
                    ["救助人数", "产出指标", "数量指标", "个性", "黄埔区", None, "HP002", 2023]],
     "项目编码", "HP002"),
]


@pytest.mark.parametrize(("kind", "rows", "column", "value"), OTHER_DEPARTMENTS_LINK,
                         ids=[c[0] for c in OTHER_DEPARTMENTS_LINK])
def test_a_link_to_another_departments_record_is_refused(world: Engine, kind: str, rows: list, column: str,
                                                         value: str) -> None:
    before = snapshot(world)
    report = run(world, kind, rows, user="edu_clerk", allowed_department_ids=frozenset({dept(world, "区教育局")}))
    assert [(e.row, e.column, e.code) for e in report.errors] == [(2, column, "out_of_scope")]
    message = report.errors[0].message
    assert f"第2行「{column}」的值“{value}”" in message and "区民政局" in message, message
    assert snapshot(world) == before


def test_the_general_indicator_library_is_the_bureaus_alone(world: Engine) -> None:
    rows = [IND + ["指标值"], ["预算执行率", "效益指标", "经济效益指标", "通用", "黄埔区", None, "100%"]]
    before = snapshot(world)
    scoped = run(world, "indicators", rows, user="edu_clerk",
                 allowed_department_ids=frozenset({dept(world, "区教育局")}))
    assert [(e.row, e.column, e.code) for e in scoped.errors] == [(2, "预算单位", "out_of_scope")]
    assert "全区通用" in scoped.errors[0].message and "不限单位" in scoped.errors[0].message, scoped.errors[0].message
    assert snapshot(world) == before
    bureau = run(world, "indicators", rows, user="bureau")  # a user without a department scope
    assert bureau.committed and bureau.updated == 1


def test_moving_a_record_needs_scope_over_both_departments(world: Engine) -> None:
    edu, civil = dept(world, "区教育局"), dept(world, "区民政局")
    both = frozenset({edu, civil})
    project = run(world, "projects", OTHER_DEPARTMENTS_KEY[0][1], user="lead_clerk", allowed_department_ids=both)
    assert project.committed, project.errors
    finding = run(world, "findings", OTHER_DEPARTMENTS_KEY[3][1], user="lead_clerk", allowed_department_ids=both)
    assert finding.committed, finding.errors
    with Session(world) as s:
        p = s.execute(select(Project).where(Project.code == "HP002")).scalar_one()
        f = s.execute(select(Finding).where(Finding.finding_code == "F-CIV")).scalar_one()
        assert (p.department_id, f.department_id, f.status, f.published, f.published_by) == (
            edu, edu, "not_started", True, "lead_clerk")


def test_a_refused_monitoring_file_does_not_mark_another_departments_month_failed(world: Engine) -> None:
    rows = [MON + ["行政区"], ["HP002", 2023, 7, 999, "黄埔区"]]
    report = run(world, "monitoring", rows, user="edu_clerk",
                 allowed_department_ids=frozenset({dept(world, "区教育局")}))
    assert not report.committed
    assert report.coverage == set()  # the submission matrix counts rejected uploads as 报送失败


def test_publishing_another_departments_record_is_refused(world: Engine) -> None:
    edu, civil = dept(world, "区教育局"), dept(world, "区民政局")
    with Session(world) as s:
        hidden = s.execute(select(Evaluation).where(Evaluation.department_id == civil)).scalar_one()
        with pytest.raises(PublishingError, match="区民政局"):
            set_published(s, "evaluation", [hidden.id], True, "edu_clerk", allowed_department_ids=frozenset({edu}))
        s.refresh(hidden)
        assert hidden.published is False
        shown = s.execute(select(Evaluation).where(Evaluation.department_id == edu)).scalar_one()
        shown.department_id = civil  # a published record of the other department
        s.commit()
        with pytest.raises(PublishingError, match="区民政局"):
            set_published(s, "evaluation", [shown.id], False, "edu_clerk", allowed_department_ids=frozenset({edu}))
        s.refresh(shown)
        assert shown.published is True
        assert set_published(s, "evaluation", [shown.id], False, "clerk",
                             allowed_department_ids=frozenset({edu, civil})) == 1


# ---- create-user with a scope, and import --user enforcing it -------------------------------------
def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PERF_PASSWORD": PASSWORD}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "data_access", *args], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _scope_of(engine: Engine, username: str) -> frozenset[int] | None:
    with Session(engine) as s:
        return parse_scope(s.execute(select(User.department_scope).where(User.username == username)).scalar_one())


@pytest.mark.slow
def test_create_user_scope_on_the_command_line_is_enforced_on_import(world: Engine, any_db_url: str,
                                                                     tmp_path: Path) -> None:
    edu, civil = dept(world, "区教育局"), dept(world, "区民政局")
    done = _cli("--db", any_db_url, "create-user", "--role", "finance", "--region", "黄埔区", "--department",
                "区教育局", "edu_clerk")
    assert done.returncode == 0, done.stderr
    assert "区教育局" in done.stderr
    # --db after the command, a department written as code-name, two of them
    done = _cli("create-user", "--role", "finance", "--region", "黄埔区", "--department", "区教育局",
                "--department", "101002-区民政局", "lead_clerk", "--db", any_db_url)
    assert done.returncode == 0, done.stderr
    assert ((_scope_of(world, "edu_clerk"), _scope_of(world, "lead_clerk"))
            == (frozenset({edu}), frozenset({edu, civil})))

    moving = tmp_path / "projects.xlsx"
    moving.write_bytes(xlsx(OTHER_DEPARTMENTS_KEY[0][1]))
    before = snapshot(world)
    refused = _cli("import", "projects", str(moving), "--user", "edu_clerk", "--json", "--db", any_db_url)
    assert refused.returncode == 1, refused.stderr
    out = json.loads(refused.stdout)
    assert [(e["row"], e["column"], e["code"]) for e in out["errors"]] == [(2, "项目编码", "out_of_scope")]
    assert "区民政局" in out["errors"][0]["message"]
    assert snapshot(world) == before
    allowed = _cli("--db", any_db_url, "import", "projects", str(moving), "--user", "lead_clerk", "--json")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    with Session(world) as s:
        assert s.execute(select(Project.department_id).where(Project.code == "HP002")).scalar_one() == edu


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "finance", "--region", "天河区", "--department", "区教育局"], "未找到行政区“天河区”"),
    (["--role", "finance", "--region", "黄埔区", "--department", "区教育厅"],
     "黄埔区没有预算单位“区教育厅”，最接近的是“区教育局”"),
    (["--role", "finance", "--department", "区教育局"], "--department 须与 --region 一起使用"),
    (["--role", "finance", "--region", "黄埔区"], "--region 须与 --department 一起使用"),
    (["--role", "admin", "--region", "黄埔区", "--department", "区教育局"], "只有财务人员（finance）可以限定预算单位"),
    (["--role", "leader", "--region", "黄埔区", "--department", "区教育局"], "只有财务人员（finance）可以限定预算单位"),
])
def test_create_user_scope_refusals(world: Engine, any_db_url: str, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    monkeypatch.setenv("PERF_PASSWORD", PASSWORD)
    assert main(["create-user", *args, "clerk", "--db", any_db_url]) == 1
    assert message in capsys.readouterr().err
    with Session(world) as s:
        assert s.execute(select(User).where(User.username == "clerk")).first() is None


def test_the_users_page_service_refuses_a_scope_for_other_roles_and_unknown_departments(world: Engine) -> None:
    with Session(world) as s:
        with pytest.raises(AuthError, match="只有财务人员"):
            create_user(s, "boss", "admin", PASSWORD, [dept(world, "区教育局")])
        with pytest.raises(AuthError, match="预算单位不存在"):
            create_user(s, "ghost", "finance", PASSWORD, [987654])
        assert (create_user(s, "clerk", "finance", PASSWORD, [dept(world, "区教育局")]).department_scope
                == str(dept(world, "区教育局")))


def test_import_as_an_inactive_or_read_only_user_is_refused(world: Engine, any_db_url: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    with Session(world) as s:
        create_user(s, "gone", "finance", PASSWORD)
        create_user(s, "boss", "leader", PASSWORD)
        gone = s.execute(select(User).where(User.username == "gone")).scalar_one()
        gone.is_active = False
        s.commit()
    path = tmp_path / "monitoring.xlsx"
    path.write_bytes(xlsx([MON + ["行政区"], ["HP001", 2023, 8, 5, "黄埔区"]]))
    before = snapshot(world)
    for user, reason in (("gone", "已停用"), ("boss", "只读")):
        assert main(["import", "monitoring", str(path), "--user", user, "--json", "--db", any_db_url]) == 1
        out = json.loads(capsys.readouterr().out)
        assert [e["code"] for e in out["errors"]] == ["user_not_allowed"] and reason in out["errors"][0]["message"]
    assert snapshot(world) == before
    capsys.readouterr()
    # A name that is no account imports (a script naming itself) but says so: a typo must not pass unnoticed.
    assert main(["import", "monitoring", str(path), "--user", "someone-else", "--json", "--db", any_db_url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["committed"] and out["warnings"][0]["code"] == "unknown_user"
    assert out["warnings"][0]["message"] == ("“someone-else”不是本系统的用户，只记为上传人，"
                                             "未按任何用户的单位范围限制导入。")


def test_the_users_page_sets_a_scope_through_the_same_service(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    from tests.apptest import app, sign_in

    engine = make_engine(db_url)
    assert run(engine, "projects", PROJECTS).committed
    edu = dept(engine, "区教育局")
    with Session(engine) as s:
        create_user(s, "chief", "admin", PASSWORD)

    def create(username: str, role: str) -> list[str]:
        page = sign_in(app(monkeypatch, db_url), "chief", PASSWORD).switch_page("../pages/users.py").run()
        page.text_input(key="users_new_name").input(username)
        page.selectbox(key="users_new_role").select(role)
        page.text_input(key="users_new_password").input(PASSWORD)
        page.multiselect(key="users_new_scope").select(edu)
        next(b for b in page.button if b.proto.is_form_submitter).click()
        page.run()
        assert not page.exception
        return [e.value for e in page.error]

    assert create("boss", "leader") == [
        "只有财务人员（finance）可以限定预算单位；角色“leader”不能限定："
        "管理员（admin）管理全部单位，领导（leader）只查看、不填报"]
    assert create("edu_clerk", "finance") == []
    with Session(engine) as s:
        assert s.execute(select(User).where(User.username == "boss")).first() is None
    assert _scope_of(engine, "edu_clerk") == frozenset({edu})


def test_db_after_the_command_wins_over_database_url(world: Engine, any_db_url: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    assert main(["kpis", "--year", "2023", "--region", "黄埔区", "--json", "--db", any_db_url]) == 0
    assert json.loads(capsys.readouterr().out)["execution"]["projects"] == 2
    assert main(["--db", any_db_url, "kpis", "--year", "2023", "--region", "黄埔区", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["execution"]["projects"] == 2
