"""Lookups: the names and codes a row gives, resolved to the ids of stored records.

Each lookup is a check (spec.Check): it writes the model field it resolves into `row.resolved`
(region_id, department_id, project_id, evaluation_id, and the record itself under region,
project), or an error naming the closest existing name, and returns False to stop the row.
The department scope of a finance user is checked on what a lookup resolved to.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from data_access.models import Department, Evaluation, Project, Region
from data_access.uploads.cells import key
from data_access.uploads.context import Ctx, Row
from data_access.uploads.write import among

_MAX_CLOSEST = 500  # difflib over a year's codes costs milliseconds: only for the first distinct unknown codes


def closest(name: str, candidates: Iterable[str]) -> str:
    """`，最接近的是“…”` for a message, or what to do when nothing is close."""
    pool = list(dict.fromkeys(candidates))
    match = difflib.get_close_matches(name, pool, n=1, cutoff=0.3)
    if match:
        return f"，最接近的是“{match[0]}”"
    if pool:
        return "（没有相近的名称，请检查是否写错，或先导入项目数据）"
    return "（数据库中还没有任何记录，请先导入项目数据）"


# ---- regions and departments -----------------------------------------------------------------------
@dataclass(frozen=True)
class RegionLookup:
    """行政区 → region_id, when the row gives one. `create`: an unknown name is a region to create on
    write (projects), keyed by its name until then; otherwise it is an error naming the closest."""

    create: bool = False

    def __call__(self, ctx: Ctx, row: Row) -> bool:
        name = row.values.get("region")
        if not name:
            return True
        region = ctx.regions().get(key(name))
        if region is None and not self.create:
            names = [r.name for r in ctx.regions().values()]
            ctx.error(row, "region", "unknown_region",
                      f"{ctx.cell(row, 'region')}不是已有的行政区{closest(name, names)}。")
            return False
        row.resolved["region"] = region
        row.resolved["region_id"] = region.id if region else ("new", key(name))
        return True


@dataclass(frozen=True)
class DepartmentLookup:
    """预算单位 of the row's region → department_id, when the row gives one: by name, else by code.
    `create`: matched by name only, an unknown one is a department to create on write (projects)."""

    create: bool = False

    def __call__(self, ctx: Ctx, row: Row) -> bool:
        given = row.values.get("department")
        region: Region | None = row.resolved.get("region")
        if not given:
            return True
        code, name = given
        depts = ctx.departments(region.id) if region is not None else []  # type: ignore[arg-type]
        found = next((d for d in depts if key(d.name) == key(name)), None)
        if found is None and not self.create:
            found = next((d for d in depts if code and d.code == code), None)
            if found is None:
                ctx.error(row, "department", "unknown_department",
                          f"{ctx.cell(row, 'department')}在{region.name if region else ''}没有找到对应的预算单位"
                          f"{closest(name, [d.name for d in depts])}。")
                return False
        row.resolved["department_id"] = found.id if found else None
        return True


def department_in_scope(ctx: Ctx, row: Row) -> bool:
    """The row's department (None: a new one) is one the user may write for."""
    return ctx.in_scope(row, row.resolved.get("department_id"))


# ---- projects --------------------------------------------------------------------------------------
def load_projects(ctx: Ctx, pairs: set[tuple[int | None, str]]) -> dict[tuple[int, str], list[Any]]:
    """Projects by (year, code), across regions, for (year, code) pairs (year None: every year); in chunks.

    Plain rows with the model's attributes, not ORM objects: the checks read a project's fields once or
    twice for each of a large file's rows, which costs several times more through ORM instrumentation."""
    out: dict[tuple[int, str], list[Any]] = defaultdict(list)
    codes = sorted({c for _, c in pairs})
    table = Project.__table__  # type: ignore[attr-defined]
    connection = ctx.session.connection()
    for condition in among(connection, table.c.code, codes):
        for p in connection.execute(select(table).where(condition)).all():
            if (p.year, p.code) in pairs or (None, p.code) in pairs:
                out[(p.year, p.code)].append(p)
    return out


@dataclass(frozen=True)
class ProjectLookup:
    """项目编码 (with 预算年度 and the row's region when given) → project_id, and the project in the user's
    scope. `stop`: an unknown or out-of-scope project stops the row's later checks."""

    stop: bool = True

    def prepare(self, ctx: Ctx, rows: list[Row]) -> None:
        pairs = {(r.values.get("year"), r.values["code"]) for r in rows if r.values.get("code")}
        ctx.cache["projects"] = load_projects(ctx, pairs)

    def __call__(self, ctx: Ctx, row: Row) -> bool:
        if not row.values.get("code"):
            return True
        project = _resolve_project(ctx, row, row.values.get("year"), row.resolved.get("region"))
        if project is None:
            return not self.stop
        row.resolved["project"] = project
        if not ctx.in_scope(row, project.department_id, "code", record="项目"):
            return not self.stop
        row.resolved["project_id"] = project.id
        return True


@dataclass(frozen=True)
class _Known:
    """A project a suggestion may name."""

    code: str
    name: str
    department: str
    region: str


def _known_projects(ctx: Ctx, year: int, region: Region | None) -> list[_Known]:
    """The projects of a year (and region), loaded once per import."""
    known: dict[tuple[int, int | None], list[_Known]] = ctx.cache.setdefault("known_projects", {})
    k = (year, region.id if region else None)
    if k not in known:
        q = (select(col(Project.code), col(Project.name), col(Department.name), col(Region.name))
             .join(Department, col(Department.id) == col(Project.department_id))
             .join(Region, col(Region.id) == col(Project.region_id)).where(col(Project.year) == year))
        if region is not None:
            q = q.where(col(Project.region_id) == region.id)
        known[k] = [_Known(*r) for r in ctx.session.execute(q)]
    return known[k]


