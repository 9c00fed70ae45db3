"""Every figure of DOMAIN.md §9, read back through `python -m data_access kpis --json`."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import distinct, func, select
from sqlmodel import Session

from data_access.db import make_engine
from data_access.models import Evaluation, Indicator, Monitoring, Project, Region
from data_access.queries.core import project_execution, rate, round_rate
from data_access.queries.kpis import completion_summary
from data_access.seed import seed_sample

ROOT = Path(__file__).resolve().parent.parent
YI = 100_000_000  # yuan


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "data_access", *args], check=False, cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120 )


def kpis_json(url: str, *args: str) -> dict:
    """`kpis --json` as the command line prints it, run in this process (test_kpis_cli.py runs the command
    as a process of its own; a process per call here cost a second of start-up each)."""
    from data_access.__main__ import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--db", url, "kpis", "--json", *args]) == 0
    return json.loads(out.getvalue())


def test_huangpu_2022_figures(any_seeded_url: str) -> None:
    k = kpis_json(any_seeded_url, "--year", "2022", "--region", "黄埔区")
    assert k["as_of"] == "2022-12-31" and k["execution"]["as_of_month"] == 12
    fin = k["evaluation"]["finance"]
    assert (fin["count"], fin["excellent"], fin["good"], fin["fair"], fin["poor"]) == (38, 4, 31, 3, 0)
    assert fin["excellent_good_rate"] == 92.11
    # Grade shares as the report writes them: 优 10.53 %, 良 81.58 %, 中 7.89 %.
    assert [str(round_rate(rate(n, fin["count"]))) for n in (4, 31, 3)] == ["10.53", "81.58", "7.89"]
    by_subject = k["evaluation"]["by_subject"]
    assert [by_subject[s]["count"] for s in ("department", "policy", "project")] == [10, 9, 19]
    ea = k["ex_ante"]
    assert (ea["projects"], ea["departments"]) == (34, 18)
    assert ea["requested_total"] == int(Decimal("16.6") * YI)
    assert ea["supported"] + ea["partially_supported"] == 33 and ea["not_supported"] == 1
    assert ea["cut_total"] == int(Decimal("3.79") * YI) and ea["cut_rate"] == 23.25
    assert ea["rejected_total"] == int(Decimal("0.30") * YI)
    assert k["execution"]["key_projects"] == 40
    assert k["indicators"]["core"] == 769


def test_huangpu_key_monitoring_and_target_review(any_seeded_url: str) -> None:
    """重点监控 6 departments, 40 projects, 177.6 亿; 75 project targets reviewed."""
    engine = make_engine(any_seeded_url)
    pe = project_execution(year=2022, region="黄埔区", month=12).subquery()
    with Session(engine) as session:
        n, depts, budget = session.execute(
            select(func.count(), func.count(distinct(pe.c.department_id)), func.sum(pe.c.budget_fen)).where(pe.c.is_key)
        ).one()
        assert (n, depts, int(budget)) == (40, 6, int(Decimal("177.6") * YI) * 100)
        projects_with_targets = session.execute(
            select(func.count(distinct(Indicator.project_id)))
            .join(Project, Project.id == Indicator.project_id)
            .where(Project.year == 2022)
        ).scalar_one()
        assert projects_with_targets == 75
        core_depts = session.execute(
            select(func.count(distinct(Indicator.department_id))).where(
                Indicator.is_core, Indicator.project_id.is_(None), Indicator.region_id == _region_id(session, "黄埔区")
            )
        ).scalar_one()
        assert core_depts == 6
    engine.dispose()


def test_huangpu_2021_findings(any_seeded_url: str) -> None:
    """Findings of the fiscal 2021 evaluations (8 + 9 + 18 subjects, 111 亿): all with written feedback, most
    rectified."""
    k = kpis_json(any_seeded_url, "--year", "2021", "--region", "黄埔区", "--as-of", "2023-06-30")
    fin = k["evaluation"]["finance"]
    by_subject = k["evaluation"]["by_subject"]
    assert [by_subject[s]["count"] for s in ("department", "policy", "project")] == [8, 9, 18]
    assert fin["funds_total"] == 111 * YI
    rc = k["rectification"]
    assert rc["findings"] > 35 and rc["feedback_submitted"] == rc["findings"]
    assert rc["rectified"] > rc["findings"] / 2
    assert rc["rectified"] + rc["in_progress"] + rc["not_started"] == rc["findings"]


def test_liwan_2020_figures(any_seeded_url: str) -> None:
    k = kpis_json(any_seeded_url, "--year", "2020", "--region", "荔湾区")
    assert k["indicators"] == {"total": 7104, "general": 225, "specific": 6879, "core": 7104}
    ea = k["ex_ante"]
    assert (ea["projects"], ea["supported"], ea["partially_supported"], ea["not_supported"]) == (3, 2, 1, 0)
    assert f"{Decimal(ea['requested_total']) / YI:.2f}" == "0.79" and f"{Decimal(ea['cut_total']) / YI:.2f}" == "0.12"
    assert ea["cut_rate"] == 15.15
    own = k["evaluation"]["by_method"]["self"]
    assert own["count"] == 3755 and own["excellent"] + own["good"] == 3406 and own["excellent_good_rate"] == 90.71
    review = k["evaluation"]["by_method"]["review"]
    assert (review["count"], review["excellent"], review["good"], review["fair"]) == (25, 2, 18, 5)
    assert review["excellent_good_rate"] == 80.0 and review["funds_total"] == int(Decimal("0.26") * YI)
    assert k["evaluation"]["finance"]["funds_total"] == int(Decimal("7.66") * YI)
    assert k["evaluation"]["by_subject"]["department"]["funds_total"] == int(Decimal("4.73") * YI)


def test_liwan_2020_evaluation_details(any_seeded_url: str) -> None:
    """Completion bands, departments and recommendations the Liwan report prints."""
    engine = make_engine(any_seeded_url)
    with Session(engine) as session:
        review = completion_summary(session=session, year=2020, region="荔湾区", methods=("review",))
        assert ((round_rate(review.overall), review.at_100, review.from_90, review.below_90)
                == (Decimal("98.00"), 16, 7, 2))
        key = completion_summary(session=session, year=2020, region="荔湾区", methods=("key",), subject_type="project")
        assert (round_rate(key.overall), key.at_100, key.from_90, key.below_90) == (Decimal("97.55"), 7, 2, 1)
        rid = _region_id(session, "荔湾区")
        key_rows = session.execute(
            select(Evaluation.score_centi, Evaluation.department_id, Evaluation.funds_fen).where(
                Evaluation.region_id == rid, Evaluation.year == 2020, Evaluation.method == "key",
                Evaluation.subject_type == "project",
            )
        ).all()
        assert len(key_rows) == 10 and len({r.department_id for r in key_rows}) == 10
        assert sum(r.funds_fen for r in key_rows) == int(Decimal("2.67") * YI) * 100
        assert sorted(r.score_centi >= 9000 for r in key_rows) == [False] * 9 + [True]
        reviewed_depts = session.execute(
            select(func.count(distinct(Evaluation.department_id))).where(
                Evaluation.region_id == rid, Evaluation.year == 2020, Evaluation.method == "review"
            )
        ).scalar_one()
        assert reviewed_depts == 9
        depts = dict(
            session.execute(
                select(Evaluation.subject, Evaluation.score_centi).where(
                    Evaluation.region_id == rid, Evaluation.subject_type == "department"
                )
            ).all()
        )
        assert depts == {"区人力和社会保障局": 9034, "多宝街办事处": 8582}
        recommendations = session.execute(
            select(func.sum(Evaluation.recommendations)).where(
                Evaluation.region_id == rid, Evaluation.year == 2020, Evaluation.method.in_(("review", "key"))
            )
        ).scalar_one()
        assert recommendations == 86
        self_depts = session.execute(
            select(func.count(distinct(Evaluation.department_id))).where(
                Evaluation.region_id == rid, Evaluation.method == "self"
            )
        ).scalar_one()
        assert self_depts == 77
    engine.dispose()


def test_every_project_has_twelve_months(seeded_url: str) -> None:
    engine = make_engine(seeded_url)
    with Session(engine) as session:
        counts = session.execute(
            select(func.count(Monitoring.id)).group_by(Monitoring.project_id)
        ).scalars().all()
        assert counts and set(counts) == {12}
        assert len(counts) == session.execute(select(func.count(Project.id))).scalar_one()
    engine.dispose()


@pytest.mark.slow
def test_seed_is_idempotent_and_deterministic(db_url: str, tmp_path: Path) -> None:
    first = cli(db_url, "seed")
    assert first.returncode == 0, first.stderr
    before = kpis_json(db_url, "--year", "2022", "--region", "黄埔区")
    counts_before = _row_counts(db_url)
    again = cli(db_url, "seed")
    assert again.returncode == 0 and "未作改动" in again.stderr
    assert _row_counts(db_url) == counts_before
    assert kpis_json(db_url, "--year", "2022", "--region", "黄埔区") == before
    # A second, separate database gets exactly the same data.
    other = f"sqlite:///{tmp_path / 'other.db'}"
    engine = make_engine(other, create=True)
    from data_access.migrate import upgrade

    upgrade(engine)
    assert seed_sample(engine) is True
    engine.dispose()
    assert _row_counts(other) == counts_before
    assert _dump(other) == _dump(db_url)


def _dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every sample table, in key order (users and the audit log hold random or clock values)."""
    from sqlalchemy import text

    engine = make_engine(url)
    tables = ("region", "department", "project", "monitoring", "evaluation", "finding", "finding_status_change",
              "ex_ante", "indicator")
    with engine.connect() as conn:
        out = {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))] for t in tables}
    engine.dispose()
    return out


