"""绩效评价 figures (queries/evaluation.py, kpis.grade_shares): self against finance, history, shares, results
applied."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session

from data_access.db import make_engine
from data_access.models import Department, Evaluation, Project, Region
from data_access.queries import evaluation as q
from data_access.queries.kpis import evaluation_kpis, grade_shares
from data_access.settings import Settings
from tests import test_kpis as shared

world = shared.world  # a region with one department, on SQLite and PostgreSQL


def _scored(s: Session, region: Region, dept: Department, subject: str, self_centi: int, finance_centi: int) -> None:
    for method, centi in (("self", self_centi), ("review", finance_centi)):
        s.add(Evaluation(region_id=region.id, department_id=dept.id, year=2023, subject=subject, subject_type="project",
                         method=method, score_centi=centi))


@pytest.mark.parametrize(
    ("threshold", "flagged"),
    # 区测试局 scores itself 5.01 points above finance on average (+7.00 and +3.02), 区乙局 exactly 5.00 above.
    [(Decimal(5), ["区测试局"]), (Decimal("5.01"), []), (Decimal("4.99"), ["区测试局", "区乙局"]),
     (Decimal(0), ["区测试局", "区乙局"])],
)
def test_departments_scoring_themselves_too_high(world, threshold: Decimal, flagged: list[str]) -> None:  # type: ignore[no-untyped-def]
    s, region, dept = world
    other = Department(region_id=region.id, name="区乙局")
    s.add(other)
    s.flush()
    _scored(s, region, dept, "甲一", 9000, 8300)
    _scored(s, region, dept, "甲二", 8302, 8000)
    _scored(s, region, other, "乙一", 8500, 8000)
    s.commit()
    comparison = q.self_vs_finance(session=s, year=2023, region="测试区",
                                   settings=Settings(self_score_gap_warn=threshold))
    assert comparison.flagged == flagged and comparison.threshold == threshold
    assert sorted(comparison.rows["diff_centi"]) == [302, 500, 700]  # each subject's self − finance, in hundredths


def test_history_holds_each_region_and_year_as_kpis(any_seeded_url: str) -> None:
    with Session(make_engine(any_seeded_url)) as s:
        history = q.finance_history(session=s)
        assert [(r, y) for r, y in zip(history["region"], history["year"], strict=True)] == [
            ("荔湾区", 2020), ("黄埔区", 2022), ("黄埔区", 2021)]
        row = history.iloc[1]
        finance = evaluation_kpis(session=s, year=2022, region="黄埔区")["finance"]
        assert (row["count"], row["excellent_good_rate"]) == (finance["count"], finance["excellent_good_rate"]) == (
            38, Decimal("92.11"))
        assert q.grade_bounds(session=s, region="黄埔区") == [60, 80, 90]


@pytest.mark.parametrize(
    ("counts", "shares"),
    [({"excellent": 4, "good": 31, "fair": 3, "poor": 0},
      {"excellent": Decimal("10.53"), "good": Decimal("81.58"), "fair": Decimal("7.89"), "poor": Decimal("0.00")}),
     ({"excellent": 0, "good": 0, "fair": 0, "poor": 0}, dict.fromkeys(("excellent", "good", "fair", "poor")))],
)
def test_grade_shares_as_the_seeds_write_them(counts: dict[str, int], shares: dict[str, Decimal | None]) -> None:
    block = {"count": sum(counts.values()), **counts}
    exact = grade_shares(block)
    assert {g: None if r is None else r.quantize(Decimal("0.01")) for g, r in exact.items()} == shares


def test_results_applied_carry_the_exact_budget_change(world) -> None:  # type: ignore[no-untyped-def]
    s, region, dept = world
    this = Project(region_id=region.id, department_id=dept.id, year=2023, code="P1", name="项目",
                   budget_adjusted_fen=300)
    s.add_all([this, Project(region_id=region.id, department_id=dept.id, year=2024, code="P1", name="项目",
                             budget_adjusted_fen=400)])
    s.flush()
    s.add(Evaluation(region_id=region.id, department_id=dept.id, year=2023, subject="项目", subject_type="project",
                     method="review", score_centi=9100, project_id=this.id))
    s.commit()
    applied = q.results_application(session=s, year=2023, region="测试区")
    assert applied["change_rate"].iloc[0] == Decimal(100) / 3  # 300 -> 400 fen: +33.33… %, unrounded
