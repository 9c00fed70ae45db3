"""Draft the annual report to the district People's Congress (`report`), as the seeds are written.

The draft fills in every figure the seeds' sections carry — ex-ante assessment, key
monitoring, evaluation grades, rectification of last year's findings — and the annex tables,
leaving the narrative (成效, 问题) for the bureau to write. Figures come from the same
queries as `kpis`, so the report and the dashboard agree.
"""

from __future__ import annotations

import datetime as dt
import sys

from docx import Document
from docx.shared import Pt
from sqlalchemy import Select, select
from sqlmodel import Session, col

from data_access.enums import FINDING_STATUSES, GRADES, METHODS, SUBJECT_TYPES
from data_access.formatting import hundredths, money, percent, score, wan
from data_access.models import Department, Evaluation, Region
from data_access.money import yuan_to_fen
from data_access.queries.core import grade_expr
from data_access.queries.execution import key_summary
from data_access.queries.kpis import completion_summary, grade_shares, kpis, region_names
from data_access.queries.rectification import counts_by


def write_report(*, session: Session, year: int, region: str, out: str, as_of: dt.date | None = None) -> int:
    """Write the .docx draft; 0 on success, 1 when the region is unknown.

    Last year's rectification is reported as of `as_of` (default today): the report is drafted
    in the following year, when the departments' written feedback has come in.
    """
    if region not in region_names(session=session):
        print(f"未找到行政区“{region}”", file=sys.stderr)
        return 1
    full = session.execute(select(col(Region.full_name)).where(col(Region.name) == region)).scalar_one() or region
    k = kpis(session=session, year=year, region=region)
    prev = kpis(session=session, year=year - 1, region=region, as_of=as_of or dt.date.today())

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    doc.add_heading(f"{full} {year} 年度区本级财政支出绩效情况的报告（草稿）", level=0)
    doc.add_paragraph("本稿由预算绩效监控与公开平台根据已录入数据自动生成，数字可直接引用，文字部分请结合实际修改。")

    doc.add_heading(f"一、{year} 年度预算绩效管理工作开展情况", level=1)
    ea = k["ex_ante"]
    if ea["projects"]:
        doc.add_heading("（一）紧抓源头，开展事前绩效评估", level=2)
        doc.add_paragraph(
            f"区财政部门对 {ea['departments']} 个预算单位的 {ea['projects']} 个重大预算项目开展事前绩效评估（评审），"
            f"涉及财政资金 {money(yuan_to_fen(ea['requested_total']))}。经评审，建议立项项目 "
            f"{ea['supported'] + ea['partially_supported']} 个（予以支持 {ea['supported']} 个、部分支持 "
            f"{ea['partially_supported']} 个），建议不予立项 {ea['not_supported']} 个，建议核减金额 "
            f"{money(yuan_to_fen(ea['cut_total']))}，建议核减率 {percent(ea['cut_rate'])}。"
        )
    _monitoring_section(doc, session, year, region, k)
    _evaluation_section(doc, session, year, region, k)
    ind = k["indicators"]
    if ind["total"]:
        doc.add_heading("（四）绩效指标库建设", level=2)
        doc.add_paragraph(
            f"指标库共有绩效指标 {ind['total']} 条，其中通用类指标 {ind['general']} 条，部门个性化指标 "
            f"{ind['specific']} 条，核心指标 {ind['core']} 条。"
        )

    doc.add_heading(f"二、{year - 1} 年度被评价部门绩效问题整改落实情况", level=1)
    _rectification_section(doc, session, year - 1, region, prev)

    doc.add_heading(f"三、{year} 年度区级财政支出绩效评价情况", level=1)
    fin = k["evaluation"]["finance"]
    doc.add_paragraph(_grade_sentence(fin))
    doc.add_paragraph("（评价结果详见附件 1，自评复核项目情况详见附件 2，财政重点评价项目绩效报告详见附件 3。）")

    _annexes(doc, session, year, region)
    doc.save(out)
    print(f"报告草稿已写入 {out}", file=sys.stderr)
    return 0


def _monitoring_section(doc, session: Session, year: int, region: str, k: dict) -> None:  # type: ignore[no-untyped-def]
    ex = k["execution"]
    n, depts, budget = key_summary(session=session, year=year, region=region, month=ex["as_of_month"])
    doc.add_heading("（二）跟踪问效，开展预算执行和绩效目标“双监控”", level=2)
    doc.add_paragraph(
        "各预算部门对预算执行进度和绩效目标实现程度进行自我监控，重点监控年度预算 200 万元以上项目以及"
        f"中央直达资金、涉农资金、债券资金等项目。重点监控涉及 {depts} 个部门、预算项目 {n} 个、预算资金 "
        f"{money(budget)}。截至 {ex['as_of_month']} 月，全区 {ex['projects']} 个项目预算执行率 "
        f"{percent(ex['execution_rate'])}，序时进度 {percent(ex['time_progress'])}，"
        f"重点监控项目中执行进度预警 {ex['behind_schedule']} 个。"
    )


