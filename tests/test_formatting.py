"""Amounts and rates as the seeds write them (and as English readers count)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from data_access.formatting import money, percent, score

YI = 100_000_000 * 100


@pytest.mark.parametrize(
    ("fen", "zh", "en"),
    [
        (166 * YI // 10, "16.6 亿元", "¥1.66 bn"),
        (379 * YI // 100, "3.79 亿元", "¥379 m"),
        (1776 * YI // 10, "177.6 亿元", "¥17.76 bn"),
        (111 * YI, "111 亿元", "¥11.1 bn"),
        (79_200_000 * 100, "0.79 亿元", "¥79.2 m"),
        (48_785_300 * 100, "0.49 亿元", "¥48.79 m"),
        (4_878_530 * 100 // 1, "487.85 万元", "¥4.88 m"),
        (123_456, "0.12 万元", "¥1,234.56"),
        (0, "0 万元", "¥0"),
    ],
)
def test_money(fen: int, zh: str, en: str) -> None:
    assert money(fen, "zh") == zh and money(fen, "en") == en


def test_rates_and_scores_half_up() -> None:
    assert percent(Decimal("92.105")) == "92.11%" and percent(Decimal("7.894")) == "7.89%" and percent(None) == "—"
    assert score(9034) == "90.34" and score(None) == "—"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        # The seeds never print a trailing zero: 80%, 98%, 100% beside 97.55%, 92.11%, 90.71%.
        (Decimal("80.00"), "80%"),
        (Decimal(98), "98%"),
        (Decimal("100.00"), "100%"),
        (Decimal("97.55"), "97.55%"),
        (Decimal("15.1515"), "15.15%"),  # half up to 2 places first, then the zeros go
        (Decimal("90.705"), "90.71%"),
        (Decimal("97.5"), "97.5%"),
        (Decimal("97.496"), "97.5%"),
        (Decimal("99.999"), "100%"),
        (Decimal("0"), "0%"),
        (None, "—"),
    ],
)
def test_percent_as_the_seeds_write_it(value: Decimal | None, text: str) -> None:
    assert percent(value, trim=True) == text


@pytest.mark.parametrize(("centi", "text"), [(9034, "90.34"), (8582, "85.82"), (9000, "90"), (8550, "85.5"),
                                             (None, "—")])
def test_score_as_the_seeds_write_it(centi: int | None, text: str) -> None:
    assert score(centi, trim=True) == text


def test_thresholds_in_wan_without_grouping() -> None:
    """The seeds write 1000 万元 for a threshold (not 1,000 万元, nor 0.1 亿元)."""
    from data_access.formatting import wan

    assert wan(10_000_000 * 100, grouping=False) == "1000" and wan(10_000_000 * 100) == "1,000"
