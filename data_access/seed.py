"""Deterministic sample data that reproduces both seed reports (DOMAIN.md §9).

One builder serves `seed`, the tests and the demos (Datasette's fixtures.py pattern). Every
figure the seeds print is constructed exactly (amounts in fen, grades by score), the rest is
drawn from a fixed-seed random generator so two runs give byte-identical databases.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from sqlalchemy import Engine, func, insert, select, update
from sqlmodel import Session, col

from data_access import seed_names as N
from data_access.enums import LEVEL2
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
)
from data_access.money import FEN_PER_WAN, FEN_PER_YI

SEED_ACTOR = "sample-data"
YI, WAN = FEN_PER_YI, FEN_PER_WAN  # 1 亿元 and 1 万元 in fen
UTC = dt.UTC


class SeedConflict(Exception):
    """The sample regions already hold data that the sample did not load."""


def _split(total: int, n: int, rng: random.Random, low: float = 0.5, high: float = 1.5, unit: int = 1) -> list[int]:
    """n positive parts (multiples of `unit`) summing exactly to total."""
    weights = [rng.uniform(low, high) for _ in range(n)]
    scale = total / sum(weights)
    parts = [max(unit, int(w * scale) // unit * unit) for w in weights]
    parts[-1] += total - sum(parts)
    assert parts[-1] > 0 and sum(parts) == total
    return parts


def _submission_times(region: str, department: str, year: int) -> list[dt.datetime]:
    """When a department sent each month's monitoring spreadsheet: one file a month for all its projects.

    Mostly a few days before the 10th of the following month, about one month in ten late. Its own
    random stream, keyed by the department, so the other sample figures do not move with it.
    """
    rng = random.Random(f"submissions|{region}|{department}|{year}")
    out = []
    for month in range(1, 13):
        due = dt.datetime(year + (month == 12), month % 12 + 1, 10, 9, tzinfo=UTC)
        late = rng.random() < 0.1
        out.append(due + dt.timedelta(days=rng.randint(1, 12) if late else -rng.randint(0, 8)))
    return out


@dataclass
class _Builder:
    session: Session
    rng: random.Random
    regions: dict[str, Region] = field(default_factory=dict)
    departments: dict[tuple[str, str], int] = field(default_factory=dict)
    projects: dict[tuple[str, int, str], int] = field(default_factory=dict)  # (region, year, name) -> id

    # ---- reference rows -------------------------------------------------------------------
    def region(self, name: str, full_name: str | None = None) -> Region:
        region = Region(name=name, full_name=full_name)
        self.session.add(region)
        self.session.flush()
        self.regions[name] = region
        return region

    def region_id(self, name: str) -> int:
        # Flushed in region(), so the database has assigned the id.
        return cast(int, self.regions[name].id)

    def department_ids(self, region: str, names: Iterable[str], code_prefix: str) -> None:
        rid = self.region_id(region)
        for i, name in enumerate(names, start=1):
            dept = Department(region_id=rid, code=f"{code_prefix}{i:03d}", name=name)
            self.session.add(dept)
            self.session.flush()
            self.departments[(region, name)] = dept.id  # type: ignore[assignment]

    def dept(self, region: str, name: str) -> int:
        return self.departments[(region, name)]

    # ---- projects and monitoring -------------------------------------------------------------
    def add_projects(self, region: str, year: int, rows: Sequence[dict]) -> None:
        """Insert projects, then 12 monthly monitoring rows each (bulk, one statement per table)."""
        rid = self.region_id(region)
        payload = [
            {
                "region_id": rid,
                "department_id": self.dept(region, r["department"]),
                "year": year,
                "code": r["code"],
                "name": r["name"],
                "budget_initial_fen": r["initial"],
                "budget_adjusted_fen": r["adjusted"],
                "fund_source": r.get("fund_source", "一般公共预算"),
                "kind": r.get("kind", "recurring"),
                "is_new": r.get("is_new", False),
            }
            for r in rows
        ]
        self.session.execute(insert(Project), payload)
        ids = dict(
            self.session.execute(
                select(col(Project.code), col(Project.id)).where(col(Project.region_id) == rid, col(Project.year) == year)
            ).all()
        )
        submitted = {d: _submission_times(region, d, year) for d in {r["department"] for r in rows}}
        monitoring = []
        for r in rows:
            pid = ids[r["code"]]
            self.projects[(region, year, r["name"])] = pid
            monitoring.extend(self._monthly_rows(pid, year, r, submitted[r["department"]]))
        self.session.execute(insert(Monitoring), monitoring)

    def _monthly_rows(self, project_id: int, year: int, r: dict, submitted: list[dt.datetime]) -> list[dict]:
        """Cumulative spending following x**pace to a year-end rate; budget recorded in month 1 (and 7 if adjusted)."""
        rng = self.rng
        final_rate = r.get("final_rate") or rng.choice((0.72, 0.85, 0.93, 0.96, 0.98, 1.0, 1.0))
        pace = r.get("pace") or rng.choice((0.7, 1.0, 1.0, 1.3, 1.8, 2.6))
        rows = []
        prev = 0
        for month in range(1, 13):
            budget = r["initial"] if (r["initial"] != r["adjusted"] and month < 7) else r["adjusted"]
            spent = int(r["adjusted"] * final_rate * (month / 12) ** pace) // 100 * 100
            if month % 5 == 0 and spent:  # a few amounts with fen, as real ledgers have
                spent += 37
            spent = max(prev, min(spent, budget if month < 12 else r["adjusted"]))
            prev = spent
            records_budget = month == 1 or (month == 7 and r["initial"] != r["adjusted"])
            rows.append(
                {
                    "project_id": project_id,
                    "month": month,
                    "spent_cumulative_fen": spent,
                    "budget_fen": budget if records_budget else None,
                    "target_progress": None,
                    "deviation_reason": None,
                    "submitted_at": submitted[month - 1],
                }
            )
        return rows

    # ---- evaluations ------------------------------------------------------------------------
    def add_evaluations(self, region: str, year: int, rows: Sequence[dict]) -> None:
        rid = self.region_id(region)
        payload = []
        for r in rows:
            payload.append(
                {
                    "region_id": rid,
                    "department_id": self.dept(region, r["department"]),
                    "year": year,
                    "subject": r["subject"],
                    "subject_type": r["subject_type"],
                    "method": r["method"],
                    "score_centi": r["score"],
                    "project_id": self.projects.get((region, year, r["subject"])) if r.get("link", True) else None,
                    "evaluator": r.get("evaluator"),
                    "funds_fen": r.get("funds"),
                    "budget_completion_centi": r.get("completion"),
                    "recommendations": r.get("recommendations"),
                    "report_summary": r.get("summary"),
                    "published": r.get("published", True),
                    "published_at": dt.datetime(year + 1, 9, 30, tzinfo=UTC) if r.get("published", True) else None,
                    "published_by": SEED_ACTOR if r.get("published", True) else None,
                }
            )
        for start in range(0, len(payload), 2000):
            self.session.execute(insert(Evaluation), payload[start : start + 2000])


# ------------------------------------------------------------------------------------------
# Scores: a score for each grade, drawn deterministically.
def _score(rng: random.Random, grade: str) -> int:
    low, high = {"excellent": (9000, 9800), "good": (8000, 8999), "fair": (6000, 7999), "poor": (4500, 5999)}[grade]
    return rng.randint(low, high)


def _grades(counts: dict[str, int], rng: random.Random) -> list[str]:
    grades = [g for g, n in counts.items() for _ in range(n)]
    rng.shuffle(grades)
    return grades


def _weighted_completions(
    funds: list[int], at_100: int, at_90s: int, below_90: int, target_centi: int, rng: random.Random
) -> list[int]:
    """Completion rates (centi) with the seed's bands whose funds-weighted mean rounds to target.

    The last 90–100 % project absorbs the difference, so Σ(funds × rate) / Σ funds hits the
    target to within half a hundredth.
    """
    assert at_100 + at_90s + below_90 == len(funds)
    k = at_100 + at_90s - 1  # the adjustable one
    for _attempt in range(200):
        rates = [10000] * at_100 + [rng.randint(9200, 9900) for _ in range(at_90s)]
        rates += [rng.randint(7600, 8900) for _ in range(below_90)]
        others = sum(f * r for i, (f, r) in enumerate(zip(funds, rates, strict=True)) if i != k)
        rates[k] = int(((Decimal(target_centi) * sum(funds) - others) / funds[k]).to_integral_value())
        if 9000 <= rates[k] < 10000:
            return rates
    raise ValueError(f"cannot reach a weighted completion of {target_centi}")


# ------------------------------------------------------------------------------------------
def _huangpu(b: _Builder) -> None:
    rng = b.rng
    region = N.HUANGPU
    b.region(region, N.HUANGPU_FULL)
    b.department_ids(region, (*N.HUANGPU_KEY_DEPARTMENTS, *N.HUANGPU_OTHER_DEPARTMENTS), "HP")
    all_depts = (*N.HUANGPU_KEY_DEPARTMENTS, *N.HUANGPU_OTHER_DEPARTMENTS)

    # Key monitoring 2022: 40 projects of 6 departments, 177.6 亿 exactly (adjusted budgets).
    key_budgets = _split(int(Decimal("177.6") * YI), 40, rng, 0.2, 1.8, unit=10_000 * 100)
    for year, scale in ((2021, Decimal("0.9")), (2022, Decimal(1))):
        rows: list[dict] = []
        for i, ((dept, name, fund, kind, is_new), budget) in enumerate(zip(N.HUANGPU_KEY_PROJECTS, key_budgets, strict=True)):
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

    _huangpu_evaluations_2022(b)
    _huangpu_evaluations_2021(b)
    _huangpu_ex_ante(b)
    _huangpu_indicators(b)
    _huangpu_report_facts(b)


# Targets every reviewed project sets; they also lead the general library, so the two link up.
_SHARED_TARGETS = (
    ("产出指标", "时效指标", "按计划节点完成率"),
    ("效益指标", "社会效益指标", "惠及群众人次"),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度"),
)


def _project_targets(b: _Builder, region: str, year: int, names: list[str]) -> None:
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
            *((*triple, *values) for triple, values in zip(_SHARED_TARGETS, shared_values, strict=True)),
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
                    "deviation_category": None if will_meet == "certain" else rng.choice(("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")),
                    "deviation_note": None if will_meet == "certain" else "受征地拆迁及施工进度影响，部分工作滞后",
                    "corrective_measure": None if will_meet == "certain" else "倒排工期，加快推进，按月跟踪",
                }
            )
    b.session.execute(insert(Indicator), payload)


def _huangpu_evaluations_2022(b: _Builder) -> None:
    """38 finance evaluations: 10 departments + 9 policies + 19 projects; 优 4, 良 31, 中 3."""
    rng = b.rng
    region, year = N.HUANGPU, 2022
    subjects: list[dict] = []
    for dept in N.HUANGPU_DEPARTMENT_EVALUATIONS_2022:
        subjects.append({"department": dept, "subject": dept, "subject_type": "department", "method": "key", "link": False})
    for dept, policy in N.HUANGPU_POLICY_EVALUATIONS_2022:
        subjects.append({"department": dept, "subject": policy, "subject_type": "policy", "method": "key", "link": False})
    for dept, project, method, linked in N.HUANGPU_PROJECT_EVALUATIONS_2022:
        subjects.append({"department": dept, "subject": project, "subject_type": "project", "method": method, "link": linked})
    # Fixed grades so the seed's shares come out exactly: 优 4, 良 31, 中 3.
    grades = ["good"] * 38
    for i in (0, 12, 19, 25):
        grades[i] = "excellent"
    for i in (14, 30, 36):
        grades[i] = "fair"
    rows = []
    for s, grade in zip(subjects, grades, strict=True):
        funds = rng.randint(3_000, 90_000) * WAN
        firm = rng.choice(("广东省财政科学研究所（第三方）", "广州某会计师事务所有限公司（第三方）", "某管理咨询有限公司（第三方）"))
        rows.append(
            {
                **s,
                "score": _score(rng, grade),
                "funds": funds,
                "completion": rng.choice((10000, 10000, rng.randint(8500, 9990))),
                "evaluator": firm if s["method"] == "key" else "区财政局（委托第三方复核）",
                "recommendations": rng.randint(2, 6),
                "summary": f"{s['subject']}：评价认为资金使用总体规范，绩效目标基本实现；"
                "同时存在绩效目标设置不够细化、项目管理有待加强等问题，已提出整改建议。",
                "published": s["subject"] != "区老人院运营",  # one result still awaiting publication
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


def _huangpu_evaluations_2021(b: _Builder) -> None:
    """35 finance evaluations (8 departments, 9 policies, 18 projects) covering 111 亿, and their findings."""
    rng = b.rng
    region, year = N.HUANGPU, 2021
    subjects: list[dict] = []
    for dept in N.HUANGPU_DEPARTMENT_EVALUATIONS_2021:
        subjects.append({"department": dept, "subject": dept, "subject_type": "department", "method": "key", "link": False})
    for dept, policy in N.HUANGPU_POLICY_EVALUATIONS_2021:
        subjects.append({"department": dept, "subject": policy, "subject_type": "policy", "method": "key", "link": False})
    for i, (dept, project) in enumerate(N.HUANGPU_PROJECT_EVALUATIONS_2021):
        subjects.append({"department": dept, "subject": project, "subject_type": "project",
                         "method": "review" if i % 3 == 2 else "key"})  # linked where a 2021 project has the name
    funds = _split(111 * YI, len(subjects), rng, 0.3, 2.0, unit=WAN)
    grade_list = _grades({"excellent": 5, "good": 27, "fair": 3}, rng)
    rows = [
        {**s, "score": _score(rng, g), "funds": f, "completion": rng.choice((10000, rng.randint(8800, 9990))),
         "evaluator": "第三方评价机构", "recommendations": rng.randint(2, 5)}
        for s, g, f in zip(subjects, grade_list, funds, strict=True)
    ]
    b.add_evaluations(region, year, rows)
    _findings(b, region, year, subjects, mostly_rectified=True)
    # Fiscal 2022's evaluations found problems too; their rectification is still under way.
    s2022 = [
        {"department": d, "subject": s}
        for d, s in [(d, d) for d in N.HUANGPU_DEPARTMENT_EVALUATIONS_2022[:4]]
        + [(d, p) for d, p in N.HUANGPU_POLICY_EVALUATIONS_2022[:4]]
        + [(d, p) for d, p, _m, _l in N.HUANGPU_PROJECT_EVALUATIONS_2022[:6]]
    ]
    _findings(b, region, 2022, s2022, mostly_rectified=False)


def _code_prefix(region: str) -> str:
    return {N.HUANGPU: "HP", N.LIWAN: "LW"}.get(region, "SY")


def _findings(b: _Builder, region: str, year: int, subjects: Sequence[dict], *, mostly_rectified: bool) -> None:
    rng = b.rng
    rid = b.region_id(region)
    evaluation_ids = dict(
        b.session.execute(
            select(col(Evaluation.subject), col(Evaluation.id)).where(
                col(Evaluation.region_id) == rid, col(Evaluation.year) == year, col(Evaluation.method) != "self"
            )
        ).all()
    )
    n = 0
    for s in subjects:
        for _ in range(rng.choice((1, 2, 2, 3))):
            n += 1
            category, description, recommendation = rng.choice(N.FINDING_TEMPLATES)
            deadline = dt.date(year + 1, rng.choice((6, 9, 12)), rng.choice((15, 30)))
            roll = rng.random()
            if mostly_rectified:
                status = "rectified" if roll < 0.86 else ("in_progress" if roll < 0.96 else "not_started")
                feedback: dt.date | None = deadline - dt.timedelta(days=rng.randint(5, 60))
            else:
                status = "rectified" if roll < 0.25 else ("in_progress" if roll < 0.7 else "not_started")
                feedback = deadline - dt.timedelta(days=rng.randint(5, 40)) if roll < 0.6 else None
            rectified = feedback + dt.timedelta(days=rng.randint(0, 20)) if status == "rectified" and feedback else (
                deadline if status == "rectified" else None
            )
            finding = Finding(
                region_id=rid,
                department_id=b.dept(region, s["department"]),
                year=year,
                finding_code=f"{_code_prefix(region)}{year}-{n:04d}",
                evaluation_id=evaluation_ids.get(s["subject"]),
                subject=s["subject"],
                category=category,
                description=description,
                recommendation=recommendation,
                measures=rng.choice(N.FINDING_MEASURES) if status != "not_started" else None,
                deadline=deadline,
                status=status,
                feedback_date=feedback,
                rectified_date=rectified,
                published=n % 11 != 0,
                published_at=dt.datetime(year + 1, 10, 15, tzinfo=UTC) if n % 11 else None,
                published_by=SEED_ACTOR if n % 11 else None,
            )
            b.session.add(finding)
            b.session.flush()
            # The history: filed, then each step to the current status.
            # Filed when the evaluation reports come back (March), before the earliest written feedback
            # (mid-April at the soonest), so every history runs forward in time.
            filed = dt.datetime(year + 1, 3, 20, 10, tzinfo=UTC)
            steps: list[tuple[str | None, str, dt.datetime, str]] = [(None, "not_started", filed, "评价报告反馈，问题立项")]
            if status in ("in_progress", "rectified"):
                steps.append(("not_started", "in_progress", filed + dt.timedelta(days=15), "单位已制定整改方案"))
            if status == "rectified":
                done_at = dt.datetime.combine(rectified or deadline, dt.time(16), tzinfo=UTC)
                steps.append(("in_progress", "rectified", done_at, "书面反馈整改完成"))
            for frm, to, at, comment in steps:
                b.session.add(FindingStatusChange(finding_id=cast(int, finding.id), changed_at=at, changed_by=SEED_ACTOR,
                                                  from_status=frm, to_status=to, comment=comment))


def _huangpu_ex_ante(b: _Builder) -> None:
    """34 projects of 18 departments, 16.6 亿 requested; 33 recommended, 1 rejected (0.30 亿); cut 3.79 亿."""
    rng = b.rng
    region, year = N.HUANGPU, 2022
    depts = (*N.HUANGPU_KEY_DEPARTMENTS, *N.HUANGPU_OTHER_DEPARTMENTS[:12])
    assert len(depts) == 18
    requested = _split(int(Decimal("16.3") * YI), 33, rng, 0.3, 1.7, unit=WAN)
    partial_idx = set(range(0, 33, 2)) | {1, 3}  # 19 partially supported, 14 supported
    partial_requested = [requested[i] for i in sorted(partial_idx)]
    cuts = _split(int(Decimal("3.79") * YI), len(partial_idx), rng, 0.5, 1.5, unit=WAN)
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
    _add_ex_ante(b, region, year, rows)


def _add_ex_ante(b: _Builder, region: str, year: int, rows: Sequence[tuple[str, str, int, int, str]]) -> None:
    rng = b.rng
    rid = b.region_id(region)
    for i, (dept, name, req, rec, conclusion) in enumerate(rows):
        scores = [rng.randint(1200, 2000) for _ in range(5)]  # five dimensions out of 20 each
        b.session.add(
            ExAnte(
                region_id=rid, department_id=b.dept(region, dept), year=year, name=name,
                requested_fen=req, recommended_fen=rec, conclusion=conclusion,
                score_necessity=scores[0], score_economy=scores[1], score_targets=scores[2],
                score_feasibility=scores[3], score_compliance=scores[4],
                published=i != 7,
                published_at=dt.datetime(year, 1, 20, tzinfo=UTC) if i != 7 else None,
                published_by=SEED_ACTOR if i != 7 else None,
            )
        )


_OBJECTS = (
    "社区网格巡查", "河涌保洁", "绿化养护", "长者服务", "困难群众救助", "就业帮扶", "公共文化服务",
    "安全生产检查", "消防隐患整治", "垃圾分类", "出租屋管理", "政务服务", "学位供给", "公共卫生服务",
    "道路养护", "排水设施", "路灯维护", "企业服务", "知识产权保护", "科技企业培育", "档案数字化",
    "志愿服务", "普法宣传", "食品安全抽检", "应急物资储备", "防汛防风", "退役军人服务", "残疾人服务",
    "妇女儿童服务", "青少年服务",
)
_MEASURES = {
    "数量指标": ("完成数量", "覆盖户数", "服务人次", "开展场次"),
    "质量指标": ("验收合格率", "达标率", "问题整改率"),
    "时效指标": ("按时完成率", "响应及时率"),
    "成本指标": ("单位成本控制率",),
    "经济效益指标": ("带动投资额",),
    "社会效益指标": ("群众受益人次", "覆盖率提升"),
    "生态效益指标": ("环境质量改善率",),
    "可持续影响指标": ("长效机制建立情况",),
    "服务对象满意度指标": ("服务对象满意度",),
    "经济成本指标": ("成本节约率",),
}


def _library(b: _Builder, region: str, general: int, specific: dict[str, int], core_all: bool, core_specific: bool) -> None:
    """Library indicators (no project): `general` shared ones and per-department specific ones."""
    rid = b.region_id(region)
    units = {"数量指标": "个", "质量指标": "%", "时效指标": "%", "成本指标": "%", "社会效益指标": "人次",
             "服务对象满意度指标": "%"}
    combos = [
        (l1, l2, f"{obj}{measure}")
        for obj in _OBJECTS
        for l1, l2s in LEVEL2.items()
        for l2 in l2s
        for measure in _MEASURES.get(l2, ())
        if not (l1 == "成本指标" and l2 == "成本指标")
    ]
    payload = []

    def row(dept_id: int | None, l1: str, l2: str, name: str, scope: str, core: bool) -> dict:
        return {"region_id": rid, "department_id": dept_id, "project_id": None, "name": name, "level1": l1,
                "level2": l2, "scope": scope, "unit": units.get(l2, "%"), "operator": "≥",
                "target_value": "90" if units.get(l2, "%") == "%" else "100", "is_core": core}

    # The shared indicators every project target set uses come first, so the library links to projects.
    for l1, l2, name in [*_SHARED_TARGETS, *combos][:general]:
        payload.append(row(None, l1, l2, name, "general", core_all))
    assert len(payload) == general
    offset = 0
    for dept, count in specific.items():
        dept_id = b.dept(region, dept)
        for j in range(count):
            l1, l2, name = combos[(offset + j) % len(combos)]
            payload.append(row(dept_id, l1, l2, name, "specific", core_all or core_specific))
        offset += 37
    for start in range(0, len(payload), 2000):
        b.session.execute(insert(Indicator), payload[start : start + 2000])


def _huangpu_indicators(b: _Builder) -> None:
    """769 key indicators from the review of 6 departments' overall targets, plus a general library."""
    per_dept = _split(769, 6, b.rng, 0.7, 1.3)
    _library(b, N.HUANGPU, 120, dict(zip(N.HUANGPU_KEY_DEPARTMENTS, per_dept, strict=True)), core_all=False, core_specific=True)


