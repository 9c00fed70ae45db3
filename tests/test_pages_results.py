"""Evaluation, rectification, ex-ante and indicator pages through the entrypoint."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from data_access.settings import Settings
from tests.apptest import signed_in


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> AppTest:
    return signed_in(monkeypatch, seeded_url)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_evaluation_page_writes_grades_as_the_seed(at: AppTest) -> None:
    at.switch_page("../pages/evaluation.py").run()
    assert not at.exception
    assert "经评价绩效等级为：优：4 个，占 10.53%；良：31 个，占 81.58%；中：3 个，占 7.89%。优良率为 92.11%" in \
        " ".join(m.value for m in at.markdown)
    assert _metrics(at)["评价个数"] == "38"
    at.segmented_control(key="evaluation_method").set_value("self").run()
    assert _metrics(at)["评价个数"] == "204"
    at.selectbox(key="filter_region").select("荔湾区").run()
    assert _metrics(at)["评价个数"] == "3755" and _metrics(at)["单位自评优良率"] == "90.71%"
    at.segmented_control(key="evaluation_method").set_value("review").run()
    assert "总体预算完成率 98.00%" in " ".join(c.value for c in at.caption)


@pytest.mark.parametrize(
    ("threshold", "departments"),
    # 黄埔区 2022: mean self − finance 17.40 区水务局, 15.80 区民政局, 13.29 区档案局, 12.33 区交通运输局,
    # 10.67 区气象局, 6.63 区住房城乡建设局 (and −6.76 区卫生健康局).
    [(Decimal(5), "区水务局、区民政局、区档案局、区交通运输局、区气象局、区住房城乡建设局"),
     (Decimal("12.5"), "区水务局、区民政局、区档案局")],
)
def test_evaluation_flags_self_scores_above_the_setting(monkeypatch: pytest.MonkeyPatch, seeded_url: str,
                                                        threshold: Decimal, departments: str) -> None:
    monkeypatch.setattr("data_access.settings.SETTINGS", Settings(self_score_gap_warn=threshold))
    at = signed_in(monkeypatch, seeded_url)
    at.switch_page("../pages/evaluation.py").run()
    assert not at.exception
    [warning] = [w.value for w in at.warning]
    assert f"平均高出财政评价 {threshold} 分以上" in warning and warning.endswith(f"：{departments}")


def test_rectification_page_as_of_date(at: AppTest) -> None:
    at.switch_page("../pages/rectification.py").run()
    at.selectbox(key="filter_year_黄埔区").select(2021).run()
    at.date_input(key="rectification_as_of").set_value(dt.date(2023, 6, 30)).run()
    assert not at.exception
    shown = _metrics(at)
    assert shown["书面反馈率"] == "100.00%" and int(shown["发现问题"]) > 35
    at.segmented_control(key="rectification_view").set_value("handle").run()
    assert not at.exception
    history = next(d.value for d in at.dataframe if "新状态" in d.value.columns)
    assert list(history["新状态"])[0] == "未整改"  # every history starts when the finding is filed
    assert list(history["原状态"])[0] == ""  # filed from nothing: blank, not "None"


def test_exante_page(at: AppTest) -> None:
    at.switch_page("../pages/exante.py").run()
    assert not at.exception
    shown = _metrics(at)
    assert shown["申报金额"] == "16.6 亿元" and shown["建议核减"] == "3.79 亿元" and shown["事前评估核减率"] == "23.25%"
    rejected = next(m for m in at.metric if m.label == "不予支持")
    assert rejected.value == "1" and rejected.delta == "申报 0.3 亿元，单列"  # the rejected request, reported apart
    assert len(at.dataframe[0].value) == 34


def test_indicator_page_search(at: AppTest) -> None:
    at.switch_page("../pages/indicators.py").run()
    at.selectbox(key="filter_region").select("荔湾区").run()
    assert not at.exception
    shown = _metrics(at)
    assert ((shown["指标总数"], shown["通用指标"], shown["个性指标"], shown["核心指标"])
            == ("7,104", "225", "6,879", "7,104"))
    at.text_input(key="indicators_text").input("满意度").run()
    found = at.dataframe[1].value
    assert len(found) > 0 and all("满意度" in n or "满意度" in d for n, d in zip(found["指标名称"], found["预算单位"],
                                                                            strict=True))


@pytest.mark.parametrize("page", ["evaluation", "rectification", "exante", "indicators"])
def test_pages_in_english(at: AppTest, page: str) -> None:
    at.session_state["lang"] = "en"
    at.switch_page(f"../pages/{page}.py").run()
    assert not at.exception
    title = at.title[0].value
    assert title.isascii() and title in {"Evaluations", "Rectification tracking", "Ex-ante review", "Indicator library"}


def test_results_application_beside_next_years_budget(at: AppTest) -> None:
    at.switch_page("../pages/evaluation.py").run()
    applied = next(df.value for df in at.dataframe if "按结果应用规则" in df.value.columns)
    # 2023 is not in the sample data: the page says so and shows what each grade calls for.
    assert "2023 年度预算尚未录入" in " ".join(i.value for i in at.info)
    assert "下年度预算（万元）" not in applied.columns
    assert set(zip(applied["等级"], applied["按结果应用规则"], strict=True)) <= {
        ("优", "优先保障"), ("良", "正常安排"), ("中", "按比例压减或不新增"), ("差", "调整用途或取消")}
    at.selectbox(key="filter_year_黄埔区").select(2021).run()
    applied = next(df.value for df in at.dataframe if "按结果应用规则" in df.value.columns)
    assert not at.exception and {"当年预算（万元）", "下年度预算（万元）", "变化（%）"} <= set(applied.columns)
    assert applied["下年度预算（万元）"].str.fullmatch(r"[\d,]+(\.\d+)?").any()  # 2021's projects funded again in 2022


def test_indicator_usage_opens_on_one_that_projects_use(at: AppTest) -> None:
    at.switch_page("../pages/indicators.py").run()
    assert not at.exception
    found = next(df.value for df in at.dataframe if "使用项目数" in df.value.columns)
    assert found["使用项目数"].max() > 0
    picked = at.selectbox(key="indicators_pick").value
    usage = at.dataframe[-1].value
    assert len(usage) == found.loc[found["指标名称"] == picked, "使用项目数"].max() > 0
    assert list(usage.columns) == ["预算年度", "项目编码", "项目名称", "预算单位", "目标值"]  # no raw field names
    assert set(usage["目标值"]) == {"≥95%"}  # 按计划节点完成率, the most used, targets 95 % everywhere


@pytest.mark.parametrize("page", ["overview", "execution", "evaluation", "rectification", "exante", "indicators"])
def test_every_table_on_a_staff_page_downloads_as_csv_and_xlsx(at: AppTest, page: str) -> None:
    at.switch_page(f"../pages/{page}.py").run()
    if page == "execution":  # a project with targets and findings, so its detail tables show too
        at.selectbox(key="execution_project").select(
            next(o for o in at.selectbox(key="execution_project").options if o.startswith("HP2022K001 "))).run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("CSV") == labels.count("Excel") == len(at.dataframe)


def test_the_grade_summary_reads_as_english_in_english(at: AppTest) -> None:
    at.session_state["lang"] = "en"
    at.switch_page("../pages/evaluation.py").run()
    summary = next(m.value for m in at.markdown if m.value.startswith("38 evaluated"))
    assert summary == ("38 evaluated, graded: excellent: 4, 10.53%; good: 31, 81.58%; fair: 3, 7.89%. "
                       "Rated excellent or good: 92.11%.")


def test_the_indicator_download_holds_every_match_not_only_the_rows_drawn(
    monkeypatch: pytest.MonkeyPatch, seeded_url: str
) -> None:
    """荔湾区's library is 7,104 indicators: the page draws 500, the CSV and XLSX hold all of them."""
    import csv
    import io

    from openpyxl import load_workbook

    from tests.apptest import capture_downloads, download

    files = capture_downloads(monkeypatch)
    at = signed_in(monkeypatch, seeded_url)
    at.switch_page("../pages/indicators.py").run()
    at.selectbox(key="filter_region").select("荔湾区").run()
    assert len(at.dataframe[1].value) == 500
    _, csv_data = download(at, files, "indicators_dl_csv")
    rows = list(csv.reader(io.StringIO(csv_data.decode("utf-8-sig"))))
    assert len(rows) - 1 == 7104
    _, xlsx_data = download(at, files, "indicators_dl_xlsx")
    assert load_workbook(io.BytesIO(xlsx_data), read_only=True).active.max_row - 1 == 7104


