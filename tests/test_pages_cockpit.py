"""Cockpit and 执行监控 through the entrypoint: every card equals `kpis`, tables rank and filter as a user checks."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from dashboard.ui import money, pct
from data_access.db import make_engine
from data_access.money import yuan_to_fen
from data_access.queries.kpis import kpis, rectification_kpis
from data_access.settings import Settings
from tests.apptest import signed_in


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> AppTest:
    app = signed_in(monkeypatch, seeded_url)
    app.switch_page("../pages/overview.py").run()
    assert not app.exception
    return app


def _kpis(url: str, year: int) -> dict:
    with Session(make_engine(url)) as session:
        return kpis(session=session, year=year, region="黄埔区", as_of=dt.date(year, 12, 31))


def _rectification_today(url: str) -> dict:
    with Session(make_engine(url)) as session:
        return rectification_kpis(session=session, year=2022, region="黄埔区", as_of=dt.date.today())


def _table(at: AppTest, *columns: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if set(columns) <= set(df.value.columns))


def test_every_overview_card_is_the_kpis_figure(at: AppTest, seeded_url: str) -> None:
    k, prev = _kpis(seeded_url, 2022), _kpis(seeded_url, 2021)
    ex, fin, ea, rc = k["execution"], k["evaluation"]["finance"], k["ex_ante"], k["rectification"]
    cards = {m.label: m for m in at.metric}
    assert {label: m.value for label, m in cards.items()} == {
        "预算总额": money(yuan_to_fen(ex["budget_total"])),
        "累计支出": money(yuan_to_fen(ex["spent_total"])),
        "预算执行率": pct(ex["execution_rate"]),
        "重点项目预警": str(ex["behind_schedule"]),
        "财政评价优良率": "92.11%",
        "事前评估核减率": pct(ea["cut_rate"]),
        "问题整改完成率": pct(rc["completion_rate"]),
        "逾期未整改（截至 2022-12-31）": str(rc["overdue"]),
        f"逾期未整改（截至今天 {dt.date.today().isoformat()}）": str(_rectification_today(seeded_url)["overdue"]),
    }
    assert fin["excellent_good_rate"] is not None and pct(fin["excellent_good_rate"]) == "92.11%"
    # Year-on-year change against 2021, which holds data in the seed.
    change = ex["execution_rate"] - prev["execution"]["execution_rate"]
    assert cards["预算执行率"].delta == f"{change:+,.2f} 个百分点"
    grew = yuan_to_fen(ex["budget_total"]) - yuan_to_fen(prev["execution"]["budget_total"])
    assert grew > 0 and cards["预算总额"].delta == "+" + money(grew)  # same 亿元 unit as the card
    assert cards["预算总额"].proto.delta_description == "较 2021 年"
    # An unchanged count is neutral: grey, no arrow (a red "↑ +0" would read as a worsening).
    unchanged = [m for m in at.metric if m.delta in ("+0", "+0.00 个百分点")]
    assert cards["逾期未整改（截至 2022-12-31）"] in unchanged  # 0 overdue at both year ends in the sample data
    assert all(m.proto.color == m.proto.MetricColor.GRAY and m.proto.direction == m.proto.MetricDirection.NONE
               for m in unchanged)
    captions = " ".join(c.value for c in at.caption)
    assert "截至 2022-12-31" in captions  # the as-of date behind the overdue count is stated


def test_overview_links_to_the_page_behind_each_card(at: AppTest) -> None:
    links = {el.proto.label for el in at.get("page_link")}
    assert {"查看执行监控", "查看绩效评价", "查看事前评估", "查看问题整改"} <= links


def test_execution_ranks_departments_by_gap_and_filters(at: AppTest) -> None:
    at.switch_page("../pages/execution.py").run()
    assert not at.exception
    depts = _table(at, "进度差（百分点）", "最差项目状态")
    assert list(depts["进度差（百分点）"]) == sorted(depts["进度差（百分点）"], reverse=True)
    top = depts.iloc[0]
    assert top["进度差（百分点）"] > 15 and top["状态"] == "■ 预警"  # > 15 points behind is a warning
    projects = _table(at, "项目编码", "执行率（%）")
    fund = projects["资金来源"].iloc[0]
    at.selectbox(key="execution_fund").select(fund).run()
    filtered = _table(at, "项目编码", "执行率（%）")
    assert 0 < len(filtered) < len(projects) and set(filtered["资金来源"]) == {fund}


def test_execution_empty_filter_says_so(at: AppTest) -> None:
    at.switch_page("../pages/execution.py").run()
    depts = _table(at, "进度差（百分点）", "重点监控项目")
    no_key = depts[depts["重点监控项目"] == 0]["预算单位"].iloc[0]
    at.selectbox(key="execution_dept").select(no_key).run()
    at.toggle(key="execution_key_only").set_value(True).run()
    assert not at.exception
    assert at.info and not any("项目编码" in df.value.columns for df in at.dataframe)


def test_english_switch_changes_titles(at: AppTest) -> None:
    at.session_state["lang"] = "en"
    at.run()
    assert [t.value for t in at.title] == ["Leadership cockpit"]
    at.switch_page("../pages/execution.py").run()
    assert [t.value for t in at.title] == ["Execution monitoring"]
    assert {"Gap (pp)", "Worst project status"} <= set(_table(at, "Gap (pp)").columns)


def test_project_detail_curve_ends_at_the_table_rate(at: AppTest) -> None:
    import json

    import pyarrow as pa

    at.switch_page("../pages/execution.py").run()
    box = at.selectbox(key="execution_project")
    box.select(next(o for o in box.options if o.startswith("HP2022K001 "))).run()
    assert not at.exception
    shown = _table(at, "项目编码", "执行率（%）").set_index("项目编码").loc["HP2022K001", "执行率（%）"]
    chart = at.get("vega_lite_chart")[-1]
    assert json.loads(chart.proto.spec)["layer"][0]["encoding"]["x"]["title"] == "月份"
    data = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()
    december = data[data["month"] == 12].set_index("series")["rate"]
    assert december["预算执行率"] == shown and december["序时进度"] == 100.0


@pytest.mark.parametrize(
    ("rule", "behind", "caption"),
    # Ten key projects are more than 15 points behind at the end of 2022; none spent below 60 % of time.
    [("gap", "10", "进度差（序时进度减执行率）超过 5 个百分点为关注，超过 15 个百分点为预警"),
     ("ratio", "0", "执行率除以序时进度乘以 100 低于 80 为关注，低于 60 为预警")],
)
def test_behind_schedule_follows_the_configured_rule(monkeypatch: pytest.MonkeyPatch, seeded_url: str, rule: str,
                                                    behind: str, caption: str) -> None:
    monkeypatch.setattr("data_access.settings.SETTINGS", Settings(execution_rule=rule))
    with Session(make_engine(seeded_url)) as session:
        k = kpis(session=session, year=2022, region="黄埔区", as_of=dt.date(2022, 12, 31),
                 settings=Settings(execution_rule=rule))
    assert str(k["execution"]["behind_schedule"]) == behind  # `kpis` under the same rule agrees
    app = signed_in(monkeypatch, seeded_url)
    app.switch_page("../pages/overview.py").run()
    assert not app.exception
    assert {m.label: m.value for m in app.metric}["重点项目预警"] == behind
    assert caption in " ".join(c.value for c in app.caption)
