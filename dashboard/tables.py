"""Page tables: query DataFrames turned into what a reader sees and what a download holds.

A `Table` is a list of typed columns. Each column carries the text the page shows (labels,
thousands separators) and the exact numbers a file gets, in the one unit its header names
(万元, 元, %): the page and its CSV, XLSX and page workbook come from the same column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.i18n import lang, t
from data_access import export, formatting
from data_access.enums import CONCLUSIONS, FINDING_STATUSES, METHODS, SUBJECT_TYPES
from data_access.money import fen_to_wan, fen_to_yuan
from data_access.queries.core import round_rate

_EN = {
    **dict(zip(METHODS, ("unit self-evaluation", "review", "key evaluation"), strict=True)),
    **dict(zip(SUBJECT_TYPES, ("project", "policy", "department"), strict=True)),
    **dict(zip(FINDING_STATUSES, ("not started", "in progress", "rectified"), strict=True)),
    **dict(zip(CONCLUSIONS, ("supported", "partly supported", "not supported"), strict=True)),
}


# Enumerations stored as their Chinese words (问题类别, 资金来源, 指标层级, 偏差原因类别, 定性), in English.
_EN_TERMS = {
    # finding categories
    "绩效目标设置": "performance targets", "预算编制": "budget preparation",
    "绩效监控与自评": "monitoring and self-evaluation", "项目管理": "project management",
    "资产管理": "asset management", "采购管理": "procurement", "内部控制": "internal control",
    "政策制定与实施": "policy design and implementation",
    # fund sources
    "一般公共预算": "general public budget", "政府性基金预算": "government fund budget",
    "国有资本经营预算": "state capital budget", "社会保险基金预算": "social insurance fund budget",
    "专项债券": "special bonds", "中央直达资金": "central direct funds", "涉农资金": "agricultural funds",
    # indicator levels
    "产出指标": "output", "效益指标": "benefit", "满意度指标": "satisfaction", "成本指标": "cost",
    "数量指标": "quantity", "质量指标": "quality", "时效指标": "timeliness",
    "经济效益指标": "economic benefit", "社会效益指标": "social benefit", "生态效益指标": "ecological benefit",
    "可持续影响指标": "sustainable impact", "服务对象满意度指标": "beneficiary satisfaction",
    "经济成本指标": "economic cost", "社会成本指标": "social cost", "生态环境成本指标": "environmental cost",
    # deviation categories and the qualitative operator
    "经费保障": "funding", "制度保障": "rules and procedures", "人员保障": "staffing",
    "硬件条件保障": "equipment and facilities", "其他": "other", "定性": "qualitative",
}


def term(value: object) -> str:
    """A value stored in Chinese (a finding category, fund source, indicator level, deviation category)
    in the reader's language; a value outside the lists (a region's own fund source) as stored."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    return str(value) if lang() == "zh" else _EN_TERMS.get(str(value), str(value))


def each(fn: Callable[[Any], str], values: Iterable[Any]) -> list[str]:
    """fn of every value, worked out once per distinct value: a label reads the reader's language from the
    session, which cost half a second over a page of 5,000 projects when asked row by row."""
    done: dict[Any, str] = {}
    out = []
    for v in values:
        try:
            shown = done[v]
        except KeyError:
            shown = done[v] = fn(v)
        except TypeError:  # unhashable
            shown = fn(v)
        out.append(shown)
    return out


def terms(values: Iterable[Any]) -> list[str]:
    return each(term, values)


def targets(df: pd.DataFrame) -> list[str]:
    """An indicator's target as written (≥95%; 定性 and its wording, in the reader's language)."""
    def part(v: object) -> str:
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)  # type: ignore[call-overload]

    shown = []
    for operator, value, unit in zip(df["operator"], df["target_value"], df["unit"], strict=True):
        op, rest = term(operator), part(value) + part(unit)
        shown.append(f"{op} {rest}".strip() if op.isascii() and op.isalpha() else op + rest)  # "qualitative 较好"
    return shown