def _huangpu_report_facts(b: _Builder) -> None:
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


# ------------------------------------------------------------------------------------------
def _liwan(b: _Builder) -> None:
    rng = b.rng
    region, year = N.LIWAN, 2020
    b.region(region)
    depts = (*N.LIWAN_BUREAUS, *N.LIWAN_STREETS)
    assert len(depts) == 77, len(depts)
    b.department_ids(region, depts, "LW")

    # 3755 projects, each self-evaluated.
    rows: list[dict] = []
    for i in range(3755):
        dept = depts[i % 77]
        template = N.SMALL_PROJECT_TEMPLATES[(i // 77) % len(N.SMALL_PROJECT_TEMPLATES)]
        adjusted = (rng.randint(5, 190) if rng.random() < 0.85 else rng.randint(200, 800)) * WAN
        initial = adjusted if i % 8 else adjusted + rng.randint(1, 20) * WAN
        rows.append({"department": dept, "code": f"LW{year}{i + 1:05d}", "name": f"{template}（{dept}）",
                     "initial": initial, "adjusted": adjusted, "kind": "recurring" if i % 5 else "one_off",
                     "fund_source": "政府性基金预算" if i % 13 == 0 else "一般公共预算"})
    b.add_projects(region, year, rows)

    self_grades = _grades({"excellent": 1287, "good": 2119, "fair": 301, "poor": 48}, rng)  # 3406 优良 of 3755
    evaluations = [
        {"department": r["department"], "subject": r["name"], "subject_type": "project", "method": "self",
         "score": _score(rng, g), "completion": rng.randint(8000, 10000), "published": False}
        for r, g in zip(rows, self_grades, strict=True)
    ]

    # Review: 25 projects of 9 departments, 0.26 亿; 优 2, 良 18, 中 5; completion 98 % (16 / 7 / 2).
    review_depts = depts[:9]
    review_rows = [r for r in rows if r["department"] in review_depts]
    picked = [review_rows[i * 9 + j] for i in range(3) for j in range(9)][:25]
    funds = _split(int(Decimal("0.26") * YI), 25, rng, 0.5, 1.5, unit=100 * 100)
    completion = _weighted_completions(funds, 16, 7, 2, 9800, rng)
    grades = _grades({"excellent": 2, "good": 18, "fair": 5}, rng)
    recs = _split(30, 25, rng, 0.5, 1.5)
    for r, f, c, g, rec in zip(picked, funds, completion, grades, recs, strict=True):
        evaluations.append({"department": r["department"], "subject": r["name"], "subject_type": "project",
                            "method": "review", "score": _score(rng, g), "funds": f, "completion": c,
                            "evaluator": "第三方评价机构（整体委托）", "recommendations": rec})

    # Key: 10 projects of 10 departments, 2.67 亿; 优 1, 良 9; completion 97.55 % (7 / 2 / 1).
    key_depts = depts[9:19]
    key_picked = [next(r for r in rows if r["department"] == d and r["name"] not in {p["name"] for p in picked}) for d in key_depts]
    funds = _split(int(Decimal("2.67") * YI), 10, rng, 0.5, 1.5, unit=100 * 100)
    completion = _weighted_completions(funds, 7, 2, 1, 9755, rng)
    grades = _grades({"excellent": 1, "good": 9}, rng)
    recs = _split(46, 10, rng, 0.5, 1.5)
    for r, f, c, g, rec in zip(key_picked, funds, completion, grades, recs, strict=True):
        evaluations.append({"department": r["department"], "subject": r["name"], "subject_type": "project",
                            "method": "key", "score": _score(rng, g), "funds": f, "completion": c,
                            "evaluator": "第三方评价机构（整体委托）", "recommendations": rec,
                            "summary": f"{r['name']}：项目实施总体顺利，产出指标基本完成，资金使用规范；"
                            "建议加强项目监督管理，完善绩效目标设置。"})

    # Department-wide: the two the report names, 4.73 亿 in all.
    evaluations += [
        {"department": "区人力和社会保障局", "subject": "区人力和社会保障局", "subject_type": "department",
         "method": "key", "score": 9034, "funds": int(Decimal("3.15") * YI), "completion": 9006, "link": False,
         "evaluator": "第三方评价机构（整体委托）", "recommendations": 6,
         "summary": "部门整体支出绩效评价综合得分90.34分，预算完成率90.06%。就业创业扶持资金发放及时，惠及18.24万人次。"},
        {"department": "多宝街办事处", "subject": "多宝街办事处", "subject_type": "department",
         "method": "key", "score": 8582, "funds": int(Decimal("1.58") * YI), "completion": 9533, "link": False,
         "evaluator": "第三方评价机构（整体委托）", "recommendations": 4,
         "summary": "部门整体支出绩效评价综合得分85.82分，预算完成率95.33%。基层服务类项目专业化水平有待提高。"},
    ]
    b.add_evaluations(region, year, evaluations)
    key_subjects = [{"department": r["department"], "subject": r["name"]} for r in key_picked]
    _findings(b, region, year, key_subjects + [{"department": "多宝街办事处", "subject": "多宝街办事处"}],
              mostly_rectified=True)

    # Ex-ante: 3 projects, 0.79 亿; 2 supported + 1 partial; cut 0.12 亿, 15.15 %.
    _add_ex_ante(b, region, year, [
        ("区农水局", "碧道建设工程", 38_000_000 * 100, 38_000_000 * 100, "supported"),
        ("区农水局", "东沙涌综合整治工程", 21_200_000 * 100, 21_200_000 * 100, "supported"),
        ("区住房建设局", "城市更新基础数据调查费用", 20_000_000 * 100, 8_000_000 * 100, "partial"),
    ])

    # Library: 7104 core indicators = 225 general + 6879 specific across the 77 departments.
    per_dept = _split(6879, 77, rng, 0.6, 1.4)
    _library(b, region, 225, dict(zip(depts, per_dept, strict=True)), core_all=True, core_specific=True)


def _rectification_workflow(b: _Builder) -> None:
    """Each district's finance bureau (区财政局, whose finance users verify rectification) and, for the
    years the seeds report as done (黄埔区 2021, 荔湾区 2020): its verification of each rectified finding
    two weeks after it was rectified, and each evaluated department's written feedback (dated as its
    findings' latest). Later years' rectified findings await verification. No random draws, so no
    synthetic figure moves."""
    huangpu = b.region_id(N.HUANGPU)
    codes = b.session.execute(select(func.count()).where(col(Department.region_id) == huangpu)).scalar_one()
    b.session.add(Department(region_id=huangpu, code=f"HP{codes + 1:03d}", name="区财政局", is_finance_bureau=True))
    b.session.execute(update(Department).where(col(Department.region_id) == b.region_id(N.LIWAN),
                                               col(Department.name) == "区财政局").values(is_finance_bureau=True))
    for region, year in ((N.HUANGPU, 2021), (N.LIWAN, 2020)):
        rectified = b.session.execute(select(Finding).where(
            col(Finding.region_id) == b.region_id(region), col(Finding.year) == year, col(Finding.status) == "rectified",
        ).order_by(col(Finding.id))).scalars().all()
        for finding in rectified:
            day = cast(dt.date, finding.rectified_date) + dt.timedelta(days=14)
            finding.verified_at = dt.datetime.combine(day, dt.time(10), tzinfo=UTC)
            finding.verified_by = SEED_ACTOR
            b.session.add(FindingStatusChange(finding_id=cast(int, finding.id), changed_at=finding.verified_at,
                                              changed_by=SEED_ACTOR, from_status="rectified", to_status="rectified",
                                              action="verify", step_date=day, comment="财政局核验：整改到位，予以销号"))
        latest = b.session.execute(
            select(col(Finding.evaluation_id), func.max(col(Finding.feedback_date)))
            .where(col(Finding.region_id) == b.region_id(region), col(Finding.year) == year,
                   col(Finding.evaluation_id).is_not(None)).group_by(col(Finding.evaluation_id))).all()
        for evaluation_id, day in latest:
            b.session.execute(update(Evaluation).where(col(Evaluation.id) == evaluation_id).values(
                feedback_date=day, feedback_by=SEED_ACTOR, feedback_at=dt.datetime.combine(day, dt.time(9), tzinfo=UTC),
                feedback_text="已按评价意见逐项落实整改，整改情况详见书面报告（样例数据）。"))
    b.session.flush()


# ------------------------------------------------------------------------------------------
def sample_loaded(session: Session) -> bool:
    """True when the sample has been loaded into this database."""
    return session.execute(select(col(AuditLog.id)).where(col(AuditLog.action) == "seed_sample").limit(1)).first() is not None


def seed_sample(engine: Engine) -> bool:
    """Load both seed districts in one transaction; a second run changes nothing.

    Returns True when it loaded the data, False when it was already there. Raises
    SeedConflict when the sample regions already hold data that the sample did not load.
    """
    with Session(engine) as session:
        if sample_loaded(session):
            return False
        existing = session.execute(select(col(Region.name)).where(col(Region.name).in_((N.HUANGPU, N.LIWAN)))).scalars().all()
        if existing:
            raise SeedConflict("、".join(existing))
        b = _Builder(session=session, rng=random.Random(20221231))
        _huangpu(b)
        _liwan(b)
        _rectification_workflow(b)
        session.add(AuditLog(actor=SEED_ACTOR, action="seed_sample", detail_json='{"regions": ["黄埔区", "荔湾区"]}'))
        session.commit()
    return True


SYNTHETIC_YEAR = 2024


def seed_synthetic(engine: Engine, *, projects: int, regions: int = 1) -> int:
    """Deterministic synthetic data for benchmarks: K regions sharing N projects.

    Each project gets 12 months of monitoring and a self-evaluation; every 20th a finance
    evaluation and a finding. Regions already present are left alone, so a second run with
    the same arguments adds nothing. Returns the number of projects added.
    """
    added = 0
    per_region = [projects // regions + (1 if i < projects % regions else 0) for i in range(regions)]
    for k, count in enumerate(per_region, start=1):
        name = f"合成区{k:02d}"
        with Session(engine) as session:
            if session.execute(select(col(Region.id)).where(col(Region.name) == name)).first():
                continue
            b = _Builder(session=session, rng=random.Random(1000 + k))
            b.region(name, f"{name}（基准测试合成数据）")
            depts = [f"合成单位{j:03d}" for j in range(1, 51)]
            b.department_ids(name, depts, f"S{k:02d}")
            rows = []
            for i in range(count):
                adjusted = b.rng.randint(5, 900) * WAN
                rows.append({"department": depts[i % 50], "code": f"S{k:02d}{i + 1:07d}",
                             "name": f"合成项目{i + 1:07d}", "initial": adjusted, "adjusted": adjusted,
                             "kind": "recurring" if i % 3 else "one_off", "is_new": i % 17 == 0,
                             "fund_source": N_FUNDS[i % len(N_FUNDS)]})
            for start in range(0, len(rows), 5000):
                b.add_projects(name, SYNTHETIC_YEAR, rows[start : start + 5000])
            evaluations = []
            for i, r in enumerate(rows):
                evaluations.append({"department": r["department"], "subject": r["name"], "subject_type": "project",
                                    "method": "self", "score": b.rng.randint(5500, 9900), "published": False})
                if i % 20 == 0:
                    evaluations.append({"department": r["department"], "subject": r["name"], "subject_type": "project",
                                        "method": "key" if i % 40 else "review", "score": b.rng.randint(5500, 9900),
                                        "funds": r["adjusted"], "completion": b.rng.randint(8000, 10000)})
            b.add_evaluations(name, SYNTHETIC_YEAR, evaluations)
            _findings(b, name, SYNTHETIC_YEAR, [{"department": r["department"], "subject": r["name"]} for r in rows[::20]],
                      mostly_rectified=False)
            session.commit()
            added += count
    return added


N_FUNDS = ("一般公共预算", "一般公共预算", "一般公共预算", "政府性基金预算", "专项债券", "中央直达资金", "涉农资金")
