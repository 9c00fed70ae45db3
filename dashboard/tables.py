"""Display tables: query DataFrames turned into what a reader sees (labels, 万元, %, headers)."""

from __future__ import annotations

import pandas as pd

from dashboard.i18n import lang, t
from data_access import formatting
from data_access.enums import CONCLUSIONS, FINDING_STATUSES, METHODS, SUBJECT_TYPES

_EN = {
    **dict(zip(METHODS, ("unit self-evaluation", "review", "key evaluation"), strict=True)),
    **dict(zip(SUBJECT_TYPES, ("project", "policy", "department"), strict=True)),
    **dict(zip(FINDING_STATUSES, ("not started", "in progress", "rectified"), strict=True)),
    **dict(zip(CONCLUSIONS, ("supported", "partly supported", "not supported"), strict=True)),
}


def label(code: str | None, table: dict[str, str]) -> str:
    """A stored code as the reader's language writes it."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):  # NULL reads back as None or NaN
        return ""
    return table.get(code, code) if lang() == "zh" else _EN.get(code, code)


def _wan(fen: int | float | None) -> str:
    return "" if fen is None or pd.isna(fen) else formatting.wan(int(fen))


def _pct_centi(centi: int | float | None) -> str:
    return "" if centi is None or pd.isna(centi) else f"{int(centi) / 100:.2f}%"


def evaluations(df: pd.DataFrame) -> pd.DataFrame:
    """评价结果表 as the seeds' annexes lay it out."""
    return pd.DataFrame({
        t("col.no"): range(1, len(df) + 1),
        t("col.subject"): df["subject"],
        t("col.subject_type"): [label(v, SUBJECT_TYPES) for v in df["subject_type"]],
        t("col.department"): df["department"],
        t("col.method"): [label(v, METHODS) for v in df["method"]],
        t("col.score"): [formatting.score(int(v)) for v in df["score_centi"]],
        t("col.grade"): [t(f"grade.{g}") for g in df["grade"]],
        t("col.funds_wan"): [_wan(v) for v in df["funds_fen"]],
        t("col.completion"): [_pct_centi(v) for v in df["budget_completion_centi"]],
    })


def findings(df: pd.DataFrame) -> pd.DataFrame:
    """问题整改表."""
    return pd.DataFrame({
        t("col.finding_code"): df["finding_code"],
        t("col.subject"): df["subject"],
        t("col.department"): df["department"],
        t("col.category"): df["category"],
        t("col.description"): df["description"],
        t("col.deadline"): df["deadline"].astype(str),
        t("col.status"): [label(v, FINDING_STATUSES) for v in df["status"]],
        t("col.feedback_date"): [("" if v is None or pd.isna(v) else str(v)) for v in df["feedback_date"]],
        t("col.measures"): df["measures"].fillna(""),
    })


def ex_ante(df: pd.DataFrame) -> pd.DataFrame:
    """事前评估结果表."""
    return pd.DataFrame({
        t("col.project"): df["name"],
        t("col.department"): df["department"],
        t("col.requested_wan"): [_wan(v) for v in df["requested_fen"]],
        t("col.recommended_wan"): [_wan(v) for v in df["recommended_fen"]],
        t("col.cut_wan"): [_wan(v) for v in df["cut_fen"]],
        t("col.conclusion"): [label(v, CONCLUSIONS) for v in df["conclusion"]],
    })
