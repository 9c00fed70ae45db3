"""项目: a budget line of one department for one year. Importing projects creates the regions and
departments they name; every other kind refers to them."""

from __future__ import annotations

from data_access.models import Department, Project, Region
from data_access.uploads.cells import key
from data_access.uploads.choices import PROJECT_KIND
from data_access.uploads.context import Ctx, Row
from data_access.uploads.lookups import DepartmentLookup, RegionLookup, department_in_scope, fund_source_known
from data_access.uploads.spec import Cell, Column, Spec, Synonyms


def create_references(ctx: Ctx, rows: list[Row]) -> None:
    """The regions and departments the file names that do not exist yet, created before the projects."""
    regions = ctx.regions()
    for row in rows:
        region = regions.get(key(row.values["region"]))
        if region is None:
            region = Region(name=row.values["region"])
            ctx.session.add(region)
            ctx.session.flush()
            regions[key(region.name)] = region
        code, name = row.values["department"]
        depts = ctx.departments(region.id)  # type: ignore[arg-type]
        dept = next((d for d in depts if key(d.name) == key(name)), None)
        if dept is None:
            dept = Department(region_id=region.id, code=code, name=name)  # type: ignore[arg-type]
            ctx.session.add(dept)
            ctx.session.flush()
            depts.append(dept)
        elif code and not dept.code:
            dept.code = code
        row.resolved.update(region=region, region_id=region.id, department_id=dept.id)


SPEC = Spec(
    kind="projects", title="项目", model=Project,
    columns=(
        Column("code", "项目编码", "code", Cell.CODE, True, Synonyms.CODE, "HP2023P001"),
        Column("name", "项目名称", "name", Cell.NAME, True, example="学位供给保障项目"),
        Column("department", "预算单位", "department", Cell.DEPARTMENT, True, Synonyms.DEPARTMENT, "101001-区教育局"),
        Column("region", "行政区", "region", Cell.REGION, True, Synonyms.REGION, "黄埔区"),
        Column("year", "预算年度", "year", Cell.YEAR, True, Synonyms.YEAR, 2023),
        Column("budget_adjusted_fen", "调整后预算数", "budget_adjusted", Cell.AMOUNT, True, ("调整后预算", "预算数"),
               "12,000,000.00"),
        Column("budget_initial_fen", "年初预算数", "budget_initial", Cell.AMOUNT, False, ("年初预算",),
               "12,500,000.00"),
        Column("fund_source", "资金来源", "fund_source", Cell.TEXT, example="一般公共预算"),
        Column("kind", "项目类型", "kind", PROJECT_KIND, example="经常性"),
        Column("is_new", "是否新增", "is_new", Cell.BOOL, False, ("新增",), "否"),
    ),
    key=("region_id", "year", "code"),
    checks=(fund_source_known, RegionLookup(create=True), DepartmentLookup(create=True), department_in_scope),
    history=("code", "name", "year", "budget_adjusted_fen", "budget_initial_fen"),
    before_write=create_references,
)
