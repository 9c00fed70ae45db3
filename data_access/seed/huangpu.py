"""黄埔区 2021–2022: key monitoring, finance evaluations and their findings, ex-ante reviews and
the indicators of the 2022 seed report (DOMAIN.md §9)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlmodel import col

from data_access.models import Evaluation, Indicator, Project
from data_access.seed import names as N
from data_access.seed.builder import (
    SHARED_TARGETS,
    WAN,
    YI,
    Builder,
    add_ex_ante,
    add_findings,
    add_library,
    draw_score,
    shuffled_grades,
    split_total,
)


def load(b: Builder) -> None:
    """Both years of 黄埔区, in the draw order of the sample."""
    rng = b.rng
    region = N.HUANGPU
    b.region(region, N.HUANGPU_FULL)
    b.department_ids(region, (*N.HUANGPU_KEY_DEPARTMENTS, *N.HUANGPU_OTHER_DEPARTMENTS), "HP")
    all_depts = (*N.HUANGPU_KEY_DEPARTMENTS, *N.HUANGPU_OTHER_DEPARTMENTS)

    # Key monitoring 2022: 40 projects of 6 departments, 177.6 亿 exactly (adjusted budgets).
    key_budgets = split_total(int(Decimal("177.6") * YI), 40, rng, 0.2, 1.8, unit=10_000 * 100)
    for year, scale in ((2021, Decimal("0.9")), (2022, Decimal(1))):
        rows: list[dict] = []
        for i, ((dept, name, fund, kind, is_new), budget) in enumerate(
                zip(N.HUANGPU_KEY_PROJECTS, key_budgets, strict=True)):
            adjusted = int(Decimal(budget) * scale) // (100 * 100) * 100 * 100
            initial = adjusted if i % 6 else adjusted + adjusted // 10 // 10000 * 10000  # every 6th cut mid-year
            behind = i in (3, 11, 19, 29, 35)  # a handful genuinely behind schedule
            rows.append(
                {
                    "department": dept,
                    "code": f"HP{year}K{i + 1:03d}",
                    "name": name,
                    "initial": initial,
                    "adjusted": adjusted,
                    "fund_source": fund,
                    "kind": kind,
                    "is_new": is_new and year == 2022,
                    "final_rate": 0.62 if behind else None,
                    "pace": 2.4 if behind else None,
                }
            )
        # Ordinary projects: under 200 万 and general funds, so never key-monitored.
        for i in range(160):
            dept = all_depts[6 + i % (len(all_depts) - 6)]
            template = N.SMALL_PROJECT_TEMPLATES[(i * 7) % len(N.SMALL_PROJECT_TEMPLATES)]
            adjusted = rng.randint(8, 190) * WAN + rng.randint(0, 99) * 100 * 100
            rows.append(
                {
                    "department": dept,
                    "code": f"HP{year}P{i + 1:03d}",
                    "name": f"{dept}{template}",
                    "initial": adjusted,
                    "adjusted": adjusted,
                    "fund_source": "政府性基金预算" if i % 9 == 0 else "一般公共预算",
                    "kind": "recurring" if i % 4 else "one_off",
                }
            )
        b.add_projects(region, year, rows)
        if year == 2022:
            _project_targets(b, region, year, [r["name"] for r in rows[:75]])

    _evaluations_2022(b)
    _evaluations_2021(b)
    _ex_ante(b)
    _indicators(b)
    _report_facts(b)
    _ex_ante_2023_drafts(b)



def _project_targets(b: Builder, region: str, year: int, names: list[str]) -> None:
    """Targets (三级指标) with mid-year progress for the 75 projects whose targets were reviewed."""
    rng = b.rng
    rid = b.region_id(region)
    payload = []
    for name in names:
        pid = b.projects[(region, year, name)]
        dept_id = b.session.get(Project, pid).department_id  # type: ignore[union-attr]
        shared_values = (("%", "≥", "95"), ("人次", "≥", str(rng.randint(2, 60) * 1000)), ("%", "≥", "90"))
        specs = [
            ("产出指标", "数量指标", f"{name}完成工作量", "%", "≥", "100"),
            *((*triple, *values) for triple, values in zip(SHARED_TARGETS, shared_values, strict=True)),
        ]
        for level1, level2, iname, unit, op, target in specs:
            outcome = rng.random()
            will_meet = "certain" if outcome < 0.7 else ("possible" if outcome < 0.92 else "impossible")
            payload.append(
                {
                    "region_id": rid,
                    "department_id": dept_id,
                    "project_id": pid,
                    "name": iname,
                    "level1": level1,
                    "level2": level2,
                    "scope": "specific",
                    "unit": unit,
                    "operator": op,
                    "target_value": target,
                    "is_core": level1 != "满意度指标",
                    "value_to_date": str(round(float(target) * rng.uniform(0.35, 0.75), 1)),
                    "expected_year_end": target if will_meet != "impossible" else str(round(float(target) * 0.8, 1)),
                    "will_meet": will_meet,
                    "deviation_category": None if will_meet == "certain"
                    else rng.choice(("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")),
                    "deviation_note": None if will_meet == "certain" else "受征地拆迁及施工进度影响，部分工作滞后",
                    "corrective_measure": None if will_meet == "certain" else "倒排工期，加快推进，按月跟踪",
                }
            )
    b.session.execute(insert(Indicator), payload)


def _department_and_policy_subjects(departments: Sequence[str], policies: Sequence[tuple[str, str]]) -> list[dict]:
    """Key evaluations of whole departments and of policies (department, policy): never linked to a project."""
    return [{"department": d, "subject": d, "subject_type": "department", "method": "key",
             "link": False} for d in departments] + [
        {"department": d, "subject": p, "subject_type": "policy", "method": "key", "link": False} for d, p in policies]


def _evaluations_2022(b: Builder) -> None:
    """38 finance evaluations: 10 departments + 9 policies + 19 projects; 优 4, 良 31, 中 3."""
    rng = b.rng
    region, year = N.HUANGPU, 2022
    subjects = _department_and_policy_subjects(N.HUANGPU_DEPARTMENT_EVALUATIONS_2022, N.HUANGPU_POLICY_EVALUATIONS_2022)
    for dept, project, method, linked in N.HUANGPU_PROJECT_EVALUATIONS_2022:
        subjects.append({"department": dept, "subject": project, "subject_type": "project", "method": method,
                         "link": linked})
    # Fixed grades so the seed's shares come out exactly: 优 4, 良 31, 中 3.
    grades = ["good"] * 38
    for i in (0, 12, 19, 25):
        grades[i] = "excellent"
    for i in (14, 30, 36):
        grades[i] = "fair"
    rows = []
    for s, grade in zip(subjects, grades, strict=True):
        funds = rng.randint(3_000, 90_000) * WAN
        firm = rng.choice(("广东省财政科学研究所（第三方）", "广州某会计师事务所有限公司（第三方）",
                           "某管理咨询有限公司（第三方）"))
        rows.append(
            {
                **s,
                "score": draw_score(rng, grade),
                "funds": funds,
                "completion": rng.choice((10000, 10000, rng.randint(8500, 9990))),
                "evaluator": firm if s["method"] == "key" else "区财政局（委托第三方复核）",
                "recommendations": rng.randint(2, 6),
                "summary": f"{s['subject']}：评价认为资金使用总体规范，绩效目标基本实现；"
                "同时存在绩效目标设置不够细化、项目管理有待加强等问题，已提出整改建议。",
            }
        )
    # Unit self-evaluations (单位自评) of every 2022 project, self-grades running a little high.
    for (reg, yr, name), _pid in list(b.projects.items()):
        if reg != region or yr != year:
            continue
        dept_id = b.session.get(Project, _pid).department_id  # type: ignore[union-attr]
        dept_name = next(n for (r, n), i in b.departments.items() if r == region and i == dept_id)
        rows.append(
            {
                "department": dept_name, "subject": name, "subject_type": "project", "method": "self",
                "score": rng.choice((rng.randint(8000, 9900), rng.randint(8500, 9900), rng.randint(7000, 8999))),
                "completion": rng.randint(8000, 10000), "published": False,
            }
        )
    # Self-evaluations of the reviewed subjects that are not 2022 projects, for the comparison.
    for dept, project, method, linked in N.HUANGPU_PROJECT_EVALUATIONS_2022:
        if method == "review" and not linked:
            rows.append({"department": dept, "subject": project, "subject_type": "project", "method": "self",
                         "score": rng.randint(9000, 9700), "published": False, "link": False})
    b.add_evaluations(region, year, rows)


def _evaluations_2021(b: Builder) -> None:
    """35 finance evaluations (8 departments, 9 policies, 18 projects) covering 111 亿, and their findings."""
    rng = b.rng
    region, year = N.HUANGPU, 2021
    subjects = _department_and_policy_subjects(N.HUANGPU_DEPARTMENT_EVALUATIONS_2021, N.HUANGPU_POLICY_EVALUATIONS_2021)
    for i, (dept, project) in enumerate(N.HUANGPU_PROJECT_EVALUATIONS_2021):
        subjects.append({"department": dept, "subject": project, "subject_type": "project",
                         "method": "review" if i % 3 == 2 else "key"})  # linked where a 2021 project has the name
    funds = split_total(111 * YI, len(subjects), rng, 0.3, 2.0, unit=WAN)
    grade_list = shuffled_grades({"excellent": 5, "good": 27, "fair": 3}, rng)
    rows = [
        {**s, "score": draw_score(rng, g), "funds": f, "completion": rng.choice((10000, rng.randint(8800, 9990))),
         "evaluator": "第三方评价机构", "recommendations": rng.randint(2, 5)}
        for s, g, f in zip(subjects, grade_list, funds, strict=True)
    ]
    b.add_evaluations(region, year, rows)
    add_findings(b, region, year, subjects, mostly_rectified=True)
    # Fiscal 2022's evaluations found problems too; their rectification is still under way.
    s2022 = [
        {"department": d, "subject": s}
        for d, s in [(d, d) for d in N.HUANGPU_DEPARTMENT_EVALUATIONS_2022[:4]]
        + [(d, p) for d, p in N.HUANGPU_POLICY_EVALUATIONS_2022[:4]]
        + [(d, p) for d, p, _m, _l in N.HUANGPU_PROJECT_EVALUATIONS_2022[:6]]
    ]
    add_findings(b, region, 2022, s2022, mostly_rectified=False)



def _ex_ante(b: Builder) -> None:
    """34 projects of 18 departments, 16.6 亿 requested; 33 recommended, 1 rejected (0.30 亿); cut 3.79 亿."""
    rng = b.rng
    region, year = N.HUANGPU, 2022
    depts = (*N.HUANGPU_KEY_DEPARTMENTS, *N.HUANGPU_OTHER_DEPARTMENTS[:12])
    assert len(depts) == 18
    requested = split_total(int(Decimal("16.3") * YI), 33, rng, 0.3, 1.7, unit=WAN)
    partial_idx = set(range(0, 33, 2)) | {1, 3}  # 19 partially supported, 14 supported
    partial_requested = [requested[i] for i in sorted(partial_idx)]
    cuts = split_total(int(Decimal("3.79") * YI), len(partial_idx), rng, 0.5, 1.5, unit=WAN)
    # Keep each cut below its request (rescale by giving bigger cuts to bigger requests).
    order = sorted(range(len(partial_requested)), key=lambda i: partial_requested[i])
    cuts_sorted = sorted(cuts)
    cut_of = {sorted(partial_idx)[order[j]]: cuts_sorted[j] for j in range(len(order))}
    rows = []
    for i, req in enumerate(requested):
        cut = cut_of.get(i, 0)
        assert cut < req
        rows.append((depts[i % 18], f"{depts[i % 18]}新增重大项目事前评估{i + 1:02d}", req, req - cut,
                     "partial" if cut else "supported"))
    rows.append((depts[5], "区科技局新型显示产业链配套资助", int(Decimal("0.30") * YI), 0, "rejected"))
    add_ex_ante(b, region, year, rows)



def _ex_ante_2023_drafts(b: Builder) -> None:
    """The current year's work in progress: assessments of 2023's new projects still under review, so
    unpublished (the bureau publishes them with the 2023 budget). Every record of the reported years
    is published. Draws come from a stream of their own, so no other sample figure moves."""
    rng = random.Random("huangpu|ex-ante|2023")
    rows = []
    for i, dept in enumerate(N.HUANGPU_KEY_DEPARTMENTS[:4]):
        requested = rng.randint(800, 6000) * WAN
        cut = requested // 10 // WAN * WAN if i % 2 else 0  # every other one cut by about a tenth
        rows.append((dept, f"{dept}2023年新增项目事前评估{i + 1:02d}", requested, requested - cut,
                     "partial" if cut else "supported"))
    add_ex_ante(b, N.HUANGPU, 2023, rows, published=False, rng=rng)


def _indicators(b: Builder) -> None:
    """769 key indicators from the review of 6 departments' overall targets, plus a general library."""
    per_dept = split_total(769, 6, b.rng, 0.7, 1.3)
    add_library(b, N.HUANGPU, 120, dict(zip(N.HUANGPU_KEY_DEPARTMENTS, per_dept, strict=True)), core_all=False,
                core_specific=True)