def _row_project_name(ctx: Ctx, row: Row) -> tuple[str, str] | None:
    """The project's name the row gives beside the code: 项目名称 (monitoring), or 评价对象 of a project evaluation."""
    name_col = ctx.spec.by_field.get("name")
    if name_col is not None and name_col.zh == "项目名称" and row.values.get("name"):
        return name_col.zh, row.values["name"]
    if row.values.get("subject") and row.values.get("subject_type") in (None, "project"):
        return ctx.col("subject"), row.values["subject"]
    return None


def _project_hint(ctx: Ctx, row: Row, year: int, code: str, region: Region | None) -> str:
    """What to tell the clerk about an unknown code: the project named on the same row first, else the closest code.

    Says 请先导入项目数据 only when the year (and region) has no project at all.
    """
    pool = _known_projects(ctx, year, region)
    if not pool:
        return f"：{region.name if region else ''}{year}年度还没有任何项目，请先导入项目数据。"
    named = _row_project_name(ctx, row)
    if named:
        label, name = named
        same = [p for p in pool if key(p.name) == key(name)]
        dept = row.values.get("department")
        if dept and len(same) > 1:
            same = [p for p in same if key(p.department) == key(dept[1])] or same
        if same:
            codes = "、".join(f"“{p.code}”（{p.region}{p.department}）" if len(same) > 1 else f"“{p.code}”"
                             for p in same[:3])
            return f"。本行的{label}“{name}”对应的项目编码是{codes}，请核对项目编码。"
    hints: dict[tuple[int, int | None, str], str] = ctx.cache.setdefault("project_hints", {})
    hint_key = (year, region.id if region else None, code)
    if hint_key not in hints:
        close = None
        if len(hints) < _MAX_CLOSEST:
            prefix = [p.code for p in pool if p.code[:3] == code[:3]] or [p.code for p in pool]
            match = difflib.get_close_matches(code, prefix, n=1, cutoff=0.3)
            close = next((p for p in pool if match and p.code == match[0]), None)
        hints[hint_key] = (f"，最接近的编码是“{close.code}”（{close.name}，{close.department}），请核对项目编码。"
                           if close else "，也没有相近的编码，请核对项目编码。")
    return hints[hint_key]


def _resolve_project(ctx: Ctx, row: Row, year: int | None, region: Region | None) -> Project | None:
    code = row.values["code"]
    projects: dict[tuple[int, str], list[Project]] = ctx.cache["projects"]
    if year is None:
        found = [p for (_y, c), ps in projects.items() if c == code for p in ps]
    else:
        found = list(projects.get((year, code), []))
    if region is not None:
        found = [p for p in found if p.region_id == region.id]
    if not found:
        where = f"{region.name}" if region else ""
        hint = _project_hint(ctx, row, year, code, region) if year else "。请核对项目编码，或增加「预算年度」列。"
        ctx.error(row, "code", "unknown_project",
                  f"{ctx.cell(row, 'code')}在{where}{year or ''}{'年度' if year else ''}的项目中不存在{hint}")
        return None
    if len(found) > 1:
        names = {r.id: r.name for r in ctx.regions().values()}
        if region is None and len({p.region_id for p in found}) > 1:
            ctx.error(row, "region", "region_required",
                      f"{row.label_of}项目编码“{code}”在{'、'.join(sorted(names[p.region_id] for p in found))}都存在，"
                      "请增加「行政区」列并填写本行所属的行政区。")
        else:
            ctx.error(row, "year", "region_required",
                      f"{row.label_of}项目编码“{code}”对应多个年度的项目，请增加「预算年度」列并填写年度。")
        return None
    return found[0]


# ---- evaluations (of a finding) -----------------------------------------------------------------------
def evaluation_lookup(ctx: Ctx, row: Row) -> bool:
    """评价对象 → the evaluation of that subject in the region and year (the finance one, of the same
    department when there are several), among those of departments the user may write for."""
    region: Region = row.resolved["region"]
    cached: dict[tuple[int, int], list[Evaluation]] = ctx.cache.setdefault("evaluations", {})
    scope = (int(region.id or 0), row.values["year"])
    if scope not in cached:
        cached[scope] = list(ctx.session.execute(select(Evaluation).where(
            col(Evaluation.region_id) == scope[0], col(Evaluation.year) == scope[1])).scalars())
    same = [e for e in cached[scope] if key(e.subject) == key(row.values["subject"])]
    if same and not any(ctx.may_write(e.department_id) for e in same):
        ctx.in_scope(row, same[0].department_id, "subject", record="评价")
        return False
    same = [e for e in same if ctx.may_write(e.department_id)]
    if not same:
        ctx.error(row, "subject", "unknown_evaluation",
                  f"{ctx.cell(row, 'subject')}在{region.name}{row.values['year']}年度的绩效评价中不存在"
                  f"{closest(row.values['subject'], [e.subject for e in cached[scope]])}。请先导入评价结果。")
        return False
    # The finance evaluation of that subject (as the seed links it), by the same department when possible.
    same.sort(key=lambda e: (e.method != "self", e.department_id == row.resolved["department_id"], e.id or 0))
    row.resolved["evaluation_id"] = same[-1].id if same[-1].method != "self" else None
    return True


def fund_source_known(ctx: Ctx, row: Row) -> bool:
    """资金来源 is one of the configured fund sources."""
    fs = row.values.get("fund_source")
    if fs is not None and fs not in ctx.settings.fund_sources:
        ctx.error(row, "fund_source", "unknown_value",
                  f"{ctx.cell(row, 'fund_source')}不是有效的资金来源（可选：{'、'.join(ctx.settings.fund_sources)}）。")
    return True
