"""The importer (CONTRACT.md §2): every validation rule, the messy layouts, re-imports, readers, CLI.

Files are built with openpyxl in each test; the database is a temporary SQLite file with a
small reference set imported through the importer itself (regions, departments, projects).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from data_access.db import make_engine
from data_access.models import (
    AuditLog,
    Department,
    Evaluation,
    ExAnte,
    Finding,
    FindingStatusChange,
    Indicator,
    Monitoring,
    Project,
    Region,
    UploadBatch,
)
from data_access.uploads import ImportReport, import_file
from data_access.uploads.cli import run_import_cli

ROOT = Path(__file__).resolve().parent.parent
DATA_TABLES = (Region, Department, Project, Monitoring, Evaluation, Finding, FindingStatusChange, ExAnte, Indicator,
               AuditLog)

PROJECTS = [
    ["项目编码", "项目名称", "预算单位", "行政区", "预算年度", "调整后预算数", "年初预算数", "资金来源", "项目类型",
     "是否新增"],
    ["HP001", "学位供给保障", "101001-区教育局", "黄埔区", 2023, 1_000_000, 1_200_000, "一般公共预算", "经常性", "否"],
    ["HP002", "困难群众救助", "101002-区民政局", "黄埔区", 2023, 2_000_000, None, "中央直达资金", "一次性", "是"],
    ["HP001", "荔湾学位项目", "区教育局", "荔湾区", 2023, 500_000, None, None, None, None],
]
EVALUATIONS = [
    ["评价对象", "对象类型", "预算单位", "行政区", "预算年度", "评价方式", "得分", "项目编码", "涉及资金", "是否公开"],
    ["学位供给保障", "项目", "区教育局", "黄埔区", 2023, "重点评价", 88.5, "HP001", 1_000_000, "是"],
    ["区民政局", "部门整体", "区民政局", "黄埔区", 2023, "自评复核", 92, None, 2_000_000, "否"],
]


def xlsx(rows: list[list[object]], sheet: str = "Sheet1",
         extra_sheets: dict[str, list[list[object]]] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    for name, more in (extra_sheets or {}).items():
        other = wb.create_sheet(name, 0)
        for r in more:
            other.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {m.__tablename__: s.execute(select(func.count()).select_from(m)).scalar_one() for m in DATA_TABLES}


def run(engine: Engine, kind: str, rows: list[list[object]], **kw: object) -> ImportReport:
    kw.setdefault("user", "tester")
    return import_file(engine, kind, xlsx(rows), f"{kind}.xlsx", **kw)  # type: ignore[arg-type]


@pytest.fixture
def engine(any_db_url: str) -> Iterator[Engine]:
    """An empty, migrated database on each backend in turn (conftest's any_db_url)."""
    eng = make_engine(any_db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def base(engine: Engine) -> Engine:
    """Two regions, three departments, three projects, two evaluations: the reference data."""
    for kind, rows in (("projects", PROJECTS), ("evaluations", EVALUATIONS)):
        report = run(engine, kind, rows)
        assert report.committed, report.errors
    return engine


def one(engine: Engine, model: type, **where: object) -> object:
    with Session(engine) as s:
        q = select(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.execute(q).scalars().one()


# ---- one bad file per rule: rejected with its code, nothing written ---------------------------------
MON = ["项目编码", "预算年度", "月份", "累计支出"]
FIND = ["问题编号", "评价对象", "预算单位", "行政区", "预算年度", "问题类别", "问题描述", "整改期限", "整改状态"]
EXA = ["项目名称", "预算单位", "行政区", "预算年度", "申报金额", "建议金额", "评估结论"]
EVA = EVALUATIONS[0][:7] + ["等级"]
IND = ["指标名称", "一级指标", "二级指标", "指标类型", "行政区", "预算单位"]

BAD_FILES = [
    # (kind, rows, code, row, column, text in the message)
    ("monitoring", [["项目编码", "月份", "累计支出"], ["HP001", 6, 10]], "missing_column", 1, "预算年度",
     "缺少必填列「预算年度」"),
    ("monitoring", [MON, ["HP001", 2023, 6, None]], "required", 2, "累计支出", "第2行「累计支出」不能为空"),
    ("monitoring", [["2023年6月执行情况"], MON, ["HP001", 2023, 6, 10], ["HP002", 2023, 6, "abc"]], "not_a_number", 4,
     "累计支出", "第4行「累计支出」的值“abc”不是数字"),
    ("monitoring", [MON, ["HP002", 2023, 6, -5]], "negative_amount", 2, "累计支出", "第2行「累计支出」的值“-5”是负数"),
    ("monitoring", [MON, ["HP002", 2023, 13, 5]], "month_out_of_range", 2, "月份",
     "第2行「月份」的值“13”不在 1–12 之间"),
    ("monitoring", [MON, ["HP009", 2023, 6, 5]], "unknown_project", 2, "项目编码",
     "“HP009”在2023年度的项目中不存在，最接近的编码是“HP00"),
    ("monitoring", [MON, ["HP001", 2023, 6, 5]], "region_required", 2, "行政区",
     "在荔湾区、黄埔区都存在，请增加「行政区」列"),
    ("monitoring", [MON + ["行政区"], ["HP001", 2023, 6, 5, "黄浦区"]], "unknown_region", 2, "行政区",
     "“黄浦区”不是已有的行政区，最接近的是“黄埔区”"),
    ("monitoring", [MON, ["HP002", 2023, 6, 5], ["HP002", 2023, 6, 7]], "duplicate_key_conflict", 3, None,
     "第3行与第2行是同一条记录"),
    ("evaluations", [EVA, ["学位供给保障", "项目", "区教育厅", "黄埔区", 2023, "重点评价", 88]], "unknown_department",
     2, "预算单位", "“区教育厅”在黄埔区没有找到对应的预算单位，最接近的是“区教育局”"),
    ("evaluations", [EVA, ["学位供给保障", "项目", "区教育局", "黄埔区", 2023, "重点评价", 101]], "score_out_of_range",
     2, "得分", "“101”不在 0–100 分之间"),
    ("evaluations", [EVA, ["学位供给保障", "项目", "区教育局", "黄埔区", 2023, "重点评价", 89.99, "优"]],
     "grade_mismatch", 2, "等级", "应为“良”"),
    ("evaluations", [EVA + ["资金来源"], ["学位供给保障", "项目", "区教育局", "黄埔区", 2023, "重点评价", 88, "良",
                                       "国债"]],
     "unknown_value", 2, "资金来源", "“国债”不是有效的资金来源（可选：一般公共预算、"),
    ("indicators", [IND + ["评审年度"], ["学位数", "产出指标", "数量指标", "个性", "黄埔区", "区教育局", 22]],
     "invalid_year", 2, "评审年度", "“22”不是有效的"),
    ("evaluations", [EVA, ["学位供给保障", "项目", "区教育局", "黄埔区", 2023, "第三方评价", 88]], "unknown_value", 2,
     "评价方式", "不是有效的评价方式（可选：单位自评、自评复核、重点评价）"),
    ("findings", [FIND, ["F1", "学位供给保障", "区教育局", "黄埔区", 2023, "项目管理", "资料不全", "2024-06-30",
                         "差不多"]],
     "unknown_value", 2, "整改状态", "不是有效的整改状态"),
    ("findings", [FIND, ["F1", "学位供给保障", "区教育局", "黄埔区", 2023, "项目管理", "资料不全", "2024-02-30",
                         "整改中"]],
     "invalid_date", 2, "整改期限", "“2024-02-30”不是存在的日期"),
    ("findings", [FIND, ["F1", "学位供给保障项目", "区教育局", "黄埔区", 2023, "项目管理", "资料不全", "2024-06-30",
                         "整改中"]],
     "unknown_evaluation", 2, "评价对象", "最接近的是“学位供给保障”"),
    ("ex-ante", [EXA, ["校园安全", "区教育局", "黄埔区", 2024, 100, 120, "部分支持"]], "recommended_exceeds_requested",
     2, "建议金额", "大于申报金额 100.00 元"),
    ("ex-ante", [EXA, ["校园安全", "区教育局", "黄埔区", 2024, 100, 10, "不予支持"]], "rejected_with_amount", 2,
     "建议金额", "评估结论为“不予支持”，建议金额应为 0"),
    ("ex-ante", [EXA, ["校园安全", "区教育局", "黄埔区", 2024, 100, 10, "差不多支持"]], "unknown_value", 2, "评估结论",
     "不是有效的评估结论"),
    ("indicators", [IND, ["学位数", "产出指标", "社会效益", "个性", "黄埔区", "区教育局"]], "unknown_value", 2,
     "二级指标", "不属于一级指标“产出指标”"),
]


@pytest.mark.parametrize(("kind", "rows", "code", "row", "column", "text"), BAD_FILES,
                         ids=[f"{b[0]}-{b[2]}" for b in BAD_FILES])
def test_each_rule_rejects_the_file_and_writes_nothing(base: Engine, kind: str, rows: list[list[object]], code: str,
                                                       row: int, column: str | None, text: str) -> None:
    # A valid row beside the bad one, so "nothing written" means the good row too.
    before = counts(base)
    report = run(base, kind, rows)
    assert not report.committed and report.exit_code == 1
    issue = next(e for e in report.errors if e.code == code)
    assert (issue.row, issue.column) == (row, column)
    assert text in issue.message, issue.message
    # sheet, row, column and value in one sentence
    assert issue.message.startswith(f"工作表“{issue.sheet}”"), issue.message
    assert counts(base) == before
    batch = one(base, UploadBatch, id=report.batch_id)
    assert batch.committed is False  # type: ignore[attr-defined]
    # The batch counts each row that has an error; a missing column rejects the file before any row is read.
    assert batch.rows_rejected == (0 if code == "missing_column" else len({e.row for e in report.errors}))  # type: ignore[attr-defined]
    assert json.loads(batch.report_json)["errors"][0]["code"] in {e.code for e in report.errors}  # type: ignore[attr-defined]


def test_out_of_scope_rows_are_rejected_for_a_scoped_user(base: Engine) -> None:
    edu = one(base, Department, name="区教育局", region_id=one(base, Region, name="黄埔区").id)  # type: ignore[attr-defined]
    before = counts(base)
    rows = [MON + ["行政区"], ["HP001", 2023, 6, 5, "黄埔区"], ["HP002", 2023, 6, 5, "黄埔区"]]
    report = run(base, "monitoring", rows, allowed_department_ids=frozenset({edu.id}))  # type: ignore[attr-defined]
    assert [(e.row, e.code) for e in report.errors] == [(3, "out_of_scope")]
    assert "不在您可以填报的单位范围内" in report.errors[0].message
    assert counts(base) == before
    ok = run(base, "monitoring", rows[:2], allowed_department_ids=frozenset({edu.id}))  # type: ignore[attr-defined]
    assert ok.committed


def test_warnings_do_not_reject(base: Engine) -> None:
    rows = [MON + ["备注"], ["HP002", 2023, 5, 300_000, "x"], ["HP002", 2023, 6, 200_000, ""],
            ["HP002", 2023, 6, 200_000, ""], ["HP002", 2023, 7, 2_500_000, ""]]
    report = run(base, "monitoring", rows)
    assert report.committed and not report.errors
    codes = [(w.row, w.code) for w in report.warnings]
    assert codes == [(1, "unknown_column"), (4, "duplicate_row"), (3, "spent_decreased"), (5, "spent_exceeds_budget")]
    assert "「备注」" in report.warnings[0].message
    assert "低于第5月的累计支出 300,000.00 元" in report.warnings[2].message
    assert "超过预算 2,000,000.00 元" in report.warnings[3].message
    with Session(base) as s:
        assert s.execute(select(func.count()).select_from(Monitoring)).scalar_one() == 3  # the duplicate counted once


def test_spent_decreased_against_the_database(base: Engine) -> None:
    assert run(base, "monitoring", [MON, ["HP002", 2023, 6, 500_000]]).committed
    report = run(base, "monitoring", [MON, ["HP002", 2023, 7, 400_000]])
    assert report.committed
    assert [w.code for w in report.warnings] == ["spent_decreased"]
    assert "低于第6月的累计支出 500,000.00 元" in report.warnings[0].message


def test_budget_carried_from_an_earlier_month_for_the_budget_warning(base: Engine) -> None:
    rows = [MON + ["调整后预算数"], ["HP002", 2023, 1, 100, 3_000_000], ["HP002", 2023, 2, 2_500_000, None]]
    report = run(base, "monitoring", rows)
    assert report.committed and report.warnings == []  # 2.5 M is within the 3 M carried from January


# ---- re-import ---------------------------------------------------------------------------------------
def test_reimport_updates_in_place_and_keeps_earlier_values(base: Engine) -> None:
    rows = [MON + ["行政区"], ["HP002", 2023, 6, 500_000, "黄埔区"], ["HP001", 2023, 6, 100_000, "黄埔区"]]
    data = xlsx(rows)  # one file uploaded twice (a workbook built again may carry another timestamp)
    first = import_file(base, "monitoring", data, "monitoring.xlsx", user="tester")
    before = counts(base)
    second = import_file(base, "monitoring", data, "monitoring.xlsx", user="tester")
    assert second.committed and (second.inserted, second.updated, second.unchanged) == (0, 0, 2)
    assert second.previous_batches == [first.batch_id]
    assert counts(base) == before
    rows[1][3] = 650_000
    third = run(base, "monitoring", rows)
    assert (third.inserted, third.updated) == (0, 1)
    with Session(base) as s:
        assert s.execute(select(func.count()).select_from(Monitoring)).scalar_one() == 2
        m = s.execute(select(Monitoring).join(Project).where(Project.code == "HP002")).scalar_one()
        assert m.spent_cumulative_fen == 65_000_000 and m.batch_id == third.batch_id
        audit = s.execute(select(AuditLog).where(AuditLog.action == "import_update",
                                                 AuditLog.entity_id == m.id)).scalar_one()
    assert audit.batch_id == third.batch_id and audit.actor == "tester"
    assert json.loads(audit.detail_json) == {"before": {"spent_cumulative_fen": 50_000_000},
                                             "after": {"spent_cumulative_fen": 65_000_000}}


def test_dry_run_writes_nothing_but_the_batch(base: Engine) -> None:
    before = counts(base)
    report = run(base, "monitoring", [MON, ["HP002", 2023, 6, 5]], dry_run=True)
    assert report.ok and not report.committed and report.exit_code == 0
    assert counts(base) == before
    assert one(base, UploadBatch, id=report.batch_id).dry_run is True  # type: ignore[attr-defined]


# ---- command line ----------------------------------------------------------------------------------------
def test_cli_json_is_one_object_with_the_contract_fields(base: Engine, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "2023-06.xlsx"
    path.write_bytes(xlsx([MON, ["HP002", 2023, 6, "abc"]]))
    url = base.url.render_as_string(hide_password=False)
    assert run_import_cli("monitoring", str(path), url=url, dry_run=False, user="cli", as_json=True) == 1
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["kind", "file", "sha256", "dry_run", "rows_total", "rows_valid", "rows_rejected", "committed",
                         "errors", "warnings"]
    assert out["file"] == "2023-06.xlsx" and out["rows_rejected"] == 1 and out["committed"] is False
    assert out["errors"] == [{"sheet": "Sheet1", "row": 2, "column": "累计支出", "code": "not_a_number",
                              "message": "工作表“Sheet1”第2行「累计支出」的值“abc”不是数字。"}]
    path.write_bytes(xlsx([MON, ["HP002", 2023, 6, "12"]]))
    assert run_import_cli("monitoring", str(path), url=url, dry_run=True, user=None, as_json=True) == 0
    assert json.loads(capsys.readouterr().out)["dry_run"] is True
    assert run_import_cli("monitoring", str(tmp_path / "missing.xlsx"), url=url, dry_run=False, user=None,
                          as_json=True) == 2
    assert json.loads(capsys.readouterr().out)["errors"][0]["code"] == "file_not_found"
    assert run_import_cli("monitoring", str(path), url=url, dry_run=False, user=None, as_json=False) == 0
    assert "已提交" in capsys.readouterr().out


@pytest.mark.slow  # processes
def test_cli_through_python_m(base: Engine, tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    done = subprocess.run([sys.executable, "-m", "data_access", "template", "monitoring", str(template)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and template.exists()
    path = tmp_path / "m.xlsx"
    path.write_bytes(xlsx([MON, ["HP002", 2023, 6, "12"]]))
    done = subprocess.run([sys.executable, "-m", "data_access", "--db", base.url.render_as_string(hide_password=False),
                           "import", "monitoring", str(path), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["committed"] is True


def test_file_month_above_a_later_database_month_is_flagged(base: Engine) -> None:
    assert run(base, "monitoring", [MON, ["HP002", 2023, 7, 400_000]]).committed
    report = run(base, "monitoring", [MON, ["HP002", 2023, 6, 500_000]])
    assert report.committed
    assert [(w.row, w.code) for w in report.warnings] == [(2, "spent_decreased")]
    assert "高于数据库中已有的第7月累计支出 400,000.00 元" in report.warnings[0].message


def test_grade_uses_the_regions_own_boundaries(base: Engine) -> None:
    with Session(base) as s:
        region = s.execute(select(Region).where(Region.name == "黄埔区")).scalar_one()
        # a bureau grading self-evaluations 80/70/60
        region.grade_excellent, region.grade_good, region.grade_fair = 80, 70, 60
        s.commit()
    ok = run(base, "evaluations", [EVA, ["学位供给保障", "项目", "区教育局", "黄埔区", 2023, "单位自评", 85, "优"]])
    assert ok.committed, ok.errors
    bad = run(base, "evaluations", [EVA, ["学位供给保障", "项目", "区教育局", "黄埔区", 2023, "单位自评", 85, "良"]])
    assert [e.code for e in bad.errors] == ["grade_mismatch"]
    assert "按黄埔区的等级标准（优≥80，良≥70，中≥60）应为“优”" in bad.errors[0].message


def test_scoped_user_cannot_create_departments_through_projects(base: Engine) -> None:
    edu = one(base, Department, name="区教育局", region_id=one(base, Region, name="黄埔区").id)  # type: ignore[attr-defined]
    rows = [PROJECTS[0], ["HP003", "新项目", "区新单位", "黄埔区", 2023, 100, None, None, None, None],
            ["HP004", "本单位项目", "区教育局", "黄埔区", 2023, 100, None, None, None, None]]
    before = counts(base)
    report = run(base, "projects", rows, allowed_department_ids=frozenset({edu.id}))  # type: ignore[attr-defined]
    assert [(e.row, e.code) for e in report.errors] == [(2, "out_of_scope")]
    assert counts(base) == before


def test_a_file_of_another_kind_gets_a_hint(base: Engine) -> None:
    report = run(base, "evaluations", [MON, ["HP002", 2023, 6, 5]])
    assert report.errors and all(e.code == "missing_column" for e in report.errors)
    assert report.errors[0].message.endswith("这个文件的表头与「执行监控」模板一致，是否选错了数据类型？")


def test_an_unknown_code_points_to_the_project_named_on_the_same_row(any_seeded_url: str) -> None:
    """HP2022K060 typed on the row of 老旧小区微改造工程 means HP2022K006, not another department's HP2022P060."""
    eng = make_engine(any_seeded_url)
    head = ["项目编码", "项目名称", "预算单位", "预算年度", "月份", "累计支出"]
    report = run(eng, "monitoring", [head, ["HP2022K060", "老旧小区微改造工程", "区住房城乡建设局", 2022, 12, 5],
                                     ["HP2022K05", "没有这个项目", None, 2022, 12, 5]])
    first, second = (e.message for e in report.errors)
    assert "第2行「项目编码」的值“HP2022K060”在2022年度的项目中不存在" in first
    assert "本行的项目名称“老旧小区微改造工程”对应的项目编码是“HP2022K006”" in first and "HP2022P060" not in first
    assert "最接近的编码是“HP2022K0" in second and second.endswith("请核对项目编码。")
    assert not any("请先导入项目数据" in e.message for e in report.errors)  # the projects are there
    empty_year = run(eng, "monitoring", [head, ["HP2030K001", "新项目", None, 2030, 1, 5]])
    assert "2030年度还没有任何项目，请先导入项目数据" in empty_year.errors[0].message
    evaluation = run(eng, "evaluations", [EVA[:7] + ["项目编码"], ["老旧小区微改造工程", "项目", "区住房城乡建设局",
                                                                  "黄埔区", 2022, "重点评价", 88, "HP2022K060"]])
    assert "本行的评价对象“老旧小区微改造工程”对应的项目编码是“HP2022K006”" in evaluation.errors[0].message
    eng.dispose()


def test_a_code_with_a_zero_width_space_updates_its_project_instead_of_adding_a_lookalike(base: Engine) -> None:
    """`HP001` followed by U+200B looks like HP001 on every screen: it is HP001."""
    before = counts(base)
    rows = [PROJECTS[0], ["HP001\u200b", "学位供给保障\u200d", "101001-区教育局", "黄埔区", 2023, 1_000_001, 1_200_000,
                          "一般公共预算", "经常性", "否"]]
    report = run(base, "projects", rows)
    assert report.committed and (report.inserted, report.updated) == (0, 1), report.errors
    assert counts(base)["project"] == before["project"]
    project = one(base, Project, code="HP001", name="学位供给保障")
    assert (project.name, project.budget_adjusted_fen) == ("学位供给保障", 100_000_100)  # type: ignore[attr-defined]


def test_a_target_that_may_be_missed_without_its_reason_and_measure_is_flagged(base: Engine) -> None:
    """有可能 without 偏差原因类别 and 纠偏措施 imports with a warning naming both; once stored, a later
    file that leaves them blank (blank keeps the stored value) is not flagged again."""
    header = IND + ["能否完成", "偏差原因类别", "纠偏措施"]
    target = ["学位数", "产出指标", "数量指标", "个性", "黄埔区", "区教育局"]
    bare = run(base, "indicators", [header, [*target, "有可能", None, None]])
    assert bare.committed and [(w.code, w.row, w.column) for w in bare.warnings] == [
        ("deviation_unexplained", 2, "偏差原因类别")]
    assert "「能否完成」为“有可能”，请填写「偏差原因类别」和「纠偏措施」" in bare.warnings[0].message
    full = run(base, "indicators", [header, [*target, "有可能", "经费保障", "追加预算"]])
    again = run(base, "indicators", [header, [*target, "完全不可能", None, None]])
    assert full.committed and not full.warnings and again.committed and not again.warnings
