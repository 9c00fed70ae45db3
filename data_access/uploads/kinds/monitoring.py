"""执行监控: one month's cumulative spending of a project (双监控), keyed by (project, month)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from data_access.formatting import yuan
from data_access.models import Monitoring
from data_access.uploads.cells import key
from data_access.uploads.context import Ctx, Row
from data_access.uploads.lookups import ProjectLookup, RegionLookup
from data_access.uploads.spec import Cell, Column, Spec, Synonyms


class Coverage:
    """The (department, year, month) a file reports, for the submission matrix: also for rows with a
    wrong cell (a rejected file marks its months 报送失败), never for another department's project."""

    def prepare(self, ctx: Ctx, rows: list[Row]) -> None:
        projects, regions = ctx.cache["projects"], ctx.regions()  # projects: loaded by ProjectLookup, before
        for row in rows:
            found = projects.get((row.values.get("year"), row.values.get("code")), [])
            region = regions.get(key(row.values["region"])) if row.values.get("region") else None
            found = [p for p in found if region is None or p.region_id == region.id]
            if len(found) == 1 and "month" in row.values and ctx.may_write(found[0].department_id):
                ctx.report.coverage.add((found[0].department_id, found[0].year, row.values["month"]))

    def __call__(self, ctx: Ctx, row: Row) -> bool:
        project = row.resolved["project"]
        ctx.report.coverage.add((project.department_id, project.year, row.values["month"]))
        return True


def spending_warnings(ctx: Ctx, rows: list[Row], existing: dict[tuple, Any]) -> None:
    """spent_decreased and spent_exceeds_budget, over the file's months merged with the database's."""
    by_project: dict[int, dict[int, tuple[int, int | None, Row | None]]] = defaultdict(dict)
    for (pid, month), m in existing.items():
        by_project[pid][month] = (m.spent_cumulative_fen, m.budget_fen, None)
    file_projects = {r.resolved["project_id"]: r.resolved["project"] for r in rows}
    for row in rows:
        by_project[row.resolved["project_id"]][row.values["month"]] = (
            row.values["spent_cumulative_fen"], row.values.get("budget_fen"), row)
    spent_col = "spent_cumulative_fen"
    for pid, project in file_projects.items():
        budget = project.budget_adjusted_fen
        carried: int | None = None
        peak: tuple[int, int] | None = None  # (spent, month) highest so far
        peak_row: Row | None = None  # the file row holding the peak, if it came from the file
        for month, (spent, month_budget, file_row) in sorted(by_project[pid].items()):
            if month_budget is not None:
                carried = month_budget
            effective = carried if carried is not None else budget
            if file_row is not None:
                if peak is not None and spent < peak[0]:
                    ctx.warn(file_row, spent_col, "spent_decreased",
                             f"{ctx.cell(file_row, spent_col)}（{yuan(spent)} 元）低于第{peak[1]}月的累计支出 "
                             f"{yuan(peak[0])} 元；累计支出一般不会减少，请核对。")
                if effective and spent > effective:
                    ctx.warn(file_row, spent_col, "spent_exceeds_budget",
                             f"{ctx.cell(file_row, spent_col)}（{yuan(spent)} 元）超过预算 {yuan(effective)} 元，"
                             "请核对。")
            elif peak is not None and spent < peak[0] and peak_row is not None:
                ctx.warn(peak_row, spent_col, "spent_decreased",
                         f"{ctx.cell(peak_row, spent_col)}高于数据库中已有的第{month}月累计支出 {yuan(spent)} 元，"
                         "请核对。")
            if peak is None or spent >= peak[0]:
                peak, peak_row = (spent, month), file_row


def submitted(ctx: Ctx, row: Row, current: Any) -> dict[str, Any]:
    """A month counts as submitted when it first arrives (the submission matrix's on time or late)."""
    return {"submitted_at": ctx.now} if current is None or current.submitted_at is None else {}


SPEC = Spec(
    kind="monitoring", title="执行监控", model=Monitoring,
    columns=(
        Column("code", "项目编码", "code", Cell.CODE, True, Synonyms.CODE, "HP2023P001"),
        Column("year", "预算年度", "year", Cell.YEAR, True, Synonyms.YEAR, 2023),
        Column("month", "月份", "month", Cell.MONTH, True, ("月",), 6),
        Column("spent_cumulative_fen", "累计支出", "spent_cumulative", Cell.AMOUNT, True,
               ("累计支出数", "累计执行数", "累计支出金额"), "5,230,000.50"),
        Column("region", "行政区", "region", Cell.REGION, False, Synonyms.REGION, "黄埔区"),
        Column("budget_fen", "调整后预算数", "budget_adjusted", Cell.AMOUNT, False, ("调整后预算", "预算数"),
               blank_writes_null=True),
        Column("target_progress", "目标完成情况", "target_progress", Cell.TEXT, example="已完成学位建设 600 个"),
        Column("deviation_reason", "偏差原因", "deviation_reason", Cell.TEXT),
        # Read for people's convenience (clerks keep them beside the code) and for hints; not stored.
        Column("name", "项目名称", "name", Cell.NAME, example="学位供给保障项目"),
        Column("department", "预算单位", "department", Cell.DEPARTMENT, False, Synonyms.DEPARTMENT, "区教育局"),
    ),
    key=("project_id", "month"),
    checks=(RegionLookup(), ProjectLookup(), Coverage()),
    history=("project_id", "month", "spent_cumulative_fen", "budget_fen"),
    lookup_labels={"project_id": "项目ID"},
    same_row_ignores=("region", "name", "department"),
    warnings=spending_warnings,
    extra_values=submitted,
)
