"""预警函 / 督办单: the letter a finance bureau sends a department that is behind, built from the database.

A department qualifies when it has projects in red under 双监控 at the month shown, or findings
overdue on the notice's date (any year, against the current deadline). Its notice says what is
behind and by how much (each red project's budget, spending, execution rate against time
progress and the gap), what is overdue (original and current deadline, days past each), what
falls due within `due_soon_days`, and by when to reply (`notice_reply_working_days` working
days, Monday to Friday; holidays are not known to the program).

The page and the .docx show the same `NoticeTable`s, so what the bureau checks on screen is
what the department reads.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from sqlalchemy import func, select
from sqlmodel import Session, col

from data_access.enums import FINDING_STATUSES
from data_access.formatting import amount, money, percent
from data_access.models import Department, Region
from data_access.money import fen_to_wan
from data_access.queries.core import project_execution, round_rate, sum_int, time_progress
from data_access.queries.execution import project_rows
from data_access.queries.rectification import owed
from data_access.settings import SETTINGS, Settings

BODY_FONT, TITLE_FONT = "仿宋", "黑体"  # East Asian fonts of a government letter (仿宋 body, 黑体 headings)
KINDS = {"warning": "预算执行进度预警函", "supervision": "绩效问题整改督办单", "both": "预算执行预警及问题整改督办函"}


@dataclass(frozen=True)
class NoticeTable:
    """One table of a notice, as text cells: the page shows it and the .docx holds it, cell for cell."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=list(self.headers))


@dataclass(frozen=True)
class Notice:
    """What one department is told: red projects, overdue and soon-due findings, and the reply date."""

    region: str
    department: str
    year: int
    month: int
    on: dt.date
    reply_by: dt.date
    red: pd.DataFrame  # project_rows of the department in red
    overdue: pd.DataFrame  # owed(...).overdue
    due_soon: pd.DataFrame  # owed(...).due_soon
    settings: Settings

    @property
    def kind(self) -> str:
        if not self.red.empty and not self.overdue.empty:
            return "both"
        return "warning" if not self.red.empty else "supervision"

    @property
    def title(self) -> str:
        return KINDS[self.kind]


def working_days_after(day: dt.date, n: int) -> dt.date:
    """The date n working days (Monday to Friday) after a day."""
    while n > 0:
        day += dt.timedelta(days=1)
        n -= day.weekday() < 5
    return day


def candidates(*, session: Session, region: str, year: int, month: int, on: dt.date,
               settings: Settings = SETTINGS) -> pd.DataFrame:
    """Departments that qualify for a notice: red projects at the month, overdue and soon-due findings on
    the date; most overdue findings first."""
    pe = project_execution(year=year, region=region, month=month, settings=settings).subquery()
    red = pd.DataFrame(session.execute(
        select(pe.c.department_id, func.count().label("red"), sum_int(pe.c.budget_fen).label("red_budget_fen"))
        .where(pe.c.status == "red").group_by(pe.c.department_id)).mappings().all(),
        columns=["department_id", "red", "red_budget_fen"])
    tasks = owed(session=session, region=region, today=on, department_ids=None, due_within=settings.due_soon_days)
    overdue = tasks.overdue.groupby("department_id").size().rename("overdue")
    due = tasks.due_soon.groupby("department_id").size().rename("due_soon")
    names = pd.DataFrame(session.execute(
        select(col(Department.id).label("department_id"), col(Department.name).label("department"))
        .join(Region, col(Region.id) == col(Department.region_id)).where(col(Region.name) == region)).mappings().all(),
        columns=["department_id", "department"])
    df = names.merge(red, on="department_id", how="left").merge(overdue, on="department_id", how="left") \
        .merge(due, on="department_id", how="left")
    for c in ("red", "red_budget_fen", "overdue", "due_soon"):
        df[c] = df[c].fillna(0).astype(int)
    df = df[(df["red"] > 0) | (df["overdue"] > 0)]
    return df.sort_values(["overdue", "red", "department"], ascending=[False, False, True], ignore_index=True)


def notice(*, session: Session, region: str, year: int, department_id: int, month: int, on: dt.date,
           settings: Settings = SETTINGS) -> Notice:
    """One department's notice as of a month (execution) and a date (findings, reply deadline)."""
    department = session.execute(select(col(Department.name)).where(col(Department.id) == department_id)).scalar_one()
    projects = project_rows(session=session, year=year, region=region, month=month, department=department,
                            settings=settings)
    tasks = owed(session=session, region=region, today=on, department_ids=frozenset({department_id}),
                 due_within=settings.due_soon_days)
    return Notice(region=region, department=department, year=year, month=month, on=on,
                  reply_by=working_days_after(on, settings.notice_reply_working_days),
                  red=projects[projects["status"] == "red"].reset_index(drop=True), overdue=tasks.overdue,
                  due_soon=tasks.due_soon, settings=settings)


