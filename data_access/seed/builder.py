"""The sample data's building blocks: one `Builder` holding the session and the one random stream
every draw comes from, and the row makers both districts share (findings, ex-ante, the indicator
library). Draws happen in the order the callers make them: moving a call moves every figure after it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, insert, select
from sqlmodel import Session, SQLModel, col

from data_access.enums import LEVEL2
from data_access.models import (
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
from data_access.seed import names as N

SEED_ACTOR = "sample-data"
YI, WAN = FEN_PER_YI, FEN_PER_WAN  # 1 亿元 and 1 万元 in fen
UTC = dt.UTC


class SeedConflict(Exception):
    """The sample regions already hold data that the sample did not load."""


def split_total(total: int, n: int, rng: random.Random, low: float = 0.5, high: float = 1.5,
                unit: int = 1) -> list[int]:
    """n positive parts (multiples of `unit`) summing exactly to total."""
    weights = [rng.uniform(low, high) for _ in range(n)]
    scale = total / sum(weights)
    parts = [max(unit, int(w * scale) // unit * unit) for w in weights]
    parts[-1] += total - sum(parts)
    assert parts[-1] > 0 and sum(parts) == total
    return parts


def submission_times(region: str, department: str, year: int) -> list[dt.datetime]:
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


def bulk_insert(session: Session, model: type[SQLModel], rows: Sequence[dict]) -> None:
    """Rows (dicts with the same keys, every column a default would fill given) into a model's table in
    order, ids ascending as given: PostgreSQL `COPY` (psycopg 3), elsewhere one Core executemany.

    Pending ORM objects are flushed first, so ids follow the order rows were added in either way."""
    if not rows:
        return
    session.flush()
    table = cast(Table, model.__table__)  # type: ignore[attr-defined]
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), list(rows))
        return
    names = list(rows[0])
    # COPY fills no Python-side default: the rows must carry every such column (UTCDateTime values go as
    # aware datetimes, which timestamptz stores as the type's binding would).
    missing = [c.name for c in table.c if c.default is not None and not c.primary_key and c.name not in names]
    assert not missing, f"{table.name}: rows lack {missing}"
    columns = ", ".join(f'"{n}"' for n in names)
    with connection.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[n] for n in names])


@dataclass
class Builder:
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
        bulk_insert(self.session, Project, payload)
        ids = dict(
            self.session.execute(
                select(col(Project.code), col(Project.id)).where(col(Project.region_id) == rid,
                                                                 col(Project.year) == year)
            ).all()
        )
        submitted = {d: submission_times(region, d, year) for d in {r["department"] for r in rows}}
        monitoring = []
        for r in rows:
            pid = ids[r["code"]]
            self.projects[(region, year, r["name"])] = pid
            monitoring.extend(self._monthly_rows(pid, year, r, submitted[r["department"]]))
        bulk_insert(self.session, Monitoring, monitoring)

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
        bulk_insert(self.session, Evaluation, payload)


# ------------------------------------------------------------------------------------------
# Scores: a score for each grade, drawn deterministically.
def draw_score(rng: random.Random, grade: str) -> int:
    low, high = {"excellent": (9000, 9800), "good": (8000, 8999), "fair": (6000, 7999), "poor": (4500, 5999)}[grade]
    return rng.randint(low, high)


def shuffled_grades(counts: dict[str, int], rng: random.Random) -> list[str]:
    grades = [g for g, n in counts.items() for _ in range(n)]
    rng.shuffle(grades)
    return grades


# Targets every reviewed project sets; they also lead the general library, so the two link up.
SHARED_TARGETS = (
    ("产出指标", "时效指标", "按计划节点完成率"),
    ("效益指标", "社会效益指标", "惠及群众人次"),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度"),
)



def code_prefix(region: str) -> str:
    return {N.HUANGPU: "HP", N.LIWAN: "LW"}.get(region, "SY")


def add_findings(b: Builder, region: str, year: int, subjects: Sequence[dict], *, mostly_rectified: bool) -> None:
    rng = b.rng
    rid = b.region_id(region)
    evaluation_ids = dict(
        b.session.execute(
            select(col(Evaluation.subject), col(Evaluation.id)).where(
                col(Evaluation.region_id) == rid, col(Evaluation.year) == year, col(Evaluation.method) != "self"
            )
        ).all()
    )
    findings: list[dict] = []
    changes: list[tuple[str, list[tuple[str | None, str, dt.datetime, str]]]] = []
    for s in subjects:
        for _ in range(rng.choice((1, 2, 2, 3))):
            code = f"{code_prefix(region)}{year}-{len(findings) + 1:04d}"
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
            findings.append({
                "region_id": rid, "department_id": b.dept(region, s["department"]), "year": year,
                "finding_code": code, "evaluation_id": evaluation_ids.get(s["subject"]), "subject": s["subject"],
                "category": category, "description": description, "recommendation": recommendation,
                "measures": rng.choice(N.FINDING_MEASURES) if status != "not_started" else None,
                "deadline": deadline, "original_deadline": deadline, "status": status, "feedback_date": feedback,
                "rectified_date": rectified, "verified_at": None, "verified_by": None,
                # Every finding of a reported year is published, as the bureau does with its report.
                "published": True, "published_at": dt.datetime(year + 1, 10, 15, tzinfo=UTC),
                "published_by": SEED_ACTOR,
            })
            # The history: filed, then each step to the current status.
            # Filed when the evaluation reports come back (March), before the earliest written feedback
            # (mid-April at the soonest), so every history runs forward in time.
            filed = dt.datetime(year + 1, 3, 20, 10, tzinfo=UTC)
            steps: list[tuple[str | None, str, dt.datetime, str]] = [(None, "not_started", filed,
                                                                      "评价报告反馈，问题立项")]
            if status in ("in_progress", "rectified"):
                steps.append(("not_started", "in_progress", filed + dt.timedelta(days=15), "单位已制定整改方案"))
            if status == "rectified":
                done_at = dt.datetime.combine(rectified or deadline, dt.time(16), tzinfo=UTC)
                steps.append(("in_progress", "rectified", done_at, "书面反馈整改完成"))
            changes.append((code, steps))
    bulk_insert(b.session, Finding, findings)
    ids = dict(b.session.execute(select(col(Finding.finding_code), col(Finding.id)).where(
        col(Finding.region_id) == rid, col(Finding.year) == year)).all())
    bulk_insert(b.session, FindingStatusChange, [
        {"finding_id": ids[code], "changed_at": at, "changed_by": SEED_ACTOR, "from_status": frm, "to_status": to,
         "comment": comment}
        for code, steps in changes for frm, to, at, comment in steps])


def add_ex_ante(b: Builder, region: str, year: int, rows: Sequence[tuple[str, str, int, int, str]], *,
                published: bool = True, rng: random.Random | None = None) -> None:
    """Ex-ante assessments, published with the year's budget in January unless `published` is False
    (drafts awaiting publication); `rng` for a draw stream of their own."""
    rng = rng or b.rng
    rid = b.region_id(region)
    for dept, name, req, rec, conclusion in rows:
        scores = [rng.randint(1200, 2000) for _ in range(5)]  # five dimensions out of 20 each
        b.session.add(
            ExAnte(
                region_id=rid, department_id=b.dept(region, dept), year=year, name=name,
                requested_fen=req, recommended_fen=rec, conclusion=conclusion,
                score_necessity=scores[0], score_economy=scores[1], score_targets=scores[2],
                score_feasibility=scores[3], score_compliance=scores[4],
                published=published,
                published_at=dt.datetime(year, 1, 20, tzinfo=UTC) if published else None,
                published_by=SEED_ACTOR if published else None,
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


def add_library(b: Builder, region: str, general: int, specific: dict[str, int], core_all: bool,
                core_specific: bool) -> None:
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
    for l1, l2, name in [*SHARED_TARGETS, *combos][:general]:
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


