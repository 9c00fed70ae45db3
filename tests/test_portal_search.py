"""Search across every published record from every portal page; nothing unpublished is ever found."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.models import Department, Evaluation, ExAnte, Finding, Region
from data_access.queries.public import search_published
from tests.test_portal_permalinks import open_link
from tests.test_portal_records import _link

SECRET = "未公开搜索词XYZ"
HP = {"region": "黄埔区", "year": "2022"}


@pytest.fixture
def db(seeded_url: str) -> str:
    """The sample plus unpublished records whose every searchable field holds SECRET, and an unpublished
    finding on a published subject."""
    with Session(make_engine(seeded_url)) as s:
        region = s.execute(select(Region).where(Region.name == "荔湾区")).scalar_one()
        dept = Department(region_id=region.id, name=f"{SECRET}局")
        s.add(dept)
        s.flush()
        common = {"region_id": region.id, "department_id": dept.id, "year": 2020}
        s.add(Evaluation(**common, subject=SECRET, subject_type="project", method="key", score_centi=4000,
                         published=False))
        s.add(Finding(**common, finding_code=f"{SECRET}-1", subject="城市绿化养护（区民政局）", category="预算编制",
                      description=SECRET, deadline=dt.date(2021, 6, 30), status="not_started", published=False))
        s.add(ExAnte(**common, name=SECRET, requested_fen=100, recommended_fen=0, conclusion="rejected",
                     published=False))
        s.commit()
    return seeded_url


def _tables(at: AppTest) -> dict[str, object]:
    return {h.value: d.value for h, d in zip(at.subheader, at.dataframe, strict=True)}


def test_search_finds_departments_subjects_findings_and_ex_ante(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    at = open_link(monkeypatch, db, "portal_search", {**HP, "q": "民政"})
    found = _tables(at)
    assert list(found) == ["单位（2）", "评价结果（4）", "发现问题（2）", "事前评估（1）"]
    departments = found["单位（2）"]
    assert list(departments["行政区"]) == ["荔湾区", "黄埔区"]
    # A result in the reader's district keeps their year; one in another district opens at its own year.
    assert _link(departments["预算单位"][1]) == ("portal_department", {**HP, "dept": "区民政局"})
    assert _link(departments["预算单位"][0]) == ("portal_department", {"region": "荔湾区", "dept": "区民政局"})
    evaluations = found["评价结果（4）"]
    assert _link(evaluations["评价对象"][1]) == ("portal_project", {"region": "荔湾区", "year": "2020",
                                                                  "project": "城市绿化养护（区民政局）"})
    assert list(found["发现问题（2）"]["问题编号"]) == ["HP2022-0004", "HP2022-0005"]
    assert list(found["事前评估（1）"]["评估结论"]) == ["予以支持"]
    assert at.query_params["q"] in ("民政", ["民政"])


def test_search_never_finds_an_unpublished_record(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    with Session(make_engine(db)) as s:
        assert search_published(session=s, text=SECRET).empty
        assert search_published(session=s, text="XYZ").empty
        # A published subject is found, its unpublished finding is not.
        hits = search_published(session=s, text="城市绿化养护（区民政局）")
        assert list(hits["kind"]) == ["evaluation"]
    at = open_link(monkeypatch, db, "portal_search", {**HP, "q": SECRET})
    assert not at.dataframe and [i.value for i in at.info] == ["没有找到符合条件的已公开记录。"]


@pytest.mark.parametrize("text", ["%", "_", "\\"])
def test_search_words_are_taken_literally(db: str, text: str) -> None:
    with Session(make_engine(db)) as s:
        assert search_published(session=s, text=text).empty  # not a LIKE wildcard matching everything


@pytest.mark.parametrize("page", ["portal_home", "portal_evaluations", "portal_findings", "portal_exante",
                                  "portal_changes", "portal_department", "portal_project", "portal_search"])
def test_every_portal_page_has_the_search_box(monkeypatch: pytest.MonkeyPatch, db: str, page: str) -> None:
    at = open_link(monkeypatch, db, page, {"region": "荔湾区", "year": "2020", "lang": "en"})
    at.text_input(key="portal_global_search").input("绿化")
    next(b for b in at.button if b.proto.is_form_submitter).click()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Search"
    params = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert params == {"region": "荔湾区", "year": "2020", "lang": "en", "q": "绿化"}  # the context goes along
    assert "Evaluations (" in " ".join(h.value for h in at.subheader)


def test_the_portal_queries_agree_on_both_databases(any_seeded_url: str) -> None:
    """Search (case-insensitive, literal), a department's record and the trend, on SQLite and PostgreSQL."""
    from data_access.queries.public import department_record, headline_trend

    with Session(make_engine(any_seeded_url)) as s:
        assert search_published(session=s, text="民政").groupby("kind").size().to_dict() == {
            "department": 2, "evaluation": 4, "ex_ante": 1, "finding": 2}
        assert len(search_published(session=s, text="hp2022-000")) == 9  # HP2022-0001 … 0009, any case
        assert search_published(session=s, text="%").empty
        record = department_record(session=s, region="黄埔区", department="区民政局")
        assert {k: len(v) for k, v in record.items()} == {"evaluations": 6, "findings": 4, "ex_ante": 1}
        trend = headline_trend(session=s, region="黄埔区", as_of=dt.date(2026, 1, 1))
        assert list(trend["year"]) == [2021, 2022] and list(trend["evaluated"]) == [35, 38]
        assert [str(r) for r in trend["excellent_good_rate"]] == ["91.43", "92.11"]
