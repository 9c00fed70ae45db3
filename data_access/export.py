"""Files handed out (CSV and XLSX): typed columns, so a number stays a number.

A column is text or a number in the one unit its header names (万元, 元, %). Numbers are
written exactly (Decimal, never a float's rounding) and, in XLSX, with an Excel number format,
so a reader can sum and sort them; only text cells are neutralised against formulas, so a
negative amount stays a number: in CSV with a leading apostrophe (OWASP's advice), in XLSX by
writing a string cell with Excel's hidden quote prefix, so the text reads exactly as stored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
import xlsxwriter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel number formats.
AMOUNT = "#,##0.00"  # 万元 or 元
DECIMAL = "0.00"  # rates in %, scores, percentage points
INTEGER = "0"  # counts and years


@dataclass(frozen=True)
class Column:
    """One column of a file: its header (unit included), its values, and for numbers their Excel format."""

    header: str
    values: Sequence[Any]  # text: str or None; numbers: int, Decimal or None, in the header's unit
    number_format: str | None = None  # None: a text column


def is_missing(value: object) -> bool:
    """None, NaN and pandas' NA: a blank cell."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))  # type: ignore[call-overload]


def neutralise(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; anything else is kept."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def columns_of(df: pd.DataFrame) -> list[Column]:
    """A plain frame's columns: integer and float columns are numbers, everything else text."""
    out = []
    for header, series in df.items():
        if pd.api.types.is_bool_dtype(series):
            out.append(Column(str(header), [None if is_missing(v) else str(v) for v in series]))
        elif pd.api.types.is_integer_dtype(series):
            out.append(Column(str(header), [None if is_missing(v) else int(v) for v in series], INTEGER))
        elif pd.api.types.is_float_dtype(series):
            out.append(Column(str(header), [None if is_missing(v) else Decimal(repr(float(v))) for v in series],
                              DECIMAL))
        elif (numbers := _numbers(series)) is not None:
            whole = all(isinstance(v, int) or v is None for v in numbers)
            out.append(Column(str(header), numbers, INTEGER if whole else DECIMAL))
        else:
            out.append(Column(str(header), list(series)))
    return out


def _numbers(series: pd.Series) -> list[int | Decimal | None] | None:
    """An object column holding only numbers (ints, Decimals, floats) as exact values; None if any is text."""
    values: list[int | Decimal | None] = []
    for v in series:
        if is_missing(v):
            values.append(None)
        elif isinstance(v, bool) or not isinstance(v, int | float | Decimal):
            return None
        else:
            values.append(Decimal(repr(v)) if isinstance(v, float) else v)
    return values if any(v is not None for v in values) else None


def _number_text(value: object, number_format: str) -> str:
    """A number as CSV text: exact, no exponent, at least the decimals its format shows."""
    if is_missing(value):
        return ""
    d = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else int(value))  # type: ignore[call-overload]
    places = len(number_format.rsplit(".", 1)[1]) if "." in number_format else 0
    if -d.as_tuple().exponent < places:  # type: ignore[operator]
        d = d.quantize(Decimal(1).scaleb(-places))
    return format(d, "f")


def _text(value: object) -> str:
    return "" if is_missing(value) else str(neutralise(value if isinstance(value, str) else str(value)))


def csv_bytes(columns: Sequence[Column]) -> bytes:
    """UTF-8 with a BOM, so Excel on Windows reads the Chinese text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.header for c in columns])
    cells = [[_number_text(v, c.number_format) if c.number_format else _text(v) for v in c.values] for c in columns]
    writer.writerows(zip(*cells, strict=True))
    return buffer.getvalue().encode("utf-8-sig")


def sheet_name(name: str) -> str:
    """A valid Excel sheet name: no []:*?/\\ characters, at most 31 characters."""
    cleaned = "".join("-" if c in '[]:*?/\\' else c for c in name).strip("'")
    return cleaned[:31] or "Sheet1"


def xlsx_bytes(sheets: Mapping[str, Sequence[Column]]) -> bytes:
    """One workbook, a sheet per table: numbers as numbers with their format, text as text."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    # Text Excel would read as a formula keeps Excel's own hidden quote prefix: the cell shows and
    # holds exactly the text, and editing it never turns it into a formula.
    quoted = book.add_format({"quote_prefix": True})
    formats = {f: book.add_format({"num_format": f}) for f in (AMOUNT, DECIMAL, INTEGER)}
    used: set[str] = set()
    for name, columns in sheets.items():
        title = sheet_name(name)
        while title.lower() in used:  # two names cut to the same 31 characters
            title = f"{title[:28]}~{len(used)}"
        used.add(title.lower())
        sheet = book.add_worksheet(title)
        sheet.freeze_panes(1, 0)
        for x, column in enumerate(columns):
            sheet.write_string(0, x, column.header, bold)
            sheet.set_column(x, x, max(10, min(40, 2 * len(column.header) + 2)))
            fmt = formats.get(column.number_format or "") or (
                book.add_format({"num_format": column.number_format}) if column.number_format else None)
            for y, value in enumerate(column.values, start=1):
                if is_missing(value):
                    continue
                if fmt is not None:
                    sheet.write_number(y, x, float(value), fmt)
                else:
                    text = value if isinstance(value, str) else str(value)
                    sheet.write_string(y, x, text, quoted if text.startswith(FORMULA_START) else None)
    book.close()
    return buffer.getvalue()
