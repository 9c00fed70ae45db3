"""The open-data package of a region and year: the public tables as CSV plus a Frictionless
`datapackage.json` describing every field, its type and unit. Published records only."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
from sqlmodel import Session

from data_access.queries.public import published_evaluations, published_ex_ante, published_findings

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe; numbers stay numbers."""
    out = df.copy()
    for col in out.columns:
        out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v)
    return out


def _yuan(fen: pd.Series) -> pd.Series:
    return fen.map(lambda v: None if pd.isna(v) else f"{int(v) // 100}.{int(v) % 100:02d}")


def public_tables(*, session: Session, region: str, year: int) -> dict[str, tuple[pd.DataFrame, dict[str, tuple[str, str]]]]:
    """name -> (table, {column: (frictionless type, description)}); amounts in yuan."""
    ev = published_evaluations(session=session, region=region, year=year)
    evaluations = pd.DataFrame({
        "subject": ev["subject"], "subject_type": ev["subject_type"], "department": ev["department"],
        "method": ev["method"], "score": ev["score_centi"].map(lambda c: f"{int(c) / 100:.2f}"), "grade": ev["grade"],
        "funds_yuan": _yuan(ev["funds_fen"]),
        "budget_completion_pct": ev["budget_completion_centi"].map(lambda c: None if pd.isna(c) else f"{int(c) / 100:.2f}"),
        "evaluator": ev["evaluator"], "report_summary": ev["report_summary"],
    })
    fi = published_findings(session=session, region=region, year=year)
    findings = fi[["finding_code", "subject", "department", "category", "description", "recommendation", "measures",
                   "deadline", "status", "feedback_date", "rectified_date"]].copy()
    ea = published_ex_ante(session=session, region=region, year=year)
    ex_ante = pd.DataFrame({"project": ea["name"], "department": ea["department"],
                            "requested_yuan": _yuan(ea["requested_fen"]), "recommended_yuan": _yuan(ea["recommended_fen"]),
                            "cut_yuan": _yuan(ea["cut_fen"]), "conclusion": ea["conclusion"]})
    text = ("string", "")
    return {
        "evaluations": (evaluations, {
            "subject": ("string", "评价对象"), "subject_type": ("string", "project / policy / department"),
            "department": ("string", "预算单位"), "method": ("string", "review 自评复核 / key 重点评价"),
            "score": ("number", "得分 (0–100)"), "grade": ("string", "excellent 优 / good 良 / fair 中 / poor 差"),
            "funds_yuan": ("number", "涉及资金, yuan"), "budget_completion_pct": ("number", "预算完成率, percent"),
            "evaluator": text, "report_summary": text}),
        "findings": (findings, {c: ("date", "") if c in ("deadline", "feedback_date", "rectified_date") else text
                                for c in findings.columns}),
        "ex_ante": (ex_ante, {"project": text, "department": text, "requested_yuan": ("number", "申报金额, yuan"),
                              "recommended_yuan": ("number", "建议金额, yuan"), "cut_yuan": ("number", "核减金额, yuan"),
                              "conclusion": ("string", "supported / partial / rejected")}),
    }


def open_data_zip(*, session: Session, region: str, year: int) -> bytes:
    """A zip with one CSV per public table and datapackage.json."""
    tables = public_tables(session=session, region=region, year=year)
    buffer = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (df, fields) in tables.items():
            zf.writestr(f"{name}.csv", neutralise(df).to_csv(index=False).encode("utf-8"))
            resources.append({
                "name": name, "path": f"{name}.csv", "format": "csv", "encoding": "utf-8",
                "schema": {"fields": [{"name": c, "type": fields[c][0], "description": fields[c][1]} for c in df.columns]},
            })
        package = {"name": f"performance-{year}", "title": f"{region} {year} 年度预算绩效公开数据",
                   "licenses": [{"name": "public-disclosure"}], "resources": resources}
        zf.writestr("datapackage.json", json.dumps(package, ensure_ascii=False, indent=2))
    return buffer.getvalue()
