"""执行监控 (双监控): spending against time progress, by department and project, with targets."""

import datetime as dt
from decimal import Decimal

import pandas as pd
import streamlit as st

from dashboard import charts, loaders, tables
from dashboard.auth_ui import require_role
from dashboard.i18n import choice, lang, t
from dashboard.tables import label
from dashboard.ui import (
    download_page,
    download_table,
    empty_state,
    glossary,
    kept_chart,
    money,
    pct,
    plain,
    remembered,
    show_table,
    sidebar_filters,
    status_label,
    status_rule,
)
from data_access.enums import FINDING_STATUSES, METHODS, WILL_MEET
from data_access.queries import execution
from data_access.queries.core import month_of, round_rate, time_progress
from data_access.queries.execution import with_rate_and_gap
from data_access.settings import SETTINGS

require_role("admin", "finance", "leader")  # the entrypoint gates too; this page never trusts only that
filters = sidebar_filters()
if filters is None:
    st.stop()
month = month_of(filters.year, filters.as_of)
tp = time_progress(month)
st.title(t("execution.title"))
st.caption(t("execution.caption", region=plain(filters.region), year=filters.year, month=month, tp=pct(round_rate(tp)),
             rule=status_rule(SETTINGS)))
glossary("dual", "time_progress", "execution_rate", "gap", "key_monitoring", "lifecycle")

everyone = loaders.execution_projects(*loaders.key(), filters.region, filters.year, month, None, False, SETTINGS)
departments = sorted(everyone.departments["department"]) if len(everyone.departments) else []
c1, c2, c3 = st.columns([2, 2, 1])
everything = t("portal.all")  # resolved now: format_func must not depend on state
department = c1.selectbox(t("execution.department"), ["", *departments], key=choice("execution_dept"),
                          format_func=lambda d: d or everything)
fund_labels = {"": everything, **{f: tables.term(f) for f in SETTINGS.fund_sources}}
fund = c2.selectbox(t("execution.fund"), list(fund_labels), key=choice("execution_fund"),
                    format_func=fund_labels.__getitem__)
key_only = c3.toggle(t("execution.key_only"), key="execution_key_only")
data = everyone if not fund and not key_only else \
    loaders.execution_projects(*loaders.key(), filters.region, filters.year, month, fund or None, key_only, SETTINGS)
year_data = loaders.execution_year(*loaders.key(), filters.region, filters.year, month, SETTINGS)
projects = data.projects  # furthest behind first, without exact rates: added below to the rows shown
if department:
    projects = projects[projects["department"] == department].reset_index(drop=True)
if projects.empty:
    empty_state()
    st.stop()

n_key, key_depts, key_budget = data.key
k1, k2, k3 = st.columns(3)
k1.metric(t("execution.key_projects"), n_key, border=True)
k2.metric(t("execution.key_departments"), key_depts, border=True)
k3.metric(t("execution.key_budget"), money(key_budget), border=True)

st.subheader(t("execution.curve"))
curve = year_data["curve"]
curve_long = pd.concat([
    pd.DataFrame({"month": curve["month"], "series": t("execution.series_rate"),
                  "rate": [r or 0 for r in curve["rate"]]}),
    pd.DataFrame({"month": curve["month"], "series": t("execution.series_time"), "rate": curve["time_progress"]}),
])
kept = (loaders.key(), filters.region, filters.year, month, fund, key_only, lang(), SETTINGS)  # what charts depend on
kept_chart("execution_curve", kept, lambda: charts.execution_curve(
    curve_long.assign(rate=[float(round_rate(Decimal(r))) for r in curve_long["rate"]]),  # half up, to draw
    month_title=t("execution.month"), rate_title=t("execution.rate_pct"), series_title=t("execution.series")))
curve_sheet = tables.Table.of(tables.count(t("execution.month"), curve_long["month"]),
                              tables.text(t("execution.series"), curve_long["series"]),
                              tables.percent(t("execution.progress"), curve_long["rate"]))

st.subheader(t("execution.by_department"))
depts = data.departments
kept_chart("execution_gaps", kept, lambda: charts.gap_bars(
    depts.assign(gap=[float(round_rate(g)) for g in depts["gap"]]),  # half up, to draw
    gap_title=t("execution.gap_pt"), dept_title=t("col.department"), status_title=t("execution.status"),
    status_labels={s: status_label(s) for s in ("green", "yellow", "red")}))
gap = tables.points(t("execution.gap"), depts["gap"], on_screen="number")
dept_table = tables.Table.of(
    tables.text(t("col.department"), depts["department"]), tables.count(t("execution.projects"), depts["projects"]),
    tables.count(t("execution.key_projects"), depts["key_projects"]),
    tables.wan(t("execution.budget"), depts["budget_fen"]), tables.wan(t("execution.spent"), depts["spent_fen"]),
    tables.percent(t("execution.rate"), depts["rate"], missing="—"), gap,
    tables.text(t("execution.status"), tables.each(status_label, depts["status"])),
    tables.text(t("execution.worst"), tables.each(status_label, depts["worst"])),
    tables.count(t("execution.red_count"), depts["red"]),
)
show_table(dept_table, column_config={gap.header: st.column_config.NumberColumn(format="%.2f")})
download_table(dept_table, f"{filters.region}{filters.year}-departments", "execution_dept_dl")