def test_seed_refuses_to_mix_with_existing_region(db_url: str) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        session.add(Region(name="黄埔区"))
        session.commit()
    engine.dispose()
    done = cli(db_url, "seed")
    assert done.returncode == 1 and "黄埔区" in done.stderr
    assert _row_counts(db_url)["project"] == 0


def test_huangpu_2021_findings_as_of_dates(any_seeded_url: str) -> None:
    """Overdue and written feedback are counted as of the date asked for."""
    late = kpis_json(any_seeded_url, "--year", "2021", "--region", "黄埔区", "--as-of", "2023-06-30")["rectification"]
    default = kpis_json(any_seeded_url, "--year", "2021", "--region", "黄埔区")["rectification"]
    # As of 31 Dec 2021 no deadline (all in 2022) has passed and no feedback has arrived yet.
    assert (default["overdue"], default["feedback_submitted"]) == (0, 0)
    assert late["overdue"] == late["findings"] - late["rectified"] > 0
    assert default["findings"] == late["findings"] and default["completion_rate"] == late["completion_rate"]


def _region_id(session: Session, name: str) -> int:
    return session.execute(select(Region.id).where(Region.name == name)).scalar_one()


def _row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    tables = ("region", "department", "project", "monitoring", "evaluation", "finding", "ex_ante", "indicator")
    with engine.connect() as conn:
        from sqlalchemy import text

        out = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
    engine.dispose()
    return out