def label(code: str | None, table: dict[str, str]) -> str:
    """A stored code as the reader's language writes it."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):  # NULL reads back as None or NaN
        return ""
    return table.get(code, code) if lang() == "zh" else _EN.get(code, code)


# ---- typed columns --------------------------------------------------------------------------
@dataclass(frozen=True)
class Col(export.Column):
    """A file column plus what the page shows in its place (text, or a number for a bar or format)."""

    shown: Sequence[Any] = field(default=())


def _present(values: Iterable[Any]) -> list[Any]:
    return [None if export.is_missing(v) else v for v in values]


def _header(name: str, unit: str) -> str:
    return t("unit.header", name=name, unit=t(f"unit.{unit}"))


def text(name: str, values: Iterable[Any]) -> Col:
    shown = ["" if v is None else str(v) for v in _present(values)]
    return Col(name, shown, None, shown)


def count(name: str, values: Iterable[Any]) -> Col:
    ints = [None if v is None else int(v) for v in _present(values)]
    return Col(name, ints, export.INTEGER, ints)


def days(name: str, values: Iterable[Any]) -> Col:
    """Whole days, blank where they do not apply (not overdue): the file gets numbers, the page no 'None'."""
    ints = [None if v is None else int(v) for v in _present(values)]
    return Col(name, ints, export.INTEGER, ["" if v is None else str(v) for v in ints])


def wan(name: str, fen: Iterable[Any], *, missing: str = "") -> Col:
    """Amounts kept in fen, shown and downloaded in 万元 (the file exact, the page to 2 decimals)."""
    fens = [None if v is None else int(v) for v in _present(fen)]
    return Col(_header(name, "wan"), [None if v is None else fen_to_wan(v) for v in fens], export.AMOUNT,
               [missing if v is None else formatting.amount(fen_to_wan(v)) for v in fens])


def yuan(name: str, fen: Iterable[Any], *, missing: str = "") -> Col:
    """Amounts kept in fen, shown and downloaded in yuan."""
    fens = [None if v is None else int(v) for v in _present(fen)]
    return Col(_header(name, "yuan"), [None if v is None else fen_to_yuan(v) for v in fens], export.AMOUNT,
               [missing if v is None else formatting.yuan(v) for v in fens])


def _two_places(name: str, values: list[Decimal | None], *, on_screen: str, missing: str, signed: bool) -> Col:
    if on_screen == "number":  # a number the page formats itself (a progress bar, a column format)
        shown: list[Any] = [None if v is None else float(v) for v in values]
    else:
        shown = [missing if v is None else (f"{v:+.2f}" if signed else f"{v:.2f}") for v in values]
    return Col(name, values, export.DECIMAL, shown)


def percent(name: str, rates: Iterable[Any], *, on_screen: str = "text", missing: str = "",
            signed: bool = False) -> Col:
    """Exact rates (already × 100), half up to 2 decimals as everywhere a rate is shown; header in %."""
    values = [None if v is None else round_rate(Decimal(v)) for v in _present(rates)]
    return _two_places(_header(name, "pct"), values, on_screen=on_screen, missing=missing, signed=signed)


def percent_centi(name: str, centi: Iterable[Any], *, missing: str = "") -> Col:
    """Rates kept in hundredths of a percent (9755 = 97.55 %)."""
    return percent(name, [None if v is None else Decimal(int(v)).scaleb(-2) for v in _present(centi)],
                   missing=missing)


def score(name: str, centi: Iterable[Any], *, missing: str = "") -> Col:
    """Scores kept in hundredths (9034 = 90.34)."""
    values = [None if v is None else Decimal(int(v)).scaleb(-2) for v in _present(centi)]
    return _two_places(name, values, on_screen="text", missing=missing, signed=False)


def points(name: str, values: Iterable[Any], *, on_screen: str = "text", signed: bool = False,
           unit: str | None = "pp") -> Col:
    """Differences (percentage points by default, or score points with unit=None), half up to 2 decimals."""
    rounded = [None if v is None else round_rate(Decimal(v)) for v in _present(values)]
    return _two_places(_header(name, unit) if unit else name, rounded, on_screen=on_screen, missing="",
                       signed=signed)


@dataclass(frozen=True)
class Table:
    """A page table: one typed column per header."""

    columns: tuple[Col, ...]

    @classmethod
    def of(cls, *columns: Col) -> Table:
        return cls(tuple(columns))

    def shown(self) -> pd.DataFrame:
        """What the page shows."""
        return pd.DataFrame({c.header: list(c.shown) for c in self.columns})

    def column_config(self) -> dict[str, Any]:
        """Numbers the page writes as text ('4,878.53', '97.55') stand right-aligned like numbers."""
        return {c.header: st.column_config.Column(alignment="right") for c in self.columns
                if c.number_format and any(isinstance(v, str) for v in c.shown)}

    def with_columns(self, *columns: Col) -> Table:
        return Table((*self.columns, *columns))

    def __len__(self) -> int:
        return len(self.columns[0].values) if self.columns else 0


def file_columns(table: Table | pd.DataFrame) -> list[export.Column]:
    """A table's columns as a file gets them; a plain frame's by its dtypes."""
    return list(table.columns) if isinstance(table, Table) else export.columns_of(table)


# ---- the annex tables -------------------------------------------------------------------------
def evaluations(df: pd.DataFrame) -> Table:
    """评价结果表 as the seeds' annexes lay it out."""
    return Table.of(
        count(t("col.no"), range(1, len(df) + 1)),
        text(t("col.subject"), df["subject"]),
        text(t("col.subject_type"), each(lambda v: label(v, SUBJECT_TYPES), df["subject_type"])),
        text(t("col.department"), df["department"]),
        text(t("col.method"), each(lambda v: label(v, METHODS), df["method"])),
        score(t("col.score"), df["score_centi"]),
        text(t("col.grade"), [t(f"grade.{g}") for g in df["grade"]]),
        wan(t("col.funds"), df["funds_fen"]),
        percent_centi(t("col.completion"), df["budget_completion_centi"]),
    )


