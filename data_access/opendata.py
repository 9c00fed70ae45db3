"""The open-data package of a region and year: the public tables as CSV plus a Frictionless
`datapackage.json` describing every field, its type and unit. Published records only.

The CSVs are written like every other download (`data_access.export`): UTF-8 with a BOM so
Excel on Windows reads the Chinese, numbers exact, text alone neutralised against formulas.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session, col

from data_access import export
from data_access.enums import CONCLUSIONS, EXECUTION_STATUSES, FINDING_STATUSES, GRADES, METHODS, SUBJECT_TYPES
from data_access.models import Region
from data_access.money import fen_to_yuan
from data_access.queries.core import as_of_for, month_of, round_rate, time_progress
from data_access.queries.public import (
    published_evaluations,
    published_ex_ante,
    published_execution,
    published_findings,
)

READABLE_BY_ALL = 0o644


def _yuan(fen: pd.Series) -> list[Decimal | None]:
    """Amounts kept in fen as yuan to the fen, blank kept blank."""
    return [None if export.is_missing(v) else fen_to_yuan(int(v)) for v in fen]


def _hundredths(values: pd.Series) -> list[Decimal | None]:
    """Scores and rates kept in hundredths as exact 2-decimal numbers, blank kept blank."""
    return [None if export.is_missing(v) else Decimal(int(v)).scaleb(-2) for v in values]


def _field(name: str, type_: str, title: str, description: str = "", *, unit: str | None = None,
           enum: dict[str, str] | None = None) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "type": type_, "title": title}
    if unit:
        # Table Schema has no unit property of its own; say it in words and as a machine-readable extra.
        field["unit"] = unit
        description = f"{description}（单位：{unit}）" if description else f"单位：{unit}"
    if enum:
        field["constraints"] = {"enum": list(enum)}
        description = "；".join(filter(None, [description, "、".join(f"{k} = {v}" for k, v in enum.items())]))
    if description:
        field["description"] = description
    if type_ == "number":
        field["decimalChar"] = "."
    return field


def public_tables(*, session: Session, region: str, year: int) -> dict[str, tuple[pd.DataFrame, list[dict[str, Any]]]]:
    """name -> (table, Table Schema fields); amounts in yuan to the fen, scores and rates to 2 decimals."""
    ev = published_evaluations(session=session, region=region, year=year)
    evaluations = pd.DataFrame({
        "subject": ev["subject"], "subject_type": ev["subject_type"], "department": ev["department"],
        "method": ev["method"], "score": _hundredths(ev["score_centi"]), "grade": ev["grade"],
        "funds_yuan": _yuan(ev["funds_fen"]), "budget_completion_pct": _hundredths(ev["budget_completion_centi"]),
        "evaluator": ev["evaluator"], "report_summary": ev["report_summary"],
    })
    evaluation_fields = [
        _field("subject", "string", "评价对象"), _field("subject_type", "string", "对象类型", enum=SUBJECT_TYPES),
        _field("department", "string", "预算单位"),
        _field("method", "string", "评价方式", enum={k: v for k, v in METHODS.items() if k != "self"}),
        _field("score", "number", "得分", "0–100", unit="分 (points)"),
        _field("grade", "string", "等级", "优 ≥ 90，良 80–90，中 60–80，差 < 60", enum=GRADES),
        _field("funds_yuan", "number", "涉及资金", unit="元 (CNY)"),
        _field("budget_completion_pct", "number", "预算完成率", unit="% (percent)"),
        _field("evaluator", "string", "评价机构"), _field("report_summary", "string", "评价报告摘要"),
    ]
    fi = published_findings(session=session, region=region, year=year)
    findings = fi[["finding_code", "subject", "department", "category", "description", "recommendation", "measures",
                   "deadline", "status", "feedback_date", "rectified_date"]].copy()
    finding_fields = [
        _field("finding_code", "string", "问题编号"), _field("subject", "string", "评价对象"),
        _field("department", "string", "预算单位"), _field("category", "string", "问题类别"),
        _field("description", "string", "问题描述"), _field("recommendation", "string", "整改建议"),
        _field("measures", "string", "整改措施"), _field("deadline", "date", "整改期限", "YYYY-MM-DD"),
        _field("status", "string", "整改状态", enum=FINDING_STATUSES),
        _field("feedback_date", "date", "书面反馈日期", "YYYY-MM-DD"),
        _field("rectified_date", "date", "整改完成日期", "YYYY-MM-DD"),
    ]
    ea = published_ex_ante(session=session, region=region, year=year)
    ex_ante = pd.DataFrame({"project": ea["name"], "department": ea["department"],
                            "requested_yuan": _yuan(ea["requested_fen"]),
                            "recommended_yuan": _yuan(ea["recommended_fen"]),
                            "cut_yuan": _yuan(ea["cut_fen"]), "conclusion": ea["conclusion"]})
    ex_ante_fields = [
        _field("project", "string", "项目名称"), _field("department", "string", "预算单位"),
        _field("requested_yuan", "number", "申报金额", unit="元 (CNY)"),
        _field("recommended_yuan", "number", "建议金额", unit="元 (CNY)"),
        _field("cut_yuan", "number", "核减金额", "申报金额 − 建议金额；不予支持的项目不计核减（空）", unit="元 (CNY)"),
        _field("conclusion", "string", "评估结论", enum=CONCLUSIONS),
    ]
    tables = {"evaluations": (evaluations, evaluation_fields), "findings": (findings, finding_fields),
              "ex_ante": (ex_ante, ex_ante_fields)}
    execution = _execution(session=session, region=region, year=year)
    if execution is not None:
        tables["execution"] = execution
    return tables


def _rates(values: pd.Series) -> list[Decimal | None]:
    """Exact rates (× 100) half up to 2 decimals, as the portal shows them; blank kept blank."""
    return [None if export.is_missing(v) else round_rate(Decimal(v)) for v in values]


def _execution(*, session: Session, region: str, year: int) -> tuple[pd.DataFrame, list[dict[str, Any]]] | None:
    """Budget execution by department as the portal page shows it (the year's last month, or this month),
    only where the region published the year's; None otherwise. Nothing below department level."""
    month = month_of(year, as_of_for(year))
    ex = published_execution(session=session, region=region, year=year, month=month)
    if ex is None:
        return None
    tp = round_rate(time_progress(month))
    table = pd.DataFrame({
        "department": ex["department"], "projects": [int(n) for n in ex["projects"]],
        "budget_yuan": _yuan(ex["budget_fen"]), "spent_yuan": _yuan(ex["spent_fen"]),
        "execution_rate_pct": _rates(ex["rate"]), "time_progress_pct": [tp] * len(ex),
        "gap_pp": _rates(ex["gap"]), "status": ex["status"],
    })
    fields = [
        _field("department", "string", "预算单位"), _field("projects", "integer", "项目数"),
        _field("budget_yuan", "number", "调整后预算数", f"截至 {year} 年 {month} 月", unit="元 (CNY)"),
        _field("spent_yuan", "number", "累计支出", f"截至 {year} 年 {month} 月", unit="元 (CNY)"),
        _field("execution_rate_pct", "number", "预算执行率", "累计支出 ÷ 调整后预算数；无预算为空", unit="% (percent)"),
        _field("time_progress_pct", "number", "序时进度", f"{month} ÷ 12", unit="% (percent)"),
        _field("gap_pp", "number", "与序时进度的差距", "序时进度 − 预算执行率", unit="百分点 (percentage points)"),
        _field("status", "string", "执行状态", enum=EXECUTION_STATUSES),
    ]
    return table, fields


def table_csv(df: pd.DataFrame, fields: list[dict[str, Any]]) -> bytes:
    """Only text fields are neutralised: a negative amount stays a number a reader can parse."""
    return export.csv_bytes([
        export.Column(f["name"], [None if export.is_missing(v) else v if f["type"] == "number" else str(v)
                                  for v in df[f["name"]]],
                      export.DECIMAL if f["type"] == "number" else None)
        for f in fields])


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry anyone may read (rw-r--r--), not the 0600 that writestr gives a bare name."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = READABLE_BY_ALL << 16
    return info


def open_data_zip(*, session: Session, region: str, year: int) -> bytes:
    """A zip with one CSV per public table and datapackage.json."""
    # Package names allow only [-a-z0-9._/]: the region's id tells two regions' packages apart.
    region_id = session.execute(select(col(Region.id)).where(col(Region.name) == region)).scalar()
    tables = public_tables(session=session, region=region, year=year)
    buffer = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (df, fields) in tables.items():
            zf.writestr(_entry(f"{name}.csv"), table_csv(df, fields))
            resources.append({
                "name": name, "path": f"{name}.csv", "profile": "tabular-data-resource", "format": "csv",
                "mediatype": "text/csv", "encoding": "utf-8", "schema": {"fields": fields, "missingValues": [""]},
            })
        package = {
            "profile": "tabular-data-package",
            "name": f"budget-performance-region-{region_id}-{year}",
            "title": f"{region} {year} 年度预算绩效公开数据", "description":
                f"{region} {year} 年度已公开的财政评价结果、问题整改情况和事前绩效评估结果"
                f"{'，以及部门预算执行情况' if 'execution' in tables else ''}。"
                "金额单位为元，得分与比率保留两位小数。",
            "keywords": [region, str(year), "预算绩效"],
            "licenses": [{"name": "other-at",
                          "title": "公开信息，转载请注明出处 / public disclosure, attribution required"}],
            "resources": resources,
        }
        zf.writestr(_entry("datapackage.json"), json.dumps(package, ensure_ascii=False, indent=2))
    return buffer.getvalue()
