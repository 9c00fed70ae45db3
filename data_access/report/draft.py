"""`build_report`: the draft's every section and annex, from the queries, in the seeds' sentences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlmodel import Session

from data_access import export
from data_access.enums import FINANCE_METHODS, GRADES, METHODS, SUBJECT_TYPES
from data_access.formatting import amount, hundredths, money, percent, score, wan
from data_access.money import fen_to_wan, yuan_to_fen
from data_access.queries.core import as_of_for
from data_access.queries.evaluation import EvaluationGroup, evaluation_group, evaluation_rows
from data_access.queries.execution import key_summary, lifecycle_projects
from data_access.queries.indicators import target_review
from data_access.queries.kpis import completion_summary, grade_shares, kpis, region_full_name, region_names
from data_access.queries.rectification import counts_by, department_feedback
from data_access.report.structure import (
    Block,
    Column,
    FillIn,
    Paragraph,
    Report,
    Section,
    Sentence,
    Table,
    UnknownRegion,
)
from data_access.settings import SETTINGS, Settings


# ---- figures as the seeds write them --------------------------------------------------------------
def _pct(value: Decimal | None) -> str:
    return percent(value, trim=True)


def _yuan(value: int | Decimal) -> str:
    """A `kpis` amount (yuan) in 亿元/万元."""
    return money(yuan_to_fen(value))


def _date(d: dt.date) -> str:
    return f"{d.year} 年 {d.month} 月 {d.day} 日"


def _p(*sentences: Sentence | None) -> Paragraph:
    return Paragraph(tuple(s for s in sentences if s))


def _annex_titles(year: int) -> tuple[str, str, str]:
    return (f"{year} 年度区本级财政支出绩效评价结果汇总", f"{year} 年度财政支出自评复核项目绩效情况表",
            f"{year} 年度支出财政重点评价（第三方独立评价）项目绩效报告")


@dataclass(frozen=True)
class _Context:
    session: Session
    region: str
    year: int
    as_of: dt.date
    full: str
    settings: Settings
    k: dict[str, Any]  # kpis of the year
    prev: dict[str, Any]  # kpis of the year before, as of the same date

    def group(self, year: int, methods: tuple[str, ...], *types: str) -> EvaluationGroup:
        return evaluation_group(session=self.session, year=year, region=self.region, methods=methods,
                                subject_types=types or None)


def build_report(*, session: Session, year: int, region: str, as_of: dt.date | None = None,
                 settings: Settings = SETTINGS) -> Report:
    """The draft of `region`'s report on fiscal `year`, as of `as_of` (default 31 December of a past year,
    else today)."""
    if region not in region_names(session=session):
        raise UnknownRegion(region)
    as_of = as_of_for(year, as_of)
    ctx = _Context(session, region, year, as_of, region_full_name(session=session, region=region), settings,
                   kpis(session=session, year=year, region=region, as_of=as_of, settings=settings),
                   kpis(session=session, year=year - 1, region=region, as_of=as_of, settings=settings))
    titles = _annex_titles(year)
    blocks: list[Block] = [
        _p(f"{year} 年以来，{ctx.full}", FillIn("贯彻落实全面实施预算绩效管理决策部署的总体情况"),
           "。现将相关情况报告如下："),
        Section(f"一、{year} 年度预算绩效管理工作开展情况", 1, (
            Section("（一）事前绩效评估和绩效目标管理", 2, _exante_and_targets(ctx)),
            Section("（二）绩效运行监控", 2, _monitoring(ctx)),
            Section("（三）绩效评价", 2, _evaluation_work(ctx)),
            Section("（四）评价结果应用", 2, _results_applied(ctx)),
        )),
        Section(f"二、{year - 1} 年度被评价部门绩效问题整改落实情况", 1, _rectification(ctx)),
        Section(f"三、{year} 年度区级财政支出绩效评价情况", 1, _evaluations(ctx)),
        Section("四、下一步预算绩效管理工作要点", 1, (_p(FillIn("下一步预算绩效管理工作要点")),)),
        _p("附件：" + "；".join(f"{i}.{t}" for i, t in enumerate(titles, start=1))),
        *_annexes(ctx, titles),
    ]
    return Report(region, year, as_of, f"{ctx.full} {year} 年度区本级财政支出绩效情况的报告",
                  f"（草稿，数据截至 {_date(as_of)}）", tuple(blocks))


# ---- 一、工作开展情况 ------------------------------------------------------------------------------
def _exante_and_targets(ctx: _Context) -> tuple[Block, ...]:
    ea, ind = ctx.k["ex_ante"], ctx.k["indicators"]
    out: list[Block] = []
    if ea["projects"]:
        recommended = ea["supported"] + ea["partially_supported"]
        rejected = f"，建议不予立项 {ea['not_supported']} 个" if ea["not_supported"] else ""
        kinds = [f"“{label}”{n} 个" for label, n in (("予以支持", ea["supported"]),
                                                     ("部分予以支持", ea["partially_supported"])) if n]
        out.append(_p(
            "区财政部门委托专家"
            f"对 {ea['departments']} 个预算单位的 {ea['projects']} 个重大预算项目开展事前绩效评估（评审），"
            f"涉及财政资金 {_yuan(ea['requested_total'])}。",
            f"经评审，专家建议立项项目 {recommended} 个{rejected}，建议核减金额 {_yuan(ea['cut_total'])}，"
            f"建议核减率 {_pct(ea['cut_rate'])}，评估（评审）结论作为预算安排的重要依据。",
            f"建议立项的项目中，{'、'.join(kinds)}。" if kinds else None))
    else:
        out.append(_p(FillIn(f"事前绩效评估情况（数据库中没有 {ctx.year} 年度的事前评估记录）")))
    review = target_review(session=ctx.session, year=ctx.year, region=ctx.region)
    if review.departments or review.projects:
        scope = "和 ".join(p for p in (f"{review.departments} 个部门（街道）整体绩效目标" if review.departments else "",
                                      f"{review.projects} 个项目绩效目标" if review.projects else "") if p)
        out.append(_p(f"区财政部门对预算部门申报的绩效目标进行审核把关，对 {scope}开展专家评审，"
                      f"梳理形成关键指标 {review.key_indicators} 个。"))
    else:
        out.append(_p(FillIn(f"绩效目标审核情况（数据库中没有 {ctx.year} 年度的绩效目标专家评审记录）")))
    if ind["total"]:
        core = ("，均为核心指标" if ind["core"] == ind["total"]
                else (f"，核心指标 {ind['core']} 条" if ind["core"] else ""))
        out.append(_p(f"区级预算绩效指标库现有指标共 {ind['total']} 条，其中通用类指标 {ind['general']} 条，"
                      f"部门个性化指标 {ind['specific']} 条{core}。"))
    return tuple(out)


def _monitoring(ctx: _Context) -> tuple[Block, ...]:
    s, ex = ctx.settings, ctx.k["execution"]
    if not ex["projects"]:
        return (_p(FillIn(f"绩效运行监控情况（数据库中没有 {ctx.year} 年度的预算项目）")),)
    sources = "、".join(f if f.endswith("资金") else f"{f}资金" for f in s.key_fund_sources)
    projects, departments, budget = key_summary(session=ctx.session, year=ctx.year, region=ctx.region,
                                                month=ex["as_of_month"], settings=s)
    lifecycle = lifecycle_projects(session=ctx.session, year=ctx.year, region=ctx.region, settings=s)
    return (_p(
        "各预算部门对预算执行进度和绩效目标实现程度进行自我监控，"
        f"重点监控年度预算 {wan(s.key_budget_fen, grouping=False)} 万元"
        f"以上项目以及{sources}等项目。",
        f"区财政部门对 {departments} 个部门开展重点监控，"
        f"涉及预算资金 {money(budget)}、预算项目 {projects} 个。" if projects else None,
        f"截至 {ctx.year} 年 {ex['as_of_month']} 月，"
        f"全区 {ex['projects']} 个项目预算执行率 {_pct(ex['execution_rate'])}，"
        f"序时进度 {_pct(ex['time_progress'])}，重点监控项目中执行进度预警 {ex['behind_schedule']} 个。"
        if ex["as_of_month"] else None,
        f"对新增 {wan(s.lifecycle_recurring_fen, grouping=False)} 万元以上的经常性项目和 "
        f"{wan(s.lifecycle_one_off_fen, grouping=False)} 万元以上一次性项目实施全生命周期跟踪问效，"
        + (f"{ctx.year} 年共 {len(lifecycle)} 个。" if len(lifecycle) else f"{ctx.year} 年没有项目达到上述标准。"),
    ),)


def _named(first: str | None, n: int, noun: str) -> str:
    """'区国资局等 8 个部门（镇、单位）', or the one subject's name alone."""
    return f"{first}" if n == 1 else f"{first}等 {n} 个{noun}"


