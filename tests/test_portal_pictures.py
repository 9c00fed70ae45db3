"""Pictures on the public portal: the year's grades and the headline trend on the home page, a chart
above each annex table; what they draw comes from published records only, in the reader's language."""

from __future__ import annotations

import json
import re

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import select
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.models import Department, Evaluation, Region
from tests.test_portal_permalinks import _table, open_link

CJK = re.compile(r"[\u4e00-\u9fff]")


def charts(at: AppTest) -> list[tuple[dict, pd.DataFrame]]:
    """Each chart on the page: its spec and its data, as the browser gets them."""
    found = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        data = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()
        found.append((spec, data))
    return found


def titles(spec: dict) -> set[str]:
    """Every axis and legend title of a (layered) chart."""
    out = set()
    for layer in spec.get("layer", [spec]):
        for channel in layer.get("encoding", {}).values():
            if isinstance(channel, dict):
                title = channel.get("title") or (channel.get("axis") or {}).get("title")
                if title:
                    out.add(title)
    return out


def test_home_draws_the_year_grades_and_the_trend(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = open_link(monkeypatch, seeded_url, "portal_home", {"region": "黄埔区", "year": "2022"})
    drawn = charts(at)
    grades = next(d for s, d in drawn if "label" in d.columns)
    assert dict(zip(grades["label"], grades["count"], strict=True)) == {"优": 4, "良": 31, "中": 3, "差": 0}
    rates = next(d for s, d in drawn if "rate" in d.columns)
    by = rates.set_index(["year", "series"])["rate"]
    # the report's figures: the sample publishes every record of the years its reports cover
    assert by[(2022, "优良率")] == 92.11 and by[(2021, "优良率")] == 91.43
    assert by[(2022, "事前评估核减率")] == 23.25 and (2021, "事前评估核减率") not in by.index  # none for 2021
    assert by[(2022, "整改完成率")] == 29.03 and by[(2021, "整改完成率")] == 80.56
    funds = next(d for s, d in drawn if "amount" in d.columns)
    assert dict(zip(funds["year"], funds["amount"], strict=True)) == {2021: 111.0, 2022: 147.462}  # 亿元
    # The same figures as a table under the charts, rounded as the cards round them.
    table = at.dataframe[0].value
    assert list(table["预算年度"]) == ["2021", "2022"]
    assert list(table["已公开的财政评价"]) == [35, 38]
    assert list(table["优良率（%）"]) == ["91.43", "92.11"] and list(table["事前评估核减率（%）"]) == ["—", "23.25"]


def test_home_pictures_read_in_english(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = open_link(monkeypatch, seeded_url, "portal_home", {"region": "黄埔区", "year": "2022", "lang": "en"})
    drawn = charts(at)
    assert len(drawn) == 3
    for spec, data in drawn:
        assert [x for x in titles(spec) if CJK.search(x)] == []
        for column in ("label", "series"):
            if column in data.columns:
                assert [v for v in data[column] if CJK.search(v)] == []
    grades = next(d for s, d in drawn if "label" in d.columns)
    assert list(grades["label"]) == ["excellent", "good", "fair", "poor"]
    funds = next(d for s, d in drawn if "amount" in d.columns)
    assert dict(zip(funds["year"], funds["amount"], strict=True)) == {2021: 11100.0, 2022: 14746.2}  # millions


def test_no_axis_label_or_title_is_turned_on_its_side(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = open_link(monkeypatch, seeded_url, "portal_home", {"region": "黄埔区", "year": "2022"})
    pages = [at]
    for annex in ("1", "2", "3"):
        pages.append(open_link(monkeypatch, seeded_url, "portal_evaluations",
                               {"region": "荔湾区", "year": "2020", "annex": annex}))
    for page in pages:
        for spec, _ in charts(page):
            for layer in spec.get("layer", [spec]):
                enc = layer.get("encoding", {})
                for channel in ("x", "y"):
                    axis = (enc.get(channel) or {}).get("axis") or {}
                    title = (enc.get(channel) or {}).get("title", axis.get("title"))
                    if channel == "y" and title:
                        assert axis.get("titleAngle") == 0, title  # a vertical axis's title reads across
                    if channel == "x" and enc[channel].get("type") in ("nominal", "ordinal"):
                        assert axis.get("labelAngle") == 0


@pytest.mark.parametrize(("annex", "expected"), [("1", {"复核 · 项目": {"good": 21, "excellent": 2, "fair": 2}}),
                                                 ("3", None)])
def test_a_chart_stands_above_each_annex_table(monkeypatch: pytest.MonkeyPatch, seeded_url: str, annex: str,
                                               expected: dict | None) -> None:
    at = open_link(monkeypatch, seeded_url, "portal_evaluations", {"region": "荔湾区", "year": "2020", "annex": annex})
    table = _table(at)  # linked names read as the names they show
    (spec, data), = charts(at)
    if annex == "1":
        counts = data.groupby(["category", "grade"])["count"].sum()
        assert counts.sum() == len(table) == 37
        assert set(data["category"]) == {"重点评价 · 项目", "重点评价 · 部门整体", "自评复核 · 项目"}
    else:
        # Every key evaluation's bar, at the score the table shows, highest first.
        assert list(data["score"].map(lambda s: f"{s:.2f}")) == sorted(table["得分"], reverse=True)
        assert set(data["subject"]) == set(table["评价对象"]) and len(data) == 12


def test_the_pictures_leave_out_unpublished_records(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    with Session(make_engine(seeded_url)) as s:
        region = s.execute(select(Region).where(Region.name == "荔湾区")).scalar_one()
        dept = s.execute(select(Department).where(Department.region_id == region.id)).scalars().first()
        for year in (2020, 2021):  # a draft of the published year and a year with nothing published
            s.add(Evaluation(region_id=region.id, department_id=dept.id, year=year, subject="未公开草稿XYZ",
                             subject_type="project", method="key", score_centi=3000, funds_fen=10**13, published=False))
        s.commit()
    at = open_link(monkeypatch, seeded_url, "portal_home", {"region": "荔湾区", "year": "2020"})
    drawn = charts(at)
    grades = next(d for s, d in drawn if "label" in d.columns)
    assert dict(zip(grades["label"], grades["count"], strict=True))["差"] == 0
    funds = next(d for s, d in drawn if "amount" in d.columns)
    assert list(funds["year"]) == [2020]  # 2021 holds only the draft: no bar, no point
    assert at.caption and any("只有 2020 年度" in c.value for c in at.caption)
    evaluations = open_link(monkeypatch, seeded_url, "portal_evaluations",
                            {"region": "荔湾区", "year": "2020", "annex": "3"})
    assert "未公开草稿XYZ" not in set(charts(evaluations)[0][1]["subject"])


def test_the_findings_page_draws_each_department_by_status(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = open_link(monkeypatch, seeded_url, "portal_findings", {"region": "黄埔区", "year": "2022", "lang": "en"})
    table = _table(at)
    (spec, data), = charts(at)
    assert int(data["count"].sum()) == len(table) == 31
    drawn = data.groupby("status_label")["count"].sum().to_dict()
    assert drawn == table["Status"].value_counts().to_dict() == {"rectified": 9, "in progress": 12, "not started": 10}
    by_dept = data.groupby("category", sort=False)["count"].sum()
    assert set(by_dept.index) == set(table["Department"])
    still_open = data[data["status"] != "rectified"].groupby("category", sort=False)["count"].sum()
    assert list(still_open.reindex(by_dept.index, fill_value=0)) == sorted(still_open.reindex(by_dept.index,
                                                                                              fill_value=0),
                                                                           reverse=True)  # most open first
    assert [x for x in titles(spec) if CJK.search(x)] == []


def _ex_ante_pictures(at: AppTest) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    drawn = charts(at)
    conclusions = next(d for s, d in drawn if "conclusion" in d.columns)
    funds = next(d for s, d in drawn if "part" in d.columns)
    return conclusions, funds, [s for s, _ in drawn]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_ex_ante_page_draws_conclusions_and_funds_by_department(monkeypatch: pytest.MonkeyPatch, seeded_url: str,
                                                                    lang: str) -> None:
    """事前评估结果: each department's conclusions, and its requested funds split into approved, cut and
    rejected (the bar's length is what it asked for), the same as the table, in the reader's language."""
    at = open_link(monkeypatch, seeded_url, "portal_exante", {"region": "黄埔区", "year": "2022", "lang": lang})
    table = _table(at)
    conclusions, funds, specs = _ex_ante_pictures(at)
    dept, conclusion = ("预算单位", "评估结论") if lang == "zh" else ("Department", "Conclusion")
    assert int(conclusions["count"].sum()) == len(table) == 34
    assert (conclusions.groupby("conclusion_label")["count"].sum().to_dict()
            == table[conclusion].value_counts().to_dict())
    requested = table.groupby(dept)["申报金额（万元）" if lang == "zh" else "Requested (10k yuan)"].apply(
        lambda s: round(sum(float(v.replace(",", "")) for v in s), 2))
    drawn = funds.groupby("category")["wan"].sum().round(2)
    assert drawn.to_dict() == requested.to_dict()  # approved + cut + rejected = requested, per department
    assert list(dict.fromkeys(funds["category"])) == list(drawn.sort_values(ascending=False, kind="stable").index)
    for spec in specs:
        assert spec["encoding"]["y"]["axis"]["labelAngle"] == 0
        if lang == "en":
            assert [x for x in titles(spec) if CJK.search(x)] == []
            assert not CJK.search("".join(spec["encoding"]["color"]["scale"]["domain"]))


def test_the_staff_ex_ante_page_draws_the_same_pictures(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    from tests.apptest import signed_in

    at = signed_in(monkeypatch, seeded_url)
    at.query_params.update({"region": "黄埔区", "year": "2022"})
    at.switch_page("../pages/exante.py").run()
    assert not at.exception
    conclusions, funds, _ = _ex_ante_pictures(at)
    assert int(conclusions["count"].sum()) == 34
    assert set(funds["part_label"]) <= {"建议安排", "核减", "不予支持"}
