"""A page per department and per evaluated project: everything published about it, every year, reached
from every portal table row; nothing unpublished, ever."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from sqlmodel import Session

from data_access.db import make_engine
from data_access.models import Department, Evaluation, ExAnte, Finding, Region
from tests.test_portal_permalinks import open_link

SECRET = "未公开草稿项目XYZ"
HP = {"region": "黄埔区", "year": "2022"}


@pytest.fixture
def db(seeded_url: str) -> str:
    """The sample plus unpublished records of 区民政局 (one under a published subject's name) and a
    department that has nothing published at all."""
    with Session(make_engine(seeded_url)) as s:
        region = s.execute(select(Region).where(Region.name == "黄埔区")).scalar_one()
        dept = s.execute(select(Department).where(Department.region_id == region.id,
                                                  Department.name == "区民政局")).scalar_one()
        hidden = Department(region_id=region.id, name="未公开单位XYZ")
        s.add(hidden)
        s.flush()
        for d in (dept, hidden):
            common = {"region_id": region.id, "department_id": d.id}
            s.add(Evaluation(**common, year=2023, subject=SECRET, subject_type="project", method="key",
                             score_centi=4000, funds_fen=10**12, published=False))
            s.add(Finding(**common, year=2023, finding_code=f"SECRET-{d.id}", subject="兜底群众社会工作服务",
                          category="预算编制", description=SECRET, deadline=dt.date(2024, 6, 30), status="not_started",
                          published=False))
            s.add(ExAnte(**common, year=2023, name=SECRET, requested_fen=10**11, recommended_fen=0,
                         conclusion="rejected", published=False))
        s.commit()
    return seeded_url


def _text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [str(getattr(e, "value", "")) for kind in ("markdown", "caption", "title", "subheader", "info")
             for e in at.get(kind)]
    parts += [d.value.to_csv() for d in at.dataframe] + [m.label + str(m.value) for m in at.metric]
    parts += [str(o) for box in at.selectbox for o in box.options]
    parts += [p.proto.label for p in at.get("page_link")]
    return "\n".join(parts)


def _link(url: str) -> tuple[str, dict[str, str]]:
    """A table link: the page it opens and its query, decoded."""
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_a_department_page_holds_its_whole_published_record(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    at = open_link(monkeypatch, db, "portal_department", {**HP, "dept": "区民政局"})
    assert at.title[0].value == "区民政局"
    shown = {m.label: m.value for m in at.metric}
    # the sample publishes every record of the reported years (区老人院运营 and HP2021-0066 included)
    assert shown == {"财政评价": "6", "发现问题": "4", "事前评估": "1", "有公开记录的年度": "2"}
    by_year, evaluations, findings, ex_ante = (d.value for d in at.dataframe)
    assert list(by_year["预算年度"]) == ["2022", "2021"] and list(by_year["财政评价"]) == [5, 1]
    assert list(by_year["已整改"]) == [2, 0]
    assert list(evaluations["预算年度"]) == ["2022"] * 5 + ["2021"]
    assert list(evaluations["等级"]) == ["良", "优", "良", "良", "中", "优"]
    assert list(evaluations["得分"]) == ["80.30", "98.00", "83.44", "86.21", "70.81", "96.40"]
    assert list(findings["问题编号"]) == ["HP2022-0004", "HP2022-0005", "HP2021-0066", "HP2021-0067"]
    assert list(ex_ante["评估结论"]) == ["予以支持"]
    # Each row links on: the subject to its own page, the department to this one, with district and year kept.
    page, query = _link(evaluations["评价对象"][1])
    assert (page, query) == ("portal_project", {**HP, "project": "兜底群众社会工作服务"})
    # Evaluated as a whole: the subject is the department, and links to its page.
    assert _link(evaluations["评价对象"][0]) == ("portal_department", {**HP, "dept": "区民政局"})
    assert _link(findings["预算单位"][3]) == ("portal_department", {**HP, "dept": "区民政局"})
    assert SECRET not in _text(at) and "SECRET" not in _text(at)


def test_a_project_page_spans_years_and_leaves_out_drafts(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    at = open_link(monkeypatch, db, "portal_project", {**HP, "project": "兜底群众社会工作服务"})
    assert at.title[0].value == "兜底群众社会工作服务"
    by_year, evaluations = at.dataframe[0].value, at.dataframe[1].value
    assert list(evaluations["得分"]) == ["98.00"] and list(evaluations["等级"]) == ["优"]
    assert list(by_year["预算年度"]) == ["2022"]  # the 2023 draft finding on the same subject is not published
    assert "SECRET" not in _text(at) and SECRET not in _text(at)


@pytest.mark.parametrize(("page", "params"), [("portal_project", {"project": SECRET}),
                                              ("portal_department", {"dept": "未公开单位XYZ"})])
def test_a_link_to_something_unpublished_shows_nothing_of_it(monkeypatch: pytest.MonkeyPatch, db: str, page: str,
                                                             params: dict[str, str]) -> None:
    at = open_link(monkeypatch, db, page, {**HP, **params})
    assert not at.dataframe and not at.metric
    assert any("没有关于" in i.value for i in at.info)  # the same words whether it exists unpublished or not at all
    listed = _text(at).replace(at.info[0].value, "")
    assert SECRET not in listed and "未公开单位XYZ" not in listed


def test_the_department_list_offers_only_departments_with_published_records(monkeypatch: pytest.MonkeyPatch,
                                                                           db: str) -> None:
    at = open_link(monkeypatch, db, "portal_department", HP)
    names = at.selectbox(key="portal_department_黄埔区").options
    assert "区民政局" in names and "未公开单位XYZ" not in names and len(names) == 32
    links = [p.proto for p in at.get("page_link")]
    assert [p.label for p in links if p.label == "区民政局"] == ["区民政局"]


@pytest.mark.parametrize(("page", "params", "column", "expected"), [
    ("portal_evaluations", {"region": "荔湾区", "year": "2020", "annex": "3"}, "预算单位", "portal_department"),
    ("portal_evaluations", {**HP, "annex": "2"}, "评价对象", "portal_project"),
    ("portal_findings", HP, "评价对象", "portal_project"),
    ("portal_findings", HP, "预算单位", "portal_department"),
    ("portal_exante", HP, "项目名称", "portal_project"),
    ("portal_exante", {**HP, "lang": "en"}, "Department", "portal_department"),
])
def test_every_table_row_links_to_its_page(monkeypatch: pytest.MonkeyPatch, db: str, page: str,
                                           params: dict[str, str], column: str, expected: str) -> None:
    at = open_link(monkeypatch, db, page, params)
    table = at.dataframe[0].value
    for url in table[column]:
        target, query = _link(url)
        assert target == expected
        assert {k: query[k] for k in params if k in ("region", "year", "lang")} == {
            k: v for k, v in params.items() if k in ("region", "year", "lang")}
    # The link opens the record's page, which lists it.
    target, query = _link(table[column].iloc[0])
    name = query.get("dept") or query.get("project")
    opened = open_link(monkeypatch, db, target, query)
    assert opened.title[0].value == name and opened.dataframe


def test_a_link_from_the_list_opens_the_department_even_on_the_same_page(monkeypatch: pytest.MonkeyPatch,
                                                                         db: str) -> None:
    """The department list links to the page it is on: the link's department wins over the empty picker."""
    at = open_link(monkeypatch, db, "portal_department", HP)
    assert not at.dataframe
    at.query_params.update({"dept": "区民政局"})  # what a click on the list's 区民政局 sends
    at.switch_page("../pages/portal_department.py").run()
    assert at.title[0].value == "区民政局" and len(at.dataframe) == 4
    assert at.query_params["dept"] in ("区民政局", ["区民政局"])
    at.selectbox(key="portal_department_黄埔区").select("区民政局").run()  # the reader's own pick still works
    at.selectbox(key="portal_department_黄埔区").select("区教育局").run()
    assert at.title[0].value == "区教育局" and at.query_params["dept"] in ("区教育局", ["区教育局"])


@pytest.mark.parametrize(("page", "params"), [("portal_department", {"dept": "区民政局"}),
                                              ("portal_project", {"project": "兜底群众社会工作服务"})])
def test_a_printed_record_page_says_district_year_and_date(monkeypatch: pytest.MonkeyPatch, db: str, page: str,
                                                           params: dict[str, str]) -> None:
    """Record pages open as every portal page does (portal.open_page): titled by their record, and printed
    with the district, the year and the day."""
    at = open_link(monkeypatch, db, page, {**HP, **params, "print": "1"})
    assert at.title[0].value == next(iter(params.values()))
    assert f"黄埔区 2022 年度 · 打印日期 {dt.date.today().isoformat()}" in [c.value for c in at.caption]
