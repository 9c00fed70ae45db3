"""Numbers as the seed reports write them: 16.6 亿元, 3.79 亿元, 4,878.53 万元, 92.11%.

Pure functions on exact values (integer fen, Decimal rates), shared by the pages and the
drafted report so both print a figure the same way. The units come from `data_access.money`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from data_access.money import FEN_PER_YI, fen_to_wan, fen_to_yi, fen_to_yuan, yuan_text


def _trim(value: Decimal, places: int, grouping: bool) -> str:
    """Half-up to `places` decimals, trailing zeros dropped (16.60 -> 16.6, 111.00 -> 111)."""
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{q:,.{places}f}" if grouping else f"{q:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def yi(fen: int | None, places: int = 2) -> str:
    """An amount in 亿元 without the unit: 1,660,000,000 yuan -> '16.6'."""
    return _trim(fen_to_yi(fen or 0), places, grouping=False)


def wan(fen: int | None, places: int = 2, grouping: bool = True) -> str:
    """An amount in 万元 without the unit, thousands grouped: '4,878.53' (a threshold ungrouped: '1000')."""
    return _trim(fen_to_wan(fen or 0), places, grouping=grouping)


def amount(value: Decimal) -> str:
    """An amount in a table, half up to 2 decimals, thousands grouped: '4,878.53', '34,564.00'."""
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def yuan(fen: int) -> str:
    """An amount in yuan without the unit, to the fen, thousands grouped: '1,234.50'."""
    if type(fen) is int:
        return yuan_text(fen)
    return amount(fen_to_yuan(fen))


def money(fen: int | None, lang: str = "zh") -> str:
    """亿元 from 0.1 亿 up (the seeds write 0.79 亿元, 0.12 亿元), else 万元 (4,878.53 万元)."""
    fen = int(fen or 0)
    if lang != "zh":  # English readers count in millions and billions
        yuan_value = fen_to_yuan(fen)
        if abs(yuan_value) >= 1_000_000_000:
            return f"¥{_trim(yuan_value / 1_000_000_000, 2, grouping=True)} bn"
        if abs(yuan_value) >= 1_000_000:
            return f"¥{_trim(yuan_value / 1_000_000, 2, grouping=True)} m"
        return f"¥{_trim(yuan_value, 2, grouping=True)}"
    if abs(fen) >= FEN_PER_YI // 10:
        return f"{yi(fen)} 亿元"
    return f"{wan(fen)} 万元"


def percent(value: Decimal | None, places: int = 2, *, trim: bool = False) -> str:
    """A rate (already × 100) as '92.11%', half up; '—' when undefined.

    `trim=True` writes it as the seed reports do, trailing zeros dropped after rounding:
    80%, 98%, 100% beside 97.55% (the drafted report); pages keep the two places (80.00%).
    """
    if value is None:
        return "—"
    if trim:
        return f"{_trim(Decimal(value), places, grouping=False)}%"
    return f"{Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"


def hundredths(centi: int) -> str:
    """A score or rate kept in hundredths, to 2 decimals: 9034 -> '90.34'."""
    return f"{Decimal(centi).scaleb(-2):.2f}"


def score(centi: int | None, *, trim: bool = False) -> str:
    """A score kept in hundredths as '90.34' (`trim=True`: 90 for 9000, as the report writes it)."""
    if centi is None:
        return "—"
    return _trim(Decimal(centi).scaleb(-2), 2, grouping=False) if trim else hundredths(centi)
