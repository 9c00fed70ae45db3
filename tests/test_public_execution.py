"""Issue 12 item 4: budget execution for the public where the bureau decides to publish it: a
per-region-year switch on 公开管理 (audited) for the department-level summary; nothing below
department level, nothing unpublished."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from data_access.auth import create_user
from data_access.db import make_engine
from data_access.models import AuditLog, Department, Project, Region
from data_access.publishing import PublishingError, set_execution_published
from tests.apptest import app, open_url, sign_in

# Users are made before the app is opened: remember their argon2 hashes and checks (tests/apptest.py).
pytestmark = pytest.mark.usefixtures("remembered_passwords")

HP = {"region": "黄埔区", "year": "2022"}


def _portal(monkeypatch: pytest.MonkeyPatch, url: str, lang: str = "zh"):  # type: ignore[no-untyped-def]
    at = app(monkeypatch, url)
    at.query_params.update({**HP, "lang": lang})
    at.run()
    open_url(at, "portal_execution")
    assert not at.exception
    return at


def _project_names(url: str) -> list[str]:
    with Session(make_engine(url)) as s:
        return list(s.execute(select(Project.name).join(Region, Region.id == Project.region_id)
                              .where(Region.name == "黄埔区", Project.year == 2022)).scalars())


def test_unpublished_execution_shows_nothing_but_that_it_is_not_published(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str
) -> None:
    at = _portal(monkeypatch, seeded_url)
    assert not at.dataframe and not at.metric
    assert [i.value for i in at.info] == ["黄埔区 2022 年度的预算执行情况尚未公开。"]


def test_finance_publishes_a_years_execution_and_the_portal_shows_departments_only(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str
) -> None:
    with Session(make_engine(seeded_url)) as s:
        create_user(s, "fin1", "finance", "finance-password")
    staff = sign_in(app(monkeypatch, seeded_url), "fin1", "finance-password")
    staff.query_params.update(HP)
    open_url(staff, "publishing")
    assert "未公开" in " ".join(c.value for c in staff.caption)
    staff.button(key="publishing_execution_publish").click().run()
    assert [s.value for s in staff.success] == ["已公开 黄埔区 2022 年度的部门预算执行情况"]
    with Session(make_engine(seeded_url)) as s:
        log = s.execute(select(AuditLog).where(AuditLog.action == "publish_execution")).scalars().all()
        assert [(a.actor, a.entity) for a in log] == [("fin1", "execution")] and "2022" in (log[0].detail_json or "")
        departments = set(s.execute(select(Department.name).join(Project, Project.department_id == Department.id)
                                    .join(Region, Region.id == Project.region_id)
                                    .where(Region.name == "黄埔区", Project.year == 2022)).scalars())

    at = _portal(monkeypatch, seeded_url)
    table = at.dataframe[0].value
    assert set(table["预算单位"]) == departments
    assert {"调整后预算数（万元）", "累计支出（万元）", "预算执行率（%）", "序时进度（%）"} <= set(table.columns)
    assert set(table["序时进度（%）"]) == {"100.00"}  # a past year, as of December
    text = table.to_csv() + "\n".join(str(e.value) for e in [*at.caption, *at.markdown, *at.metric])
    assert not [n for n in _project_names(seeded_url) if n in text]  # nothing below department level
    assert not _portal(monkeypatch, seeded_url, "en").exception

    # Withdrawn: gone from the portal at once, and recorded.
    staff.run()
    staff.button(key="publishing_execution_withdraw").click().run()
    assert not _portal(monkeypatch, seeded_url).dataframe
    with Session(make_engine(seeded_url)) as s:
        withdrawn = s.execute(select(AuditLog.actor).where(AuditLog.action == "unpublish_execution")).scalars().all()
        assert withdrawn == ["fin1"]


def test_another_year_or_region_stays_unpublished(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    with Session(make_engine(seeded_url)) as s:
        set_execution_published(s, "黄埔区", 2021, True, "fin1")
    assert not _portal(monkeypatch, seeded_url).dataframe  # 2022 is not published


def test_a_finance_user_limited_to_departments_may_not_switch_a_region(seeded_url: str) -> None:
    with Session(make_engine(seeded_url)) as s, pytest.raises(PublishingError, match="全区"):
        set_execution_published(s, "黄埔区", 2022, True, "clerk", allowed_department_ids=frozenset({1}))


def _withdraw_records_of(url: str, region: str, year: int) -> None:
    """Every evaluation, finding and ex-ante record of the region-year unpublished (straight in the
    database: the portal's caches key on the data version, which a fresh database starts from)."""
    from sqlalchemy import update

    from data_access.models import Evaluation, ExAnte, Finding

    with Session(make_engine(url)) as s:
        rid = s.execute(select(Region.id).where(Region.name == region)).scalar_one()
        for model in (Evaluation, Finding, ExAnte):
            s.execute(update(model).where(model.region_id == rid, model.year == year).values(published=False))
        s.commit()


def test_a_year_with_only_its_execution_published_is_in_the_portals_year_list(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str
) -> None:
    _withdraw_records_of(seeded_url, "黄埔区", 2021)
    assert "2021" not in _portal(monkeypatch, seeded_url).selectbox(key="portal_year_黄埔区").options
    with Session(make_engine(seeded_url)) as s:
        set_execution_published(s, "黄埔区", 2021, True, "fin1")
    at = _portal(monkeypatch, seeded_url)
    assert at.selectbox(key="portal_year_黄埔区").options == ["2022", "2021"]
    at.selectbox(key="portal_year_黄埔区").select("2021").run()
    assert not at.exception and len(at.dataframe[0].value) > 0  # 2021's departments
    for other in ("portal_home", "portal_evaluations", "portal_findings", "portal_exante"):
        assert not open_url(at, other).exception, other  # nothing else published that year: they say so


def test_the_open_data_package_holds_the_published_execution_as_the_page_shows_it(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str
) -> None:
    import csv
    import io
    import json
    import zipfile
    from decimal import Decimal

    from data_access.opendata import open_data_zip

    def package() -> zipfile.ZipFile:
        with Session(make_engine(seeded_url)) as s:
            return zipfile.ZipFile(io.BytesIO(open_data_zip(session=s, region="黄埔区", year=2022)))

    assert "execution.csv" not in package().namelist()  # nothing unpublished
    with Session(make_engine(seeded_url)) as s:
        set_execution_published(s, "黄埔区", 2022, True, "fin1")
    zf = package()
    described = {r["name"]: r for r in json.loads(zf.read("datapackage.json"))["resources"]}
    fields = [f["name"] for f in described["execution"]["schema"]["fields"]]
    assert fields == ["department", "projects", "budget_yuan", "spent_yuan", "execution_rate_pct",
                      "time_progress_pct", "gap_pp", "status"]
    rows = list(csv.DictReader(io.StringIO(zf.read("execution.csv").decode("utf-8-sig"))))
    page = _portal(monkeypatch, seeded_url).dataframe[0].value
    assert [r["department"] for r in rows] == list(page["预算单位"])  # department level only, in the page's order
    for row, (_i, shown) in zip(rows, page.iterrows(), strict=True):
        assert f"{Decimal(row['budget_yuan']) / 10000:,.2f}" == shown["调整后预算数（万元）"]
        assert f"{Decimal(row['spent_yuan']) / 10000:,.2f}" == shown["累计支出（万元）"]
        assert (row["execution_rate_pct"] or "—") == shown["预算执行率（%）"]
        assert row["time_progress_pct"] == shown["序时进度（%）"] == "100.00"
        assert int(row["projects"]) == shown["项目数"]
    spent = sum(Decimal(r["spent_yuan"]) for r in rows)
    with Session(make_engine(seeded_url)) as s:
        from sqlalchemy import func

        from data_access.models import Monitoring
        total = s.execute(select(func.sum(Monitoring.spent_cumulative_fen)).join(Project).join(Region)
                          .where(Region.name == "黄埔区", Project.year == 2022, Monitoring.month == 12)).scalar_one()
    assert spent == Decimal(total) / 100  # exact to the fen
