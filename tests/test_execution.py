"""执行监控 figures (queries/execution.py): status under either rule, exact gaps, the carry-forward of a curve."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from sqlmodel import Session

from data_access.models import Department, Monitoring, Region
from data_access.queries import execution as q
from data_access.settings import Settings
from tests import test_kpis as shared
from tests.test_kpis import _project

GAP, RATIO = Settings(execution_rule="gap"), Settings(execution_rule="ratio")
world = shared.world  # a region with one department, on SQLite and PostgreSQL


def _second_department(s: Session, region: Region) -> Department:
    dept = Department(region_id=region.id, name="区乙局")
    s.add(dept)
    s.flush()
    return dept


@pytest.mark.parametrize(
    ("spent_yuan", "gap_status", "ratio_status"),
    # Month 6 (time progress 50 %), two projects of 5 000 000 each: the department's rate is Σ spent / 10 000 000.
    # Gap rule: > 5 points behind 关注, > 15 预警. Ratio rule: rate ÷ 50 × 100 < 80 关注, < 60 预警.
    [(4_500_000, "green", "green"), (4_000_000, "yellow", "green"), (3_999_999, "yellow", "yellow"),
     (3_500_000, "yellow", "yellow"), (3_499_999, "red", "yellow"), (3_000_000, "red", "yellow"),
     (2_999_999, "red", "red")],
)
def test_department_status_follows_the_configured_rule(world, spent_yuan: int, gap_status: str,  # type: ignore[no-untyped-def]
                                                        ratio_status: str) -> None:
    s, region, dept = world
    a, b = _project(s, region, dept, "A", 5_000_000), _project(s, region, dept, "B", 5_000_000)
    s.add(Monitoring(project_id=a.id, month=6, spent_cumulative_fen=spent_yuan * 100))  # B spends nothing
    s.add(Monitoring(project_id=b.id, month=6, spent_cumulative_fen=0))
    s.commit()
    for settings, expected in ((GAP, gap_status), (RATIO, ratio_status)):
        depts = q.by_department(session=s, year=2023, region="测试区", month=6, settings=settings)
        assert depts.set_index("department").loc["区测试局", "status"] == expected, settings.execution_rule
        # 执行监控 adds the departments up from its project rows and works their status out in Python
        page = q.projects_at(session=s, year=2023, region="测试区", month=6, settings=settings).departments
        assert page.set_index("department").loc["区测试局", "status"] == expected, settings.execution_rule


def test_the_status_worked_out_in_python_is_the_status_in_sql(world) -> None:  # type: ignore[no-untyped-def]
    """`core.status_of` (the departments of 执行监控) against `core.status_expr` (SQL) at and around each threshold of
    both rules, at month 0, for no budget, and for sums near the largest a city's budget reaches."""
    from sqlalchemy import BigInteger, literal, select

    from data_access.queries.core import status_expr, status_of

    s, _region, _dept = world
    cases = [(budget, budget * share // 1000 + nudge, month)
             for budget in (0, 1, 10_000_000, 45_233_023_000_000) for month in (0, 1, 6, 7, 12)
             for share in (0, 300, 349, 350, 400, 450, 500, 583, 1000, 1200) for nudge in (-1, 0, 1) if budget * share
             // 1000 + nudge >= 0]
    for settings in (GAP, RATIO):
        in_sql = [status for start in range(0, len(cases), 200) for status in s.execute(select(*[
            status_expr(literal(b, BigInteger), literal(sp, BigInteger), m, settings)
            for b, sp, m in cases[start : start + 200]])).one()]
        assert [status_of(b, sp, m, settings) for b, sp, m in cases] == in_sql, settings.execution_rule


def test_departments_carry_exact_rate_and_gap_furthest_behind_first(world) -> None:  # type: ignore[no-untyped-def]
    s, region, first = world
    second = _second_department(s, region)
    a, b = _project(s, region, first, "A", 3_000_000), _project(s, region, second, "B", 300)
    s.add(Monitoring(project_id=a.id, month=7, spent_cumulative_fen=100_000_000))  # 1 000 000 of 3 000 000
    s.add(Monitoring(project_id=b.id, month=7, spent_cumulative_fen=17_500))  # 175 of 300: 58.333… %
    s.commit()
    depts = q.by_department(session=s, year=2023, region="测试区", month=7)
    assert list(depts["department"]) == ["区测试局", "区乙局"]
    time_progress = Decimal(7) * 100 / 12
    assert depts["rate"].iloc[0] == Decimal(100) / 3 and depts["gap"].iloc[0] == time_progress - Decimal(100) / 3
    # 58.333… % spent against 58.333… % of the year: exactly on time, not a float's 1e-14 behind.
    assert depts["gap"].iloc[1] == 0 and depts["status"].iloc[1] == "green"
    assert list(depts["worst"]) == ["red", "green"]


def test_projects_carry_exact_rate_and_gap_furthest_behind_first(world) -> None:  # type: ignore[no-untyped-def]
    s, region, dept = world
    for code, spent in (("A", 900_000), ("B", 100_000), ("C", 100_000)):
        p = _project(s, region, dept, code, 1_000_000)
        s.add(Monitoring(project_id=p.id, month=12, spent_cumulative_fen=spent * 100))
    s.commit()
    projects = q.project_rows(session=s, year=2023, region="测试区", month=12)
    assert list(projects["code"]) == ["B", "C", "A"]  # furthest behind first, then by code
    assert list(projects["rate"]) == [Decimal(10), Decimal(10), Decimal(90)]
    assert list(projects["gap"]) == [Decimal(90), Decimal(90), Decimal(10)]


def test_a_project_curve_carries_the_budget_forward_as_kpis_do(world) -> None:  # type: ignore[no-untyped-def]
    s, region, dept = world
    p = _project(s, region, dept, "A", 1_000_000)
    # Month 1 records no budget: it is the project's adjusted budget, not a budget recorded later.
    for month, spent, budget in ((1, 50_000, None), (3, 200_000, 800_000), (6, 500_000, None), (9, 600_000, 1_200_000)):
        s.add(Monitoring(project_id=p.id, month=month, spent_cumulative_fen=spent * 100,
                         budget_fen=budget * 100 if budget else None))
    s.commit()
    curve = q.project_curve(session=s, project_id=p.id)
    assert list(curve["month"]) == [1, 3, 6, 9]
    assert list(curve["budget_fen"]) == [100_000_000, 80_000_000, 80_000_000, 120_000_000]
    assert list(curve["rate"]) == [Decimal(5), Decimal(25), Decimal("62.5"), Decimal(50)]
    assert list(curve["time_progress"]) == [Decimal(100) / 12, Decimal(25), Decimal(50), Decimal(75)]


def test_the_monthly_curve_holds_exact_rates(world) -> None:  # type: ignore[no-untyped-def]
    s, region, dept = world
    p = _project(s, region, dept, "A", 300)
    s.add(Monitoring(project_id=p.id, month=2, spent_cumulative_fen=10_000))
    s.commit()
    curve = q.monthly_curve(session=s, year=2023, region="测试区", upto=3)
    assert list(curve["rate"]) == [Decimal(0), Decimal(100) / 3, Decimal(100) / 3]
    assert list(curve["time_progress"]) == [Decimal(100) / 12, Decimal(100) / 6, Decimal(25)]


def test_the_monthly_curve_equals_kpis_at_every_month(world) -> None:  # type: ignore[no-untyped-def]
    """The curve carries spending and budgets forward in one pass; each month must still be `kpis`' figure."""
    from data_access.queries.kpis import execution_summary

    s, region, dept = world
    budgets = (("A", 1_000_000), ("B", 300), ("C", 2_000_000))
    a, _, c = (_project(s, region, dept, code, budget) for code, budget in budgets)
    rows = ((a, 1, 50_000, None), (a, 3, 200_000, 800_000), (a, 6, 500_000, None), (a, 9, 600_000, 1_200_000),
            (c, 2, 100_000, None), (c, 5, 100_000, 1_500_000), (c, 12, 1_900_000, 2_100_000))
    for p, month, spent, budget in rows:
        s.add(Monitoring(project_id=p.id, month=month, spent_cumulative_fen=spent * 100,
                         budget_fen=budget * 100 if budget else None))
    s.commit()
    curve = q.monthly_curve(session=s, year=2023, region="测试区", upto=12)
    for month in range(1, 13):
        kpi = execution_summary(session=s, year=2023, region="测试区", month=month)
        row = curve[curve["month"] == month].iloc[0]
        assert (int(row["budget_fen"]), int(row["spent_fen"])) == (kpi.budget_fen, kpi.spent_fen), month
        assert row["rate"] == kpi.execution_rate


@pytest.mark.parametrize("args", [{}, {"department": "区民政局"}, {"fund_source": "专项债券"}, {"key_only": True},
                                  {"department": "区教育局", "key_only": True}], ids=str)
def test_the_page_gets_projects_departments_and_key_figures_from_one_pass(any_seeded_url: str, args: dict) -> None:
    """执行监控 worked out the carry-forward three times (projects, departments, key projects): 25,000 projects
    cost three passes of two index lookups each. `projects_at` makes one, and gives exactly what the three did."""
    from sqlalchemy import event

    from data_access.db import make_engine

    engine = make_engine(any_seeded_url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql))
    common = {"year": 2022, "region": "黄埔区", "month": 9}
    with Session(engine) as s:
        got = q.projects_at(session=s, **common, **args)
        carry_forwards = sum("pe_base" in sql for sql in statements)
        statements.clear()
        projects = q.project_rows(session=s, **common, **args)
        departments = q.by_department(session=s, **common, **{k: v for k, v in args.items() if k != "department"})
        key = q.key_summary(session=s, **common)
    engine.dispose()
    assert carry_forwards == (1 if not args.get("key_only") and "fund_source" not in args else 2)
    assert len(projects) and len(departments)
    pd.testing.assert_frame_equal(got.projects, projects)
    pd.testing.assert_frame_equal(got.departments, departments)
    assert got.key == key
    # The page's list: ordered in the database, exact rates only for the rows it shows (`with_rate_and_gap`).
    with Session(engine) as s:
        light = q.projects_at(session=s, **common, **args, rates=False)
    engine.dispose()
    assert "rate" not in light.projects.columns
    pd.testing.assert_frame_equal(light.projects, projects.drop(columns=["rate", "gap"]))
    pd.testing.assert_frame_equal(q.with_rate_and_gap(light.projects[:7], 9), projects[:7])
    pd.testing.assert_frame_equal(light.departments, departments)