@pytest.mark.slow
def test_monitoring_sample_is_plausible(seeded_url: str) -> None:
    """12 cumulative months per project, never decreasing; some projects ahead of time progress, some behind."""
    from sqlalchemy import text

    with _session(seeded_url) as session:
        decreasing = session.execute(text(
            "SELECT count(*) FROM monitoring a JOIN monitoring b ON a.project_id = b.project_id "
            "AND b.month = a.month + 1 WHERE b.spent_cumulative_fen < a.spent_cumulative_fen")).scalar_one()
        assert decreasing == 0
        for region, year in (("黄埔区", 2022), ("黄埔区", 2021), ("荔湾区", 2020)):
            pe = project_execution(year=year, region=region, month=6).subquery()
            statuses = dict(session.execute(select(pe.c.status, func.count()).group_by(pe.c.status)).all())
            assert statuses.get("red", 0) > 0 and statuses.get("yellow", 0) > 0, (region, statuses)
            ahead = session.execute(
                select(func.count()).select_from(pe).where(pe.c.spent_fen * 2 > pe.c.budget_fen)  # above 50 % at June
            ).scalar_one()
            assert ahead > 0, region
            # Behind at year end too, and some key projects among them.
            k = kpis_json(seeded_url, "--year", str(year), "--region", region)
            assert k["execution"]["behind_schedule"] > 0


def test_findings_mixed_statuses_deadlines_and_categories(seeded_url: str) -> None:
    from data_access.enums import FINDING_CATEGORIES
    from data_access.models import Finding, FindingStatusChange

    with _session(seeded_url) as session:
        statuses = set(session.execute(select(Finding.status).distinct()).scalars())
        assert statuses == {"not_started", "in_progress", "rectified"}
        assert len(set(session.execute(select(Finding.deadline).distinct()).scalars())) >= 6
        assert set(session.execute(select(Finding.category).distinct()).scalars()) <= set(FINDING_CATEGORIES)
        # Every finding's history ends at its current status.
        last = (
            select(FindingStatusChange.finding_id, func.max(FindingStatusChange.id).label("last_id"))
            .group_by(FindingStatusChange.finding_id).subquery()
        )
        mismatched = session.execute(
            select(func.count()).select_from(Finding)
            .join(last, last.c.finding_id == Finding.id)
            .join(FindingStatusChange, FindingStatusChange.id == last.c.last_id)
            .where(FindingStatusChange.to_status != Finding.status)
        ).scalar_one()
        histories = session.execute(select(func.count(distinct(FindingStatusChange.finding_id)))).scalar_one()
        assert mismatched == 0 and histories == session.execute(select(func.count(Finding.id))).scalar_one()



