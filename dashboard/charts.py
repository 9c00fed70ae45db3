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
        strokeDash=alt.StrokeDash("series:N", title=series_title, scale=alt.Scale(domain=order, range=[[1, 0], [6, 4]])),
        tooltip=["month:O", "series:N", alt.Tooltip("rate:Q", format=".2f")],
    )
    return (base.mark_line(point=True) + base.mark_text(dy=-10, fontSize=10).encode(text=alt.Text("rate:Q", format=".1f"))
            ).properties(height=320).configure_legend(orient="top", symbolType="stroke", symbolStrokeWidth=2, symbolSize=400)


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


# ---- public portal ------------------------------------------------------------------------------
def _across(title: str) -> alt.Axis:
    """A value axis whose title reads across above it, never turned on its side (Chinese titles)."""
    return alt.Axis(title=title, titleAngle=0, titleAlign="left", titleAnchor="end", titleBaseline="bottom",
                    titleX=-30, titleY=-10, tickMinStep=1)


def grade_bars(df: pd.DataFrame, *, grade_title: str, count_title: str) -> alt.Chart:
    """How many evaluations got each grade (df: grade, label, count), grades in order, one colour each."""
    order = [lab for g, lab in zip(df["grade"], df["label"], strict=True) if g in GRADE_COLOURS]
    colours = [GRADE_COLOURS[g] for g in df["grade"]]
    base = alt.Chart(df).encode(
        y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelAngle=0)),
        x=alt.X("count:Q", title=count_title, axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("label:N", title=grade_title, scale=alt.Scale(domain=order, range=colours), sort=order),
        tooltip=[alt.Tooltip("label:N", title=grade_title), alt.Tooltip("count:Q", title=count_title)],
    )
    return (base.mark_bar() + base.mark_text(align="left", dx=4, color="#333").encode(text="count:Q")).properties(
        height=int(36 * len(df) + 40))