def _groups(ctx: _Context, year: int) -> tuple[EvaluationGroup, EvaluationGroup, EvaluationGroup]:
    """The year's finance evaluations of departments, policies and projects."""
    dept, policy, project = (ctx.group(year, FINANCE_METHODS, kind) for kind in ("department", "policy", "project"))
    return dept, policy, project


def _evaluation_work(ctx: _Context) -> tuple[Block, ...]:
    """The year's evaluations counted as 荔湾区 writes them, then those carried out in the year (of Y-1) as
    黄埔区 does."""
    y = ctx.year
    own = ctx.group(y, ("self",), "project")
    parts = []
    for method, verb in (("review", "开展复核"), ("key", "开展重点评价")):
        for kind in SUBJECT_TYPES:
            g = ctx.group(y, (method,), kind)
            if g.count:
                what = {"project": f"{g.departments} 个部门（单位）{g.count} 个项目", "policy": f"{g.count} 个政策",
                        "department": f"{g.count} 个部门整体绩效"}[kind]
                parts.append(what + verb)
    recommendations = ctx.group(y, FINANCE_METHODS).recommendations
    out: list[Block] = []
    if own.count or parts:
        out.append(_p(
            f"{y} 年度，自评预算部门共 {own.departments} 个，自评预算项目 {own.count} 个，项目自评优良等级有 "
            f"{own.grades['excellent'] + own.grades['good']} 项，"
            f"占 {_pct(own.grades['excellent_good_rate'])}。" if own.count else None,
            f"区财政共组织 {'，'.join(parts)}。" if parts else None,
            f"财政评价共提出 {recommendations} 条建议。" if recommendations else None))
    prev = ctx.prev["evaluation"]["finance"]
    if prev["count"]:
        dept, policy, project = _groups(ctx, y - 1)
        bond = project.special_bond
        subjects = [
            f"{_named(dept.first, dept.count, '部门（镇、单位）')}整体支出" if dept.count else "",
            f"{_named(policy.first, policy.count, '政策')}支出" if policy.count else "",
            (f"{_named(project.first, project.count, '项目')}支出"
             + (f"（含{_named(project.first_special_bond, bond, '使用专项债券资金项目')}）" if bond > 1
                else f"（含使用专项债券资金项目{project.first_special_bond}）" if bond else ""))
            if project.count else "",
        ]
        subjects = [s for s in subjects if s]
        out.append(_p(f"{y} 年组织开展的绩效评价针对 {y - 1} 年度支出。"
                      f"{y} 年评价涉及资金 {_yuan(prev['funds_total'])}，"
                      f"共对{'、'.join(subjects)}开展评价。"))
    if not out:
        out.append(_p(FillIn(f"绩效评价工作开展情况（数据库中没有 {y} 年度的评价记录）")))
    return tuple(out)


