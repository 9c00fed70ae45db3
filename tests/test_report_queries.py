"""The figures the annual report adds to `kpis`: each group of evaluations a sentence counts, the
target review, written feedback by department. Both seed districts, on both backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from data_access.db import make_engine
from data_access.enums import FINANCE_METHODS
from data_access.models import Evaluation
from data_access.queries.evaluation import evaluation_group
from data_access.queries.indicators import target_review
from data_access.queries.kpis import region_full_name
from data_access.queries.rectification import department_feedback

YI = 100_000_000 * 100  # fen


@pytest.fixture
def s(any_seeded_url: str) -> Iterator[Session]:
    """A session on the sample data, on each backend in turn."""
    engine = make_engine(any_seeded_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_huangpu_evaluation_groups(s: Session) -> None:
    """2022: 10 + 9 + 19 (3 专项债券); 2021: 区国资局等 8, 加快IAB产业发展政策等 9, 区级粮食风险专项资金等 18
    (含萝岗水质净化厂二期工程等 3 个使用专项债券资金项目), 111 亿."""
    now = {t: evaluation_group(session=s, year=2022, region="黄埔区", methods=FINANCE_METHODS, subject_types=(t,))
           for t in ("department", "policy", "project")}
    assert [(g.count, g.first) for g in now.values()] == [
        (10, "区住房城乡建设局"), (9, "“先进制造业10条”2.0版"), (19, "基本公共卫生服务补助经费")]
    assert now["project"].special_bond == 3 and now["department"].special_bond == 0
    before = {t: evaluation_group(session=s, year=2021, region="黄埔区", methods=FINANCE_METHODS, subject_types=(t,))
              for t in ("department", "policy", "project")}
    assert [(g.count, g.first) for g in before.values()] == [
        (8, "区国资局"), (9, "加快IAB产业发展政策"), (18, "区级粮食风险专项资金")]
    # One bond project is linked to its 2021 budget line; two are not budget lines of 2021 and carry their own.
    assert (before["project"].special_bond, before["project"].first_special_bond) == (3, "萝岗水质净化厂二期工程")
    assert evaluation_group(session=s, year=2021, region="黄埔区", methods=FINANCE_METHODS).funds_fen == 111 * YI


def test_an_evaluations_own_fund_source_wins_over_its_projects(s: Session) -> None:
    s.execute(update(Evaluation).where(col(Evaluation.subject) == "刘村新村安置房（二期）项目",
                                       col(Evaluation.year) == 2022)
              .values(fund_source="一般公共预算"))
    s.commit()
    g = evaluation_group(session=s, year=2022, region="黄埔区", methods=FINANCE_METHODS, subject_types=("project",))
    assert (g.special_bond, g.first_special_bond) == (2, "知识城南方医院（九龙新城综合医院）建设项目")


def test_liwan_evaluation_groups(s: Session) -> None:
    """自评 77 departments, 3755 projects, 3406 优良 (90.71 %); review 9 departments' 25 projects, 0.26 亿,
    2/18/5 (80 %); key 10 departments' 10 projects, 2.67 亿, 1/9 (100 %); 86 recommendations over every finance
    evaluation."""

    def group(methods: tuple[str, ...], types: tuple[str, ...] | None = ("project",)):  # type: ignore[no-untyped-def]
        return evaluation_group(session=s, year=2020, region="荔湾区", methods=methods, subject_types=types)

    own = group(("self",))
    assert (own.count, own.departments, own.grades["excellent"] + own.grades["good"]) == (3755, 77, 3406)
    assert own.grades["excellent_good_rate"] == Decimal("90.71")
    review = group(("review",))
    assert (review.count, review.departments, review.funds_fen) == (25, 9, int(Decimal("0.26") * YI))
    assert [review.grades[g] for g in ("excellent", "good", "fair", "poor")] == [2, 18, 5, 0]
    assert review.grades["excellent_good_rate"] == Decimal("80.00") and review.third_party == 25
    key = group(("key",))
    assert (key.count, key.departments, key.funds_fen) == (10, 10, int(Decimal("2.67") * YI))
    assert (key.grades["excellent"], key.grades["good"], key.grades["excellent_good_rate"]) == (1, 9, Decimal("100.00"))
    every = group(FINANCE_METHODS, None)
    assert (every.count, every.recommendations, every.funds_fen) == (37, 86, int(Decimal("7.66") * YI))
    assert group(("review",), ("policy",)).count == 0 and group(("review",), ("policy",)).first is None


def test_target_review(s: Session) -> None:
    """黄埔区 2022: 6 departments' overall targets and 75 projects' targets, 769 key indicators; none elsewhere
    (荔湾区's 7104-indicator library was sorted by the departments, not formed by a review)."""
    assert target_review(session=s, year=2022, region="黄埔区") == (6, 75, 769)
    assert target_review(session=s, year=2021, region="黄埔区") == (0, 0, 0)
    assert target_review(session=s, year=2020, region="荔湾区") == (0, 0, 0)


def test_department_feedback_as_of(s: Session) -> None:
    """Every department evaluated for 2021 had sent written feedback on all its findings by the end of 2022;
    none by the end of 2021."""
    departments, fed_back = department_feedback(session=s, year=2021, region="黄埔区", as_of=dt.date(2022, 12, 31))
    assert departments == fed_back >= 8
    assert department_feedback(session=s, year=2021, region="黄埔区", as_of=dt.date(2021, 12, 31)) == (departments, 0)
    assert department_feedback(session=s, year=2019, region="荔湾区", as_of=dt.date(2019, 12, 31)) == (0, 0)


def test_region_full_name(s: Session) -> None:
    assert region_full_name(session=s, region="黄埔区") == "黄埔区、广州开发区"
    assert region_full_name(session=s, region="荔湾区") == "荔湾区"  # no full name recorded
