"""The arithmetic rules of DOMAIN.md and CONTRACT.md §1, table-driven where they are pure."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlmodel import Session

from data_access.db import make_engine
from data_access.models import (
    Department,
    Evaluation,
    ExAnte,
    Finding,
    Monitoring,
    Project,
    Region,
)
from data_access.queries.core import (
    as_of_for,
    grade_of,
    month_of,
    rate,
    round_rate,
    time_progress,
)
from data_access.queries.kpis import execution_summary, kpis, to_json, yuan

TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("score", "grade"),
    [(10000, "excellent"), (9000, "excellent"), (8999, "good"), (8000, "good"), (7999, "fair"),
     (6000, "fair"), (5999, "poor"), (0, "poor")],
)
def test_grade_boundaries(score: int, grade: str) -> None:
    assert grade_of(score) == grade


@pytest.mark.parametrize(
    ("num", "den", "shown"),
    [(4, 38, "10.53"), (31, 38, "81.58"), (3, 38, "7.89"), (35, 38, "92.11"), (1, 8, "12.50"),
     (1, 800, "0.13"),  # 0.125 rounds half up, not to even
     (2, 3, "66.67"), (1, 3, "33.33"), (1, 160, "0.63"), (5, 1600, "0.31"),  # 0.625 -> 0.63, 0.3125 -> 0.31
     (3, 1600, "0.19"), (1, 1, "100.00"),  # 0.1875 -> 0.19
     (3406, 3755, "90.71"), (0, 5, "0.00"), (5, 0, None), (0, 0, None)],
)
def test_rates_round_half_up_and_null_on_zero(num: int, den: int, shown: str | None) -> None:
    r = round_rate(rate(num, den))
    assert (str(r) if r is not None else None) == shown


@pytest.mark.parametrize(
    ("year", "as_of", "expected_as_of", "month"),
    [(2022, None, dt.date(2022, 12, 31), 12), (2026, None, TODAY, 11), (2027, None, TODAY, 0),
     (2026, dt.date(2026, 6, 30), dt.date(2026, 6, 30), 6), (2025, dt.date(2026, 3, 1), dt.date(2026, 3, 1), 12),
     (2026, dt.date(2025, 12, 31), dt.date(2025, 12, 31), 0)],
)
def test_as_of_rules(year: int, as_of: dt.date | None, expected_as_of: dt.date, month: int) -> None:
    resolved = as_of_for(year, as_of, today=TODAY)
    assert resolved == expected_as_of and month_of(year, resolved) == month


@pytest.mark.parametrize(("fen", "shown"), [(123456, "1234.56"), (123450, "1234.50"), (100, "1"), (0, "0")])
def test_amounts_in_json(fen: int, shown: str) -> None:
    assert to_json({"a": yuan(fen)}) == '{"a": ' + shown + "}"


def test_time_progress() -> None:
    assert round_rate(time_progress(7)) == Decimal("58.33") and time_progress(12) == 100


# ---- on a database (SQLite and PostgreSQL) --------------------------------------------------
@pytest.fixture
def world(any_db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(any_db_url)
    with Session(engine) as s:
        region = Region(name="测试区")
        s.add(region)
        s.flush()
        dept = Department(region_id=region.id, name="区测试局")
        s.add(dept)
        s.flush()
        s.commit()
        yield s, region, dept
    engine.dispose()


def _project(s: Session, region: Region, dept: Department, code: str, budget_yuan: int, **kw) -> Project:  # type: ignore[no-untyped-def]
    p = Project(region_id=region.id, department_id=dept.id, year=2023, code=code, name=f"项目{code}",
                budget_adjusted_fen=budget_yuan * 100, **kw)
    s.add(p)
    s.flush()
    return p


def test_carry_forward_of_spending_and_budget(world) -> None:  # type: ignore[no-untyped-def]
    s, region, dept = world
    p = _project(s, region, dept, "A", 1_000_000)
    for month, spent, budget in ((3, 200_000, 800_000), (6, 500_000, None), (9, 600_000, 1_200_000)):
        s.add(Monitoring(project_id=p.id, month=month, spent_cumulative_fen=spent * 100,
                         budget_fen=budget * 100 if budget else None))
    s.commit()
    # B has monitoring rows that never record a budget: its adjusted budget (300 000) throughout.
    b = _project(s, region, dept, "B", 300_000)
    for month, spent in ((2, 10_000), (5, 90_000)):
        s.add(Monitoring(project_id=b.id, month=month, spent_cumulative_fen=spent * 100))
    s.commit()
    cases = {0: (0, 1_000_000), 2: (0, 1_000_000), 3: (200_000, 800_000), 7: (500_000, 800_000),
             9: (600_000, 1_200_000), 12: (600_000, 1_200_000)}
    for month, (spent, budget) in cases.items():
        b_spent = 0 if month < 2 else 10_000 if month < 5 else 90_000
        ex = execution_summary(session=s, year=2023, region="测试区", month=month)
        assert (ex.spent_fen, ex.budget_fen) == ((spent + b_spent) * 100, (budget + 300_000) * 100), month


def test_aggregate_rate_is_ratio_of_sums_and_key_rules(world) -> None:  # type: ignore[no-untyped-def]
    s, region, dept = world
    big = _project(s, region, dept, "BIG", 3_000_000)  # key by budget
    small = _project(s, region, dept, "SMALL", 100_000)
    _project(s, region, dept, "BOND", 50_000, fund_source="专项债券")  # key by fund source, never monitored
    s.add(Monitoring(project_id=big.id, month=6, spent_cumulative_fen=300_000 * 100))
    s.add(Monitoring(project_id=small.id, month=6, spent_cumulative_fen=100_000 * 100))
    # A budget recorded below 200 万 in month 9 takes BIG out of key monitoring from then on.
    s.add(Monitoring(project_id=big.id, month=9, spent_cumulative_fen=300_000 * 100, budget_fen=1_500_000 * 100))
    s.commit()
    ex6 = execution_summary(session=s, year=2023, region="测试区", month=6)
    assert ex6.projects == 3 and ex6.key_projects == 2
    # Σ spent / Σ budget = 400k / 3.15M, not the mean of 10 %, 100 % and 0 %.
    assert round_rate(ex6.execution_rate) == Decimal("12.70")
    # BIG: 10 % against 50 % time -> red; BOND: 0 % -> red; both key.
    assert ex6.behind_schedule == 2
    ex9 = execution_summary(session=s, year=2023, region="测试区", month=9)
    assert ex9.key_projects == 1 and ex9.budget_fen == (1_500_000 + 100_000 + 50_000) * 100


@pytest.mark.parametrize(
    ("spent_yuan", "status"),
    # Month 6, time progress 50 %, budget 10 000 000 (key): gap 5 is still green, 15 still yellow.
    [(4_500_000, "green"), (4_499_999, "yellow"), (3_500_000, "yellow"), (3_499_999, "red"), (9_000_000, "green")],
)
def test_status_thresholds_on_unrounded_gap(world, spent_yuan: int, status: str) -> None:  # type: ignore[no-untyped-def]

    from data_access.queries.core import project_execution

    s, region, dept = world
    p = _project(s, region, dept, "G", 10_000_000)
    s.add(Monitoring(project_id=p.id, month=6, spent_cumulative_fen=spent_yuan * 100))
    s.commit()
    row = s.execute(project_execution(year=2023, region="测试区", month=6)).one()
    assert row.status == status


def test_grades_use_region_boundaries_in_sql(world) -> None:  # type: ignore[no-untyped-def]
    s, region, dept = world
    for i, score in enumerate((9000, 8999, 8000, 7999, 6000, 5999)):
        s.add(Evaluation(region_id=region.id, department_id=dept.id, year=2023, subject=f"对象{i}",
                         subject_type="project", method="review", score_centi=score, funds_fen=100))
    s.commit()
    fin = kpis(session=s, year=2023, region="测试区")["evaluation"]["finance"]
    assert (fin["excellent"], fin["good"], fin["fair"], fin["poor"]) == (1, 2, 2, 1)
    assert fin["funds_total"] == 6 and fin["excellent_good_rate"] == Decimal("50.00")
    # A bureau grading 80/70/60 sees the same scores graded differently.
    region.grade_excellent, region.grade_good = 80, 70
    s.add(region)
    s.commit()
    fin = kpis(session=s, year=2023, region="测试区")["evaluation"]["finance"]
    assert (fin["excellent"], fin["good"], fin["fair"], fin["poor"]) == (3, 1, 1, 1)


def test_ex_ante_cut_rate_excludes_rejected(world) -> None:  # type: ignore[no-untyped-def]
    s, region, dept = world
    rows = [("甲", 1_000_000, 800_000, "partial"), ("乙", 500_000, 500_000, "supported"),
            ("丙", 700_000, 0, "rejected")]
    for name, req, rec, conclusion in rows:
        s.add(ExAnte(region_id=region.id, department_id=dept.id, year=2023, name=name,
                     requested_fen=req * 100, recommended_fen=rec * 100, conclusion=conclusion))
    s.commit()
    ea = kpis(session=s, year=2023, region="测试区")["ex_ante"]
    assert ea["requested_total"] == 2_200_000 and ea["rejected_total"] == 700_000
    assert ea["cut_total"] == 200_000 and ea["cut_rate"] == Decimal("13.33")  # 200k / 1.5M


def test_rectification_as_of(world) -> None:  # type: ignore[no-untyped-def]
    s, region, dept = world
    rows = [("F1", "rectified", dt.date(2024, 3, 1), dt.date(2024, 2, 1)),
            ("F2", "in_progress", dt.date(2024, 6, 30), dt.date(2024, 7, 1)),
            ("F3", "not_started", dt.date(2024, 12, 31), None)]
    for code, status, deadline, feedback in rows:
        s.add(Finding(region_id=region.id, department_id=dept.id, year=2023, finding_code=code, subject="对象",
                      category="预算编制", description="问题", deadline=deadline, status=status,
                      feedback_date=feedback))
    s.commit()
    rc = kpis(session=s, year=2023, region="测试区", as_of=dt.date(2024, 7, 1))["rectification"]
    # F2 is overdue (deadline before 1 July, not rectified); F1's deadline passed but it is rectified.
    assert (rc["findings"], rc["rectified"], rc["overdue"], rc["feedback_submitted"]) == (3, 1, 1, 2)
    assert rc["completion_rate"] == Decimal("33.33")
    rc = kpis(session=s, year=2023, region="测试区", as_of=dt.date(2024, 6, 30))["rectification"]
    assert (rc["overdue"], rc["feedback_submitted"]) == (0, 1)


def test_empty_year_gives_zero_counts_and_null_rates(world) -> None:  # type: ignore[no-untyped-def]
    s, _region, _dept = world
    data = json.loads(to_json(kpis(session=s, year=2030, region="测试区", as_of=TODAY)))
    assert data["execution"]["as_of_month"] == 0 and data["execution"]["execution_rate"] is None
    assert data["evaluation"]["finance"]["count"] == 0 and data["evaluation"]["finance"]["excellent_good_rate"] is None
    assert data["ex_ante"]["cut_rate"] is None and data["rectification"]["completion_rate"] is None
