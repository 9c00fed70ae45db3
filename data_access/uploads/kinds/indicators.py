"""绩效指标: the region's indicator library (no 项目编码) and projects' targets (三级指标).

A target belongs to its project's department; a row naming neither department nor project is the
general library, which only users without a department scope (the bureau) maintain.
"""

from __future__ import annotations

from typing import Any

from data_access.enums import LEVEL2 as LEVEL2_OF
from data_access.enums import WILL_MEET as WILL_MEET_LABELS
from data_access.models import Indicator
from data_access.uploads.choices import DEVIATION, LEVEL1, LEVEL2, OPERATOR, SCOPE, WILL_MEET
from data_access.uploads.context import Ctx, Row
from data_access.uploads.lookups import DepartmentLookup, ProjectLookup, RegionLookup, department_in_scope
from data_access.uploads.spec import Cell, Column, Spec, Synonyms


def level2_under_level1(ctx: Ctx, row: Row) -> bool:
    """二级指标 is one of its 一级指标's."""
    level1, level2 = row.values["level1"], row.values["level2"]
    if level2 not in LEVEL2_OF[level1]:
        ctx.error(row, "level2", "unknown_value",
                  f"{ctx.cell(row, 'level2')}不属于一级指标“{level1}”（可选：{'、'.join(LEVEL2_OF[level1])}）。")
    return True


def department_of_target(ctx: Ctx, row: Row) -> bool:
    """A target's department is its project's; a row without either is the general library (the bureau's)."""
    dept_id = row.resolved.get("department_id")
    project = row.resolved.get("project")
    if project is not None:
        if dept_id is None:
            dept_id = project.department_id
        elif dept_id != project.department_id:
            ctx.error(row, "department", "unknown_department",
                      f"{ctx.cell(row, 'department')}与项目“{project.code}”所属的预算单位不一致。")
            return False
    if dept_id is None and not ctx.may_write(None):
        ctx.error(row, "department", "out_of_scope",
                  f"{row.label}没有填写「{ctx.col('department')}」和「{ctx.col('code')}」，是全区通用指标库的指标，"
                  f"只有不限单位的用户（财政局）可以维护；您只能填报本单位的指标（{ctx.scope_names()}）。")
        return False
    row.resolved["department_id"] = dept_id
    row.resolved.setdefault("project_id", None)
    return True


def deviation_explained(ctx: Ctx, rows: list[Row], existing: dict[tuple, Any]) -> None:
    """A target that may not be met (有可能, 完全不可能) has a deviation reason and a corrective measure, in
    the row or already stored (DOMAIN: mid-year target monitoring): a warning naming what is missing."""
    for row in rows:
        will_meet = row.values.get("will_meet")
        if will_meet not in ("possible", "impossible"):
            continue
        stored = existing.get(row.key) if row.key is not None else None
        missing = [fld for fld in ("deviation_category", "corrective_measure")
                   if not row.values.get(fld) and not (stored is not None and getattr(stored, fld))]
        if missing:
            ctx.warn(row, missing[0], "deviation_unexplained",
                     f"{row.label}「{ctx.col('will_meet')}」为“{WILL_MEET_LABELS[will_meet]}”，"
                     f"请填写{'和'.join(f'「{ctx.col(f)}」' for f in missing)}。")


SPEC = Spec(
    kind="indicators", title="绩效指标", model=Indicator,
    columns=(
        Column("name", "指标名称", "name", Cell.NAME, True, ("三级指标",), "新增学位数量"),
        Column("level1", "一级指标", "level1", LEVEL1, True, example="产出指标"),
        Column("level2", "二级指标", "level2", LEVEL2, True, example="数量指标"),
        Column("scope", "指标类型", "scope", SCOPE, True, example="个性"),
        Column("region", "行政区", "region", Cell.REGION, True, Synonyms.REGION, "黄埔区"),
        Column("department", "预算单位", "department", Cell.DEPARTMENT, False, Synonyms.DEPARTMENT, "区教育局"),
        Column("code", "项目编码", "code", Cell.CODE, False, Synonyms.CODE, "HP2023P001"),
        Column("year", "预算年度", "year", Cell.YEAR, False, Synonyms.YEAR, 2023),
        Column("review_year", "评审年度", "review_year", Cell.YEAR, False, ("专家评审年度",), 2023),
        Column("unit", "计量单位", "unit", Cell.TEXT, example="个"),
        Column("operator", "比较符", "operator", OPERATOR, False, ("指标值比较符",), "≥"),
        Column("target_value", "指标值", "target", Cell.TEXT, False, ("目标值",), "1200"),
        Column("is_core", "是否核心", "core", Cell.BOOL, False, ("核心指标",), "是"),
        Column("value_to_date", "截至目前完成值", "value_to_date", Cell.TEXT, False, ("1-7月执行情况",), "600"),
        Column("expected_year_end", "全年预计完成值", "expected_year_end", Cell.TEXT, example="1200"),
        Column("will_meet", "能否完成", "will_meet", WILL_MEET, False, ("能否完成目标",), "确定能"),
        Column("deviation_category", "偏差原因类别", "deviation_category", DEVIATION),
        Column("deviation_note", "偏差原因说明", "deviation_note", Cell.TEXT),
        Column("corrective_measure", "纠偏措施", "corrective_measure", Cell.TEXT, False, ("完成目标的措施",)),
    ),
    key=("region_id", "department_id", "project_id", "name"),
    checks=(level2_under_level1, RegionLookup(), DepartmentLookup(), ProjectLookup(), department_of_target,
            department_in_scope),
    history=("name", "level1", "level2", "scope"),
    same_row_ignores=("department", "year"),
    warnings=deviation_explained,
)