def _evaluation_section(doc, session: Session, year: int, region: str, k: dict) -> None:  # type: ignore[no-untyped-def]
    ev = k["evaluation"]
    sub = ev["by_subject"]
    own = ev["by_method"]["self"]
    doc.add_heading("（三）扩面提质，全面自评、部分复核、重点评价", level=2)
    parts = []
    if own["count"]:
        parts.append(f"各预算部门对 {own['count']} 个项目开展绩效自评，自评优良 {own['excellent'] + own['good']} 项，"
                     f"占 {percent(own['excellent_good_rate'])}。")
    parts.append(
        f"财政部门对 {sub['department']['count']} 个部门（单位）整体支出、{sub['policy']['count']} 个政策、"
        f"{sub['project']['count']} 个项目开展评价，涉及资金 {money(yuan_to_fen(ev['finance']['funds_total']))}。"
    )
    review = completion_summary(session=session, year=year, region=region, methods=("review",))
    if review.count:
        parts.append(
            f"自评复核项目总体预算完成率 {percent(review.overall)}，其中预算完成率为 100% 的项目 "
            f"{review.at_100} 个，90% 以上的项目 {review.from_90} 个，90% 以下的项目 {review.below_90} 个。"
        )
    doc.add_paragraph("".join(parts))


def _grade_sentence(block: dict) -> str:
    n = block["count"]
    if not n:
        return "本年度尚无财政评价结果。"
    share = grade_shares(block)
    shares = "；".join(f"{GRADES[g]}：{block[g]} 个，占 {percent(share[g])}" for g in GRADES if block[g])
    return f"总体来看，经评价绩效等级为：{shares}。项目优良率为 {percent(block['excellent_good_rate'])}。"


def _rectification_section(doc, session: Session, year: int, region: str, prev: dict) -> None:  # type: ignore[no-untyped-def]
    by_category = counts_by(session=session, year=year, region=region, column="category")
    if by_category.empty:
        doc.add_paragraph(f"{year} 年度评价未记录发现问题。")
        return
    rc = prev["rectification"]
    doc.add_paragraph(
        f"{year} 年度评价共发现问题 {rc['findings']} 个，已整改 {rc['rectified']} 个、整改中 {rc['in_progress']} 个、"
        f"未整改 {rc['not_started']} 个，整改完成率 {percent(rc['completion_rate'])}；"
        f"书面反馈整改情况 {rc['feedback_submitted']} 个，逾期未整改 {rc['overdue']} 个（截至 {prev['as_of']}）。"
    )
    table = doc.add_table(rows=1, cols=1 + len(FINDING_STATUSES))
    table.style = "Table Grid"
    header = ["问题类别", *FINDING_STATUSES.values()]
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in by_category.sort_values("category").itertuples():
        cells = table.add_row().cells
        cells[0].text = row.category
        for i, status in enumerate(FINDING_STATUSES, start=1):
            cells[i].text = str(getattr(row, status))


def _annexes(doc, session: Session, year: int, region: str) -> None:  # type: ignore[no-untyped-def]
    base: Select = (
        select(Evaluation, col(Department.name).label("department"), grade_expr().label("grade"))
        .join(Region, col(Region.id) == col(Evaluation.region_id))
        .join(Department, col(Department.id) == col(Evaluation.department_id))
        .where(col(Region.name) == region, col(Evaluation.year) == year)
        .order_by(Evaluation.method, Evaluation.subject_type, col(Evaluation.score_centi).desc())
    )
    annexes = [
        ("附件 1", f"{year} 年度区本级财政支出绩效评价结果汇总", base.where(col(Evaluation.method).in_(("review", "key")))),
        ("附件 2", f"{year} 年度财政支出自评复核项目绩效情况表", base.where(col(Evaluation.method) == "review")),
    ]
    for label, title, stmt in annexes:
        doc.add_page_break()
        doc.add_heading(f"{label}：{title}", level=1)
        rows = session.execute(stmt).all()
        table = doc.add_table(rows=1, cols=9)
        table.style = "Table Grid"
        header = ("序号", "评价对象", "类型", "单位", "评价方式", "得分", "等级", "涉及资金（万元）", "预算完成率（%）")
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = text
        for i, row in enumerate(rows, start=1):
            e = row.Evaluation
            values = (str(i), e.subject, SUBJECT_TYPES[e.subject_type], row.department, METHODS[e.method],
                      score(e.score_centi), GRADES[row.grade], "" if e.funds_fen is None else wan(e.funds_fen),
                      "" if e.budget_completion_centi is None else hundredths(e.budget_completion_centi))
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = text
    doc.add_page_break()
    doc.add_heading(f"附件 3：{year} 年度财政重点评价（第三方独立评价）项目绩效报告", level=1)
    for row in session.execute(base.where(col(Evaluation.method) == "key")).all():
        e = row.Evaluation
        doc.add_heading(f"{e.subject}（{row.department}）", level=2)
        doc.add_paragraph(
            f"评价机构：{e.evaluator or '—'}；得分 {score(e.score_centi)}，等级“{GRADES[row.grade]}”；"
            f"涉及资金 {money(e.funds_fen)}。"
        )
        if e.report_summary:
            doc.add_paragraph(e.report_summary)
