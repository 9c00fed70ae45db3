"""Charts a leader reads at a glance: shares not raw counts across methods, labels that do not overlap or get
cut off, every colour and marker in a legend, Chinese axis labels level."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from dashboard import charts

GRADES = {"excellent": "优", "good": "良", "fair": "中", "poor": "差"}


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _encodings(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [n["encoding"] for n in _walk(spec) if isinstance(n.get("encoding"), dict)]


def _grade_stack() -> dict[str, Any]:
    counts = [("单位自评", "excellent", 120), ("单位自评", "good", 84), ("自评复核", "good", 6),
              ("自评复核", "fair", 2), ("重点评价", "excellent", 4), ("重点评价", "good", 26)]
    df = pd.DataFrame([{"category": c, "grade": g, "count": n} for c, g, n in counts])
    names = {"单位自评": "单位自评（204 个）", "自评复核": "自评复核（8 个）", "重点评价": "重点评价（30 个）"}
    return charts.grade_stack(df, category_title="评价方式", share_title="占比", grade_title="等级",
                              count_title="评价个数", grade_labels=GRADES, category_labels=names).to_dict()


def test_methods_of_very_different_size_are_compared_as_shares_with_level_names() -> None:
    spec = _grade_stack()
    bars = next(e for e in _encodings(spec) if e.get("color"))
    assert bars["x"]["stack"] == "normalize"  # 204 and 8 each fill the bar: their grade mix compares
    assert bars["y"]["field"] == "category_label" and bars["y"]["axis"]["labelAngle"] == 0  # names level, on y


def _execution(rate: list[float]) -> dict[str, Any]:
    months = list(range(1, len(rate) + 1))
    df = pd.concat([pd.DataFrame({"month": months, "series": "预算执行率", "rate": rate}),
                    pd.DataFrame({"month": months, "series": "序时进度", "rate": [m * 100 / 12 for m in months]})])
    return charts.execution_curve(df, month_title="月份", rate_title="执行率（%）", series_title="口径").to_dict()


def test_the_execution_curve_labels_one_number_a_month_off_the_other_line() -> None:
    spec = _execution([9.0, 15.5, 20.0, 38.0])  # months 1–2: the two lines all but touch
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    datasets = spec["datasets"]
    labelled = [row for layer in texts for row in datasets[layer["data"]["name"]]]
    assert sorted(r["month"] for r in labelled) == [1, 2, 3, 4]  # one label a month, not two
    dy = {r["month"]: layer["mark"]["dy"] for layer in texts for r in datasets[layer["data"]["name"]]}
    assert dy[1] < 0 and dy[2] > 0  # ahead of time progress: above; behind it: below, never across the grey line


def test_quadrant_names_do_not_overlap_and_every_marker_is_in_the_legend() -> None:
    names = [f"区第{i}部门" for i in range(12)]
    df = pd.DataFrame({"department": names, "execution": [40 + (i % 3) * 0.5 for i in range(12)],
                       "achievement": [20 + (i % 4) * 0.5 for i in range(12)]})  # a crowded corner
    placed = charts.place_labels(df, x_domain=(35, 100), y_domain=(0, 105))
    boxes = []
    for row in placed.itertuples():
        left = (row.execution - 35) / 65 * 700 + 7
        top = (105 - row.label_y) / 105 * charts.QUADRANT_PLOT - 7
        boxes.append((left, top, left + 11 * len(row.department), top + 14))
    for a, b in itertools.combinations(boxes, 2):
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] - 0.01 and b[1] < a[3] - 0.01), (a, b)
    for row in df.itertuples():  # and no name covers a marker
        cx, cy = (row.execution - 35) / 65 * 700, (105 - row.achievement) / 105 * charts.QUADRANT_PLOT
        assert not any(b[0] < cx + 6 and cx - 6 < b[2] and b[1] < cy + 6 and cy - 6 < b[3] for b in boxes), row
    spec = charts.quadrant(df, x_title="执行率", y_title="目标", dept_title="部门", group_title="部门",
                           group_labels=("落后", "其他"), rule_labels=("序时进度 91.67%", "目标线 80%"),
                           time_progress=91.67).to_dict()
    for enc in _encodings(spec):
        for channel in ("color", "shape"):
            if channel in enc:
                assert enc[channel].get("legend", {}) is not None and enc[channel].get("title")
    texts = {d.get("label") for rows in spec["datasets"].values() for d in rows}
    assert {"序时进度 91.67%", "目标线 80%"} <= texts  # the dashed rules say what they are


def test_grade_boundary_labels_sit_inside_the_plot() -> None:
    spec = charts.score_histogram(charts.score_bins(pd.Series([5500, 7250, 8500, 9300])), score_title="得分",
                                  count_title="个数", bounds=[60, 80, 90],
                                  bound_labels=["中 ≥ 60", "良 ≥ 80", "优 ≥ 90"]).to_dict()
    [text] = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert text["encoding"]["y"] == {"value": 4} and text["mark"]["baseline"] == "top"  # from the top edge, inward
    assert "dy" not in text["mark"]  # (it was dy=-140, above a 300 px plot's top when bars are short)


@pytest.mark.parametrize("spec", [pytest.param(_grade_stack, id="grade_stack"),
                                  pytest.param(lambda: _execution([5.0, 10.0]), id="execution_curve")])
def test_no_rotated_axis_labels(spec: Any) -> None:
    for enc in _encodings(spec()):
        for channel in ("x", "y"):
            e = enc.get(channel)
            if isinstance(e, dict) and e.get("type") in ("nominal", "ordinal") and "axis" in e:
                assert e["axis"].get("labelAngle") == 0
        if isinstance(enc.get("y"), dict) and "field" in enc["y"]:
            assert enc["y"].get("title") is None  # a y title turns 90°: it stands above the plot instead


def test_the_score_histogram_sends_a_count_per_bin_not_every_score() -> None:
    """A city's thousands of scores reach the browser as at most 24 bars (2.5 points each, 40–100), each with
    the count Vega's own binning gave: a score on a boundary opens the bin above it, 100 closes the last."""
    centi = [5500] * 600 + [8999] * 300 + [9000] * 99 + [10000] + [3000]
    bins = charts.score_bins(pd.Series(centi))
    spec = charts.score_histogram(bins, score_title="得分", count_title="个数", bounds=[60, 80, 90],
                                  bound_labels=["中 ≥ 60", "良 ≥ 80", "优 ≥ 90"]).to_dict()
    [bars] = [layer for layer in spec["layer"] if layer["mark"]["type"] == "bar" or layer["mark"] == "bar"]
    sent = spec["datasets"][bars["data"]["name"]]
    assert len(sent) <= 24 and sum(r["count"] for r in sent) == len(centi)
    counts = {(r["start"], r["end"]): r["count"] for r in sent}
    assert counts[(55.0, 57.5)] == 600 and counts[(87.5, 90.0)] == 300 and counts[(90.0, 92.5)] == 99
    assert counts[(97.5, 100.0)] == 1 and counts[(40.0, 42.5)] == 1  # 30 points drawn in the lowest bin, as before


