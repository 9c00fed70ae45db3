"""执行监控 through the entrypoint: key monitoring figures, filters, project detail, English."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.queries.kpis import kpis
from data_access.settings import Settings
from tests.apptest import signed_in


def _kpis(url: str) -> dict:
    with Session(make_engine(url)) as session:
        return kpis(session=session, year=2022, region="黄埔区", as_of=dt.date(2022, 12, 31))


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> AppTest:
    at = signed_in(monkeypatch, seeded_url)
    at.switch_page("../pages/execution.py").run()
    assert not at.exception
    return at


def _projects(at: AppTest):  # type: ignore[no-untyped-def]
    return next(df.value for df in at.dataframe if "项目编码" in df.value.columns and "执行率（%）" in df.value.columns)


def test_key_monitoring_matches_the_seed(page: AppTest) -> None:
    shown = {m.label: m.value for m in page.metric}
    assert shown["重点监控项目"] == "40" and shown["涉及部门"] == "6" and shown["重点监控预算资金"] == "177.6 亿元"


def test_filters_change_the_project_table(page: AppTest) -> None:
    projects = _projects(page)
    assert len(projects) == 200
    page.toggle(key="execution_key_only").set_value(True).run()
    assert len(_projects(page)) == 40
    page.selectbox(key="execution_dept").select("区卫生健康局").run()
    table = _projects(page)
    assert len(table) == 7 and set(table["预算单位"]) == {"区卫生健康局"}
    assert set(table["状态"]) <= {"● 正常", "▲ 关注", "■ 预警"}


def test_project_detail_shows_targets_with_midyear_progress(page: AppTest) -> None:
    box = page.selectbox(key="execution_project")
    box.select(next(o for o in box.options if o.startswith("HP2022K001 "))).run()
    assert not page.exception
    assert any("绩效目标年中监控" in m.value for m in page.markdown)
    targets = next(df.value for df in page.dataframe if "能否完成" in df.value.columns)
    assert len(targets) == 4 and set(targets["能否完成"]) <= {"确定能", "有可能", "完全不可能"}


def test_english(page: AppTest) -> None:
    page.session_state["lang"] = "en"
    page.run()
    assert [t.value for t in page.title] == ["Execution monitoring"]
    assert "Key projects" in {m.label for m in page.metric}


def test_curve_draws_execution_solid_blue_and_time_progress_dashed(page: AppTest, seeded_url: str) -> None:
    import json

    import pyarrow as pa

    chart = page.get("vega_lite_chart")[0]
    spec = json.loads(chart.proto.spec)
    layer = spec["layer"][0]["encoding"]
    assert layer["color"]["scale"]["domain"] == ["预算执行率", "序时进度"]
    assert layer["color"]["scale"]["range"][0] == "#0072B2" and layer["strokeDash"]["scale"]["range"][0] == [1, 0]
    data = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()
    december = data[(data["month"] == 12)].set_index("series")["rate"]
    assert december["序时进度"] == 100.0
    assert december["预算执行率"] == float(_kpis(seeded_url)["execution"]["execution_rate"])  # the figure of `kpis`


def test_projects_furthest_behind_come_first_and_open_the_detail(page: AppTest) -> None:
    table = _projects(page)
    gaps = list(table["进度差（百分点）"])
    assert gaps == sorted(gaps, reverse=True) and gaps[0] > 15 and table["状态"].iloc[0] == "■ 预警"
    # The detail opens on the worst laggard and its link (?project=) reopens it.
    worst = table["项目编码"].iloc[0]
    assert page.selectbox(key="execution_project").value.startswith(f"{worst} ")
    assert page.query_params["project"] == worst


def test_a_project_link_opens_its_detail(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = signed_in(monkeypatch, seeded_url)
    at.query_params["project"] = "HP2022K001"
    at.switch_page("../pages/execution.py").run()
    assert not at.exception
    assert at.selectbox(key="execution_project").value.startswith("HP2022K001 ")
    assert any("绩效目标年中监控" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("rule", "department", "project", "caption"),
    # At the end of 2022 鱼珠街道 has spent 78.90 % (21.10 points behind, a ratio of 78.90) and the key
    # project HP2022K010 72.00 %: a warning by the gap, only "watch" by the ratio.
    [("gap", "■ 预警", "■ 预警", "进度差（序时进度减执行率）超过 5 个百分点为关注，超过 15 个百分点为预警"),
     ("ratio", "▲ 关注", "▲ 关注", "执行率除以序时进度乘以 100 低于 80 为关注，低于 60 为预警")],
)
def test_statuses_and_caption_follow_the_configured_rule(monkeypatch: pytest.MonkeyPatch, seeded_url: str, rule: str,
                                                        department: str, project: str, caption: str) -> None:
    monkeypatch.setattr("data_access.settings.SETTINGS", Settings(execution_rule=rule))
    at = signed_in(monkeypatch, seeded_url)
    at.switch_page("../pages/execution.py").run()
    assert not at.exception
    depts = next(df.value for df in at.dataframe if "最差项目状态" in df.value.columns).set_index("预算单位")
    assert depts.loc["鱼珠街道", "状态"] == department
    assert _projects(at).set_index("项目编码").loc["HP2022K010", "状态"] == project
    assert caption in " ".join(c.value for c in at.caption)


@pytest.fixture
def city_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    from data_access.migrate import upgrade
    from data_access.seed import seed_synthetic

    url = f"sqlite:///{tmp_path / 'city.db'}"
    engine = make_engine(url, create=True)
    upgrade(engine)
    seed_synthetic(engine, projects=450)
    engine.dispose()
    return url


def test_a_large_district_shows_its_projects_a_page_at_a_time(monkeypatch: pytest.MonkeyPatch, city_url: str) -> None:
    """450 projects, 200 a page by default (a leader reads the worst first, not thousands of rows): the rest on
    pages 2 and 3, a search finds one; the download holds all 450."""
    from tests.apptest import capture_downloads, download
    from tests.test_downloads import csv_table

    files = capture_downloads(monkeypatch)
    at = signed_in(monkeypatch, city_url)
    at.query_params.update({"region": "合成区01", "year": "2024"})
    at.switch_page("../pages/execution.py").run()
    assert not at.exception
    first = _projects(at)
    assert len(first) == 200
    gaps = [float(g) for g in first["进度差（百分点）"]]
    assert gaps == sorted(gaps, reverse=True)  # furthest behind first
    assert any("共 450 项" in c.value for c in at.caption)
    assert len(csv_table(download(at, files, "execution_projects_dl_csv")[1])[1]) == 450
    at.number_input(key="execution_page").set_value(3).run()
    last = _projects(at)
    assert len(last) == 50 and not set(last["项目编码"]) & set(first["项目编码"])
    at.text_input(key="execution_search").input("S010000123").run()
    assert list(_projects(at)["项目编码"]) == ["S010000123"]
    assert at.selectbox(key="execution_project").value.startswith("S010000123 ")


def test_a_rerun_that_changes_nothing_draws_no_chart_again(monkeypatch: pytest.MonkeyPatch, city_url: str) -> None:
    """The charts' specs are kept: Altair's schema check on every run cost a tenth of a second at city scale."""
    from dashboard import charts

    built: list[str] = []
    for name in ("gap_bars", "quadrant", "execution_curve"):
        monkeypatch.setattr(charts, name, (lambda f, n: lambda *a, **k: (built.append(n), f(*a, **k))[1])(
            getattr(charts, name), name))
    at = signed_in(monkeypatch, city_url)
    at.query_params.update({"region": "合成区01", "year": "2024"})
    at.switch_page("../pages/execution.py").run()
    assert not at.exception and built.count("gap_bars") == 1
    at.run()
    assert not at.exception and built.count("gap_bars") == 1 and len(at.get("vega_lite_chart")) >= 2
    assert built.count("execution_curve") == 2  # the district's curve and the project's, built on the first run
    at.toggle(key="execution_key_only").set_value(True).run()
    assert built.count("gap_bars") == 2  # another filter, another chart