def test_each_findings_history_runs_forward_in_time(seeded_url: str) -> None:
    from data_access.models import FindingStatusChange

    with _session(seeded_url) as session:
        rows = session.execute(select(FindingStatusChange.finding_id, FindingStatusChange.changed_at,
                                      FindingStatusChange.from_status, FindingStatusChange.to_status)
                               .order_by(FindingStatusChange.finding_id, FindingStatusChange.id)).all()
    previous: dict[int, tuple] = {}
    for finding_id, at, frm, to in rows:
        if finding_id in previous:
            before_at, before_to = previous[finding_id]
            assert at > before_at and frm == before_to, (finding_id, at, before_at)  # each step follows the last
        else:
            assert frm is None and to == "not_started"
        previous[finding_id] = (at, to)
    assert len(rows) > len(previous) > 0  # histories were read, and some have more than one step to compare


def test_most_departments_send_their_monthly_file_on_time(seeded_url: str) -> None:
    from data_access.queries.uploads import submission_matrix

    with _session(seeded_url) as session:
        for region, year in (("黄埔区", 2022), ("荔湾区", 2020)):
            cells = [s for months in submission_matrix(session=session, region=region, year=year,
                                                       today=dt.date(year + 1, 6, 30)).values()
                     for s in months.values()]
            share = cells.count("on_time") / len(cells)
            assert 0.8 < share < 0.97 and cells.count("late") > 0, (region, share)  # a few to chase, not all


def test_the_portal_shows_the_reports_38(seeded_url: str) -> None:
    """Every record of a reported year is published (the drafts are 黄埔区 2023's: tests/test_portal_reported.py)."""
    k_public = _public_kpis(seeded_url)
    assert k_public["evaluation"]["finance"]["count"] == 38


def _public_kpis(url: str) -> dict:
    from data_access.queries.kpis import kpis

    with _session(url) as session:
        return kpis(session=session, year=2022, region="黄埔区", published_only=True)