st.subheader(t("execution.quadrant"))
quad = execution.quadrant(depts, year_data["targets"])
quad_table = tables.Table.of()
if year_data["targets"].empty:
    st.caption(t("execution.no_targets"))
else:
    achievement = tables.percent(t("execution.achievement"), [a or 0 for a in quad["achievement"]])
    quad_table = tables.Table.of(
        tables.text(t("col.department"), quad["department"]),
        tables.percent(t("execution.rate"), [r or 0 for r in quad["rate"]]),
        tables.count(t("execution.targets_n"), quad["targets"]), achievement)
    quad_chart = pd.DataFrame({"department": quad["department"],  # half up, to draw
                               "execution": [float(round_rate(r) or 0) for r in quad["rate"]],
                               "achievement": [float(round_rate(a) or 0) for a in quad["achievement"]]})
    kept_chart("execution_quadrant", kept, lambda: charts.quadrant(
        quad_chart, x_title=t("execution.rate_axis"), y_title=achievement.header, dept_title=t("col.department"),
        group_title=t("execution.quadrant_group"),
        group_labels=(t("execution.quadrant_behind"), t("execution.quadrant_other")),
        rule_labels=(t("execution.quadrant_tp", tp=pct(round_rate(tp))), t("execution.quadrant_target", target="80%")),
        time_progress=float(tp)))
    st.caption(t("execution.quadrant_help"))
    with st.expander(t("execution.quadrant_table")):
        show_table(quad_table)
        download_table(quad_table, f"{filters.region}{filters.year}-quadrant", "execution_quad_dl")

st.subheader(t("execution.projects_title"))
st.caption(t("execution.projects_order"))
s1, s2 = st.columns([3, 1])
search = s1.text_input(t("execution.search"), key="execution_search", placeholder=t("execution.search_hint")).strip()
found = projects
if search:
    found = projects[projects["code"].str.contains(search, regex=False)
                     | projects["name"].str.contains(search, regex=False)].reset_index(drop=True)
