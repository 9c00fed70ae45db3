"""Monitoring's spending warnings (spent_decreased, spent_exceeds_budget): `check_spending` screens the projects
with loops that run in C and takes only the flagged ones month by month. Here it must give exactly the
warnings, in exactly the order, of the plain rule applied to every project's months (written out below as the
reference), over many random mixes of stored and uploaded months, budgets and month budgets."""

from __future__ import annotations

import random
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

import pytest

from data_access.formatting import yuan
from data_access.settings import SETTINGS
from data_access.uploads.context import Ctx, Row
from data_access.uploads.kinds.monitoring import SPEC, check_spending
from data_access.uploads.report import ImportReport

Stored = list[tuple[int, int, int, int | None]]  # (project id, month, spent, budget)
Given = list[tuple[Any, int, int, int | None, Row]]  # (project, month, spent, budget, row)


def _reference(ctx: Ctx, stored: Stored, given: Given) -> None:
    """The rule as the domain states it: every project of the file, in the order the file first names it,
    its months (the file's over the database's) in order."""
    by_project: dict[int, dict[int, tuple[int, int | None, Row | None]]] = defaultdict(dict)
    for pid, month, spent, budget in stored:
        by_project[pid][month] = (spent, budget, None)
    projects: dict[int, Any] = {}
    for project, month, spent, budget, row in given:
        projects.setdefault(project.id, project)
        by_project[project.id][month] = (spent, budget, row)
    col = "spent_cumulative_fen"
    for pid, project in projects.items():
        carried, peak, peak_row = None, None, None
        for month, (spent, month_budget, row) in sorted(by_project[pid].items()):
            if month_budget is not None:
                carried = month_budget
            effective = carried if carried is not None else project.budget_adjusted_fen
            if row is not None:
                if peak is not None and spent < peak[0]:
                    ctx.warn(row, col, "spent_decreased",
                             f"{ctx.cell(row, col)}（{yuan(spent)} 元）低于第{peak[1]}月的累计支出 {yuan(peak[0])} 元；"
                             "累计支出一般不会减少，请核对。")
                if effective and spent > effective:
                    ctx.warn(row, col, "spent_exceeds_budget",
                             f"{ctx.cell(row, col)}（{yuan(spent)} 元）超过预算 {yuan(effective)} 元，请核对。")
            elif peak is not None and spent < peak[0] and peak_row is not None:
                ctx.warn(peak_row, col, "spent_decreased",
                         f"{ctx.cell(peak_row, col)}高于数据库中已有的第{month}月累计支出 {yuan(spent)} 元，请核对。")
            if peak is None or spent >= peak[0]:
                peak, peak_row = (spent, month), row


def _ctx() -> Ctx:
    return Ctx(SPEC, ImportReport(kind="monitoring", file="m.xlsx", sha256="", dry_run=True), "数据", "t", SETTINGS,
               None)


def _case(rng: random.Random) -> tuple[Stored, Given]:
    """Stored months and file rows for a few projects: rising or falling spending, budgets of 0, none or some,
    now and then a month's own budget; the file in any order, sometimes naming a month twice."""
    projects = [SimpleNamespace(id=pid, budget_adjusted_fen=rng.choice([None, 0, 5_000, 20_000, 10**9]))
                for pid in rng.sample(range(1, 60), rng.randint(1, 6))]
    stored, given = [], []
    for p in projects:
        months = rng.sample(range(1, 13), rng.randint(1, 12))
        level = 0
        for month in sorted(months):
            level = max(0, level + rng.choice([1_000, 3_000, 0, -2_000] if rng.random() < 0.3 else [1_000, 2_000]))
            budget = rng.choice([None] * 9 + [rng.choice([0, 4_000, 30_000])])
            if rng.random() < 0.4:
                stored.append((p.id, month, level, budget))
            else:
                given.append([p, month, level, budget])
    if rng.random() < 0.5:
        rng.shuffle(given)
    else:  # in key order, as a clean file usually is (nothing stored: the screen's shortcut)
        given.sort(key=lambda g: (g[0].id, g[1]))
        if rng.random() < 0.5:
            stored = []
    if given and rng.random() < 0.2:
        given.append(list(rng.choice(given)))  # the same month twice: the later row counts
    rows = [(p, m, s, b, Row(n, {"spent_cumulative_fen": s, "month": m}, {"累计支出": s}))
            for n, (p, m, s, b) in enumerate(given, start=4)]
    return stored, rows


@pytest.mark.parametrize("seed", range(4))
def test_the_screened_warnings_are_the_rules_warnings_in_order(seed: int) -> None:
    rng = random.Random(seed)
    warned = 0
    for _ in range(300):
        stored, given = _case(rng)
        expected, got = _ctx(), _ctx()
        _reference(expected, stored, given)
        check_spending(got, stored, {g[0].id: g[0] for g in given}, [(g[0].id, g[1]) for g in given],
                       [g[2] for g in given], [g[3] for g in given], [g[4] for g in given], lambda row: row)
        assert got.report.warnings == expected.report.warnings
        warned += bool(expected.report.warnings)
    assert 60 < warned < 300  # the cases warn often, and not always


def test_a_clean_file_warns_about_nothing_and_a_fall_or_an_excess_is_found() -> None:
    p = SimpleNamespace(id=7, budget_adjusted_fen=10_000)
    rows = [Row(4 + i, {}, {"累计支出": s}) for i, s in enumerate((1_000, 2_000, 1_500, 12_000))]

    def warnings(spent: list[int]) -> list[str]:
        ctx = _ctx()
        check_spending(ctx, [], {7: p}, [(7, m) for m in range(1, len(spent) + 1)], spent, [None] * len(spent),
                       rows[:len(spent)], lambda row: row)
        return [f"{w.row} {w.code}" for w in ctx.report.warnings]

    assert warnings([1_000, 2_000]) == []
    assert warnings([1_000, 2_000, 1_500]) == ["6 spent_decreased"]
    assert warnings([1_000, 2_000, 2_000, 12_000]) == ["7 spent_exceeds_budget"]
