"""The importer (CONTRACT.md §2): every validation rule, the messy layouts, re-imports, readers, CLI.

Files are built with openpyxl in each test; the database is a temporary SQLite file with a
small reference set imported through the importer itself (regions, departments, projects).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import struct
import subprocess
import sys
import zipfile
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
from data_access.settings import Settings
from data_access.uploads import SPECS, ImportReport, import_file
from data_access.uploads.cli import run_import_cli
from data_access.uploads.templates import write_template

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


# ---- messy layouts ------------------------------------------------------------------------------------
def test_messy_monitoring_layout(base: Engine) -> None:
    rows = [
        ["2023年6月预算执行情况表"],
        ["填报单位：区财政局", None, "金额单位：万元"],
        [],
        ["月 份", "行政区", "Code", "项目名称", "预算年度", "累计支出", "调整后预算数（万元）"],
        ["６", "黄埔区", " HP 001 ", "学位供给保障", "2023年", "１２．３４５６", "100.00"],
        ["合计", None, None, None, None, 999],
        [None, None, None, None],
        [6.0, "黄埔区", "HP002", "困难群众救助", 2023.0, " 199.99 ", None],
        ["其中：区本级", None, None, None, None, 1],
        ["6月", "荔湾区", "HP001", "荔湾学位项目", 2023, "-", ""],
    ]
    report = run(base, "monitoring", rows)
    assert report.committed, report.errors
    assert (report.rows_total, report.rows_valid, report.inserted) == (3, 3, 3)
    with Session(base) as s:
        got = dict(s.execute(select(Region.name + Project.code, Monitoring.spent_cumulative_fen)
                             .join(Project, Project.id == Monitoring.project_id)
                             .join(Region, Region.id == Project.region_id)).all())
        assert got == {"黄埔区HP001": 12_345_600, "黄埔区HP002": 199_990_000, "荔湾区HP001": 0}
        budget = s.execute(select(Monitoring.budget_fen).join(Project)
                           .where(Project.code == "HP001", Project.budget_adjusted_fen == 100_000_000)).scalar_one()
        assert budget == 100_000_000  # 100 万元: the header's unit agrees with the line's


def test_a_header_unit_that_disagrees_with_the_unit_line_rejects_the_file(base: Engine) -> None:
    """累计支出（元） under 单位：万元: the clerk meant one of them; which one is theirs to say, not ours to guess."""
    before = counts(base)
    rows = [["2023年6月预算执行情况表"], ["单位：万元"], MON[:3] + ["累计支出（元）"], ["HP002", 2023, 6, 1_234_500]]
    report = run(base, "monitoring", rows)
    assert [(e.code, e.row, e.column) for e in report.errors] == [("unit_conflict", 3, "累计支出")]
    assert "第3行表头「累计支出（元）」的单位“元”与第2行“单位：万元”不一致" in report.errors[0].message
    assert not report.committed and counts(base) == before
    agreeing = run(base, "monitoring", [["单位：万元"], MON[:3] + ["累计支出（万元）"], ["HP002", 2023, 6, 123.45]])
    assert agreeing.committed, agreeing.errors


def test_preview_shows_each_amount_as_typed_and_in_yuan(base: Engine) -> None:
    rows = [["单位：万元"], MON + ["调整后预算数（元）", "行政区"], ["HP002", 2023, 6, "1,234.5", None, "黄埔区"]]
    rows[1][4] = "调整后预算数（万元）"
    report = run(base, "monitoring", rows, dry_run=True)
    assert report.ok, report.errors
    assert report.preview == [{"行": 3, "项目编码": "HP002", "预算年度": "2023", "月份": "6", "累计支出": "1,234.5",
                               "累计支出（折合元）": "12,345,000.00", "调整后预算数": "", "调整后预算数（折合元）": "",
                               "行政区": "黄埔区"}]
    assert report.units == {"累计支出": "万元（第1行“单位：万元”）", "调整后预算数": "万元（表头）"}


def test_english_headers_with_spaces_and_a_place_name_beside_the_unit_line(base: Engine) -> None:
    # 元村 is a place, not the unit 元
    rows = [["2023年6月预算执行情况表"], ["单位：万元"], ["填报单位：元村街道办事处"],
            ["Code", "Year", "Month", "Spent Cumulative", "Budget Adjusted", "REGION"],
            ["HP002", 2023, 6, 1.5, "300", "黄埔区"]]
    report = run(base, "monitoring", rows)
    assert report.committed and report.warnings == [], (report.errors, report.warnings)
    m = one(base, Monitoring)
    assert (m.spent_cumulative_fen, m.budget_fen) == (1_500_000, 300_000_000)  # type: ignore[attr-defined]


def test_messy_projects_layout_creates_regions_and_departments(engine: Engine) -> None:
    rows = [
        ["2023年项目预算表"],
        ["单位：万元"],
        ["Name", "预算 单位", "REGION", "项目编码", "year", "调整后预算数", "年初预算数（万元）", "是否新增",
         "资金来源"],
        ["道路养护", "[102001]区交通运输局", "黄埔区", "0012", 2023, "1,234.50", 1234.5, "yes", "专项债券"],
        ["路灯维护", "102002 区城管局", "黄埔区", 12301.0, 2023, 199.99, None, None, "一般公共预算"],
        ["小计", None, None, None, None, 1434.49],
    ]
    report = run(engine, "projects", rows)
    assert report.committed, report.errors
    with Session(engine) as s:
        depts = dict(s.execute(select(Department.name, Department.code)).all())
        assert depts == {"区交通运输局": "102001", "区城管局": "102002"}
        p = dict(s.execute(select(Project.code, Project.budget_adjusted_fen)).all())
        assert p == {"0012": 1_234_500_000, "12301": 199_990_000}  # 1,234.50 万元; 199.99 万元 exactly
        road = s.execute(select(Project).where(Project.code == "0012")).scalar_one()
        assert ((road.budget_initial_fen, road.is_new, road.fund_source, road.kind)
                == (1_234_500_000, True, "专项债券", "recurring"))


def test_dates_in_several_forms_and_status_history(base: Engine) -> None:
    rows = [FIND + ["书面反馈日期", "完成日期"],
            ["F1", "学位供给保障", "区教育局", "黄埔区", 2023, "项目管理", "资料不全", dt.date(2024, 6, 30), "整改中",
             "2024/5/20", None],
            ["F2", "学位供给保障", "区教育局", "黄埔区", 2023, "预算编制问题", "编制粗放", "2024年9月30日", "未整改",
             45432, None],
            ["F3", "区民政局", "区民政局", "黄埔区", 2023, "内部控制", "制度缺失", "2024-12-15", "已整改", None,
             "2024-11-01"]]
    report = run(base, "findings", rows)
    assert report.committed, report.errors
    with Session(base) as s:
        f = {x.finding_code: x for x in s.execute(select(Finding)).scalars()}
        assert f["F1"].deadline == dt.date(2024, 6, 30) and f["F1"].feedback_date == dt.date(2024, 5, 20)
        # serial 45432
        assert f["F2"].deadline == dt.date(2024, 9, 30) and f["F2"].feedback_date == dt.date(2024, 5, 20)
        assert f["F2"].category == "预算编制" and f["F3"].rectified_date == dt.date(2024, 11, 1)
        assert f["F1"].evaluation_id is not None
        assert f["F1"].published is False  # no 是否公开 column: nothing published
    # Re-import with F1 rectified: one status change, by the importing user, naming the batch.
    rows[1][8] = "已整改"
    again = run(base, "findings", rows, user="clerk")
    assert again.committed and (again.updated, again.unchanged) == (1, 2)
    with Session(base) as s:
        fid = s.execute(select(Finding.id).where(Finding.finding_code == "F1")).scalar_one()
        history = [(h.from_status, h.to_status, h.changed_by, h.comment) for h in
                   s.execute(select(FindingStatusChange).where(FindingStatusChange.finding_id == fid)
                             .order_by(FindingStatusChange.id)).scalars()]
    assert history == [(None, "in_progress", "tester", f"导入批次 #{report.batch_id}"),
                       ("in_progress", "rectified", "clerk", f"导入批次 #{again.batch_id}")]


def test_evaluations_store_centi_and_publication(base: Engine) -> None:
    e = one(base, Evaluation, subject="学位供给保障")
    assert (e.score_centi, e.funds_fen, e.method, e.subject_type, e.published) == (  # type: ignore[attr-defined]
        8850, 100_000_000, "key", "project", True)
    assert e.project_id == one(base, Project, code="HP001", budget_adjusted_fen=100_000_000).id  # type: ignore[attr-defined]
    assert e.published_by == "tester" and e.published_at is not None  # type: ignore[attr-defined]
    rows = [EVALUATIONS[0] + ["预算完成率", "等级"], EVALUATIONS[1] + ["97.55%", "良"]]
    assert run(base, "evaluations", rows).committed
    e = one(base, Evaluation, subject="学位供给保障")
    assert e.budget_completion_centi == 9755  # type: ignore[attr-defined]


def test_ex_ante_and_indicators(base: Engine) -> None:
    rows = [EXA + ["是否公开"], ["校园安全", "区教育局", "黄埔区", 2024, "3,000,000", "2,500,000", "部分支持", "是"],
            ["图书采购", "区教育局", "黄埔区", 2024, 300_000, 0, "不予支持", "否"]]
    assert run(base, "ex-ante", rows).committed
    x = one(base, ExAnte, name="校园安全")
    assert (x.requested_fen, x.recommended_fen, x.conclusion, x.published) == (  # type: ignore[attr-defined]
        300_000_000, 250_000_000, "partial", True)
    rows = [IND + ["项目编码", "预算年度", "是否核心", "比较符", "指标值"],
            ["新增学位数", "产出", "数量", "个性", "黄埔区", "区教育局", "HP001", 2023, "是", ">=", 1200],
            ["群众满意度", "满意度指标", "服务对象满意度", "通用", "黄埔区", None, None, None, "否", "≥", "90"]]
    report = run(base, "indicators", rows)
    assert report.committed, report.errors
    target = one(base, Indicator, name="新增学位数")
    assert (
        target.level1, target.level2, target.operator, target.target_value, target.is_core  # type: ignore[attr-defined]
    ) == ("产出指标", "数量指标", "≥", "1200", True)
    assert target.project_id is not None and target.department_id is not None  # type: ignore[attr-defined]
    library = one(base, Indicator, name="群众满意度")
    assert (library.project_id, library.department_id, library.scope) == (None, None, "general")  # type: ignore[attr-defined]


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


# ---- readers and file limits -----------------------------------------------------------------------------
def _csv(rows: list[list[object]], encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_bom_and_gbk(base: Engine, encoding: str) -> None:
    data = _csv([["单位：万元"], MON + ["行政区"], ["HP002", "2023", "6", "1,234.5", "黄埔区"]], encoding)
    report = import_file(base, "monitoring", data, "六月.csv", user="t")
    assert report.committed, report.errors
    assert one(base, Monitoring).spent_cumulative_fen == 1_234_500_000  # type: ignore[attr-defined]


def test_header_found_on_a_later_sheet(base: Engine) -> None:
    data = xlsx([MON, ["HP002", 2023, 6, 5]], "数据",
                extra_sheets={"封面": [["2023年6月执行情况"], ["报送单位：区民政局"]]})
    report = import_file(base, "monitoring", data, "x.xlsx", user="t")
    assert report.committed and report.errors == []


def cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal, valid Compound File (the OLE container of .xls and of a password-protected .xlsx).

    Version 3, 512-byte sectors: a FAT sector, a directory sector, then each stream (each at least
    4096 bytes, so none lives in the mini stream). Excel's "encrypt with password" writes an
    .xlsx as such a file with EncryptionInfo and EncryptedPackage streams.
    """
    end, free, fat_mark, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat, body, starts = [fat_mark, end], b"", []
    for payload in streams.values():
        n = -(-len(payload) // 512)
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(n - 1)] + [end]
        body += payload.ljust(n * 512, b"\0")
    assert len(fat) <= 128 and len(streams) <= 3

    def entry(name: str, kind: int, start: int, size: int, child: int = none, right: int = none) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB3I", len(raw), kind, 1, none, right, child) + b"\0" * 36
                + struct.pack("<IQ", start, size))

    names = list(streams)
    directory = entry("Root Entry", 5, end, 0, child=1) + b"".join(
        entry(n, 2, starts[i], len(streams[n]),
              right=i + 2 if i + 1 < len(names) else none) for i, n in enumerate(names))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0) + struct.pack("<I", 0)
              + struct.pack("<I", free) * 108)
    return header + struct.pack("<128I", *fat, *[free] * (128 - len(fat))) + directory.ljust(512, b"\0") + body


