"""Money, the one place fen, yuan, 万元 and 亿元 convert into each other.

The database keeps integer fen. Everything that hands an amount out — `kpis` (yuan), a page
(万元 and 亿元 through `formatting`), a download (万元 or 元), the open-data package (元), the
report — converts here, exactly, with Decimal: never a float, never a divisor typed again.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN_PER_YUAN = 100
FEN_PER_WAN = 10_000 * FEN_PER_YUAN  # 万元: ten thousand yuan, a million fen
FEN_PER_YI = 10_000 * FEN_PER_WAN  # 亿元: a hundred million yuan
FEN_PER_MILLION = 1_000_000 * FEN_PER_YUAN  # million yuan, as English charts count


def fen_to_yuan(fen: int) -> Decimal:
    """Yuan with exactly two decimals: 520 -> 5.20."""
    return Decimal(int(fen)).scaleb(-2)


def fen_to_wan(fen: int) -> Decimal:
    """万元, exact and without trailing zeros: 34,564,000,000 -> 34564; 520 -> 0.00052."""
    return Decimal(int(fen)) / FEN_PER_WAN


def fen_to_yi(fen: int) -> Decimal:
    """亿元, exact: 166,000,000,000 fen (1.66 billion yuan) -> 16.6."""
    return Decimal(int(fen)) / FEN_PER_YI


def fen_to_million(fen: int) -> Decimal:
    """Million yuan, exact: 1,474,620,000,000 fen -> 14746.2."""
    return Decimal(int(fen)) / FEN_PER_MILLION


def yuan(fen: int | None) -> int | Decimal:
    """Fen as CONTRACT.md writes yuan: an int when whole, else a 2-decimal Decimal."""
    fen = int(fen or 0)
    if fen % FEN_PER_YUAN == 0:
        return fen // FEN_PER_YUAN
    return fen_to_yuan(fen)


def yuan_text(fen: int) -> str:
    """Whole fen as yuan to the fen, thousands grouped ('1,234.50', '-0.05'): exact, without Decimal
    (an import previews every amount of a file)."""
    whole, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{whole:,}.{cents:02d}"


def yuan_to_fen(value: int | Decimal | str) -> int:
    """Yuan (an int, a Decimal or its text) as integer fen, half up to the fen.

    A float is refused: it has lost the exact amount before it gets here.
    """
    if isinstance(value, float | bool):
        raise TypeError(f"an amount must be int, Decimal or text, not {type(value).__name__}")
    amount = Decimal(value) * FEN_PER_YUAN
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
