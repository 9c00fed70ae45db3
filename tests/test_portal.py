"""The public portal: anonymous, published records only, downloads neutralised, permalinks."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.models import Department, Evaluation, ExAnte, Finding, Region
from data_access.opendata import open_data_zip
from data_access.queries.kpis import kpis
from tests.apptest import app, withdraw_sample_result
from tests.test_portal_leaks import downloads  # noqa: F401 - a fixture

SECRET = "未公开测试项目XYZ"
PORTAL = ["portal_home", "portal_evaluations", "portal_findings", "portal_exante", "portal_changes", "portal_execution"]


@pytest.fixture
def db(seeded_url: str) -> str:
    """The sample plus unpublished records with recognisable names, one a formula."""
    with Session(make_engine(seeded_url)) as s:
        region = s.execute(select(Region).where(Region.name == "黄埔区")).scalar_one()
        dept = s.execute(select(Department).where(Department.region_id == region.id)).scalars().first()
        common = {"region_id": region.id, "department_id": dept.id, "year": 2022}
        s.add(Evaluation(**common, subject=SECRET, subject_type="project", method="key", score_centi=4000,
                         funds_fen=10**12, published=False))
        s.add(Evaluation(**common, subject="=HYPERLINK(\"http://x\")", subject_type="project", method="review",
                         score_centi=9500, funds_fen=100, published=True))
        s.add(Finding(**common, finding_code="SECRET-1", subject=SECRET, category="预算编制", description=SECRET,
                      deadline=dt.date(2023, 6, 30), status="not_started", published=False))
        s.add(ExAnte(**common, name=SECRET, requested_fen=10**11, recommended_fen=0, conclusion="rejected",
                     published=False))
        s.commit()
    withdraw_sample_result(seeded_url)
    return seeded_url


def _all_text(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "title", "subheader", "metric", "info", "text")
             for e in at.get(kind) if hasattr(e, "value")]
    parts += [m.label for m in at.metric]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [str(e.proto) for e in at.get("expandable")]
    return "\n".join(parts)


def test_anonymous_sees_no_unpublished_record_anywhere(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    at = app(monkeypatch, db).run()
    texts = []
    for page in PORTAL:
        at.switch_page(f"../pages/{page}.py").run()
        assert not at.exception, page
        texts.append(_all_text(at))
    at.switch_page("../pages/portal_evaluations.py").run()
    for annex in ("2", "3"):
        at.selectbox(key="portal_annex").select(annex).run()
        texts.append(_all_text(at))
    blob = "\n".join(texts)
    assert "区住房城乡建设局" in blob  # the pages did render published results
    assert SECRET not in blob and "区老人院运营" not in blob


def test_public_figures_come_from_published_records_only(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    with Session(make_engine(db)) as s:
        public = kpis(session=s, year=2022, region="黄埔区", published_only=True)
        internal = kpis(session=s, year=2022, region="黄埔区")
    assert public["evaluation"]["finance"]["count"] == internal["evaluation"]["finance"]["count"] - 2
    assert public["ex_ante"]["projects"] == internal["ex_ante"]["projects"] - 1  # the secret one
    at = app(monkeypatch, db).run()
    shown = {m.label: m.value for m in at.metric}
    assert shown["已公开的财政评价"] == str(public["evaluation"]["finance"]["count"])
    assert shown["事前评估核减率"] == f"{public['ex_ante']['cut_rate']}%"


def test_open_data_package_is_published_only_and_neutralised(db: str) -> None:
    with Session(make_engine(db)) as s:
        data = open_data_zip(session=s, region="黄埔区", year=2022)
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert set(zf.namelist()) == {"evaluations.csv", "findings.csv", "ex_ante.csv", "datapackage.json"}
    package = json.loads(zf.read("datapackage.json"))
    assert [r["name"] for r in package["resources"]] == ["evaluations", "findings", "ex_ante"]
    everything = b"".join(zf.read(n) for n in zf.namelist()).decode("utf-8")
    assert SECRET not in everything
    evaluations = pd.read_csv(io.BytesIO(zf.read("evaluations.csv")))
    assert "'=HYPERLINK(\"http://x\")" in set(evaluations["subject"])
    assert not any(str(v).startswith("=") for v in evaluations["subject"])


def test_xlsx_and_csv_downloads_neutralise_formulas() -> None:
    from openpyxl import load_workbook

    from dashboard.ui import to_csv_bytes, to_xlsx_bytes

    df = pd.DataFrame({"name": ["=1+1", "+cmd", "-2", "@SUM(A1)", "正常"], "amount": [1, -2, 3, 4, 5]})
    csv = to_csv_bytes(df).decode("utf-8-sig")
    assert "'=1+1" in csv and "'@SUM(A1)" in csv and ",-2\n" in csv  # numbers stay numbers
    ws = load_workbook(io.BytesIO(to_xlsx_bytes({"t": df}))).active
    assert [c.value for c in ws["A"]][1:] == ["=1+1", "+cmd", "-2", "@SUM(A1)", "正常"]
    assert [(c.data_type, bool(c.quotePrefix)) for c in ws["A"]][1:] == [("s", True)] * 4 + [("s", False)]
    assert [c.value for c in ws["B"]][1:] == [1, -2, 3, 4, 5]


def test_permalink_reopens_the_same_view(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    at = app(monkeypatch, db)
    at.query_params.update({"region": "荔湾区", "year": "2020", "annex": "3", "grade": "excellent"})
    at.run()
    at.switch_page("../pages/portal_evaluations.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 2 and set(table["等级"]) == {"优"}  # 1 key project + 1 department rated 优


def test_workbook_sheet_names_are_valid_whatever_the_title() -> None:
    from openpyxl import load_workbook

    from dashboard.ui import to_xlsx_bytes

    data = to_xlsx_bytes({"黄埔区2022-Annex 1: results summary [draft]?": pd.DataFrame({"a": [1]})})
    assert load_workbook(io.BytesIO(data)).sheetnames == ["黄埔区2022-Annex 1- results summar"]


def test_changes_list_a_moved_deadline_of_a_published_finding(tmp_path: Path, seeded_url: str) -> None:
    """A findings re-import that moves a deadline shows up under 更新动态, with old and new dates."""
    from openpyxl import Workbook

    from data_access.queries.public import publication_changes
    from data_access.uploads import import_file

    engine = make_engine(seeded_url)
    with Session(engine) as s:
        f = s.execute(select(Finding).where(Finding.published.is_(True), Finding.year == 2021)).scalars().first()
        dept = s.get(Department, f.department_id).name
        row = [f.finding_code, f.subject, dept, "黄埔区", 2021, f.category, f.description, "2024-12-31",
               {"rectified": "已整改", "in_progress": "整改中", "not_started": "未整改"}[f.status], "是"]
        old_deadline = f.deadline
    wb = Workbook()
    wb.active.append(["问题编号", "评价对象", "预算单位", "行政区", "预算年度", "问题类别", "问题描述", "整改期限",
                      "整改状态", "是否公开"])
    wb.active.append(row)
    path = tmp_path / "findings.xlsx"
    wb.save(path)
    report = import_file(engine, "findings", path.read_bytes(), path.name, user="fin1")
    assert report.committed, report.errors
    with Session(engine) as s:
        changes = publication_changes(session=s, region="黄埔区", since=dt.date(2020, 1, 1))
    moved = changes[changes["kind"] == "deadline_moved"]
    assert list(moved["detail"]) == [f"{row[0]}: {old_deadline.isoformat()} → 2024-12-31"]


def test_annex_choice_offers_the_three_annexes_and_no_all(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    at = app(monkeypatch, db)
    at.query_params.update({"region": "荔湾区", "year": "2020", "annex": "2", "lang": "en"})
    at.run()
    at.switch_page("../pages/portal_evaluations.py").run()
    annex = at.selectbox(key="portal_annex")
    assert annex.options == ["Annex 1: results summary", "Annex 2: reviewed self-evaluations",
                             "Annex 3: key-evaluation reports"]
    assert annex.value == "2" and at.header[0].value.startswith("Annex 2")
    at.session_state["portal_grade"] = "good"  # a rerun in English keeps English labels
    at.run()
    assert not at.exception and at.selectbox(key="portal_grade").options[0] == "All"


def test_page_downloads_keep_numbers_and_neutralise_text(
    monkeypatch: pytest.MonkeyPatch, db: str, downloads: dict[str, bytes]  # noqa: F811 - the imported fixture
) -> None:
    """What a visitor downloads from 附件2: amounts and scores as numbers, formula text defused."""
    import csv

    from openpyxl import load_workbook

    at = app(monkeypatch, db)
    at.query_params.update({"region": "黄埔区", "year": "2022", "annex": "2"})
    at.run()
    at.switch_page("../pages/portal_evaluations.py").run()
    assert not at.exception
    # not the home page's trend table
    xlsx = next(d for n, d in downloads.items() if n.endswith(".xlsx") and "附件2" in n)
    sheet = load_workbook(io.BytesIO(xlsx)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert "预算完成率（%）" in header
    injected = next(r for r in rows if r[header.index("评价对象")] == "=HYPERLINK(\"http://x\")")
    cell = next(c for c in sheet.iter_rows() if c[header.index("评价对象")].value == injected[header.index("评价对象")])
    # text, not a formula
    assert cell[header.index("评价对象")].data_type == "s" and cell[header.index("评价对象")].quotePrefix
    assert injected[header.index("得分")] == 95.0 and injected[header.index("涉及资金（万元）")] == 0.0001  # 1 yuan
    assert all(isinstance(r[header.index("得分")], int | float) for r in rows[1:])
    csv_bytes = next(d for n, d in downloads.items() if n.endswith(".csv") and "附件2" in n)
    records = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert {"'=HYPERLINK(\"http://x\")"} <= {r["评价对象"] for r in records}
    assert not any(r["评价对象"].startswith(("=", "+", "-", "@")) for r in records)
    assert any(n.endswith(".zip") for n in downloads)  # the open-data package sits on the same page
