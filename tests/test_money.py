"""The one money module: fen, yuan, 万元 and 亿元 convert exactly, in one place."""

from __future__ import annotations

from decimal import Decimal

import pytest

from data_access import money

WAN = 10_000 * 100  # fen in one 万元
YI = 10_000 * WAN


@pytest.mark.parametrize(
    ("fen", "yuan", "wan", "yi"),
    [
        (0, "0.00", "0", "0"),
        (1, "0.01", "0.000001", "0.0000000001"),
        (520, "5.20", "0.00052", "0.000000052"),
        (WAN, "10000.00", "1", "0.0001"),
        (34_564 * WAN, "345640000.00", "34564", "3.4564"),  # 区住建局's 34,564 万元 (not 3,456,400)
        (166 * YI // 10, "1660000000.00", "166000", "16.6"),
        (-123_456, "-1234.56", "-0.123456", "-0.0000123456"),
    ],
)
def test_fen_converts_exactly(fen: int, yuan: str, wan: str, yi: str) -> None:
    assert money.fen_to_yuan(fen) == Decimal(yuan) and str(money.fen_to_yuan(fen)) == yuan
    assert money.fen_to_wan(fen) == Decimal(wan) and money.fen_to_yi(fen) == Decimal(yi)


@pytest.mark.parametrize(
    ("fen", "contract"),
    [(0, 0), (100, 1), (166 * YI // 10, 1_660_000_000), (123_456, Decimal("1234.56")), (5, Decimal("0.05"))],
)
def test_contract_yuan_is_an_int_when_whole(fen: int, contract: int | Decimal) -> None:
    """CONTRACT.md: a whole amount is an integer, one with fen a 2-decimal number."""
    value = money.yuan(fen)
    assert value == contract and type(value) is type(contract)
    assert money.yuan_to_fen(value) == fen  # and back, exactly


@pytest.mark.parametrize(
    ("yuan", "fen"),
    [(1, 100), (Decimal("1234.56"), 123_456), ("1234.5", 123_450), (Decimal("0.005"), 1), (Decimal("-0.005"), -1),
     (Decimal("199.99") * 10_000, 199_990_000)],
)
def test_yuan_to_fen_rounds_half_up_to_the_fen(yuan: object, fen: int) -> None:
    assert money.yuan_to_fen(yuan) == fen  # type: ignore[arg-type]


def test_a_float_is_refused() -> None:
    """A float has already lost the exact amount: the caller must pass int, Decimal or text."""
    with pytest.raises(TypeError):
        money.yuan_to_fen(0.1)  # type: ignore[arg-type]


def test_wan_is_a_million_fen() -> None:
    """The bug this module ends: fen / 10,000 is hundreds of yuan, not 万元."""
    assert money.FEN_PER_WAN == 1_000_000 and money.FEN_PER_YI == 10_000_000_000 and money.FEN_PER_YUAN == 100


def test_no_module_converts_fen_by_hand() -> None:
    """A divisor typed beside a fen amount is how 万元 came out 100 times too large: only money.py converts."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    by_hand = re.compile(r"fen\b.{0,30}(/|//|\*) ?(100|10_?000|1_?000_?000|100_?000_?000)\b"
                         r"|\b(100|10_?000|1_?000_?000|100_?000_?000) ?(/|\*) ?\w*fen\b")
    found = [f"{path.relative_to(root)}:{n}: {line.strip()}"
             for folder in ("data_access", "dashboard", "pages", "sample_data", "benchmarks")
             for path in sorted((root / folder).rglob("*.py")) if path.name != "money.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if by_hand.search(line)]
    assert not found, "\n".join(found)


def test_yuan_text_is_the_decimal_text_for_every_sign() -> None:
    from data_access.formatting import amount
    from data_access.money import fen_to_yuan, yuan_text

    for fen in (0, 5, -5, 100, -100, 123_456_789, -123_456_789, 99, -1, 10**15 + 7):
        assert yuan_text(fen) == amount(fen_to_yuan(fen)), fen
