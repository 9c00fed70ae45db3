"""Write the sample data as upload-ready spreadsheets, in the layouts finance staff really send.

Run from the repository root: `.venv/bin/python -m sample_data.build [OUT_DIR]` (default: this folder). The figures come
from `data_access.seed.seed_sample`, loaded into a temporary SQLite database, so importing these
files in order (see README.md here) into an empty database gives the same `kpis` as `seed`
(tests/test_import_sample.py checks it).

Layouts on purpose: title lines, `单位：万元` lines, units in headers, English aliases, columns out
of order, amounts as text with thousands separators, full-width digits, total and 其中 rows,
blank rows, several date forms, departments written `code-name`, codes with stray spaces, and a
GB18030 CSV as Chinese Excel exports it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from sqlalchemy import Engine, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from data_access import formatting
from data_access.db import make_engine
from data_access.enums import (
    CONCLUSIONS,
    FINDING_STATUSES,
    METHODS,
    PROJECT_KINDS,
    SCOPES,
    SUBJECT_TYPES,
    WILL_MEET,
)
from data_access.migrate import upgrade
from data_access.models import (
    Department,
    Evaluation,
    ExAnte,
    Finding,
    Indicator,
    Monitoring,
    Project,
    Region,
)
from data_access.money import fen_to_wan, fen_to_yuan
from data_access.seed import seed_sample

OUT = Path(__file__).resolve().parent
HUANGPU, LIWAN = "黄埔区", "荔湾区"
MESSY_MONTH = (HUANGPU, 2022, 6)
# Import order: references first (projects create regions and departments).
FILES = (
    ("projects", "01_projects_huangpu.xlsx"),
    ("projects", "01_projects_liwan.csv"),
    ("monitoring", "02_monitoring_huangpu_2022-06.xlsx"),
    ("monitoring", "02_monitoring_huangpu.xlsx"),
    ("monitoring", "02_monitoring_liwan_2020.xlsx"),
    ("evaluations", "03_evaluations_huangpu.xlsx"),
    ("evaluations", "03_evaluations_liwan_2020.xlsx"),
    ("findings", "04_findings.xlsx"),
    ("ex-ante", "05_ex_ante.xlsx"),
    ("indicators", "06_indicators_huangpu.xlsx"),
    ("indicators", "06_indicators_liwan.xlsx"),
)
_FULL = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


def wan(fen: int | None) -> str | None:
    """Fen as 万元 text with thousands separators, exact (1234567837 fen -> '1,234.567837')."""
    if fen is None:
        return None
    d = fen_to_wan(fen).normalize()
    return f"{d:,f}"


def yuan(fen: int | None) -> str | None:
    return None if fen is None else formatting.yuan(fen)


def pct(centi: int | None) -> str | None:
    return None if centi is None else f"{Decimal(centi) / 100}%"


def points(centi: int | None) -> float | None:
    return None if centi is None else float(Decimal(centi) / 100)  # repr of the float is the decimal


def yes(flag: bool) -> str:
    return "是" if flag else "否"


def write_xlsx(path: Path, sheet: str, rows: Iterable[Sequence[object]], *, cover: Sequence[Sequence[object]] = ()) -> None:
    """One data sheet (optionally after a cover sheet without a header); dates as Excel dates."""
    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    if cover:
        c = wb.add_worksheet("封面")
        for r, line in enumerate(cover):
            c.write_row(r, 0, line)
    ws = wb.add_worksheet(sheet)
    for r, line in enumerate(rows):
        for col, value in enumerate(line):
            if value is None:
                continue
            if isinstance(value, dt.date):
                ws.write_datetime(r, col, dt.datetime.combine(value, dt.time()), date_fmt)
            elif isinstance(value, str):
                ws.write_string(r, col, value)
            else:
                ws.write(r, col, value)
    wb.close()


# ---- the files -------------------------------------------------------------------------------------
def _projects(session: Session, region: str) -> list[tuple]:
    return list(session.execute(
        select(Project, Department.name, Department.code).join(Department, Department.id == Project.department_id)
        .join(Region, Region.id == Project.region_id).where(Region.name == region).order_by(Project.year, Project.id)
    ).all())


def projects_huangpu(session: Session, out: Path) -> None:
    """Title line, 单位：万元 and a header repeating it, English aliases, departments as code-name, subtotals."""
    rows: list[list[object]] = [["黄埔区 2021—2022年度 项目预算表"], ["金额单位：万元"], []]
    rows.append(["项目编码", "Name", "预算单位", "region", "预算年度", "调整后预算数", "年初预算数（万元）", "资金来源", "项目类型", "是否新增"])
    year = None
    for p, dept, dept_code in _projects(session, HUANGPU):
        if year is not None and p.year != year:
            rows.append([f"小计（{year}年度）"])
        year = p.year
        rows.append([f" {p.code} ", p.name, f"{dept_code}-{dept}", HUANGPU, p.year, wan(p.budget_adjusted_fen),
                     wan(p.budget_initial_fen), p.fund_source, PROJECT_KINDS[p.kind], yes(p.is_new)])
    rows.append(["合计"])
    write_xlsx(out / "01_projects_huangpu.xlsx", "项目", rows)


def projects_liwan(session: Session, out: Path) -> None:
    """A GB18030 CSV (Chinese Excel's CSV export), amounts in yuan, `[code]name` departments."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["荔湾区2020年度项目预算"])
    w.writerow(["项目编码", "项目名称", "预算单位", "行政区", "预算年度", "调整后预算数(元)", "年初预算数(元)", "资金来源", "项目类型", "是否新增"])
    for p, dept, dept_code in _projects(session, LIWAN):
        w.writerow([p.code, p.name, f"[{dept_code}]{dept}", LIWAN, p.year, yuan(p.budget_adjusted_fen),
                    yuan(p.budget_initial_fen), p.fund_source, PROJECT_KINDS[p.kind], yes(p.is_new)])
    (out / "01_projects_liwan.csv").write_bytes(buf.getvalue().encode("gb18030"))


def _monitoring(session: Session, region: str, where: object = True) -> list[tuple]:
    return list(session.execute(
        select(Monitoring, Project.code, Project.name, Project.year, Department.name)
        .join(Project, Project.id == Monitoring.project_id).join(Department, Department.id == Project.department_id)
        .join(Region, Region.id == Project.region_id).where(Region.name == region, where)  # type: ignore[arg-type]
        .order_by(Project.year, Monitoring.month, Project.id)
    ).all())


def monitoring_messy(session: Session, out: Path) -> None:
    """The monthly file as a clerk sends it: 黄埔区 2022年6月, every trap of CONTRACT.md §2."""
    region, year, month = MESSY_MONTH
    data = _monitoring(session, region, (Project.year == year) & (Monitoring.month == month))
    rows: list[list[object]] = [
        [f"{year}年{month}月 预算执行情况表（{region}）"],
        ["填报单位：区财政局", None, None, "单位：万元"],
        [],
        ["序号", "月 份", "项目编码", "项目名称", "预算单位", "预算年度", "累计支出", "调整后预算数（万元）", "目标完成情况", "偏差原因"],
    ]
    total = 0
    for i, (m, code, name, _y, dept) in enumerate(data, start=1):
        spent = wan(m.spent_cumulative_fen)
        if i % 7 == 0:
            spent = (spent or "").translate(_FULL)  # full-width digits, as some input methods type them
        code_cell: object = f"{code[:2]} {code[2:]}" if i % 5 == 0 else code
        rows.append([i, f"{month}月" if i % 3 else month, code_cell, name, dept, f"{year}年" if i % 4 == 0 else year, spent,
                     wan(m.budget_fen), m.target_progress, m.deviation_reason])
        total += m.spent_cumulative_fen
        if i == 10:
            rows.append([None, None, None, "其中：区本级", None, None, wan(m.spent_cumulative_fen)])
        if i % 50 == 0:
            rows.append([])
    rows.append(["合计", None, None, None, None, None, wan(total)])
    write_xlsx(out / "02_monitoring_huangpu_2022-06.xlsx", f"{month}月", rows)


def monitoring_plain(session: Session, out: Path, region: str, name: str) -> None:
    """Every other month in one sheet; amounts as numbers in yuan; the file's cover sheet has no header."""
    rows: list[list[object]] = [["spent_cumulative", "code", "year", "month", "budget_adjusted", "region"]]
    for m, code, _name, year, _dept in _monitoring(session, region):
        if (region, year, m.month) == MESSY_MONTH:
            continue
        rows.append([fen_to_yuan(m.spent_cumulative_fen), code, year, m.month,
                     None if m.budget_fen is None else fen_to_yuan(m.budget_fen), region])
    rows = [[float(c) if isinstance(c, Decimal) else c for c in r] for r in rows]  # float repr of fen amounts is exact
    write_xlsx(out / name, "数据", rows, cover=[[f"{region} 预算执行月报汇总"], ["说明：本文件由系统导出"]])


def evaluations(session: Session, out: Path, region: str, years: Sequence[int], name: str) -> None:
    rows: list[list[object]] = [[f"{region} 绩效评价结果汇总表"], ["单位：元"]]
    rows.append(["评价对象", "对象类型", "评价方式", "得分", "等级", "预算单位", "行政区", "预算年度", "项目编码",
                 "评价机构", "涉及资金", "预算完成率", "是否公开", "建议条数", "评价摘要"])
    linked = aliased(Project)
    data = session.execute(
        select(Evaluation, Department.name, linked.code).join(Department, Department.id == Evaluation.department_id)
        .join(Region, Region.id == Evaluation.region_id).outerjoin(linked, linked.id == Evaluation.project_id)
        .where(Region.name == region, Evaluation.year.in_(years)).order_by(Evaluation.year, Evaluation.id)
    ).all()
    from data_access.enums import GRADES
    from data_access.queries.core import grade_of

    for i, (e, dept, code) in enumerate(data):
        grade = GRADES[grade_of(e.score_centi)] if i % 2 == 0 else None  # a grade beside the score on every other row
        rows.append([e.subject, SUBJECT_TYPES[e.subject_type], METHODS[e.method], points(e.score_centi), grade, dept, region,
                     e.year, code, e.evaluator, yuan(e.funds_fen), pct(e.budget_completion_centi), yes(e.published),
                     e.recommendations, e.report_summary])
    write_xlsx(out / name, "评价结果", rows)


def findings(session: Session, out: Path) -> None:
    """Dates in three forms: Excel dates, `2023/6/30` text and `2023年6月30日` text."""
    rows: list[list[object]] = [["问题整改情况台账"]]
    rows.append(["问题编号", "行政区", "预算年度", "评价对象", "预算单位", "问题类别", "问题描述", "整改建议", "整改措施",
                 "整改期限", "整改状态", "书面反馈日期", "完成日期", "是否公开"])
    data = session.execute(
        select(Finding, Region.name, Department.name).join(Region, Region.id == Finding.region_id)
        .join(Department, Department.id == Finding.department_id).order_by(Finding.id)
    ).all()
    for i, (f, region, dept) in enumerate(data):
        def date(d: dt.date | None, i: int = i) -> object:
            if d is None:
                return None
            return (d, f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日")[i % 3]

        rows.append([f.finding_code, region, f.year, f.subject, dept, f.category, f.description, f.recommendation, f.measures,
                     date(f.deadline), FINDING_STATUSES[f.status], date(f.feedback_date), date(f.rectified_date), yes(f.published)])
    write_xlsx(out / "04_findings.xlsx", "问题清单", rows)


def ex_ante(session: Session, out: Path) -> None:
    rows: list[list[object]] = [["事前绩效评估结果"], ["金额单位：万元"]]
    rows.append(["行政区", "预算年度", "预算单位", "项目名称", "申报金额", "建议金额", "评估结论", "是否公开",
                 "立项必要性", "投入经济性", "绩效目标合理性", "实施方案可行性", "筹资合规性"])
    data = session.execute(
        select(ExAnte, Region.name, Department.name).join(Region, Region.id == ExAnte.region_id)
        .join(Department, Department.id == ExAnte.department_id).order_by(ExAnte.id)
    ).all()
    for x, region, dept in data:
        rows.append([region, x.year, dept, x.name, wan(x.requested_fen), wan(x.recommended_fen), CONCLUSIONS[x.conclusion],
                     yes(x.published), points(x.score_necessity), points(x.score_economy), points(x.score_targets),
                     points(x.score_feasibility), points(x.score_compliance)])
    rows.append(["合计", None, None, None, wan(sum(x.requested_fen for x, _r, _d in data))])
    write_xlsx(out / "05_ex_ante.xlsx", "事前评估", rows)


def indicators(session: Session, out: Path, region: str, name: str) -> None:
    """Level-2 names without their trailing 指标 on every other row (数量 = 数量指标)."""
    rows: list[list[object]] = [["指标名称", "一级指标", "二级指标", "指标类型", "行政区", "预算单位", "项目编码", "预算年度",
                                 "计量单位", "比较符", "指标值", "是否核心", "截至目前完成值", "全年预计完成值", "能否完成",
                                 "偏差原因类别", "偏差原因说明", "纠偏措施"]]
    data = session.execute(
        select(Indicator, Department.name, Project.code, Project.year).join(Region, Region.id == Indicator.region_id)
        .outerjoin(Department, Department.id == Indicator.department_id).outerjoin(Project, Project.id == Indicator.project_id)
        .where(Region.name == region).order_by(Indicator.id)
    ).all()
    for i, (ind, dept, code, year) in enumerate(data):
        level2 = ind.level2.removesuffix("指标") if i % 2 else ind.level2
        rows.append([ind.name, ind.level1, level2, SCOPES[ind.scope], region, dept, code, year, ind.unit, ind.operator,
                     ind.target_value, yes(ind.is_core), ind.value_to_date, ind.expected_year_end,
                     WILL_MEET.get(ind.will_meet or "", None), ind.deviation_category, ind.deviation_note, ind.corrective_measure])
    write_xlsx(out / name, "指标", rows)


def build(engine: Engine, out: Path = OUT) -> list[Path]:
    """Write every sample file from the database behind `engine` (which holds the seed)."""
    out.mkdir(parents=True, exist_ok=True)
    with Session(engine) as s:
        projects_huangpu(s, out)
        projects_liwan(s, out)
        monitoring_messy(s, out)
        monitoring_plain(s, out, HUANGPU, "02_monitoring_huangpu.xlsx")
        monitoring_plain(s, out, LIWAN, "02_monitoring_liwan_2020.xlsx")
        evaluations(s, out, HUANGPU, (2021, 2022), "03_evaluations_huangpu.xlsx")
        evaluations(s, out, LIWAN, (2020,), "03_evaluations_liwan_2020.xlsx")
        findings(s, out)
        ex_ante(s, out)
        indicators(s, out, HUANGPU, "06_indicators_huangpu.xlsx")
        indicators(s, out, LIWAN, "06_indicators_liwan.xlsx")
    return [out / name for _kind, name in FILES]


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'seed.db'}", create=True)
        upgrade(engine)
        seed_sample(engine)
        for path in build(engine, out):
            print(f"{path.stat().st_size / 1024:8.0f} KB  {path.name}")
        engine.dispose()


if __name__ == "__main__":
    main()