PAGE_ROWS = max(1, SETTINGS.project_page_rows)  # projects on screen at a time; the downloads hold every one
pages_n = max(1, -(-len(found) // PAGE_ROWS))  # a city's tens of thousands of projects, a page at a time
if st.session_state.get("execution_page", 1) > pages_n:
    st.session_state["execution_page"] = 1
page_no = int(s2.number_input(t("execution.page", n=pages_n), min_value=1, max_value=pages_n, step=1,
                              key="execution_page")) if pages_n > 1 else 1
page_rows = with_rate_and_gap(found.iloc[(page_no - 1) * PAGE_ROWS : page_no * PAGE_ROWS], month)
st.caption(t("execution.page_rows", first=min(len(found), (page_no - 1) * PAGE_ROWS + 1),
             last=(page_no - 1) * PAGE_ROWS + len(page_rows), n=len(found)))


def project_table(rows: pd.DataFrame) -> tables.Table:
    return tables.Table.of(
        tables.text(t("execution.code"), rows["code"]), tables.text(t("col.project"), rows["name"]),
        tables.text(t("col.department"), rows["department"]), tables.text(t("execution.fund"),
                                                                          tables.terms(rows["fund_source"])),
        tables.wan(t("execution.budget"), rows["budget_fen"]), tables.wan(t("execution.spent"), rows["spent_fen"]),
        tables.percent(t("execution.rate"), [r or 0 for r in rows["rate"]], on_screen="number"),
        tables.points(t("execution.gap"), rows["gap"], on_screen="number"),
        tables.text(t("execution.status"), tables.each(status_label, rows["status"])),
        tables.text(t("execution.key"), ["★" if k else "" for k in rows["is_key"]]),
    )


rate_header = tables.percent(t("execution.rate"), []).header
gap_header = tables.points(t("execution.gap"), []).header
shown_table, shown_rows = remembered(  # a rerun on the same page of the same data formats nothing again
    "execution_projects", (loaders.key(), filters.region, filters.year, month, department, fund, key_only, search,
                           page_no, lang(), SETTINGS),
    lambda: (lambda table: (table, table.shown()))(project_table(page_rows)))
show_table(shown_table, shown=shown_rows, column_config={
    rate_header: st.column_config.ProgressColumn(rate_header, format="%.2f%%", min_value=0, max_value=100),
    gap_header: st.column_config.NumberColumn(format="%.2f")})
def every_project() -> tables.Table:  # the downloads: every project of the filters and search, with exact rates
    return project_table(with_rate_and_gap(found, month))


download_table(every_project, f"{filters.region}{filters.year}-projects", "execution_projects_dl")

lifecycle = year_data["lifecycle"]
with st.expander(t("execution.lifecycle", n=len(lifecycle))):
    st.caption(t("execution.lifecycle_help", recurring=money(SETTINGS.lifecycle_recurring_fen),
                 one_off=money(SETTINGS.lifecycle_one_off_fen)))
    lifecycle_table = tables.Table.of(
        tables.text(t("execution.code"), lifecycle["code"]), tables.text(t("col.project"), lifecycle["name"]),
        tables.text(t("col.department"), lifecycle["department"]),
        tables.text(t("execution.kind"), [t(f"execution.kind.{k}") for k in lifecycle["kind"]]),
        tables.wan(t("execution.budget"), lifecycle["budget_adjusted_fen"]))
    show_table(lifecycle_table)
    download_table(lifecycle_table, f"{filters.region}{filters.year}-lifecycle", "execution_lifecycle_dl")

st.subheader(t("execution.detail"))
wanted = st.query_params.get("project")  # a link to one project's detail
pickable = page_rows  # the projects on screen; a link's project too when the page opens on it
if "execution_project" not in st.session_state and wanted and wanted not in set(page_rows["code"]):
    pickable = pd.concat([projects[projects["code"] == wanted], page_rows])
options = dict(zip(pickable["code"] + " " + pickable["name"], pickable["project_id"], strict=True))
labels = list(options)
if st.session_state.get("execution_project") not in labels:
    st.session_state.pop("execution_project", None)
    if wanted in set(pickable["code"]):
        st.session_state["execution_project"] = labels[list(pickable["code"]).index(wanted)]
chosen = st.selectbox(t("execution.pick_project"), labels, key="execution_project")  # default: the worst laggard
chosen_code = str(pickable["code"].iloc[labels.index(chosen)])
st.query_params["project"] = chosen_code
detail = loaders.project_detail(*loaders.key(), int(options[chosen]))
project_curve = detail["curve"]
if not project_curve.empty:
    row = projects[projects["project_id"] == options[chosen]].iloc[0]
    st.caption(t("execution.detail_caption", budget=money(int(row["budget_fen"])), spent=money(int(row["spent_fen"])),
                 status=status_label(row["status"])))
    kept_chart("execution_detail", (loaders.key(), int(options[chosen]), lang()), lambda: charts.execution_curve(
        pd.concat([  # rates half up, to draw
            pd.DataFrame({"month": project_curve["month"], "series": t("execution.series_rate"),
                          "rate": [float(round_rate(r) or 0) for r in project_curve["rate"]]}),
            pd.DataFrame({"month": project_curve["month"], "series": t("execution.series_time"),
                          "rate": [float(round_rate(p)) for p in project_curve["time_progress"]]}),
        ]), month_title=t("execution.month"), rate_title=t("execution.rate_pct"), series_title=t("execution.series")))
tg = detail["targets"]
if not tg.empty:
    st.markdown(t("execution.targets", date=SETTINGS.midyear_date(filters.year).isoformat()))
    targets_table = pd.DataFrame({
        t("indicators.name"): tg["name"], t("indicators.level2"): tables.terms(tg["level2"]),
        t("indicators.target"): tables.targets(tg),
        t("execution.to_date"): tg["value_to_date"], t("execution.expected"): tg["expected_year_end"],
        t("execution.will_meet"): [label(v, WILL_MEET) for v in tg["will_meet"]],
        t("execution.deviation"): [f"{tables.term(c)} {'' if pd.isna(n) else n}".strip()
                                   for c, n in zip(tg["deviation_category"], tg["deviation_note"], strict=True)],
        t("execution.measure"): tg["corrective_measure"].fillna(""),
    })
    st.dataframe(targets_table, hide_index=True, width="stretch")
    download_table(targets_table, f"{chosen_code}-targets", "execution_targets_dl")
ev = detail["evaluations"]
if not ev.empty:
    st.markdown(t("execution.evaluations"))
    evaluations_table = tables.Table.of(tables.count(t("ui.year"), ev["year"]),
                                        tables.text(t("col.method"), [label(m, METHODS) for m in ev["method"]]),
                                        tables.score(t("col.score"), ev["score_centi"]))
    show_table(evaluations_table)
    download_table(evaluations_table, f"{chosen_code}-evaluations", "execution_evaluations_dl")
fd = detail["findings"]
if not fd.empty:
    st.markdown(t("execution.findings"))
    findings_table = pd.DataFrame({t("ui.year"): fd["year"], t("execution.finding_code"): fd["finding_code"],
                                   t("execution.finding_category"): tables.terms(fd["category"]),
                                   t("execution.finding_text"): fd["description"],
                                   t("execution.deadline"): [str(d) for d in fd["deadline"]],
                                   t("execution.status"): [label(v, FINDING_STATUSES) for v in fd["status"]]})
    st.dataframe(findings_table, hide_index=True, width="stretch")
    download_table(findings_table, f"{chosen_code}-findings", "execution_findings_dl")
if tg.empty and ev.empty and fd.empty:
    st.caption(t("execution.no_detail"))

download_page({t("execution.curve"): curve_sheet, t("execution.by_department"): dept_table,
               t("execution.quadrant"): quad_table, t("execution.projects_title"): every_project,
               t("execution.lifecycle", n=len(lifecycle)): lifecycle_table},
              f"execution-{filters.region}-{filters.year}", "execution_page_dl")
st.caption(t("execution.generated", at=dt.date.today().isoformat()))
