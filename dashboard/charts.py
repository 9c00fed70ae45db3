"""Altair chart builders: labelled axes, colour-blind-safe palettes, readable in greyscale print."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.ui import GRADE_COLOURS, STATUS_COLOUR


def _y_title(text: str) -> alt.TitleParams:
    """The y axis's name, level above the plot's top-left corner: Chinese read across, never turned on its side."""
    return alt.TitleParams(text, anchor="start", fontSize=12, fontWeight="normal", color="#555")


def execution_curve(df: pd.DataFrame, *, month_title: str, rate_title: str, series_title: str) -> alt.Chart:
    """Cumulative execution rate by month against the time-progress line (df: month, series, rate).

    Only the execution rate carries value labels: the time-progress line is the known 1/12 a month,
    and labelling both put two numbers on top of each other where the lines meet (months 1–2)."""
    order = list(dict.fromkeys(df["series"]))  # execution first (solid blue), time progress second (dashed grey)
    base = alt.Chart(df).encode(
        x=alt.X("month:O", title=month_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("rate:Q", title=None, scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("series:N", title=series_title, scale=alt.Scale(domain=order, range=["#0072B2", "#999999"])),
        strokeDash=alt.StrokeDash("series:N", title=series_title, scale=alt.Scale(domain=order,
                                                                                  range=[[1, 0], [6, 4]])),
        tooltip=[alt.Tooltip("month:O", title=month_title), alt.Tooltip("series:N", title=series_title),
                 alt.Tooltip("rate:Q", title=rate_title, format=".2f")],
    )
    # Above the point when execution is ahead of time progress, below when behind: never on the other line.
    ahead = df.pivot_table(index="month", columns="series", values="rate").reindex(columns=order)
    labels = pd.DataFrame({"month": ahead.index, "rate": ahead[order[0]].to_numpy(),
                           "above": (ahead[order[0]] >= ahead[order[-1]]).to_numpy()})
    text = [alt.Chart(labels[labels["above"] == above])
            .mark_text(fontSize=10, color="#0072B2", dy=-10 if above else 12)
            .encode(x=alt.X("month:O"), y=alt.Y("rate:Q"), text=alt.Text("rate:Q", format=".1f"))
            for above in (True, False)]
    return alt.layer(base.mark_line(point=True), *text).properties(height=440,
                                                                   title=_y_title(rate_title)).configure_legend(
        orient="top", symbolType="stroke", symbolStrokeWidth=2, symbolSize=400)


def gap_bars(df: pd.DataFrame, *, gap_title: str, dept_title: str, status_title: str,
             status_labels: dict[str, str]) -> alt.Chart:
    """Departments in the frame's order, furthest behind first (df: department, gap, status), status by colour
    and by label text."""
    df = df.assign(status_label=[status_labels[s] for s in df["status"]])
    domain = [status_labels[s] for s in ("green", "yellow", "red")]
    order = list(df["department"])  # a layered chart ignores sort="-x"; the query ranked them on exact gaps
    base = alt.Chart(df).encode(
        y=alt.Y("department:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("gap:Q", title=gap_title),
        tooltip=[alt.Tooltip("department:N", title=dept_title), alt.Tooltip("gap:Q", title=gap_title, format=".2f"),
                 alt.Tooltip("status_label:N", title=status_title)],
    )
    bars = base.mark_bar().encode(color=alt.Color("status_label:N", title=status_title, scale=alt.Scale(
        domain=domain, range=[STATUS_COLOUR[s] for s in ("green", "yellow", "red")])))
    return (bars + base.mark_text(align="left", dx=3, fontSize=10).encode(text="status_label:N")).properties(
        height=max(200, 22 * len(df)))


QUADRANT_PLOT = 320  # px of the plot itself; Streamlit fits title, legend and axes inside the chart's height
QUADRANT_HEIGHT = QUADRANT_PLOT + 150
_ASSUMED_WIDTH = 700  # px of the plot at 1440 px with the sidebar open; wider only spreads the labels more
_CHAR_PX, _LINE_PX = 11, 14  # one CJK character at fontSize 11, one line of text


def place_labels(points: pd.DataFrame, *, x_domain: tuple[float, float], y_domain: tuple[float, float],
                 obstacles: pd.DataFrame | None = None, width: float = _ASSUMED_WIDTH,
                 height: float = QUADRANT_PLOT) -> pd.DataFrame:
    """Label positions (label_x, label_y in data units) that overlap neither each other nor a point (of
    `obstacles`), in the order given: a label starts just above its point's right and moves down or up a
    line at a time until it is clear."""
    def px(x: float, y: float) -> tuple[float, float]:
        return ((x - x_domain[0]) / (x_domain[1] - x_domain[0]) * width,
                (y_domain[1] - y) / (y_domain[1] - y_domain[0]) * height)

    placed: list[tuple[float, float, float, float]] = []
    for x, y in zip(*(((obstacles if obstacles is not None else points)[c]) for c in ("execution", "achievement")),
                    strict=True):
        cx, cy = px(x, y)
        placed.append((cx - 6, cy - 6, cx + 6, cy + 6))  # a marker of size 90 is about 11 px across
    out_x, out_y = [], []
    for x, y, name in zip(points["execution"], points["achievement"], points["department"], strict=True):
        left, top = px(x, y)
        left += 7
        box = (left, top, left + _CHAR_PX * len(str(name)), top + _LINE_PX)
        for shift in sorted(range(-25, 25), key=lambda k: abs(k + 0.5)):  # lines: just above the point first
            trial = (box[0], top + shift * _LINE_PX, box[2], top + (shift + 1) * _LINE_PX)
            if 0 <= trial[1] and trial[3] <= height and not any(
                    trial[0] < b[2] and b[0] < trial[2] and trial[1] < b[3] and b[1] < trial[3] for b in placed):
                box = trial
                break
        placed.append(box)
        out_x.append(x)
        out_y.append(y_domain[1] - (box[1] + _LINE_PX / 2) / height * (y_domain[1] - y_domain[0]))
    return points.assign(label_x=out_x, label_y=out_y)


def quadrant(df: pd.DataFrame, *, x_title: str, y_title: str, dept_title: str, group_title: str,
             group_labels: tuple[str, str], rule_labels: tuple[str, str], time_progress: float,
             target_line: float = 80.0, max_labels: int = 8) -> alt.Chart:
    """Spending progress (x) against target achievement (y) per department, with reference rules.

    The x axis starts a little below the lowest execution rate so the departments do not crowd into
    one corner; departments behind on both tracks are drawn as orange diamonds (the legend says so)
    and the worst `max_labels` of them are named (every department when few), placed so that no two
    names overlap. The dashed rules are labelled: time progress and the target line."""
    low = max(0.0, min(float(df["execution"].min()), time_progress) - 5) // 5 * 5
    lagging = (df["execution"] < time_progress) & (df["achievement"] < target_line)
    df = df.assign(group=[group_labels[0] if lag else group_labels[1] for lag in lagging])
    x = alt.X("execution:Q", title=x_title, scale=alt.Scale(domain=[low, 100]))
    y = alt.Y("achievement:Q", title=None, scale=alt.Scale(domain=[0, 105]))
    points = alt.Chart(df).mark_point(size=90, filled=True, opacity=0.8).encode(
        x=x, y=y,
        shape=alt.Shape("group:N", title=group_title, scale=alt.Scale(domain=list(group_labels),
                                                                      range=["diamond", "circle"])),
        color=alt.Color("group:N", title=group_title, scale=alt.Scale(domain=list(group_labels),
                                                                      range=["#D55E00", "#0072B2"])),
        tooltip=[alt.Tooltip("department:N", title=dept_title), alt.Tooltip("execution:Q", title=x_title, format=".2f"),
                 alt.Tooltip("achievement:Q", title=y_title, format=".2f")],
    )
    worst = df[lagging].assign(depth=df["execution"] + df["achievement"]).nsmallest(max_labels, "depth")
    shown = place_labels(df if len(df) <= max_labels else worst, x_domain=(low, 100), y_domain=(0, 105), obstacles=df)
    labels = alt.Chart(shown).mark_text(align="left", baseline="middle", dx=7, fontSize=11).encode(
        x=alt.X("label_x:Q", scale=alt.Scale(domain=[low, 100])), y=alt.Y("label_y:Q",
                                                                          scale=alt.Scale(domain=[0, 105])),
        text="department:N")
    rules = pd.DataFrame({"x": [time_progress, None], "y": [None, target_line], "label": list(rule_labels)})
    vline = alt.Chart(rules.head(1)).mark_rule(strokeDash=[4, 4], color="#555").encode(x="x:Q")
    hline = alt.Chart(rules.tail(1)).mark_rule(strokeDash=[4, 4], color="#555").encode(y="y:Q")
    right_half = time_progress > (low + 100) / 2  # the label on the side of the line with room, never past the edge
    vtext = alt.Chart(rules.head(1)).mark_text(align="right" if right_half else "left", baseline="top",
                                               dx=-4 if right_half else 4, color="#555", fontSize=11).encode(
        x="x:Q", y=alt.value(2), text="label:N")
    htext = alt.Chart(rules.tail(1)).mark_text(align="right", baseline="bottom", dy=-3, color="#555",
                                               fontSize=11).encode(
        x=alt.datum(100), y="y:Q", text="label:N")
    return alt.layer(points, labels, vline, hline, vtext, htext).properties(
        height=QUADRANT_HEIGHT, title=_y_title(y_title)).configure_legend(
        orient="top")


def grade_stack(df: pd.DataFrame, *, category_title: str, share_title: str, grade_title: str, count_title: str,
                grade_labels: dict[str, str], category_labels: dict[str, str]) -> alt.Chart:
    """Grade shares per category as horizontal 100 % bars (df: category, grade, count), each segment labelled
    with its count: 204 self-evaluations and 8 reviews read side by side, and the Chinese category names
    stand level on the y axis (category_labels adds each one's total: 单位自评（204 个）)."""
    df = df.assign(grade_label=[grade_labels[g] for g in df["grade"]],
                   category_label=[category_labels[c] for c in df["category"]])
    order = [grade_labels[g] for g in GRADE_COLOURS]
    base = alt.Chart(df).encode(
        y=alt.Y("category_label:N", title=None, sort=list(dict.fromkeys(df["category_label"])),
                axis=alt.Axis(labelAngle=0, labelLimit=240)),
        x=alt.X("count:Q", title=share_title, stack="normalize", axis=alt.Axis(format="%")),
        color=alt.Color("grade_label:N", title=grade_title,
                        scale=alt.Scale(domain=order, range=list(GRADE_COLOURS.values())), sort=order),
        order=alt.Order("grade_order:Q"),
        tooltip=[alt.Tooltip("category_label:N", title=category_title), alt.Tooltip("grade_label:N", title=grade_title),
                 alt.Tooltip("count:Q", title=count_title)],
    ).transform_calculate(grade_order=f"indexof({order!r}, datum.grade_label)")
    light = f"indexof({order[1:3]!r}, datum.grade_label) >= 0"  # 良 and 中 are pale: dark figures on them
    text = base.mark_text(align="right", dx=-4, fontSize=11).encode(
        text=alt.Text("count:Q"), color=alt.condition(light, alt.value("#222222"), alt.value("white")))
    return (base.mark_bar() + text).properties(height=150 + 44 * df["category"].nunique()).configure_legend(
        orient="top")


BIN_CENTI, LOW_CENTI, HIGH_CENTI = 250, 4000, 10000  # 2.5-point bars from 40 to 100


def score_bins(centi: pd.Series) -> pd.DataFrame:
    """Scores (hundredths) counted per 2.5-point bar from 40 to 100 (start, end, range, count; empty bars left out),
    so the browser gets at most 24 rows however many subjects: [start, end), the last bar closed at 100
    (as Vega bins), a score under 40 in the lowest bar. Integer arithmetic: 90.00 opens [90, 92.5)."""
    last = (HIGH_CENTI - LOW_CENTI) // BIN_CENTI - 1
    index = ((centi.astype("int64").clip(LOW_CENTI, HIGH_CENTI) - LOW_CENTI) // BIN_CENTI).clip(upper=last)
    counts = index.value_counts().sort_index()
    starts = [(LOW_CENTI + int(i) * BIN_CENTI) / 100 for i in counts.index]
    ends = [s + BIN_CENTI / 100 for s in starts]
    spans = [f"{s:g}–{e:g}" for s, e in zip(starts, ends, strict=True)]
    return pd.DataFrame({"start": starts, "end": ends, "range": spans, "count": [int(n) for n in counts]})


def score_histogram(bins: pd.DataFrame, *, score_title: str, count_title: str, bounds: list[int],
                    bound_labels: list[str]) -> alt.Chart:
    """Score distribution (bins: `score_bins`) with the grade boundaries drawn as dashed rules, each labelled
    inside the plot at its top (bound_labels: 优 ≥ 90 …), so no label is cut off."""
    tallest = int(bins["count"].max()) if len(bins) else 1
    headroom = max(1, round(tallest * 1.2 + 0.5))  # room above the tallest bar for the boundary labels
    hist = alt.Chart(bins).mark_bar(color="#56B4E9").encode(
        x=alt.X("start:Q", bin="binned", title=score_title,
                scale=alt.Scale(domain=[LOW_CENTI / 100, HIGH_CENTI / 100]),
                axis=alt.Axis(values=list(range(40, 101, 10)))),
        x2="end:Q",
        y=alt.Y("count:Q", title=None, scale=alt.Scale(domain=[0, headroom])),
        tooltip=[alt.Tooltip("range:N", title=score_title), alt.Tooltip("count:Q", title=count_title)],
    )
    marks = pd.DataFrame({"bound": bounds, "label": bound_labels})
    rules = alt.Chart(marks).mark_rule(color="#D55E00", strokeDash=[5, 3]).encode(x="bound:Q")
    text = alt.Chart(marks).mark_text(baseline="top", align="left", dx=3, color="#D55E00", fontSize=11).encode(
        x="bound:Q", y=alt.value(4), text="label:N")
    return (hist + rules + text).properties(height=360, title=_y_title(count_title))


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
    return (base.mark_bar(size=48) + base.mark_text(dy=-8, color="#333").encode(text=alt.Text("amount:Q",
                                                                                              format=",.2f"))
            ).properties(height=300).configure_legend(orient="top", labelLimit=400)


def stacked_counts(df: pd.DataFrame, code: str, labels: dict[str, str], colours: dict[str, str], *,
                    category_title: str, count_title: str, legend_title: str, row_px: int,
                    value: str = "count", value_format: str | None = None) -> alt.Chart:
    """Counts (or another `value`, e.g. amounts with a `value_format`) stacked across, one row per category
    (df: category, <code>, <value>), one colour per code in the order of `colours`; labels never rotated."""
    label, rank = f"{code}_label", f"{code}_order"
    df = df.assign(**{label: [labels[v] for v in df[code]]})
    order = [labels[v] for v in colours]
    axis = alt.Axis(tickMinStep=1) if value_format is None else alt.Axis(format=value_format)
    base = alt.Chart(df).encode(
        y=alt.Y("category:N", title=None, sort=list(dict.fromkeys(df["category"])),
                axis=alt.Axis(labelLimit=260, labelAngle=0)),
        x=alt.X(f"{value}:Q", title=count_title, stack="zero", axis=axis),
        color=alt.Color(f"{label}:N", title=legend_title, scale=alt.Scale(domain=order, range=list(colours.values())),
                        sort=order),
        order=alt.Order(f"{rank}:Q"),
        tooltip=[alt.Tooltip("category:N", title=category_title), alt.Tooltip(f"{label}:N", title=legend_title),
                 alt.Tooltip(f"{value}:Q", title=count_title, format=value_format or alt.Undefined)],
    ).transform_calculate(**{rank: f"indexof({order!r}, datum.{label})"})
    rows = int(df["category"].nunique())
    return base.mark_bar().properties(height=row_px * rows + 170).configure_legend(orient="top")


def grade_counts_by(df: pd.DataFrame, *, category_title: str, count_title: str, grade_title: str,
                    grade_labels: dict[str, str]) -> alt.Chart:
    """Grade counts stacked across, one row per category (df: category, grade, count)."""
    return stacked_counts(df, "grade", grade_labels, GRADE_COLOURS, category_title=category_title,
                           count_title=count_title, legend_title=grade_title, row_px=40)


def subject_scores(df: pd.DataFrame, *, subject_title: str, score_title: str, grade_title: str,
                   grade_labels: dict[str, str]) -> alt.Chart:
    """Each subject's score as a bar across, coloured by grade, highest first (df: subject, score, grade)."""
    df = df.assign(grade_label=[grade_labels[g] for g in df["grade"]]).sort_values("score", ascending=False,
                                                                                   kind="stable")
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
        text=alt.Text("score:Q",
                      format=".2f"))).properties(height=int(30 * len(df) + 170)).configure_legend(orient="top")


FINDING_COLOURS = {"rectified": "#009E73", "in_progress": "#E69F00", "not_started": "#D55E00"}


def status_counts_by(df: pd.DataFrame, *, category_title: str, count_title: str, status_title: str,
                     status_labels: dict[str, str]) -> alt.Chart:
    """Findings by rectification status stacked across, one row per department (df: category, status, count)."""
    return stacked_counts(df, "status", status_labels, FINDING_COLOURS, category_title=category_title,
                           count_title=count_title, legend_title=status_title, row_px=30)


CONCLUSION_COLOURS = {"supported": "#009E73", "partial": "#E69F00", "rejected": "#D55E00"}
FUND_COLOURS = {"approved": "#0072B2", "cut": "#E69F00", "rejected": "#999999"}


def fund_parts_by(df: pd.DataFrame, *, category_title: str, amount_title: str, part_title: str,
                  part_labels: dict[str, str]) -> alt.Chart:
    """Each department's requested funds as one bar split into approved, cut and rejected, so its length is
    the request and the colours say what became of it (df: category, part, wan)."""
    return stacked_counts(df, "part", part_labels, FUND_COLOURS, category_title=category_title,
                           count_title=amount_title, legend_title=part_title, row_px=30, value="wan",
                           value_format=",.2f")