def _days(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(int(value))  # type: ignore[call-overload]


def _points(value: Decimal | None) -> str:
    return "" if value is None else f"{round_rate(value):.2f}"


def tables(n: Notice) -> list[NoticeTable]:
    """The notice's tables, in the letter's order (a table only where there is something to list)."""
    out = []
    if not n.red.empty:
        tp = time_progress(n.month)
        out.append(NoticeTable(
            f"预算执行进度滞后项目（截至 {n.year} 年 {n.month} 月）",
            ("序号", "项目编码", "项目名称", "预算（万元）", "累计支出（万元）", "执行率（%）", "序时进度（%）",
             "差距（百分点）", "重点监控"),
            tuple((str(i), r.code, r.name, amount(fen_to_wan(r.budget_fen)), amount(fen_to_wan(r.spent_fen)),
                   _points(r.rate), _points(tp), _points(r.gap), "是" if r.is_key else "否")
                  for i, r in enumerate(n.red.itertuples(), start=1))))
    if not n.overdue.empty:
        out.append(NoticeTable(
            f"逾期未整改问题（截至 {n.on.isoformat()}）",
            ("序号", "问题编号", "评价对象", "问题描述", "原定期限", "当前期限", "超原定期限（天）", "超当前期限（天）",
             "整改状态"),
            tuple((str(i), r.finding_code, r.subject, r.description, r.original_deadline.isoformat(),
                   r.deadline.isoformat(),
                   _days(r.days_overdue_original), _days(r.days_overdue), FINDING_STATUSES[r.status])
                  for i, r in enumerate(n.overdue.itertuples(), start=1))))
    if not n.due_soon.empty:
        out.append(NoticeTable(
            f"{n.settings.due_soon_days} 日内到期问题",
            ("序号", "问题编号", "评价对象", "当前期限", "剩余天数", "整改状态"),
            tuple((str(i), r.finding_code, r.subject, r.deadline.isoformat(), str((r.deadline - n.on).days),
                   FINDING_STATUSES[r.status]) for i, r in enumerate(n.due_soon.itertuples(), start=1))))
    return out


def _rule(settings: Settings) -> str:
    if settings.execution_rule == "ratio":
        return f"执行率不到序时进度的 {settings.ratio_red}%"
    return f"执行率低于序时进度 {settings.gap_red} 个百分点以上"


def paragraphs(n: Notice) -> list[str]:
    """The letter's text around the tables: what is behind, by how much, what is due, by when."""
    lines = [f"{n.department}："]
    lines.append("根据预算执行和绩效运行“双监控”情况及绩效评价发现问题整改跟踪情况，"
                 "现将你单位需要重点关注和督促落实的事项通知如下。")
    if not n.red.empty:
        budget, spent = int(n.red["budget_fen"].sum()), int(n.red["spent_fen"].sum())
        lines.append("一、预算执行进度滞后。"
                     f"截至 {n.year} 年 {n.month} 月，你单位有 {len(n.red)} 个项目{_rule(n.settings)}"
                     f"（预警），涉及预算 {money(budget)}，累计支出 {money(spent)}，执行率 "
                     f"{percent(round_rate(Decimal(spent) * 100 / Decimal(budget)) if budget else None)}，序时进度 "
                     f"{percent(round_rate(time_progress(n.month)))}。")
    if not n.overdue.empty:
        longest = int(n.overdue["days_overdue_original"].max())
        moved = int((n.overdue["revisions"] > 0).sum())
        lines.append(f"{'二' if not n.red.empty else '一'}、绩效问题逾期未整改。截至 {n.on.isoformat()}，你单位有 "
                     f"{len(n.overdue)} 个评价发现问题已过整改期限仍未完成整改，最长已超过原定期限 {longest} 天"
                     + (f"；其中 {moved} 个已调整过整改期限" if moved else "") + "。")
    if not n.due_soon.empty:
        lines.append(f"另有 {len(n.due_soon)} 个问题将在 {n.settings.due_soon_days} 日内到期，请按期完成。")
    lines.append(f"请你单位高度重视，逐项分析原因、落实整改措施，加快预算执行进度，并于 {n.reply_by.year} 年 "
                 f"{n.reply_by.month} 月 {n.reply_by.day} 日前（{n.settings.notice_reply_working_days} 个工作日内）"
                 "将书面整改和执行情况报送区财政局。逾期未整改的问题，将按规定压减或暂缓安排相关预算。")
    return lines


def _font(run, name: str, size: float, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    """A run in a Chinese font: Word picks East Asian text's font from w:eastAsia, not the run's name."""
    run.font.name, run.font.size, run.font.bold = name, Pt(size), bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(doc, text: str, *, font: str = BODY_FONT, size: float = 16, bold: bool = False,  # type: ignore[no-untyped-def]
               center: bool = False, right: bool = False) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else (WD_ALIGN_PARAGRAPH.RIGHT if right else None)
    _font(p.add_run(text), font, size, bold)


def docx_bytes(n: Notice) -> bytes:
    """The notice as a Word document (仿宋 body, 黑体 title, tables with a header row)."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _paragraph(doc, f"{n.region}财政局", font=TITLE_FONT, size=22, bold=True, center=True)
    _paragraph(doc, n.title, font=TITLE_FONT, size=22, bold=True, center=True)
    texts = paragraphs(n)
    for line in texts[:-1]:
        _paragraph(doc, line)
    for table in tables(n):
        _paragraph(doc, table.title, font=TITLE_FONT, size=14, bold=True)
        grid = doc.add_table(rows=1, cols=len(table.headers))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, table.headers, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), TITLE_FONT, 10.5, bold=True)
        for row in table.rows:
            for cell, text in zip(grid.add_row().cells, row, strict=True):
                cell.text = ""
                _font(cell.paragraphs[0].add_run(text), BODY_FONT, 10.5)
    _paragraph(doc, texts[-1])
    _paragraph(doc, f"{n.region}财政局", right=True)
    _paragraph(doc, f"{n.on.year}年{n.on.month}月{n.on.day}日", right=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def file_name(n: Notice) -> str:
    return f"{n.region}-{n.department}-{n.title}-{n.on.isoformat()}.docx"


def zip_bytes(notices: list[Notice]) -> bytes:
    """Every notice in one .zip (UTF-8 file names)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n in notices:
            z.writestr(file_name(n), docx_bytes(n))
    return out.getvalue()