def _report_facts(b: Builder) -> None:
    """What the annual report states that the rows above leave blank, set in one place and without
    a random draw (so no other sample figure moves):

    - the 2022 expert review of targets (“1+X”): the six key departments' library indicators (the
      769 key indicators) and the targets of the 75 projects that set them;
    - the fund source of the two fiscal-2021 evaluated projects that are not budget lines of 2021,
      so that with 萝岗水质净化厂二期工程 (linked to its budget line) 3 used special bonds.
    """
    rid = b.region_id(N.HUANGPU)
    key_departments = [b.dept(N.HUANGPU, d) for d in N.HUANGPU_KEY_DEPARTMENTS]
    projects_2022 = select(col(Project.id)).where(col(Project.region_id) == rid, col(Project.year) == 2022)
    b.session.execute(update(Indicator).where(
        col(Indicator.region_id) == rid,
        (col(Indicator.project_id).is_(None) & col(Indicator.department_id).in_(key_departments))
        | col(Indicator.project_id).in_(projects_2022),
    ).values(review_year=2022))
    b.session.execute(update(Evaluation).where(
        col(Evaluation.region_id) == rid, col(Evaluation.year) == 2021,
        col(Evaluation.subject).in_(("九龙新城安置房建设工程", "开创大道改造工程")),
    ).values(fund_source="专项债券"))
