"""sample_data/: the upload-ready files import into an empty database with the same figures as `seed`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from data_access.db import make_engine
from data_access.migrate import upgrade
from data_access.models import (
    Evaluation,
    ExAnte,
    Finding,
    Indicator,
    Monitoring,
    Project,
)
from data_access.queries.kpis import kpis, to_json
from data_access.uploads import import_path
from sample_data.build import FILES

pytestmark = pytest.mark.slow  # importing every sample file takes about a minute on a busy machine
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
CASES = [(2022, "黄埔区"), (2021, "黄埔区"), (2020, "荔湾区"), (2022, None), (2020, None)]


def _engine(path: Path) -> Engine:
    eng = make_engine(f"sqlite:///{path}", create=True)
    upgrade(eng)
    return eng


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, list]:
    eng = _engine(tmp_path_factory.mktemp("sample") / "imported.db")
    reports = [import_path(eng, kind, SAMPLE / name, user="sample") for kind, name in FILES]
    return eng, reports


@pytest.fixture(scope="module")
def seeded(_seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A copy of the session's seeded database (`seed_sample`, built once per test process)."""
    path = tmp_path_factory.mktemp("seed") / "seeded.db"
    shutil.copy(_seeded_template, path)
    return make_engine(f"sqlite:///{path}")


def test_every_sample_file_imports_without_errors(imported: tuple[Engine, list]) -> None:
    _eng, reports = imported
    for (_kind, name), report in zip(FILES, reports, strict=True):
        assert report.committed, (name, report.errors[:3])
        assert {w.code for w in report.warnings} <= {"unknown_column"}, (name, report.warnings[:3])


def test_the_messy_monthly_file_reads_every_trap(imported: tuple[Engine, list]) -> None:
    _eng, reports = imported
    messy = reports[[n for _k, n in FILES].index("02_monitoring_huangpu_2022-06.xlsx")]
    assert messy.rows_total == 200  # 200 projects; title, unit line, blank, 其中 and 合计 rows skipped
    assert [w.message for w in messy.warnings] == ["工作表“6月”第4行表头中的列「序号」不是执行监控模板的列，已忽略。"]


@pytest.mark.parametrize("published_only", [False, True], ids=["internal", "portal"])
@pytest.mark.parametrize(("year", "region"), CASES)
def test_imported_sample_gives_the_seed_figures(imported: tuple[Engine, list], seeded: Engine, year: int,
                                                region: str | None, published_only: bool) -> None:
    eng, _reports = imported
    as_of = dt.date(year, 12, 31)
    with Session(eng) as a, Session(seeded) as b:
        got = json.loads(to_json(kpis(session=a, year=year, region=region, as_of=as_of, published_only=published_only)))
        want = json.loads(to_json(kpis(session=b, year=year, region=region, as_of=as_of,
                                       published_only=published_only)))
    assert got == want


def test_imported_sample_has_the_seed_rows(imported: tuple[Engine, list], seeded: Engine) -> None:
    eng, _reports = imported
    checks = [
        select(func.count(), func.sum(Monitoring.spent_cumulative_fen),
               func.sum(Monitoring.budget_fen)).select_from(Monitoring),
        select(func.count(), func.sum(Project.budget_adjusted_fen),
               func.sum(Project.budget_initial_fen)).select_from(Project),
        select(func.count(), func.sum(Evaluation.score_centi), func.sum(Evaluation.funds_fen),
               func.sum(Evaluation.recommendations), func.sum(Evaluation.budget_completion_centi),
               func.count(Evaluation.project_id)).select_from(Evaluation),
        select(func.count(), func.count(Finding.feedback_date), func.count(Finding.evaluation_id)).select_from(Finding),
        select(func.count(), func.sum(ExAnte.recommended_fen), func.sum(ExAnte.score_economy)).select_from(ExAnte),
        select(func.count(), func.count(Indicator.project_id), func.count(Indicator.will_meet)).select_from(Indicator),
        # what the annual report needs beyond kpis: 3 special-bond projects, 769 key indicators reviewed in 2022
        select(Evaluation.fund_source, func.count()).group_by(Evaluation.fund_source).order_by(Evaluation.fund_source),
        select(Indicator.review_year, func.count()).group_by(Indicator.review_year).order_by(Indicator.review_year),
    ]
    with Session(eng) as a, Session(seeded) as b:
        for q in checks:
            assert [tuple(r) for r in a.execute(q)] == [tuple(r) for r in b.execute(q)], str(q)


def test_legacy_xls_of_the_monthly_file_reads_the_same(seeded_url: str) -> None:
    """A bureau still on Excel 97-2003: the same monthly file as .xls (calamine reads BIFF8 too)."""
    eng = make_engine(seeded_url)
    report = import_path(eng, "monitoring", SAMPLE / "02_monitoring_huangpu_2022-06.xls", user="sample")
    assert report.committed, report.errors[:3]
    assert (report.rows_total, report.inserted, report.updated, report.unchanged) == (200, 0, 0, 200)
    eng.dispose()