@contextmanager
def _session(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def test_huangpu_2022_special_bond_projects(any_seeded_url: str) -> None:
    """Of the 19 project evaluations, 3 are of projects funded by 专项债券 (the report's 3 个专项债券资金项目)."""
    with _session(any_seeded_url) as session:
        n = session.execute(
            select(func.count()).select_from(Evaluation)
            .join(Project, Project.id == Evaluation.project_id)
            .where(Evaluation.year == 2022, Evaluation.subject_type == "project",
                   Evaluation.method.in_(("review", "key")), Project.fund_source == "专项债券")
        ).scalar_one()
        assert n == 3


def test_liwan_2020_department_and_key_blocks(any_seeded_url: str) -> None:
    """Department evaluations 90.34 (completion 90.06 %) and 85.82 (95.33 %); key through kpis --json."""
    k = kpis_json(any_seeded_url, "--year", "2020", "--region", "荔湾区")
    key = k["evaluation"]["by_method"]["key"]
    # 10 key projects (优 1, 良 9) and the 2 department evaluations (优 1, 良 1): 2.67 + 4.73 亿.
    assert (key["count"], key["excellent"], key["good"], key["fair"], key["poor"]) == (12, 2, 10, 0, 0)
    assert key["funds_total"] == int(Decimal("7.40") * YI) and key["excellent_good_rate"] == 100.0
    dept = k["evaluation"]["by_subject"]["department"]
    assert (dept["count"], dept["excellent"], dept["good"]) == (2, 1, 1)
    assert k["evaluation"]["finance"]["count"] == 25 + 12
    with _session(any_seeded_url) as session:
        rows = dict(session.execute(
            select(Evaluation.subject,
                   Evaluation.budget_completion_centi).where(Evaluation.subject_type == "department",
                                                                                 Evaluation.year == 2020)
        ).all())
    assert rows == {"区人力和社会保障局": 9006, "多宝街办事处": 9533}


@pytest.mark.slow
def test_seed_again_changes_nothing_on_each_backend(any_seeded_url: str) -> None:
    # The fixture loaded the sample without the CLI, so this first `seed` adds only the demo accounts.
    assert "演示账号" in cli(any_seeded_url, "seed").stderr
    before = (_row_counts(any_seeded_url), kpis_json(any_seeded_url, "--year", "2022", "--region", "黄埔区"))
    again = cli(any_seeded_url, "seed")
    assert again.returncode == 0 and "未作改动" in again.stderr and again.stdout == ""
    assert "演示账号" not in again.stderr  # demo passwords are printed on the first load only
    assert (_row_counts(any_seeded_url), kpis_json(any_seeded_url, "--year", "2022", "--region", "黄埔区")) == before


def test_synthetic_seed_writes_what_it_always_wrote(any_db_url: str) -> None:
    """The benchmarks' synthetic seed (bulk: COPY on PostgreSQL) writes the same rows, in the same id order, as
    the row-by-row seed it replaced: these counts and sums were read from that seed's database."""
    from sqlalchemy import text

    from data_access.seed import seed_synthetic

    engine = make_engine(any_db_url)
    assert seed_synthetic(engine, projects=2000, regions=2) == 2000
    with engine.connect() as conn:
        def one(sql: str) -> tuple:
            return tuple(int(v) if v is not None else None for v in conn.execute(text(sql)).one())

        def rows(sql: str) -> list[tuple]:
            return [tuple(int(v) if isinstance(v, int | Decimal) else v for v in r) for r in conn.execute(text(sql))]

        counts = {t: one(f"SELECT COUNT(*) FROM {t}")[0] for t in (
            "region", "department", "project", "monitoring", "evaluation", "finding", "finding_status_change")}
        assert counts == {"region": 2, "department": 100, "project": 2000, "monitoring": 24000, "evaluation": 2100,
                          "finding": 200, "finding_status_change": 412}
        assert one("SELECT SUM(spent_cumulative_fen), SUM(budget_fen) FROM monitoring") == (4953364496700,
                                                                                             915797000000)
        assert one("SELECT SUM(id * (spent_cumulative_fen % 997)) FROM monitoring") == (143842083284,)
        assert one("SELECT COUNT(DISTINCT submitted_at) FROM monitoring") == (197,)
        assert one("SELECT SUM(budget_adjusted_fen), SUM(id * (budget_adjusted_fen % 997)), "
                   "SUM(CASE WHEN is_new THEN 1 ELSE 0 END) FROM project") == (915797000000, 1005032557, 118)
        assert rows("SELECT method, COUNT(*), SUM(score_centi), SUM(funds_fen), SUM(project_id) FROM evaluation "
                    "GROUP BY method ORDER BY method") == [("key", 50, 397722, 21233000000, 50050),
                                                           ("review", 50, 379768, 23027000000, 49050),
                                                           ("self", 2000, 15349895, None, 2001000)]
        assert rows("SELECT status, COUNT(*), SUM(id) FROM finding GROUP BY status ORDER BY status") == [
            ("in_progress", 80, 8122), ("not_started", 54, 5852), ("rectified", 66, 6126)]
        assert rows("SELECT to_status, COUNT(*), SUM(finding_id) FROM finding_status_change GROUP BY to_status "
                    "ORDER BY to_status") == [("in_progress", 146, 14248), ("not_started", 200, 20100),
                                              ("rectified", 66, 6126)]
        assert one("SELECT COUNT(feedback_date), COUNT(evaluation_id) FROM finding WHERE original_deadline = deadline"
                   ) == (125, 200)
        assert [str(v) for v in conn.execute(text("SELECT MIN(deadline), MAX(rectified_date) FROM finding")).one()
                ] == ["2025-06-15", "2026-01-04"]
        if engine.dialect.name == "postgresql":  # vacuumed and analysed, as autovacuum would leave it in a while:
            # index-only scans of the carry-forward skip the table, and the planner knows a region's projects
            assert one("SELECT relallvisible FROM pg_class WHERE relname = 'monitoring'")[0] > 0
            assert one("SELECT COUNT(*) FROM pg_stats WHERE tablename = 'region' AND attname = 'id'") == (1,)
    # A second run with the same arguments adds nothing.
    assert seed_synthetic(engine, projects=2000, regions=2) == 0
    engine.dispose()
