"""Write the sample data as upload-ready spreadsheets, in the layouts finance staff really send.

Run from the repository root: `.venv/bin/python -m sample_data.build [OUT_DIR]` (default: this folder). The figures come
from `data_access.seed.seed_sample`, loaded into a temporary SQLite database, so importing these
files in order (see README.md here) into an empty database gives the same `kpis` as `seed`
(tests/test_import_sample.py checks it).

Headers are the specs' own spellings (data_access/uploads/kinds/) or the variants a clerk writes,
and every value is typed as its column's cell type reads it, from the model field of the same name.
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
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from sqlalchemy import Engine, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from data_access import formatting
from data_access.db import make_engine
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
from data_access.queries.core import grade_of
from data_access.seed import seed_sample
from data_access.uploads.kinds import SPECS
from data_access.uploads.spec import Cell, Column

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


def write_xlsx(path: Path, sheet: str, rows: Iterable[Sequence[object]], *,
               cover: Sequence[Sequence[object]] = ()) -> None:
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


# ---- rows from the specs ------------------------------------------------------------------------------
# A file's layout: (field, how its header is written) in column order; "zh" and "alias" are the
# spec's own spellings, anything else is written as given (a synonym, a unit, stray spaces). A field
# None is a column the importer does not know (序号).
Layout = Sequence[tuple[str | None, str]]


def header(kind: str, layout: Layout) -> list[object]:
    columns = SPECS[kind].by_field
    return [how if fld is None or how not in ("zh", "alias") else getattr(columns[fld], how) for fld, how in layout]


def typed(column: Column, value: object, money: Callable[[int], object]) -> object:
    """A stored value as a clerk types it: enumerations by label, 是/否, amounts by `money`, scores in points.

    A number given as text already (full-width digits) is written as it is.
    """
    if value is None or (isinstance(value, str) and column.type in (Cell.AMOUNT, Cell.SCORE, Cell.RATE)):
        return value
    if column.type == Cell.AMOUNT:
        return money(value)  # type: ignore[arg-type]
    if column.type == Cell.SCORE:
        return points(value)  # type: ignore[arg-type]
    if column.type == Cell.RATE:
        return pct(value)  # type: ignore[arg-type]
    if column.type == Cell.BOOL:
        return yes(bool(value))
    if column.enum is not None:
        return column.enum.choices.get(str(value), value)
    return value


def values(kind: str, record: object, **given: object) -> dict[str, object]:
    """A stored record's values by field (the kind's columns the model has), and what its lookups name."""
    spec = SPECS[kind]
    return {**{c.field: getattr(record, c.field) for c in spec.columns if c.field in spec.model_fields}, **given}


def line(kind: str, layout: Layout, row: dict[str, object], money: Callable[[int], object] = yuan) -> list[object]:
    """One data line in the layout's order."""
    columns = SPECS[kind].by_field
    return [row.get(how) if fld is None else typed(columns[fld], row.get(fld), money) for fld, how in layout]


# ---- the files -------------------------------------------------------------------------------------
def _projects(session: Session, region: str) -> list[tuple]:
    return list(session.execute(
        select(Project, Department.name, Department.code).join(Department, Department.id == Project.department_id)
        .join(Region, Region.id == Project.region_id).where(Region.name == region).order_by(Project.year, Project.id)
    ).all())


PROJECTS: Layout = (("code", "zh"), ("name", "Name"), ("department", "zh"), ("region", "alias"), ("year", "zh"),
                    ("budget_adjusted_fen", "zh"), ("budget_initial_fen", "年初预算数（万元）"), ("fund_source", "zh"),
                    ("kind", "zh"), ("is_new", "zh"))


def projects_huangpu(session: Session, out: Path) -> None:
    """Title line, 单位：万元 and a header repeating it, English aliases, departments as code-name, subtotals."""
    rows: list[list[object]] = [["黄埔区 2021—2022年度 项目预算表"], ["金额单位：万元"], []]
    rows.append(header("projects", PROJECTS))
    year = None
    for p, dept, dept_code in _projects(session, HUANGPU):
        if year is not None and p.year != year:
            rows.append([f"小计（{year}年度）"])
        year = p.year
        row = values("projects", p, code=f" {p.code} ", department=f"{dept_code}-{dept}", region=HUANGPU)
        rows.append(line("projects", PROJECTS, row, money=wan))
    rows.append(["合计"])
    write_xlsx(out / "01_projects_huangpu.xlsx", "项目", rows)