def _ex_ante_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "department": ["区教育局", "区教育局", "区教育局", "区民政局"],
        "requested_fen": [300_000_00, 100_000_00, 50_000_01, 20_000_00],
        "recommended_fen": [250_000_00, 100_000_00, 0, 20_000_00],
        "conclusion": ["partial", "supported", "rejected", "supported"],
    })


def test_ex_ante_funds_split_into_parts_that_add_up_to_the_request_exactly() -> None:
    from data_access.queries.exante import conclusion_counts, fund_parts

    parts = fund_parts(_ex_ante_rows())
    by = parts.set_index(["department", "part"])["fen"]
    assert by[("区教育局", "approved")] == 350_000_00 and by[("区教育局", "cut")] == 50_000_00
    assert by[("区教育局", "rejected")] == 50_000_01  # a rejected request is not a cut (DOMAIN)
    assert ("区民政局", "cut") not in by.index  # a part of 0 draws nothing
    assert parts.groupby("department")["fen"].sum().to_dict() == {"区教育局": 450_000_01, "区民政局": 20_000_00}
    assert list(dict.fromkeys(parts["department"])) == ["区教育局", "区民政局"]  # the largest request first
    counts = conclusion_counts(_ex_ante_rows())
    assert counts.to_dict("records")[0]["department"] == "区教育局" and int(counts["count"].sum()) == 4


@pytest.mark.parametrize(("labels", "legend"), [
    ({"approved": "建议安排", "cut": "核减", "rejected": "不予支持"}, ["建议安排", "核减", "不予支持"]),
    ({"approved": "recommended", "cut": "cut", "rejected": "rejected"}, ["recommended", "cut", "rejected"]),
])
def test_ex_ante_charts_stack_across_with_every_colour_in_the_legend(labels: dict[str, str],
                                                                     legend: list[str]) -> None:
    from data_access.queries.exante import fund_parts

    parts = fund_parts(_ex_ante_rows()).rename(columns={"department": "category"})
    parts = parts.assign(wan=[v / 1_000_000 for v in parts["fen"]]).drop(columns="fen")
    spec = charts.fund_parts_by(parts, category_title="单位", amount_title="万元", part_title="申报金额",
                                part_labels=labels).to_dict()
    [enc] = _encodings(spec)
    assert enc["x"]["stack"] == "zero" and enc["x"]["axis"]["format"] == ",.2f"  # amounts, not counts
    assert enc["color"]["scale"]["domain"] == legend and len(enc["color"]["scale"]["range"]) == 3
    assert enc["y"]["axis"]["labelAngle"] == 0 and enc["y"]["title"] is None
    counts = pd.DataFrame({"category": ["区教育局", "区教育局"], "conclusion": ["supported", "rejected"],
                           "count": [2, 1]})
    names = {"supported": "予以支持", "partial": "部分支持", "rejected": "不予支持"}
    [enc] = _encodings(charts.stacked_counts(counts, "conclusion", names, charts.CONCLUSION_COLOURS,
                                             category_title="单位", count_title="个数", legend_title="结论",
                                             row_px=30).to_dict())
    assert enc["color"]["scale"]["domain"] == ["予以支持", "部分支持", "不予支持"]
    assert enc["x"]["axis"]["tickMinStep"] == 1