def office_zip(parts: dict[str, str]) -> bytes:
    """An Office Open XML package with the given parts (a .docx is word/..., a .pptx ppt/...)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for name, text in parts.items():
            z.writestr(name, text)
    return buf.getvalue()


ENCRYPTED_XLSX = cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"<encryption/>".ljust(5000, b" "),
                      "EncryptedPackage": b"\x10\x27" + bytes(range(256)) * 40})
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"

FILE_PROBLEMS = [
    (b"%PDF-1.4 a pdf", "report.xlsx", "not_a_spreadsheet", 2, "不是电子表格"),
    (PNG, "photo.xlsx", "not_a_spreadsheet", 2, "不是电子表格"),
    (office_zip({"word/document.xml": "<w:document/>"}), "report.docx.xlsx", "not_a_spreadsheet", 2,
     "不是电子表格，而是Word 文档"),
    (office_zip({"ppt/presentation.xml": "<p/>"}), "slides.xlsx", "not_a_spreadsheet", 2, "而是PowerPoint 演示文稿"),
    (cfb({"WordDocument": b"\xec\xa5" + b"\0" * 5000}), "old.xls", "not_a_spreadsheet", 2, "而是Word 文档"),
    (xlsx([["a"]])[:600], "cut.xlsx", "corrupt_file", 2, "已损坏"),
    (ENCRYPTED_XLSX, "secret.xlsx", "encrypted_file", 2, "设置了打开密码"),
    (b"", "empty.xlsx", "empty_file", 1, "空文件"),
    (xlsx([]), "blank.xlsx", "empty_file", 1, "没有任何数据"),
    (xlsx([MON]), "header_only.xlsx", "empty_file", 1, "表头下面没有数据行"),
    (xlsx([["你好"], ["世界", 1]]), "hello.xlsx", "missing_column", 1, "没有找到表头"),
]


@pytest.mark.parametrize(("data", "name", "code", "exit_code", "text"), FILE_PROBLEMS,
                         ids=[p[2] + "-" + p[1] for p in FILE_PROBLEMS])
def test_unreadable_files_get_clear_messages(base: Engine, data: bytes, name: str, code: str, exit_code: int,
                                             text: str) -> None:
    before = counts(base)
    report = import_file(base, "monitoring", data, name, user="t")
    assert [e.code for e in report.errors] == [code]
    assert text in report.errors[0].message and report.exit_code == exit_code
    assert counts(base) == before
    assert one(base, UploadBatch, id=report.batch_id).committed is False  # type: ignore[attr-defined]


def test_the_encrypted_fixture_is_a_real_compound_file() -> None:
    from xlrd import compdoc  # xlrd's reader of OLE compound files, independent of ours

    doc = compdoc.CompDoc(ENCRYPTED_XLSX, logfile=io.StringIO())
    assert [d.name for d in doc.dirlist][:3] == ["Root Entry", "EncryptionInfo", "EncryptedPackage"]
    assert doc.get_named_stream("EncryptedPackage")[:2] == b"\x10\x27"


def test_no_header_lists_the_required_columns(base: Engine) -> None:
    report = run(base, "monitoring", [["你好"], ["世界", 1]])
    assert ("「项目编码」(code)、「预算年度」(year)、「月份」(month)、「累计支出」(spent_cumulative)"
            in report.errors[0].message)


def test_row_and_size_limits(base: Engine) -> None:
    rows = [MON] + [["HP002", 2023, m, 5] for m in range(1, 13)]
    report = run(base, "monitoring", rows, settings=Settings(max_upload_rows=10))
    assert [e.code for e in report.errors] == ["too_many_rows"] and "10 行的上限" in report.errors[0].message
    big = run(base, "monitoring", rows, max_bytes=1000)
    assert [e.code for e in big.errors] == ["file_too_large"] and "超过上限" in big.errors[0].message


def test_the_size_limit_is_streamlits_max_upload_size(base: Engine, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """One limit for the page (st.file_uploader) and the command line: server.maxUploadSize of
    .streamlit/config.toml."""
    import tomllib

    from data_access.uploads import MAX_FILE_BYTES

    mb = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]["maxUploadSize"]
    assert MAX_FILE_BYTES == mb * 1024 * 1024
    assert "max_upload_size=MAX_FILE_BYTES" in (ROOT / "pages" / "upload.py").read_text(encoding="utf-8")
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" + b"1,2\n" * (MAX_FILE_BYTES // 4 + 1))
    before = counts(base)
    assert run_import_cli("monitoring", str(big), url=base.url.render_as_string(hide_password=False), dry_run=False,
                          user="cli", as_json=True) == 1
    error = json.loads(capsys.readouterr().out)["errors"][0]
    assert error["code"] == "file_too_large" and f"超过上限 {mb} MB" in error["message"]
    assert counts(base) == before


# ---- templates ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["projects", "monitoring", "evaluations", "findings", "ex-ante", "indicators"])
def test_template_has_instructions_dropdowns_and_reads_back(engine: Engine, tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.xlsx"
    write_template(kind, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[1] == "说明" and "填写说明" in wb["说明"]["A1"].value
    data = wb.worksheets[0]
    assert data.max_row == 1  # the header only: the example row lives on 填写示例
    enums = {c.zh: c for c in SPECS[kind].columns if c.enum is not None or c.type == "bool" or c.field == "fund_source"}
    lists = {}
    for dv in data.data_validations.dataValidation:
        # Excel's own form: no leading '=', a range of the hidden 选项 sheet
        sheet, cells = dv.formula1.split("!")
        assert dv.type == "list" and sheet == "选项" and wb[sheet].sheet_state == "hidden", dv.formula1
        header = data.cell(row=1, column=next(iter(dv.sqref.ranges)).min_col).value
        lists[header] = [c.value for row in wb[sheet][cells.replace("$", "")] for c in row]
    assert set(lists) == set(enums), "every enumeration and 是否 column has a drop-down list"
    for header, choices in lists.items():
        col = enums[header]
        expected = (["是", "否"] if col.type == "bool" else list(Settings().fund_sources) if col.field == "fund_source"
                    else list(col.enum.choices.values()))  # type: ignore[union-attr]
        assert choices == expected, header
    before = counts(engine)
    report = import_file(engine, kind, path.read_bytes(), path.name, user="t")
    # Untouched, a template imports nothing, and says why.
    assert [e.code for e in report.errors] == ["empty_file"] and not report.committed
    assert ("这是未填写的模板：请从第2行起填写实际数据" in report.errors[0].message
            and "填写示例" in report.errors[0].message)
    assert report.rows_total == 0 and not any(w.code == "unknown_column" for w in report.warnings)
    assert counts(engine) == before


def _example_pasted(path: Path, keep_mark: bool) -> bytes:
    """The template with its example row copied into the data sheet, the 【示例】 mark kept or removed."""
    wb = openpyxl.load_workbook(path)
    example = [c.value for c in wb["填写示例"][2]]
    if not keep_mark:
        example[0] = example[0].removeprefix("【示例】")
    wb.worksheets[0].append(example)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_example_row_pasted_as_it_is_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "projects.xlsx"
    write_template("projects", path)
    report = import_file(engine, "projects", _example_pasted(path, keep_mark=True), path.name, user="t")
    assert [e.code for e in report.errors] == ["example_row"] and report.errors[0].row == 2
    assert "第2行是模板中的示例行（“【示例】HP2023P001”）" in report.errors[0].message
    assert counts(engine)["project"] == 0  # 学位供给保障项目 is not created


def test_templates_example_rows_are_valid_data_once_unmarked(engine: Engine, tmp_path: Path) -> None:
    for kind in ("projects", "monitoring", "evaluations", "findings", "ex-ante", "indicators"):
        path = tmp_path / f"{kind}.xlsx"
        write_template(kind, path)
        report = import_file(engine, kind, _example_pasted(path, keep_mark=False), path.name, user="t")
        assert report.committed, (kind, report.errors)
    assert one(engine, Project, code="HP2023P001").budget_adjusted_fen == 1_200_000_000  # type: ignore[attr-defined]
    assert one(engine, Monitoring).spent_cumulative_fen == 523_000_050  # type: ignore[attr-defined]


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
