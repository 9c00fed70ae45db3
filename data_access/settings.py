"""Every threshold of DOMAIN.md in one place; pages say which value they used.

A bureau changes a setting without touching code through an environment variable named
PERF_<FIELD> (PERF_GAP_RED=20, PERF_EXECUTION_RULE=ratio, PERF_KEY_FUND_SOURCES=专项债券,涉农资金).
Grade boundaries are per region (Region.grade_*); these are the defaults for a new region.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from data_access.money import FEN_PER_WAN


@dataclass(frozen=True)
class Settings:
    # In-year monitoring (DOMAIN.md §3).
    execution_rule: str = "gap"  # "gap" (time progress - execution) or "ratio" (execution / time)
    gap_yellow: Decimal = Decimal(5)  # gap > 5 points: 关注
    gap_red: Decimal = Decimal(15)  # gap > 15 points: 预警
    ratio_red: Decimal = Decimal(60)  # ratio < 60: 预警
    ratio_yellow: Decimal = Decimal(80)  # 60 <= ratio < 80: 关注
    key_budget_fen: int = 200 * FEN_PER_WAN
    key_fund_sources: tuple[str, ...] = ("中央直达资金", "涉农资金", "专项债券")
    lifecycle_recurring_fen: int = 500 * FEN_PER_WAN  # new recurring
    lifecycle_one_off_fen: int = 1000 * FEN_PER_WAN  # new one-off
    midyear_month: int = 7
    midyear_day: int = 31
    # Evaluation grade boundaries default (a per-region setting on Region overrides).
    grade_excellent: int = 90
    grade_good: int = 80
    grade_fair: int = 60
    # A department whose self-evaluation scores exceed finance's by more than this on average (points).
    self_score_gap_warn: Decimal = Decimal(5)
    # Rectification (DOMAIN.md §5): "due soon" on a department's task list; a notice's reply deadline.
    due_soon_days: int = 30
    notice_reply_working_days: int = 10  # 预警函/督办单: reply within N working days (Mon-Fri)
    # 执行监控 shows this many projects at a time, furthest behind first (a reader pages and searches for more).
    project_page_rows: int = 200
    # Uploads.
    monitoring_due_day: int = 10  # monthly data due by the 10th of the following month
    max_upload_rows: int = 200_000
    # Rows x columns (from A1, over all sheets) one upload may hold: bounds the reader's memory.
    max_upload_cells: int = 1_000_000
    fund_sources: tuple[str, ...] = field(
        default=("一般公共预算", "政府性基金预算", "国有资本经营预算", "社会保险基金预算", "专项债券", "中央直达资金",
                 "涉农资金")
    )

    def midyear_date(self, year: int) -> dt.date:
        return dt.date(year, self.midyear_month, self.midyear_day)


def from_env(environ: dict[str, str] | None = None) -> Settings:
    """The defaults overridden by PERF_<FIELD> environment variables; a bad value raises ValueError."""
    environ = dict(os.environ if environ is None else environ)
    # Any: each value has its own field's type (tuple, Decimal, int or str), checked by the branches below.
    overrides: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        raw = environ.get(f"PERF_{f.name.upper()}")
        if raw is None:
            continue
        default = getattr(Settings(), f.name)
        if isinstance(default, tuple):
            overrides[f.name] = tuple(x.strip() for x in raw.split(",") if x.strip())
        elif isinstance(default, Decimal):
            overrides[f.name] = Decimal(raw)
        elif isinstance(default, int):
            overrides[f.name] = int(raw)
        else:
            overrides[f.name] = raw
    settings = dataclasses.replace(Settings(), **overrides)
    if settings.execution_rule not in ("gap", "ratio"):
        raise ValueError(f"PERF_EXECUTION_RULE must be gap or ratio, not {settings.execution_rule!r}")
    return settings


SETTINGS = from_env()