@pytest.mark.parametrize(("method", "card"), [("finance", "财政评价优良率"), ("self", "单位自评优良率"),
                                              ("review", "自评复核优良率"), ("key", "重点评价优良率")])
def test_evaluation_card_names_the_method_shown(at: AppTest, method: str, card: str) -> None:
    at.switch_page("../pages/evaluation.py").run()
    at.selectbox(key="filter_region").select("荔湾区").run()
    at.segmented_control(key="evaluation_method").set_value(method).run()
    assert not at.exception
    rates = [m.label for m in at.metric if m.label.endswith("优良率")]
    assert rates == [card]


def test_self_evaluation_completion_line_without_funds_does_not_contradict_itself(at: AppTest) -> None:
    """荔湾区 2020's 3,755 self-evaluations report a completion rate but no funds: no weighted rate, and it says why."""
    at.switch_page("../pages/evaluation.py").run()
    at.selectbox(key="filter_region").select("荔湾区").run()
    at.segmented_control(key="evaluation_method").set_value("self").run()
    [line] = [c.value for c in at.caption if "预算完成率" in c.value]
    assert line == ("3755 个对象填报了预算完成率：100% 的 1 个，90%（含）至 100% 的 1852 个，90% 以下的 1902 个。"
                    "未填报涉及资金，不能按资金加权计算总体预算完成率。")
    at.segmented_control(key="evaluation_method").set_value("review").run()
    [line] = [c.value for c in at.caption if "预算完成率" in c.value]
    assert line.startswith("总体预算完成率 98.00%（按涉及资金加权），其中预算完成率为 100% 的 16 个")