def projects_liwan(session: Session, out: Path) -> None:
    """A GB18030 CSV (Chinese Excel's CSV export), amounts in yuan, `[code]name` departments."""
    layout: Layout = (*((f, "zh") for f, _how in PROJECTS[:5]), ("budget_adjusted_fen", "调整后预算数(元)"),
                      ("budget_initial_fen", "年初预算数(元)"), *PROJECTS[7:])
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["荔湾区2020年度项目预算"])
    w.writerow(header("projects", layout))
    for p, dept, dept_code in _projects(session, LIWAN):
        w.writerow(line("projects", layout, values("projects", p, department=f"[{dept_code}]{dept}", region=LIWAN)))
    (out / "01_projects_liwan.csv").write_bytes(buf.getvalue().encode("gb18030"))


def _monitoring(session: Session, region: str, where: object = True) -> list[tuple]:
    return list(session.execute(
        select(Monitoring, Project.code, Project.name, Project.year, Department.name)
        .join(Project, Project.id == Monitoring.project_id).join(Department, Department.id == Project.department_id)
        .join(Region, Region.id == Project.region_id).where(Region.name == region, where)  # type: ignore[arg-type]
        .order_by(Project.year, Monitoring.month, Project.id)
    ).all())


MESSY: Layout = ((None, "序号"), ("month", "月 份"), ("code", "zh"), ("name", "zh"), ("department", "zh"),
                 ("year", "zh"), ("spent_cumulative_fen", "zh"), ("budget_fen", "调整后预算数（万元）"),
                 ("target_progress", "zh"), ("deviation_reason", "zh"))


def monitoring_messy(session: Session, out: Path) -> None:
    """The monthly file as a clerk sends it: 黄埔区 2022年6月, every trap of CONTRACT.md §2."""
    region, year, month = MESSY_MONTH
    data = _monitoring(session, region, (Project.year == year) & (Monitoring.month == month))
    rows: list[list[object]] = [
        [f"{year}年{month}月 预算执行情况表（{region}）"],
        ["填报单位：区财政局", None, None, "单位：万元"],
        [],
        header("monitoring", MESSY),
    ]
    total = 0
    for i, (m, code, name, _y, dept) in enumerate(data, start=1):
        row = values("monitoring", m, code=f"{code[:2]} {code[2:]}" if i % 5 == 0 else code, name=name,
                     department=dept, year=f"{year}年" if i % 4 == 0 else year, month=f"{month}月" if i % 3 else month)
        if i % 7 == 0:  # full-width digits, as some input methods type them
            row["spent_cumulative_fen"] = (wan(m.spent_cumulative_fen) or "").translate(_FULL)
        rows.append(line("monitoring", MESSY, {**row, "序号": i}, money=wan))
        total += m.spent_cumulative_fen
        if i == 10:
            rows.append([None, None, None, "其中：区本级", None, None, wan(m.spent_cumulative_fen)])
        if i % 50 == 0:
            rows.append([])
    rows.append(["合计", None, None, None, None, None, wan(total)])
    write_xlsx(out / "02_monitoring_huangpu_2022-06.xlsx", f"{month}月", rows)


PLAIN: Layout = (("spent_cumulative_fen", "alias"), ("code", "alias"), ("year", "alias"), ("month", "alias"),
                 ("budget_fen", "alias"), ("region", "alias"))


def monitoring_plain(session: Session, out: Path, region: str, name: str) -> None:
    """Every other month in one sheet; amounts as numbers in yuan; the file's cover sheet has no header."""
    rows: list[list[object]] = [header("monitoring", PLAIN)]
    for m, code, _name, year, _dept in _monitoring(session, region):
        if (region, year, m.month) == MESSY_MONTH:
            continue
        # The float's repr of an amount in fen is the exact decimal.
        rows.append(line("monitoring", PLAIN, values("monitoring", m, code=code, year=year, region=region),
                         money=lambda fen: float(fen_to_yuan(fen))))
    write_xlsx(out / name, "数据", rows, cover=[[f"{region} 预算执行月报汇总"], ["说明：本文件由系统导出"]])


