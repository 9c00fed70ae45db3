"""Self-evaluation scoring rules of DOMAIN.md §4, table-driven."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from data_access.scoring import Result, indicator_share, self_evaluation_score


@pytest.mark.parametrize(
    ("result", "share"),
    [
        (Result("产出指标", "≥", D(100), D(120)), D(1)),
        (Result("产出指标", "≥", D(100), D(80)), D("0.8")),
        (Result("产出指标", "≤", D(30), D(40)), D("0.75")),  # lower is better: target ÷ actual
        (Result("产出指标", "≤", D(30), D(25)), D(1)),
        (Result("产出指标", "=", D(12), D(12)), D(1)),
        (Result("效益指标", "定性", qualitative="partly"), D("0.8")),
        (Result("效益指标", "定性", qualitative="not"), D("0.6")),
        (Result("效益指标", "≥", D(100), None), D(0)),
    ],
)
def test_indicator_share(result: Result, share: D) -> None:
    assert indicator_share(result) == share


def test_score_combines_execution_and_indicator_groups() -> None:
    results = [
        Result("产出指标", "≥", D(100), D(100)),
        Result("产出指标", "≥", D(100), D(50)),  # output group: (1 + 0.5) / 2 × 50 = 37.5
        Result("效益指标", "定性", qualitative="achieved"),  # 30
        Result("满意度指标", "≥", D(90), D(81)),  # 0.9 × 10 = 9
    ]
    # execution 95 % -> 9.5 points; 9.5 + 37.5 + 30 + 9 = 86
    assert self_evaluation_score(D(95), results) == D("86.0")
    # execution above 100 % is capped at the full 10 points
    assert self_evaluation_score(D(130), results) == D("86.5")