def rate_trend(df: pd.DataFrame, *, year_title: str, rate_title: str, series_title: str) -> alt.Chart:
    """Rates by year, one line and colour per figure (df: year, series, rate); years read across, unrotated."""
    order = list(dict.fromkeys(df["series"]))
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"][: len(order)]
    base = alt.Chart(df).encode(
        x=alt.X("year:O", title=year_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("rate:Q", scale=alt.Scale(domain=[0, 100]), axis=_across(rate_title)),
        color=alt.Color("series:N", title=series_title, scale=alt.Scale(domain=order, range=palette), sort=order),
        shape=alt.Shape("series:N", title=series_title, scale=alt.Scale(domain=order), sort=order),
        tooltip=[alt.Tooltip("year:O", title=year_title), alt.Tooltip("series:N", title=series_title),
                 alt.Tooltip("rate:Q", title=rate_title, format=".2f")],
    )
    # No value labels: three rates of one year sit close together and would overlap; the table below has them.
    return (base.mark_line() + base.mark_point(size=90, filled=True)).properties(height=300).configure_legend(
        orient="top", labelLimit=400)


def amount_trend(df: pd.DataFrame, *, year_title: str, amount_title: str, legend_title: str) -> alt.Chart:
    """An amount by year as bars (df: year, amount, series — one series, named in the legend)."""
    base = alt.Chart(df).encode(
        x=alt.X("year:O", title=year_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("amount:Q", axis=_across(amount_title)),
        color=alt.Color("series:N", title=legend_title, scale=alt.Scale(range=["#56B4E9"])),
        tooltip=[alt.Tooltip("year:O", title=year_title), alt.Tooltip("amount:Q", title=amount_title, format=",.2f")],
    )
    return (base.mark_bar(size=48) + base.mark_text(dy=-8, color="#333").encode(text=alt.Text("amount:Q", format=",.2f"))
            ).properties(height=300).configure_legend(orient="top", labelLimit=400)


def grade_counts_by(df: pd.DataFrame, *, category_title: str, count_title: str, grade_title: str,
                    grade_labels: dict[str, str]) -> alt.Chart:
    """Grade counts stacked across, one row per category (df: category, grade, count); labels never rotated."""
    df = df.assign(grade_label=[grade_labels[g] for g in df["grade"]])
    order = [grade_labels[g] for g in GRADE_COLOURS]
    base = alt.Chart(df).encode(
        y=alt.Y("category:N", title=None, sort=list(dict.fromkeys(df["category"])),
                axis=alt.Axis(labelLimit=260, labelAngle=0)),
        x=alt.X("count:Q", title=count_title, stack="zero", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("grade_label:N", title=grade_title,
                        scale=alt.Scale(domain=order, range=list(GRADE_COLOURS.values())), sort=order),
        order=alt.Order("grade_order:Q"),
        tooltip=[alt.Tooltip("category:N", title=category_title), alt.Tooltip("grade_label:N", title=grade_title),
                 alt.Tooltip("count:Q", title=count_title)],
    ).transform_calculate(grade_order=f"indexof({order!r}, datum.grade_label)")
    rows = int(df["category"].nunique())
    return base.mark_bar().properties(height=40 * rows + 170).configure_legend(orient="top")


def subject_scores(df: pd.DataFrame, *, subject_title: str, score_title: str, grade_title: str,
                   grade_labels: dict[str, str]) -> alt.Chart:
    """Each subject's score as a bar across, coloured by grade, highest first (df: subject, score, grade)."""
    df = df.assign(grade_label=[grade_labels[g] for g in df["grade"]]).sort_values("score", ascending=False, kind="stable")
    order = [grade_labels[g] for g in GRADE_COLOURS]
    base = alt.Chart(df).encode(
        # The chart's height includes its legend and axis (Streamlit fits it): 28 px a row leaves room for every label.
        y=alt.Y("subject:N", title=None, sort=list(df["subject"]), axis=alt.Axis(labelLimit=320, labelAngle=0)),
        x=alt.X("score:Q", title=score_title, scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("grade_label:N", title=grade_title,
                        scale=alt.Scale(domain=order, range=list(GRADE_COLOURS.values())), sort=order),
        tooltip=[alt.Tooltip("subject:N", title=subject_title), alt.Tooltip("score:Q", title=score_title, format=".2f"),
                 alt.Tooltip("grade_label:N", title=grade_title)],
    )
    return (base.mark_bar() + base.mark_text(align="left", dx=4, color="#333", fontSize=11).encode(
        text=alt.Text("score:Q", format=".2f"))).properties(height=int(30 * len(df) + 170)).configure_legend(orient="top")


FINDING_COLOURS = {"rectified": "#009E73", "in_progress": "#E69F00", "not_started": "#D55E00"}


def status_counts_by(df: pd.DataFrame, *, category_title: str, count_title: str, status_title: str,
                     status_labels: dict[str, str]) -> alt.Chart:
    """Findings by rectification status stacked across, one row per department (df: category, status, count)."""
    df = df.assign(status_label=[status_labels[s] for s in df["status"]])
    order = [status_labels[s] for s in FINDING_COLOURS]
    base = alt.Chart(df).encode(
        y=alt.Y("category:N", title=None, sort=list(dict.fromkeys(df["category"])),
                axis=alt.Axis(labelLimit=260, labelAngle=0)),
        x=alt.X("count:Q", title=count_title, stack="zero", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("status_label:N", title=status_title,
                        scale=alt.Scale(domain=order, range=list(FINDING_COLOURS.values())), sort=order),
        order=alt.Order("status_order:Q"),
        tooltip=[alt.Tooltip("category:N", title=category_title), alt.Tooltip("status_label:N", title=status_title),
                 alt.Tooltip("count:Q", title=count_title)],
    ).transform_calculate(status_order=f"indexof({order!r}, datum.status_label)")
    rows = int(df["category"].nunique())
    return base.mark_bar().properties(height=30 * rows + 170).configure_legend(orient="top")
