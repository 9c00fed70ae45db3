"""Unit self-evaluation scoring (单位自评), DOMAIN.md §4, where the dashboard computes it.

Budget execution earns 10 points (min(rate, 100 %) × 10); output indicators share 50 points,
effect indicators 30 and satisfaction 10, each split evenly over the indicators given. A
quantitative indicator earns its full weight when met, else actual ÷ target × weight
(target ÷ actual when lower is better); a qualitative one earns a fraction of its weight by
how far it was achieved. Exact Decimals throughout; round only for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WEIGHTS = {"产出指标": Decimal(50), "效益指标": Decimal(30), "满意度指标": Decimal(10)}
EXECUTION_POINTS = Decimal(10)
# Qualitative achievement -> share of the weight: the top of each band in DOMAIN.md §4
# (achieved 80–100 %, partly 60–80 %, not 0–60 %); a reviewer may award less within the band.
QUALITATIVE = {"achieved": Decimal(1), "partly": Decimal("0.8"), "not": Decimal("0.6")}
LOWER_IS_BETTER = ("<", "≤")


@dataclass(frozen=True)
class Result:
    level1: str
    operator: str  # >, ≥, =, ≤, < or 定性
    target: Decimal | None = None
    actual: Decimal | None = None
    qualitative: str | None = None  # achieved / partly / not, for 定性


def indicator_share(r: Result) -> Decimal:
    """The share (0–1) of its weight an indicator earns."""
    if r.operator == "定性":
        return QUALITATIVE[r.qualitative or "not"]
    if r.target is None or r.actual is None:
        return Decimal(0)
    lower = r.operator in LOWER_IS_BETTER
    met = r.actual <= r.target if lower else r.actual >= r.target
    if r.operator == "=":
        met = r.actual == r.target
    if met:
        return Decimal(1)
    if lower:
        return r.target / r.actual if r.actual else Decimal(0)
    return min(r.actual / r.target, Decimal(1)) if r.target else Decimal(0)


def self_evaluation_score(execution_rate: Decimal | None, results: list[Result]) -> Decimal:
    """The self-evaluation score out of 100 from the execution rate (× 100) and indicator results."""
    rate = min(max(execution_rate or Decimal(0), Decimal(0)), Decimal(100))
    total = rate / 100 * EXECUTION_POINTS
    for level1, weight in WEIGHTS.items():
        group = [r for r in results if r.level1 == level1]
        if group:
            total += weight * sum((indicator_share(r) for r in group), Decimal(0)) / len(group)
    return total
