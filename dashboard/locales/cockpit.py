"""Strings of the leadership cockpit (领导驾驶舱) and execution monitoring."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "overview.title": ("领导驾驶舱", "Leadership cockpit"),
    "overview.caption": ("{region} · {year} 年度 · 数据截至 {as_of}", "{region} · fiscal {year} · as of {as_of}"),
    "overview.section.execution": ("预算执行（双监控）", "Budget execution (dual monitoring)"),
    "overview.section.results": ("评价、事前评估与整改", "Evaluation, ex-ante assessment and rectification"),
    "overview.budget": ("预算总额", "Budget"),
    "overview.budget_help": ("全区 {n} 个项目的预算（含年中调整）", "Budget of all {n} projects, mid-year changes included"),
    "overview.spent": ("累计支出", "Spent to date"),
    "overview.spent_help": ("截至 {month} 月的累计支出", "Cumulative spending to month {month}"),
    "overview.execution_rate": ("预算执行率", "Execution rate"),
    "overview.execution_help": ("序时进度 {time}；执行率低于序时进度越多越需关注", "Time progress {time}; the further below it, the more attention needed"),
    "overview.behind": ("重点项目预警", "Key projects behind"),
    "overview.behind_help": ("{key} 个重点监控项目中执行进度落后超过 15 个百分点的", "Of {key} key projects, those more than 15 points behind time"),
    "overview.eg_rate": ("财政评价优良率", "Finance evaluations rated 优/良"),
    "overview.eg_help": ("共评价 {n} 个：优 {e}、良 {g}、中 {f}、差 {p}", "{n} evaluated: 优 {e}, 良 {g}, 中 {f}, 差 {p}"),
    "overview.cut_rate": ("事前评估核减率", "Ex-ante cut rate"),
    "overview.cut_help": ("评估 {n} 个项目，建议核减 {cut}", "{n} projects assessed, {cut} cut"),
    "overview.completion": ("问题整改完成率", "Findings rectified"),
    "overview.completion_help": ("本年度评价发现问题 {n} 个，已整改 {done} 个", "{n} findings of this year's evaluations, {done} rectified"),
    "overview.overdue": ("逾期未整改", "Overdue findings"),
    "overview.overdue_help": ("截至 {date} 已过整改期限仍未完成", "Past their deadline and not rectified as of {date}"),
    "overview.unit_yi": (" 亿元", " hundred million yuan"),
    "overview.unit_pt": (" 个百分点", " points"),
    "overview.link.execution": ("查看执行监控", "Open execution monitoring"),
    "overview.link.evaluation": ("查看绩效评价", "Open evaluation results"),
    "overview.link.exante": ("查看事前评估", "Open ex-ante assessments"),
    "overview.link.rectification": ("查看问题整改", "Open rectification"),
}
