"""Issue 12 item 6: for a year its report covers, the portal shows the report's figures; where a
published figure differs from the whole, the page says how many records are not yet published."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from data_access.db import make_engine
from data_access.models import Evaluation, ExAnte, Finding, Region
from data_access.publishing import set_published
from data_access.queries.kpis import kpis, to_json
from tests.apptest import app

REPORTED = [("黄埔区", 2022), ("黄埔区", 2021), ("荔湾区", 2020)]


@pytest.mark.parametrize(("region", "year"), REPORTED)
def test_the_portal_figures_of_a_reported_year_are_the_reports(seeded_url: str, region: str, year: int) -> None:
    with Session(make_engine(seeded_url)) as s:
        public = json.loads(to_json(kpis(session=s, year=year, region=region, published_only=True)))
        whole = json.loads(to_json(kpis(session=s, year=year, region=region)))
    for block in ("ex_ante", "rectification"):
        assert public[block] == whole[block], block
    assert public["evaluation"]["finance"] == whole["evaluation"]["finance"]
    assert public["evaluation"]["by_subject"] == whole["evaluation"]["by_subject"]


def test_huangpu_2022_on_the_portal_says_38_and_92_11(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = app(monkeypatch, seeded_url)
    at.query_params.update({"region": "黄埔区", "year": "2022"})
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已公开的财政评价"] == "38" and metrics["优良率"] == "92.11%"
    assert metrics["事前评估核减率"] == "23.25%"
    assert not [c.value for c in at.caption if "尚未公开" in c.value]  # nothing held back, so no line about it


def test_the_sample_keeps_unpublished_work_in_progress_outside_the_reported_years(seeded_url: str) -> None:
    with Session(make_engine(seeded_url)) as s:
        drafts = s.execute(select(Region.name, ExAnte.year, func.count()).join(Region, Region.id == ExAnte.region_id)
                           .where(ExAnte.published.is_(False)).group_by(Region.name, ExAnte.year)).all()
        assert [(r, y) for r, y, _n in drafts] == [("黄埔区", 2023)] and drafts[0][2] > 0
        for model in (Evaluation, Finding):
            finance = model.method != "self" if model is Evaluation else True  # type: ignore[attr-defined]
            assert s.execute(select(func.count()).select_from(model)
                             .where(model.published.is_(False), finance)).scalar_one() == 0  # type: ignore[attr-defined]


def test_a_page_says_how_many_records_are_not_yet_published_never_which(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str
) -> None:
    with Session(make_engine(seeded_url)) as s:
        held = s.execute(select(Evaluation.id).where(Evaluation.subject == "区老人院运营",
                                                     Evaluation.method == "review")).scalar_one()
        finding = s.execute(select(Finding.id, Finding.description).join(Region, Region.id == Finding.region_id)
                            .where(Region.name == "黄埔区", Finding.year == 2022).order_by(Finding.id)).first()
        set_published(s, "evaluation", [held], False, "fin1")
        set_published(s, "finding", [finding[0]], False, "fin1")
    for lang, evaluations, findings in (
        ("zh", "另有 1 个财政评价结果尚未公开，未计入本页数字。", "另有 1 个评价发现问题尚未公开，未计入本页数字。"),
        ("en", "1 finance evaluation(s) not yet published, not counted here.",
         "1 finding(s) not yet published, not counted here."),
    ):
        at = app(monkeypatch, seeded_url)
        at.query_params.update({"region": "黄埔区", "year": "2022", "lang": lang})
        at.run()
        captions = [c.value for c in at.caption]
        assert evaluations in captions and findings in captions, captions
        text = "\n".join(captions + [m.value for m in at.markdown])
        assert "区老人院运营" not in text and finding[1] not in text
        at.switch_page("../pages/portal_evaluations.py").run()
        assert evaluations in [c.value for c in at.caption]
        at.switch_page("../pages/portal_findings.py").run()
        assert findings in [c.value for c in at.caption]
        at.switch_page("../pages/portal_exante.py").run()
        assert not [c.value for c in at.caption if "尚未公开" in c.value or "not yet published" in c.value]