def _results_applied(ctx: _Context) -> tuple[Block, ...]:
    fin = ctx.group(ctx.year, FINANCE_METHODS)
    return (_p(f"{ctx.year} 年度财政评价结果 {fin.count} 个，已公开 {fin.published} 个。" if fin.count else None,
               FillIn("评价结果应用、绩效考核、制度建设和信息化等其他工作情况")),)


# ---- 二、整改落实情况 ------------------------------------------------------------------------------
def _by_category(ctx: _Context, year: int) -> pd.DataFrame:
    df = counts_by(session=ctx.session, year=year, region=ctx.region, column="category")
    return df.sort_values(["findings", "category"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _findings_sentence(year: int, findings: int, df: pd.DataFrame) -> str:
    """'Y 年度评价共发现问题 72 个，其中政策制定与实施 14 个、…' (the total from `kpis`, the parts by category)."""
    parts = "、".join(f"{c} {n} 个" for c, n in zip(df["category"], df["findings"], strict=True))
    return f"{year} 年度评价共发现问题 {findings} 个，其中{parts}。"


def _rectification(ctx: _Context) -> tuple[Block, ...]:
    year, rc = ctx.year - 1, ctx.prev["rectification"]
    df = _by_category(ctx, year)
    if df.empty:
        done: tuple[Block, ...] = (_p(FillIn(f"整改工作落实情况（数据库中没有 {year} 年度的评价问题记录）")),)
    else:
        departments, fed_back = department_feedback(session=ctx.session, year=year, region=ctx.region, as_of=ctx.as_of)
        feedback = ("所有被评部门均书面反馈整改情况" if fed_back == departments
                    else f"{departments} 个被评部门中 {fed_back} 个已书面反馈整改情况")
        done = (
            _p(_findings_sentence(year, rc["findings"], df),
               f"截至 {_date(ctx.as_of)}，{feedback}；已整改 {rc['rectified']} 个、整改中 {rc['in_progress']} 个、"
               f"未整改 {rc['not_started']} 个，"
               f"整改完成率 {_pct(rc['completion_rate'])}，逾期未整改 {rc['overdue']} 个。"),
            Table(f"{year} 年度评价发现问题整改情况（按问题类别）", "表1 问题整改（按类别）", (
                _text("问题类别", df["category"]), _count("问题数", df["findings"]), _count("已整改", df["rectified"]),
                _count("整改中", df["in_progress"]), _count("未整改", df["not_started"]))),
        )
    return (Section("（一）整改工作落实情况", 2, done),
            Section("（二）评价发现问题整改工作成效", 2, (_p(FillIn(
                "整改工作成效：按问题类别归纳被评部门的整改措施和取得的成效（可参考问题整改页各问题的整改措施）")),)))


# ---- 三、评价情况 ------------------------------------------------------------------------------------
def _grade_list(block: dict[str, Any]) -> str:
    return "、".join(f"{block[g]} 个{label}" for g, label in GRADES.items() if block[g])


def _completion(ctx: _Context, methods: tuple[str, ...], kind: str, noun: str) -> str | None:
    c = completion_summary(session=ctx.session, year=ctx.year, region=ctx.region, methods=methods, subject_type=kind)
    if not c.count or c.overall is None:
        return None
    return (f"{noun}总体预算完成率 {_pct(c.overall)}，其中预算完成率为 100% 的{noun} {c.at_100} 个，"
            f"90% 以上的{noun} {c.from_90} 个，90% 以下的{noun} {c.below_90} 个")


def _by(g: EvaluationGroup) -> str:
    """Who evaluated, when the data says: a third party for every one of them."""
    return "委托第三方机构" if g.count and g.third_party == g.count else ""


def _evaluations(ctx: _Context) -> tuple[Block, ...]:
    y, fin = ctx.year, ctx.k["evaluation"]["finance"]
    if not fin["count"]:
        basic: list[Block] = [_p(FillIn(f"评价基本情况（数据库中没有 {y} 年度的财政评价记录）"))]
    else:
        dept, policy, project = _groups(ctx, y)
        bond = f"（含 {project.special_bond} 个专项债券资金项目）" if project.special_bond else ""
        others = [f"{_named(policy.first, policy.count, '政策')}支出" if policy.count else "",
                  f"{_named(project.first, project.count, '项目')}{bond}支出" if project.count else ""]
        others = [o for o in others if o]
        by_method = ctx.k["evaluation"]["by_method"]
        how = "和".join(METHODS[m] for m in FINANCE_METHODS if by_method[m]["count"])
        share = grade_shares(fin)
        shares = "；".join(f"{GRADES[g]}：{fin[g]} 个，占 {_pct(share[g])}" for g in GRADES if fin[g])
        basic = [
            _p(f"{y + 1} 年，{ctx.full}{'在区属各预算部门全面自评的基础上，' if by_method['self']['count'] else ''}"
               f"通过{how}{'相结合' if '和' in how else ''}的方式开展财政支出绩效评价。",
               f"对{_named(dept.first, dept.count, '部门（单位）')}开展整体支出绩效评价。" if dept.count else None,
               f"{'另外，' if dept.count else ''}对{'、'.join(others)}开展财政绩效评价" if others else None,
               f"{'，' if others else '共'}涉及财政资金 {_yuan(fin['funds_total'])}。"),
            _p(f"总体来看，经评价绩效等级为：{shares}。项目优良率为 {_pct(fin['excellent_good_rate'])}。",
               "（评价结果详见附件 1，自评复核项目情况详见附件 2，财政重点评价项目绩效报告详见附件 3）。"),
        ]
        basic += _evaluation_parts(ctx)
    df = _by_category(ctx, y)
    problems = _p(_findings_sentence(y, ctx.k["rectification"]["findings"], df) if not df.empty else None,
                  FillIn("存在的问题：按类别归纳评价发现的共性问题和典型情况，分析原因（可参考问题整改页的问题清单）"))
    return (Section("（一）基本情况", 2, tuple(basic)),
            Section("（二）被评部门取得的成效", 2, (_p(FillIn(
                "被评部门取得的成效：按领域归纳评价报告中的主要产出和效益（可参考附件 3 的评价报告摘要）")),)),
            Section("（三）存在的问题", 2, (problems,)))


def _evaluation_parts(ctx: _Context) -> list[Block]:
    """1. 自评复核 2. 重点项目 3. 政策 4. 部门整体, numbered as they are present."""
    y, parts = ctx.year, []
    review, key, policy = (ctx.group(y, ("review",), "project"), ctx.group(y, ("key",), "project"),
                           ctx.group(y, FINANCE_METHODS, "policy"))
    # (heading, group, methods, subject type, noun, who did what, 这/该, annex)
    graded = (
        ("绩效自评复核情况", review, ("review",), "project", "项目", "这", 2,
         "按照“全面自评、部分复核”的原则，"
         f"{_by(review)}对 {review.departments} 个部门的 {review.count} 个项目进行了自评复核"),
        ("重点项目绩效评价情况", key, ("key",), "project", "项目", "该", 3,
         f"区财政部门{_by(key)}对 {key.departments} 个部门（单位）的 {key.count} 个重点项目进行了"
         f"{'第三方评价' if _by(key) else '重点评价'}"),
        ("政策绩效评价情况", policy, FINANCE_METHODS, "policy", "政策", "该", 1,
         f"区财政部门{_by(policy)}对 {policy.count} 个政策开展了评价"),
    )
    for heading, g, methods, kind, noun, this, annex, lead in graded:
        if g.count:
            parts.append((heading, _p(
                f"{lead}，涉及资金 {money(g.funds_fen)}。经评价，{this} {g.count} 个{noun}绩效等级分别为："
                f"{_grade_list(g.grades)}，{noun}优良率 {_pct(g.grades['excellent_good_rate'])}。",
                f"{_completion(ctx, methods, kind, noun) or f'{noun}预算完成率未填报'}（见附件 {annex}）。")))
    dept = ctx.group(y, FINANCE_METHODS, "department")
    if dept.count:
        rows = evaluation_rows(session=ctx.session, year=y, region=ctx.region, methods=FINANCE_METHODS,
                               subject_type="department")
        each = "；".join(
            (f"{r.subject}预算完成率 {_pct(Decimal(int(r.budget_completion_centi)).scaleb(-2))}，"
             if pd.notna(r.budget_completion_centi) else f"{r.subject}")
            + f"部门整体绩效评价结果综合得分为 {score(int(r.score_centi), trim=True)} 分" for r in rows.itertuples())
        parts.append(("部门整体绩效评价情况", _p(
            f"区财政部门{_by(dept)}对{'、'.join(rows['subject'])}等 {dept.count} 个部门进行了评价，"
            f"涉及资金 {money(dept.funds_fen)}，{each}（见附件 3）。")))
    return [Section(f"{i}. {heading}", 3, (paragraph,)) for i, (heading, paragraph) in enumerate(parts, start=1)]


# ---- 附件 -------------------------------------------------------------------------------------------
def _text(header: str, values: Iterable[Any]) -> Column:
    texts = [None if export.is_missing(v) else str(v) for v in values]
    return Column(header, texts, None, ["" if v is None else v for v in texts])


def _count(header: str, values: Iterable[Any]) -> Column:
    ints = [int(v) for v in values]
    return Column(header, ints, export.INTEGER, [str(v) for v in ints])


def _wan(header: str, fen: Iterable[Any]) -> Column:
    fens = [None if export.is_missing(v) else int(v) for v in fen]
    return Column(header, [None if v is None else fen_to_wan(v) for v in fens], export.AMOUNT,
                  ["" if v is None else amount(fen_to_wan(v)) for v in fens])


def _centi(header: str, centi: Iterable[Any]) -> Column:
    """Scores and rates kept in hundredths, to 2 decimals."""
    ints = [None if export.is_missing(v) else int(v) for v in centi]
    return Column(header, [None if v is None else Decimal(v).scaleb(-2) for v in ints], export.DECIMAL,
                  ["" if v is None else hundredths(v) for v in ints])


def _annex_table(title: str, sheet: str, df: pd.DataFrame, *, evaluator: bool = False) -> Table:
    columns = [
        _count("序号", range(1, len(df) + 1)), _text("评价对象", df["subject"]),
        _text("类型", [SUBJECT_TYPES[v] for v in df["subject_type"]]), _text("单位", df["department"]),
        _text("评价方式", [METHODS[v] for v in df["method"]]),
    ]
    if evaluator:
        columns.append(_text("评价机构", df["evaluator"]))
    columns += [_centi("得分", df["score_centi"]), _text("等级", [GRADES[g] for g in df["grade"]]),
                _wan("涉及资金（万元）", df["funds_fen"]), _centi("预算完成率（%）", df["budget_completion_centi"])]
    return Table(title, sheet, tuple(columns), caption=False)


def _annexes(ctx: _Context, titles: tuple[str, str, str]) -> list[Section]:
    def rows(methods: tuple[str, ...]) -> pd.DataFrame:
        return evaluation_rows(session=ctx.session, year=ctx.year, region=ctx.region, methods=methods)

    key = rows(("key",))
    summaries: list[Block] = []
    for i, r in enumerate(key.itertuples(), start=1):
        if isinstance(r.report_summary, str) and r.report_summary:
            named = r.subject if r.department in r.subject else f"{r.subject}（{r.department}）"
            summaries.append(Section(f"{i}. {named}", 3, (_p(r.report_summary),)))
    annex3: list[Block] = [_annex_table(titles[2], "附件3 重点评价项目", key, evaluator=True)]
    if summaries:
        annex3.append(Section("评价报告摘要", 2, tuple(summaries)))
    return [
        Section(f"附件 1  {titles[0]}", 1, (_annex_table(titles[0], "附件1 评价结果汇总", rows(FINANCE_METHODS)),),
                True),
        Section(f"附件 2  {titles[1]}", 1, (_annex_table(titles[1], "附件2 自评复核项目", rows(("review",))),), True),
        Section(f"附件 3  {titles[2]}", 1, tuple(annex3), True),
    ]
