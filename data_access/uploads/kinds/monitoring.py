"""执行监控: one month's cumulative spending of a project (双监控), keyed by (project, month)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from itertools import compress, islice, repeat
from operator import gt, is_not, itemgetter, lt
from typing import Any, TypeVar

from sqlalchemy import select

from data_access.formatting import yuan
from data_access.models import Monitoring
from data_access.uploads.cells import key
from data_access.uploads.columns import Parsed
from data_access.uploads.context import Ctx, Row
from data_access.uploads.lookups import ProjectLookup, RegionLookup, load_projects
from data_access.uploads.spec import Cell, Column, Spec, Synonyms
from data_access.uploads.write import AUDIT_DETAIL, Changes, among, apply, encode_basestring, json_value

H = TypeVar("H")  # how check_spending's caller names a file row: the Row, or its index


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
    projects = [r.resolved["project"] for r in rows]
    keys = [(p.id, r.values["month"]) for p, r in zip(projects, rows, strict=True)]
    check_spending(ctx, [(pid, month, m.spent_cumulative_fen, m.budget_fen) for (pid, month), m in existing.items()],
                   {p.id: p for p in projects}, keys, [r.values["spent_cumulative_fen"] for r in rows],
                   [r.values.get("budget_fen") for r in rows], rows, lambda row: row)


_NO_BUDGET = float("inf")  # a project without a budget: no spending exceeds it


def _rising(keys: Sequence[tuple[int, int]]) -> bool:
    """Each key above the one before it (so sorted and each once): a comparison of neighbours, in C."""
    return all(map(lt, keys, islice(keys, 1, None)))


def check_spending(ctx: Ctx, stored: list[tuple[int, int, int, int | None]], projects: dict[int, Any],
                   keys: Sequence[tuple[int, int]], spent: Sequence[int], budgets: Sequence[int | None],
                   handles: Sequence[H], row_of: Callable[[H], Row]) -> None:
    """The rule of `spending_warnings` over plain values: `stored` (project id, month, spent, budget) of the
    records in the database; `projects` the file's by id; the file's rows in order as columns: (project id,
    month), spent, budget and the handle `row_of(handle)` turns into the row a warning names (built only for a
    row warned about).

    A screen of loops that run in C finds the projects that may have a warning: spending that falls from
    one month to the next, spending above the project's budget, a month with a budget of its own. Only
    those go month by month through the rule (a clean file of 100,000 rows: none)."""
    given: list[tuple[int, int | None, H | None]] = list(zip(spent, budgets, handles, strict=True))
    if not stored and _rising(keys):  # only the file's months, each once, in order
        order, values, money, month_budgets = keys, given, spent, budgets
    else:  # the file's months over the stored ones (a month given twice: the later row), in order
        merged: dict[tuple[int, int], tuple[int, int | None, H | None]] = {
            (pid, month): (s, b, None) for pid, month, s, b in stored}
        merged.update(zip(keys, given, strict=True))
        order = sorted(merged)
        values = list(map(merged.__getitem__, order))
        money, month_budgets = list(map(itemgetter(0), values)), list(map(itemgetter(1), values))
    in_order = list(map(itemgetter(0), order))
    cap_of = dict.fromkeys(in_order, _NO_BUDGET)  # a stored project the file does not name is never looked at
    cap_of.update((pid, p.budget_adjusted_fen or _NO_BUDGET) for pid, p in projects.items())
    flagged = set(compress(in_order, map(gt, money, map(cap_of.__getitem__, in_order))))
    flagged.update(compress(in_order, map(is_not, month_budgets, repeat(None))))
    flagged.update(in_order[i] for i in compress(range(1, len(money)), map(lt, islice(money, 1, None), money))
                   if in_order[i] == in_order[i - 1])
    if not flagged:
        return
    for pid in dict.fromkeys(map(itemgetter(0), keys)):  # the file's projects in the order they first appear
        if pid in flagged:
            lo, hi = bisect_left(order, (pid,)), bisect_left(order, (pid + 1,))
            _spending_of(ctx, projects[pid], order[lo:hi], values[lo:hi], row_of)


def _spending_of(ctx: Ctx, project: Any, keys: Sequence[tuple[int, int]],
                 values: Sequence[tuple[int, int | None, H | None]], row_of: Callable[[H], Row]) -> None:
    """`check_spending`'s rule for one project's months (keys and values in month order)."""
    spent_col = "spent_cumulative_fen"
    budget = project.budget_adjusted_fen
    carried: int | None = None
    peak: tuple[int, int] | None = None  # (spent, month) highest so far
    peak_row: H | None = None  # the file row holding the peak, if it came from the file
    for (_pid, month), (spent, month_budget, handle) in zip(keys, values, strict=True):
        if month_budget is not None:
            carried = month_budget
        effective = carried if carried is not None else budget
        if handle is not None:
            if peak is not None and spent < peak[0]:
                file_row = row_of(handle)
                ctx.warn(file_row, spent_col, "spent_decreased",
                         f"{ctx.cell(file_row, spent_col)}（{yuan(spent)} 元）低于第{peak[1]}月的累计支出 "
                         f"{yuan(peak[0])} 元；累计支出一般不会减少，请核对。")
            if effective and spent > effective:
                file_row = row_of(handle)
                ctx.warn(file_row, spent_col, "spent_exceeds_budget",
                         f"{ctx.cell(file_row, spent_col)}（{yuan(spent)} 元）超过预算 {yuan(effective)} 元，"
                         "请核对。")
        elif peak is not None and spent < peak[0] and peak_row is not None:  # a file row was the peak
            file_row = row_of(peak_row)
            ctx.warn(file_row, spent_col, "spent_decreased",
                     f"{ctx.cell(file_row, spent_col)}高于数据库中已有的第{month}月累计支出 {yuan(spent)} 元，"
                     "请核对。")
        if peak is None or spent >= peak[0]:
            peak, peak_row = (spent, month), handle


def submitted(ctx: Ctx, row: Row, current: Any) -> dict[str, Any]:
    """A month counts as submitted when it first arrives (the submission matrix's on time or late)."""
    return {"submitted_at": ctx.now} if current is None or current.submitted_at is None else {}


_STORED = ("spent_cumulative_fen", "budget_fen", "target_progress", "deviation_reason")


def bulk(ctx: Ctx, parsed: Parsed, dry_run: bool) -> bool:
    """The checks and the upsert of a clean file (columns.parse_columns) column by column, each distinct
    region, (year, code, region) and project resolved once: the same lookups, coverage, warnings, values
    and audit entries as the per-row checks and write.py's upsert. Returns False, having changed nothing,
    when a row needs the per-row checks, which word its problem: an unknown region or project, a code
    naming several projects, a project outside the user's departments, or two rows of one key."""
    spec = ctx.spec
    if tuple(f for f, *_ in spec.stored_plan) != _STORED or spec.lookups_written or spec.publishable:
        return False  # the spec changed: only the per-row write knows it
    n = len(parsed)
    v = parsed.values
    years, codes, months, spent = v["year"], v["code"], v["month"], v["spent_cumulative_fen"]
    blank: list[Any] = [None] * n
    budgets, targets, reasons = (v.get(f, blank) for f in _STORED[1:])
    regions = ctx.regions()
    region_of: dict[str | None, Any] = {None: None}
    for name in set(v.get("region", blank)):
        if name is not None:
            region_of[name] = regions.get(key(name))
            if region_of[name] is None:
                return False
    wheres = list(zip(years, codes, v.get("region", blank), strict=True))
    projects = load_projects(ctx, set(zip(years, codes, strict=True)))
    project_of: dict[tuple, Any] = {}
    for where in set(wheres):
        found = projects.get(where[:2], [])
        region = region_of[where[2]]
        if region is not None:
            found = [p for p in found if p.region_id == region.id]
        if len(found) != 1 or not ctx.may_write(found[0].department_id):
            return False
        project_of[where] = found[0]
    pid_of = {where: p.id for where, p in project_of.items()}
    keys = list(zip(map(pid_of.__getitem__, wheres), months, strict=True))
    if not _rising(keys) and len(set(keys)) != n:  # keys that rise are distinct
        return False  # the same record twice: a warning or an error of the per-row checks

    report = ctx.report
    owner = {where: (p.department_id, p.year) for where, p in project_of.items()}
    report.coverage.update((*o, m) for o, m in set(zip(map(owner.__getitem__, wheres), months, strict=True)))
    report.periods.update((y, m or 0) for y, m in set(zip(years, months, strict=True)))
    existing = _stored(ctx, sorted(set(pid_of.values())))
    check_spending(ctx, [(pid, month, r[3], r[4]) for (pid, month), r in existing.items()],
                   {p.id: p for p in project_of.values()}, keys, spent, budgets, range(n), parsed.row)
    if dry_run:
        return True

    plan = Changes()
    stored: list[Any] = list(map(existing.get, keys))
    new = (keys, spent, budgets, targets, reasons)
    fresh = [i for i, current in enumerate(stored) if current is None]
    if len(fresh) == n:  # only new months: inserted
        _insert(ctx, plan, *new)
        stored, new = [], ([],) * len(new)  # type: ignore[assignment]
    elif fresh:  # some new months
        _insert(ctx, plan, *([c[i] for i in fresh] for c in new))
        kept = [i for i, current in enumerate(stored) if current is not None]
        stored = [stored[i] for i in kept]
        new = tuple([c[i] for i in kept] for c in new)  # type: ignore[assignment]
    # What the per-row write compares (write.row_values, `submitted`): blank text keeps the stored text, a
    # blank budget clears it, a month stored without a submission time gets one. Rows grouped by what changed.
    by_shape: dict[tuple[bool, ...], list[int]] = {}
    for i, (current, s_, b, t, r) in enumerate(zip(stored, *new[1:], strict=True)):
        shape = (s_ != current[3], b != current[4], t is not None and t != current[5],
                 r is not None and r != current[6], bool(current[7]))
        if True in shape:
            by_shape.setdefault(shape, []).append(i)
        else:
            plan.unchanged += 1
    audits: list[tuple[int, tuple[int, str]]] = []  # (position in the file, audit entry)
    for what, at in by_shape.items():
        _update(ctx, plan, audits, what, at, [stored[i] for i in at], [[c[i] for i in at] for c in new[1:]])
    plan.audits = [a for _i, a in sorted(audits)] if len(by_shape) > 1 else [a for _i, a in audits]
    apply(ctx, plan)
    return True


_WRITTEN = (*_STORED, "submitted_at")  # what a month writes, in the order of the per-row write's values


def _update(ctx: Ctx, plan: Changes, audits: list[tuple[int, tuple[int, str]]], shape: tuple[bool, ...],
            rows: list[int], stored: list[Any], new: list[list[Any]]) -> None:
    """The updates that change one set of fields (`shape`, over _WRITTEN), column by column: their statement's
    columns (with the batch, sorted as write.upsert sorts them) and each one's audit entry, write.audit_detail's
    text from a template of the shape (a missing submission time was None and becomes the import's time)."""
    changed = [i for i, c in enumerate(shape) if c]
    ids = [current[0] for current in stored]
    given = {**dict(zip(_STORED, new, strict=True)), "submitted_at": [ctx.now] * len(rows),
             "batch_id": [ctx.batch_id] * len(rows)}
    columns = tuple(sorted([*(_WRITTEN[i] for i in changed), "batch_id"]))
    plan.updates.setdefault(columns, []).extend(zip(ids, *(given[c] for c in columns), strict=True))
    encoded: list[Iterable[str]] = []
    for at in ("before", "after"):
        for i in changed:
            if i == len(_STORED):  # the submission time: None before, the import's time after
                encoded.append([json_value(None if at == "before" else ctx.now)] * len(rows))
                continue
            values = [current[3 + i] for current in stored] if at == "before" else new[i]
            # The file's spending (an int) and changed texts are never blank: C's own loops; the rest json_value.
            encode = (json_value if at == "before" else int.__repr__ if i == 0 else
                      encode_basestring if i >= 2 else json_value)
            encoded.append(map(encode, values))
    members = ", ".join(f"{encode_basestring(_WRITTEN[i])}: %s" for i in changed)
    details = map((AUDIT_DETAIL % (members, members)).__mod__, zip(*encoded, strict=True))
    audits.extend(zip(rows, zip(ids, details, strict=True), strict=True))


def _insert(ctx: Ctx, plan: Changes, keys: list[Any], spent: list[Any], budgets: list[Any], targets: list[Any],
            reasons: list[Any]) -> None:
    """New months, as columns: every stored column (the model's default where a text is blank; a blank budget
    is NULL), the submission time and the batch (the same for every row)."""
    default_target, default_reason = (ctx.spec.model_default(f) for f in _STORED[2:])
    targets = [default_target if t is None else t for t in targets]
    reasons = [default_reason if r is None else r for r in reasons]
    plan.new_columns = ("project_id", "month", *_STORED)
    pids, months = map(itemgetter(0), keys), map(itemgetter(1), keys)
    plan.new_values = list(zip(pids, months, spent, budgets, targets, reasons, strict=True))
    plan.new_keys = list(keys)
    plan.new_same = {"submitted_at": ctx.now, "batch_id": ctx.batch_id}


def _stored(ctx: Ctx, project_ids: list[int]) -> dict[tuple[int, int], Any]:
    """The stored months of these projects by (project id, month): id, project_id, month, the stored columns and
    whether it has no submission time yet (plain rows, in chunks)."""
    tab = Monitoring.__table__  # type: ignore[attr-defined]
    columns = [tab.c.id, tab.c.project_id, tab.c.month, *(tab.c[f] for f in _STORED), tab.c.submitted_at.is_(None)]
    connection = ctx.session.connection()
    out: dict[tuple[int, int], Any] = {}
    for condition in among(connection, tab.c.project_id, project_ids):
        for r in connection.execute(select(*columns).where(condition)).all():
            out[(r[1], r[2])] = r
    return out


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
    bulk=bulk,
)
