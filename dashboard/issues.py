"""Upload issues as a reader sees them: the code in words, the message in the reader's language.

The importer (data_access/uploads/) writes its messages in Chinese and records each issue's code,
sheet, row, column and cell value; the English message is built from those here, so data_access
stays free of the UI and stored batches read in either language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from dashboard.i18n import catalogue, lang, t
from data_access.uploads.report import Issue

_VALUE = re.compile(r"的值“(.*?)”")  # batches stored before issues kept their value: it is in the message


def kind(issue: Issue) -> str:
    """The issue's code in words."""
    return t(f"issue.{issue.code}") if f"issue.{issue.code}" in catalogue() else issue.code


def message(issue: Issue) -> str:
    """The issue's message in the reader's language."""
    if lang() == "zh" or f"issue.msg.{issue.code}" not in catalogue():
        return issue.message
    value = issue.value
    if value is None:
        found = _VALUE.search(issue.message)
        value = found.group(1) if found else ""
    where = ", ".join(
        t(f"issue.where.{part}", **{part: given}) for part, given in
        (("sheet", issue.sheet), ("row", issue.row), ("column", issue.column)) if given not in (None, ""))
    sentence = t(f"issue.msg.{issue.code}", message=issue.message, value=value)
    return f"{where[:1].upper()}{where[1:]}: {sentence}" if where else sentence[:1].upper() + sentence[1:]


def period(periods: Iterable[tuple[int, int]]) -> str:
    """The months or years a file covers: 2022年12月, 2022年10–11月, 2022年1、3月, 2022年度."""
    by_year: dict[int, list[int]] = {}
    for year, month in sorted(set(periods)):
        by_year.setdefault(year, []).append(month)
    parts = []
    for year, months in by_year.items():
        months = [m for m in months if m]
        if not months:
            parts.append(t("history.period.year", year=year))
        elif months == list(range(months[0], months[-1] + 1)) and len(months) > 1:
            parts.append(t("history.period.months", year=year, months=f"{months[0]}–{months[-1]}"))
        else:
            parts.append(t("history.period.months", year=year, months=t("ui.list_sep").join(map(str, months))))
    return t("ui.list_sep").join(parts)


def frame(issues: Iterable[Issue]) -> pd.DataFrame:
    """The issues as a page table: sheet, row, column, problem in words, message."""
    headers = [t(f"upload.col.{c}") for c in ("sheet", "row", "column", "kind", "message")]
    rows = [(i.sheet, i.row, i.column, kind(i), message(i)) for i in issues]
    return pd.DataFrame(rows, columns=headers)
