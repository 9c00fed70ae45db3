"""No unpublished record reaches an anonymous visitor: every public page with every option,
every public download, the filter lists and the headline figures, through the entrypoint."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf import text_format
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlmodel import Session
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from data_access.audit import record
from data_access.db import make_engine
from data_access.enums import CONCLUSIONS, FINDING_STATUSES, GRADES
from data_access.models import Department, Evaluation, ExAnte, Finding, FindingStatusChange, Region
from data_access.queries.kpis import kpis
from tests.apptest import WITHDRAWN, nodes, withdraw_sample_result

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
SECRET = "机密未公开项目XYZ"
SECRET_DEPT = "机密未公开局XYZ"  # a department holding unpublished records only
SECRET_REGION = "机密未公开区XYZ"  # a region holding unpublished records only
SECRET_YEAR = 2019  # a year of 黄埔区 holding unpublished records only
MARKERS = (SECRET, SECRET_DEPT, SECRET_REGION, WITHDRAWN)  # the last: a sample record withdrawn


def add_secrets(url: str) -> None:
    """Unpublished evaluations, findings and ex-ante records with recognisable names."""
    with Session(make_engine(url)) as s:
        hp = s.execute(select(Region).where(Region.name == "黄埔区")).scalar_one()
        dept = s.execute(select(Department).where(Department.region_id == hp.id)
                         .order_by(Department.id)).scalars().first()
        secret_dept = Department(region_id=hp.id, code="999999", name=SECRET_DEPT)
        secret_region = Region(name=SECRET_REGION)
        s.add_all([secret_dept, secret_region])
        s.flush()
        other_dept = Department(region_id=secret_region.id, code="999998", name=SECRET_DEPT + "二")
        s.add(other_dept)
        s.flush()
        places = [(hp.id, dept.id, 2022), (hp.id, secret_dept.id, 2022), (hp.id, dept.id, SECRET_YEAR),
                  (secret_region.id, other_dept.id, 2022)]
        at = dt.datetime.now(dt.UTC)
        for n, (rid, did, year) in enumerate(places):
            common = {"region_id": rid, "department_id": did, "year": year, "published": False}
            for method in ("self", "review", "key"):
                s.add(Evaluation(**common, subject=SECRET, subject_type="project", method=method, score_centi=4000,
                                 funds_fen=10**12, evaluator=SECRET, report_summary=SECRET,
                                 published_at=at, published_by="withdrawn"))
            finding = Finding(**common, finding_code=f"SECRET-{n}", subject=SECRET, category="预算编制",
                              description=SECRET, measures=SECRET, deadline=dt.date(2023, 6, 30), status="rectified")
            s.add(finding)
            s.flush()
            s.add(FindingStatusChange(finding_id=finding.id, changed_by="x", from_status="in_progress",
                                      to_status="rectified", comment=SECRET))
            record(s, "x", "import_update", entity="finding", entity_id=finding.id,
                   detail={"before": {"deadline": "2023-06-30"}, "after": {"deadline": "2024-06-30"}})
            s.add(ExAnte(**common, name=SECRET, requested_fen=10**11, recommended_fen=0, conclusion="rejected"))
        s.commit()
    withdraw_sample_result(url)


@pytest.fixture
def leaky(seeded_url: str) -> str:
    add_secrets(seeded_url)
    return seeded_url


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    """Every file a page hands to a download button, by file name."""
    captured: dict[str, bytes] = {}
    original, original_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):  # type: ignore[no-untyped-def]
        if isinstance(path_or_data, bytes | str) and file_name:
            captured[file_name] = path_or_data if isinstance(path_or_data, bytes) else path_or_data.encode()
        return original(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):  # type: ignore[no-untyped-def]
        if file_name:  # a file written on click: written now, as the click would
            data = data_callable()
            captured[file_name] = data if isinstance(data, bytes) else data.encode()
        return original_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    yield captured


def page_text(at: AppTest) -> str:
    """Everything an element carries: texts, options, table and chart data."""
    import pyarrow as pa

    parts = []
    for node in nodes(at):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        parts.append(text_format.MessageToString(proto, as_utf8=True))
        if node.type == "arrow_data_frame":
            parts.append(node.value.to_csv())
        for ds in getattr(proto, "datasets", []):  # altair/vega chart data
            parts.append(pa.ipc.open_stream(ds.data.data).read_pandas().to_csv())
    return "\n".join(parts)


def file_text(name: str, data: bytes) -> str:
    if name.endswith(".zip"):
        zf = zipfile.ZipFile(io.BytesIO(data))
        return "\n".join(file_text(n, zf.read(n)) for n in zf.namelist())
    if name.endswith(".xlsx"):
        wb = load_workbook(io.BytesIO(data))
        return ("\n".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row)
                + " ".join(wb.sheetnames))
    return data.decode("utf-8-sig")


# Options of select filters whose labels differ from their values (AppTest selects by value).
RAW_OPTIONS = {"portal_annex": ["1", "2", "3"], "portal_grade": list(GRADES), "portal_status": list(FINDING_STATUSES),
               "portal_conclusion": list(CONCLUSIONS)}


def visit_everything(at: AppTest, years_and_regions: list[list[str]]) -> list[str]:
    """Open each public page and walk every option of every portal filter."""
    texts = []
    pages = ["portal_home", "portal_evaluations", "portal_findings", "portal_exante", "portal_changes",
             "portal_execution", "portal_department", "portal_project", "portal_search"]
    for page in pages:
        at.switch_page(f"../pages/{page}.py").run()
        assert not at.exception, page
        texts.append(page_text(at))
        for sb in list(at.selectbox):
            if (sb.key or "").startswith(("portal_region", "portal_year")):
                years_and_regions.append(sb.options)
                continue
            before = at.session_state[sb.key]
            options = RAW_OPTIONS.get(sb.key, sb.options[1:])
            if (sb.key or "").startswith("portal_project_"):
                options = sb.options[:12]  # a hundred subjects: a dozen pages cover the page's every part
            elif (sb.key or "").startswith("portal_department_"):
                options = sb.options  # the picker starts empty: every department's page
            for value in options:
                # Through session state: AppTest formats a selected value outside the script run,
                # where the language (and so the label) would fall back to Chinese.
                at.session_state[sb.key] = value
                at.run()
                assert not at.exception, (page, sb.key, value)
                texts.append(page_text(at))
            at.session_state[sb.key] = before
            at.run()
        for key in ("portal_search", "portal_findings_search", "portal_search_q"):
            if any(ti.key == key for ti in at.text_input):
                # Words of the secrets (not a whole marker: the box itself would hold it), and one finding almost
                # everything.
                for words in ("XYZ", "机密", "老人院", "区"):
                    at.text_input(key=key).input(words).run()
                    texts.append(page_text(at))
                at.text_input(key=key).input("").run()
        for ex in at.get("expandable"):
            texts.append(text_format.MessageToString(ex.proto, as_utf8=True))
    return texts


# Every region-year in Chinese; in English (the same queries, other labels) the year of the secrets. One test
# each, so the two workers share the sweep. A department with published results in each, and the years
# each region's list may offer (those holding a published record).
PLACES = [("zh", "黄埔区", "2022", "区住房城乡建设局"), ("zh", "黄埔区", "2021", "区工业和信息化局"),
          ("zh", "荔湾区", "2020", "区人力和社会保障局"), ("en", "黄埔区", "2022", "区住房城乡建设局")]
PUBLISHED_YEARS = {"黄埔区": {"2022", "2021"}, "荔湾区": {"2020"}}


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "region", "year", "department"), PLACES)
def test_no_unpublished_name_on_any_public_page_or_download(  # noqa: PLR0913 - the place, and the fixtures
    monkeypatch: pytest.MonkeyPatch, leaky: str, downloads: dict[str, bytes], lang: str, region: str, year: str,
    department: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", leaky)
    filter_lists: list[list[str]] = []
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"region": region, "year": year, "lang": lang, "since": "2000-01-01"})
    at.run()
    blob = "\n".join(visit_everything(at, filter_lists))
    assert department in blob  # the pages did render published results
    assert {n.rsplit(".", 1)[-1] for n in downloads} == {"csv", "xlsx", "zip"}
    blob += "\n".join(file_text(n, d) for n, d in downloads.items())
    leaked = [m for m in MARKERS if m in blob]
    assert leaked == []
    # The region and year lists offer only what holds a published record.
    assert {o for options in filter_lists for o in options} == {"黄埔区", "荔湾区"} | PUBLISHED_YEARS[region]


def _move_unpublished_away(url: str) -> None:
    """Move every unpublished record to another region (status history cannot be deleted), so
    what is left in the seed regions is exactly what may be disclosed."""
    with Session(make_engine(url)) as s:
        elsewhere = s.execute(select(Region.id).where(Region.name == SECRET_REGION)).scalar_one()
        for model in (Finding, ExAnte, Evaluation):
            s.execute(update(model).where(model.published.is_(False)).values(region_id=elsewhere))
        s.commit()


@pytest.mark.parametrize(("region", "year"), [("黄埔区", 2022), ("黄埔区", 2021), ("荔湾区", 2020)])
def test_headline_figures_equal_those_of_published_records_alone(
    monkeypatch: pytest.MonkeyPatch, leaky: str, region: str, year: int
) -> None:
    from data_access.formatting import money, percent

    monkeypatch.setenv("DATABASE_URL", leaky)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"region": region, "year": str(year)})
    at.run()
    home = {m.label: m.value for m in at.metric}
    home_captions = [c.value for c in at.caption]
    at.switch_page("../pages/portal_exante.py").run()
    exante_captions = [c.value for c in at.caption]
    _move_unpublished_away(leaky)
    with Session(make_engine(leaky)) as s:
        k = kpis(session=s, year=year, region=region, as_of=dt.date.today())
    fin, ea, rc = k["evaluation"]["finance"], k["ex_ante"], k["rectification"]
    assert home == {
        "已公开的财政评价": str(fin["count"]), "优良率": percent(fin["excellent_good_rate"]),
        "事前评估核减率": percent(ea["cut_rate"]), "已公开的评价发现问题": str(rc["findings"]),
        "整改完成率": percent(rc["completion_rate"]), "已书面反馈整改情况": str(rc["feedback_submitted"]),
    }
    fen = int(fin["funds_total"] * 100)  # yuan as an int or a 2-decimal Decimal: exact
    assert f"涉及资金 {money(fen)}" in home_captions
    if ea["projects"]:
        assert any(f"{ea['projects']} 个项目" in c and f"不予支持 {ea['not_supported']} 个" in c
                   for c in exante_captions)