def findings(df: pd.DataFrame) -> Table:
    """问题整改表."""
    return Table.of(
        text(t("col.finding_code"), df["finding_code"]),
        text(t("col.subject"), df["subject"]),
        text(t("col.department"), df["department"]),
        text(t("col.category"), terms(df["category"])),
        text(t("col.description"), df["description"]),
        text(t("col.deadline"), df["deadline"].astype(str)),
        text(t("col.status"), each(lambda v: label(v, FINDING_STATUSES), df["status"])),
        text(t("col.feedback_date"), df["feedback_date"]),
        text(t("col.measures"), df["measures"]),
    )


def state(status: str, verified_at: object, sent_back: object = False) -> str:
    """A finding's workflow state in the reader's language: 未整改 … 已核验销号, 被退回 marked."""
    if status == "rectified":
        return t("workflow.state.closed" if not export.is_missing(verified_at) else "workflow.state.rectified")
    if status == "in_progress" and not export.is_missing(sent_back) and bool(sent_back):
        return t("workflow.state.sent_back")
    return t(f"workflow.state.{status}")


def _verified(df: pd.DataFrame) -> list[str]:
    return ["" if export.is_missing(at) else f"{by} {str(at)[:10]}"
            for by, at in zip(df["verified_by"], df["verified_at"], strict=True)]


def findings_tracked(df: pd.DataFrame) -> Table:
    """问题整改表 for staff: the public columns, then the original deadline, its moves and the verification."""
    return findings(df).with_columns(
        text(t("workflow.deadline_original"), df["original_deadline"].astype(str)),
        count(t("workflow.revisions"), df["revisions"]),
        text(t("workflow.col.verified"), _verified(df)),
    )


def tracked(df: pd.DataFrame, *, today: dt.date | None = None) -> Table:
    """Findings against their deadlines: original and current, moves, days past each (and days left, given today)."""
    columns = [
        count(t("workflow.tasks.year"), df["year"]),
        text(t("col.finding_code"), df["finding_code"]),
        text(t("col.subject"), df["subject"]),
        text(t("col.department"), df["department"]),
        text(t("workflow.state"), each(lambda k: state(*k), [
            (s, None if export.is_missing(v) else True, b)  # the state reads whether, not when, it was verified
            for s, v, b in zip(df["status"], df["verified_at"], df["sent_back"], strict=True)])),
        text(t("workflow.deadline_original"), df["original_deadline"].astype(str)),
        text(t("workflow.deadline_now"), df["deadline"].astype(str)),
        count(t("workflow.revisions"), df["revisions"]),
        days(t("workflow.days_original"), df["days_overdue_original"]),
        days(t("workflow.days_current"), df["days_overdue"]),
    ]
    if today is not None:
        columns.append(days(t("workflow.tasks.due_in"),
                            [(d - today).days if d >= today else None for d in df["deadline"]]))
    return Table.of(*columns)


def ex_ante(df: pd.DataFrame) -> Table:
    """事前评估结果表."""
    return Table.of(
        text(t("col.project"), df["name"]),
        text(t("col.department"), df["department"]),
        wan(t("col.requested"), df["requested_fen"]),
        wan(t("col.recommended"), df["recommended_fen"]),
        wan(t("col.cut"), df["cut_fen"]),
        text(t("col.conclusion"), each(lambda v: label(v, CONCLUSIONS), df["conclusion"])),
    )