EVALUATIONS: Layout = tuple((f, "zh") for f in (
    "subject", "subject_type", "method", "score_centi", "grade", "department", "region", "year", "code", "evaluator",
    "fund_source",
    "funds_fen", "budget_completion_centi", "published", "recommendations", "report_summary"))


def evaluations(session: Session, out: Path, region: str, years: Sequence[int], name: str) -> None:
    rows: list[list[object]] = [[f"{region} 绩效评价结果汇总表"], ["单位：元"], header("evaluations", EVALUATIONS)]
    linked = aliased(Project)
    data = session.execute(
        select(Evaluation, Department.name, linked.code).join(Department, Department.id == Evaluation.department_id)
        .join(Region, Region.id == Evaluation.region_id).outerjoin(linked, linked.id == Evaluation.project_id)
        .where(Region.name == region, Evaluation.year.in_(years)).order_by(Evaluation.year, Evaluation.id)
    ).all()
    for i, (e, dept, code) in enumerate(data):
        grade = grade_of(e.score_centi) if i % 2 == 0 else None  # a grade beside the score on every other row
        rows.append(line("evaluations", EVALUATIONS,
                         values("evaluations", e, grade=grade, department=dept, region=region, code=code)))
    write_xlsx(out / name, "评价结果", rows)


FINDINGS: Layout = tuple((f, "zh") for f in ("finding_code", "region", "year", "subject", "department", "category",
                                             "description", "recommendation", "measures", "deadline", "status",
                                             "feedback_date", "rectified_date", "published"))


def findings(session: Session, out: Path) -> None:
    """Dates in three forms: Excel dates, `2023/6/30` text and `2023年6月30日` text."""
    rows: list[list[object]] = [["问题整改情况台账"], header("findings", FINDINGS)]
    data = session.execute(
        select(Finding, Region.name, Department.name).join(Region, Region.id == Finding.region_id)
        .join(Department, Department.id == Finding.department_id).order_by(Finding.id)
    ).all()
    for i, (f, region, dept) in enumerate(data):
        def date(d: dt.date | None, i: int = i) -> object:
            if d is None:
                return None
            return (d, f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日")[i % 3]

        rows.append(line("findings", FINDINGS, values(
            "findings", f, region=region, department=dept, deadline=date(f.deadline),
            feedback_date=date(f.feedback_date), rectified_date=date(f.rectified_date))))
    write_xlsx(out / "04_findings.xlsx", "问题清单", rows)


EX_ANTE: Layout = tuple((f, "zh") for f in ("region", "year", "department", "name", "requested_fen", "recommended_fen",
                                            "conclusion", "published", "score_necessity", "score_economy",
                                            "score_targets", "score_feasibility", "score_compliance"))


def ex_ante(session: Session, out: Path) -> None:
    rows: list[list[object]] = [["事前绩效评估结果"], ["金额单位：万元"], header("ex-ante", EX_ANTE)]
    data = session.execute(
        select(ExAnte, Region.name, Department.name).join(Region, Region.id == ExAnte.region_id)
        .join(Department, Department.id == ExAnte.department_id).order_by(ExAnte.id)
    ).all()
    for x, region, dept in data:
        rows.append(line("ex-ante", EX_ANTE, values("ex-ante", x, region=region, department=dept), money=wan))
    rows.append(["合计", None, None, None, wan(sum(x.requested_fen for x, _r, _d in data))])
    write_xlsx(out / "05_ex_ante.xlsx", "事前评估", rows)


INDICATORS: Layout = tuple((c.field, "zh") for c in SPECS["indicators"].columns)


def indicators(session: Session, out: Path, region: str, name: str) -> None:
    """Level-2 names without their trailing 指标 on every other row (数量 = 数量指标)."""
    rows: list[list[object]] = [header("indicators", INDICATORS)]
    data = session.execute(
        select(Indicator, Department.name, Project.code, Project.year).join(Region, Region.id == Indicator.region_id)
        .outerjoin(Department, Department.id == Indicator.department_id)
        .outerjoin(Project, Project.id == Indicator.project_id)
        .where(Region.name == region).order_by(Indicator.id)
    ).all()
    for i, (ind, dept, code, year) in enumerate(data):
        level2 = ind.level2.removesuffix("指标") if i % 2 else ind.level2
        rows.append(line("indicators", INDICATORS, values("indicators", ind, level2=level2, region=region,
                                                          department=dept, code=code, year=year)))
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
