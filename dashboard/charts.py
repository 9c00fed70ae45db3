"""Altair chart builders: labelled axes, colour-blind-safe palettes, readable in greyscale print."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.ui import GRADE_COLOURS, STATUS_COLOUR


def execution_curve(df: pd.DataFrame, *, month_title: str, rate_title: str, series_title: str) -> alt.Chart:
    """Cumulative execution rate by month against the time-progress line (df: month, series, rate)."""
    order = list(dict.fromkeys(df["series"]))  # execution first (solid blue), time progress second (dashed grey)
    base = alt.Chart(df).encode(
        x=alt.X("month:O", title=month_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("rate:Q", title=rate_title, scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("series:N", title=series_title, scale=alt.Scale(domain=order, range=["#0072B2", "#999999"])),
        strokeDash=alt.StrokeDash("series:N", title=series_title,
                                  scale=alt.Scale(domain=order, range=[[1, 0], [6, 4]])),
        tooltip=["month:O", "series:N", alt.Tooltip("rate:Q", format=".2f")],
    )
    return (base.mark_line(point=True)
            + base.mark_text(dy=-10, fontSize=10).encode(text=alt.Text("rate:Q", format=".1f"))
            ).properties(height=320).configure_legend(orient="top", symbolType="stroke", symbolStrokeWidth=2,
                                                      symbolSize=400)


def gap_bars(df: pd.DataFrame, *, gap_title: str, dept_title: str, status_title: str,
             status_labels: dict[str, str]) -> alt.Chart:
    """Departments in the frame's order, furthest behind first (df: department, gap, status), status by colour
    and by label text."""
    df = df.assign(status_label=[status_labels[s] for s in df["status"]])
    domain = [status_labels[s] for s in ("green", "yellow", "red")]
    order = list(df["department"])  # a layered chart ignores sort="-x"; the query ranked them on exact gaps
    base = alt.Chart(df).encode(
        y=alt.Y("department:N", sort=order, title=dept_title, axis=alt.Axis(labelLimit=220)),
        x=alt.X("gap:Q", title=gap_title),
        tooltip=["department:N", alt.Tooltip("gap:Q", format=".2f"), "status_label:N"],
    )
    bars = base.mark_bar().encode(color=alt.Color("status_label:N", title=status_title, scale=alt.Scale(
        domain=domain, range=[STATUS_COLOUR[s] for s in ("green", "yellow", "red")])))
    return (bars + base.mark_text(align="left", dx=3, fontSize=10).encode(text="status_label:N")).properties(
        height=max(200, 22 * len(df)))


def quadrant(df: pd.DataFrame, *, x_title: str, y_title: str, time_progress: float, target_line: float = 80.0,
             max_labels: int = 8) -> alt.Chart:
    """Spending progress (x) against target achievement (y) per department, with reference rules.

    The x axis starts a little below the lowest execution rate so the departments do not crowd into
    one corner; departments behind on both tracks are drawn as orange diamonds and the worst
    `max_labels` of them are named (every department when few), so the names stay legible."""
    low = max(0.0, min(float(df["execution"].min()), time_progress) - 5)
    df = df.assign(lagging=(df["execution"] < time_progress) & (df["achievement"] < target_line))
    x = alt.X("execution:Q", title=x_title, scale=alt.Scale(domain=[low // 5 * 5, 100]))
    y = alt.Y("achievement:Q", title=y_title, scale=alt.Scale(domain=[0, 105]))
    points = alt.Chart(df).mark_point(size=90, filled=True, opacity=0.8).encode(
        x=x, y=y,
        shape=alt.Shape("lagging:N", legend=None, scale=alt.Scale(domain=[False, True], range=["circle", "diamond"])),
        color=alt.Color("lagging:N", legend=None, scale=alt.Scale(domain=[False, True], range=["#0072B2", "#D55E00"])),
        tooltip=["department:N", alt.Tooltip("execution:Q", format=".2f"), alt.Tooltip("achievement:Q", format=".2f")],
    )
    worst = df[df["lagging"]].assign(depth=df["execution"] + df["achievement"]).nsmallest(max_labels, "depth")
    shown = df if len(df) <= max_labels else worst
    labels = alt.Chart(shown).mark_text(align="left", dx=7, dy=-6, fontSize=11).encode(x=x, y=y, text="department:N")
    vline = alt.Chart(pd.DataFrame({"x": [time_progress]})).mark_rule(strokeDash=[4, 4], color="#555").encode(x="x:Q")
    hline = alt.Chart(pd.DataFrame({"y": [target_line]})).mark_rule(strokeDash=[4, 4], color="#555").encode(y="y:Q")
    return (points + labels + vline + hline).properties(height=380)


def grade_stack(df: pd.DataFrame, *, category_title: str, count_title: str, grade_title: str,
                grade_labels: dict[str, str]) -> alt.Chart:
    """Stacked grade counts per category (df: category, grade, count)."""
    df = df.assign(grade_label=[grade_labels[g] for g in df["grade"]])
    order = [grade_labels[g] for g in GRADE_COLOURS]
    base = alt.Chart(df).encode(
        x=alt.X("category:N", title=category_title),
        y=alt.Y("count:Q", title=count_title, stack="zero"),
        color=alt.Color("grade_label:N", title=grade_title,
                        scale=alt.Scale(domain=order, range=list(GRADE_COLOURS.values())), sort=order),
        order=alt.Order("grade_order:Q"),
        tooltip=["category:N", "grade_label:N", "count:Q"],
    ).transform_calculate(grade_order=f"indexof({order!r}, datum.grade_label)")
    return (base.mark_bar() + base.mark_text(dy=12, color="white", fontSize=11).encode(
        text=alt.Text("count:Q"))).properties(height=300)


def score_histogram(scores: pd.DataFrame, *, score_title: str, count_title: str, bounds: list[int]) -> alt.Chart:
    """Score distribution with the grade boundaries drawn as rules (scores: score)."""
    hist = alt.Chart(scores).mark_bar(color="#56B4E9").encode(
        x=alt.X("score:Q", bin=alt.Bin(step=2.5, extent=[40, 100]), title=score_title),
        y=alt.Y("count():Q", title=count_title),
    )
    rules = alt.Chart(pd.DataFrame({"bound": bounds})).mark_rule(color="#D55E00", strokeDash=[5, 3]).encode(x="bound:Q")
    text = alt.Chart(pd.DataFrame({"bound": bounds})).mark_text(dy=-140, dx=4, align="left", color="#D55E00").encode(
        x="bound:Q", text="bound:Q")
    return (hist + rules + text).properties(height=300)
