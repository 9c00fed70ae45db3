"""Rectification figures the pages show beside `kpis`: the written-feedback rate and a findings list's rectified
share."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from data_access.queries.public import rectified_share
from data_access.queries.rectification import feedback_rate


@pytest.mark.parametrize(("feedback", "findings", "expected"),
                         [(35, 35, Decimal(100)), (1, 3, Decimal(100) / 3), (0, 4, Decimal(0)), (0, 0, None)])
def test_feedback_rate_is_exact_and_null_without_findings(feedback: int, findings: int,
                                                          expected: Decimal | None) -> None:
    assert feedback_rate({"feedback_submitted": feedback, "findings": findings}) == expected


@pytest.mark.parametrize(("statuses", "done", "share"),
                         [(["rectified", "in_progress", "rectified"], 2, Decimal(200) / 3),
                          (["not_started"], 0, Decimal(0)), ([], 0, None)])
def test_rectified_share_of_the_findings_shown(statuses: list[str], done: int, share: Decimal | None) -> None:
    assert rectified_share(pd.DataFrame({"status": statuses}, dtype=object)) == (done, share)
