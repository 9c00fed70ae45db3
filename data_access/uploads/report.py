"""What an import says: its issues (errors and warnings) and the report `import --json` prints."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

UNREADABLE = {"file_not_found", "not_a_spreadsheet", "corrupt_file", "encrypted_file"}
IN_YUAN = "（折合元）"  # suffix of the preview column holding an amount as understood, in 元

# Each issue code in words, for Chinese readers (the codes are for `import --json` and scripts).
ISSUE_NAMES = {
    "not_a_number": "不是数字", "invalid_date": "日期无效", "invalid_year": "年度无效",
    "month_out_of_range": "月份超出范围", "score_out_of_range": "得分超出范围", "negative_amount": "金额为负数",
    "required": "必填项为空", "unknown_value": "不在可选值中", "example_row": "模板示例行", "duplicate_row": "重复行",
    "duplicate_key_conflict": "同一记录内容冲突", "grade_mismatch": "等级与得分不符",
    "recommended_exceeds_requested": "建议金额大于申报金额", "rejected_with_amount": "不予支持却有建议金额",
    "status_date_mismatch": "状态与完成日期不符", "unknown_region": "行政区不存在",
    "unknown_department": "预算单位不符", "unknown_project": "项目不存在", "region_required": "需要填写行政区",
    "unknown_evaluation": "评价不存在",
    "out_of_scope": "超出可填报单位", "spent_decreased": "累计支出减少", "spent_exceeds_budget": "支出超过预算",
    "missing_column": "缺少列", "unknown_unit": "单位无法识别", "unit_conflict": "单位前后不一致",
    "unknown_column": "未知列", "empty_file": "没有数据", "file_too_large": "文件过大", "file_not_found": "文件不存在",
    "not_a_spreadsheet": "不是电子表格", "corrupt_file": "文件已损坏", "encrypted_file": "文件已加密",
    "too_many_rows": "行数过多", "too_many_columns": "列数过多", "too_many_cells": "单元格过多",
    "cell_too_long": "单元格文字过长", "too_much_text": "文字总量过大", "unpacked_too_large": "解压后过大",
    "database_unavailable": "数据库不可用", "user_not_allowed": "账号无权导入",
    "unknown_user": "上传人不是系统用户", "deviation_unexplained": "缺少偏差原因或纠偏措施",
}


@dataclass
class Issue:
    """One error or warning, as CONTRACT.md's `import --json` lists them."""

    sheet: str | None
    row: int | None
    column: str | None
    code: str
    message: str
    value: str | None = None  # the cell as typed, when the issue is about one cell (kept in the batch record)

    def to_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "code": self.code,
                "message": self.message}


def on_sheet(sheet: str | None, message: str) -> str:
    """A message that names its sheet first (the issue asks for sheet, row, column and value in it)."""
    if not sheet or message.startswith("工作表"):
        return message
    return f"工作表“{sheet}”{message}" if message.startswith("第") else f"工作表“{sheet}”：{message}"


@dataclass
class ImportReport:
    """The outcome of one import; `to_json()` is exactly the contract's `import --json` object."""

    kind: str
    file: str
    sha256: str
    dry_run: bool
    rows_total: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    committed: bool = False
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    # Beyond the contract's object (kept in the batch record and shown on the upload page):
    batch_id: int | None = None
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    previous_batches: list[int] = field(default_factory=list)
    # The data rows as read ({"行": Excel row, column name: cell as typed, and for an amount column
    # "<name>（折合元）": the amount understood in 元}), for the page's preview.
    # A file read by column builds each preview row when it is read (columns.LazyPreview).
    preview: Sequence[dict[str, Any]] = field(default_factory=list, repr=False)
    # Amount column -> the unit it was read in and where that came from (`万元（第2行“单位：万元”）`).
    units: dict[str, str] = field(default_factory=dict, repr=False)
    # (department id, year, month) of the monitoring rows the file covered, for the submission matrix.
    coverage: set[tuple[int, int, int]] = field(default_factory=set, repr=False)
    # (year, month or 0) of every row read with a year: the period the file covers, for the upload history.
    periods: set[tuple[int, int]] = field(default_factory=set, repr=False)

    CONTRACT_FIELDS = ("kind", "file", "sha256", "dry_run", "rows_total", "rows_valid", "rows_rejected",
                       "committed", "errors", "warnings")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {k: getattr(self, k) for k in self.CONTRACT_FIELDS}
        d["errors"] = [e.to_dict() for e in self.errors]
        d["warnings"] = [w.to_dict() for w in self.warnings]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_record(self) -> str:
        """The batch's stored report: the contract object plus the write counts."""
        d = self.to_dict()
        for key, issues in (("errors", self.errors), ("warnings", self.warnings)):
            d[key] = [{**i.to_dict(), "value": i.value} for i in issues]
        d.update(inserted=self.inserted, updated=self.updated, unchanged=self.unchanged,
                 previous_batches=self.previous_batches, coverage=sorted(self.coverage),
                 periods=sorted(self.periods))
        return json.dumps(d, ensure_ascii=False)

    @classmethod
    def from_record(cls, record: str) -> ImportReport:
        """The report a batch stored (`to_record`), for the history page and its error workbook."""
        d = json.loads(record)
        report = cls(**{k: d[k] for k in cls.CONTRACT_FIELDS if k not in ("errors", "warnings")})
        report.errors = [Issue(**e) for e in d.get("errors", [])]
        report.warnings = [Issue(**w) for w in d.get("warnings", [])]
        for extra in ("inserted", "updated", "unchanged", "previous_batches"):
            setattr(report, extra, d.get(extra, getattr(report, extra)))
        report.coverage = {tuple(c) for c in d.get("coverage", [])}  # type: ignore[misc]
        report.periods = {(int(y), int(m)) for y, m in d.get("periods", [])}
        return report

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def exit_code(self) -> int:
        if any(e.code in UNREADABLE for e in self.errors):
            return 2
        return 0 if self.ok and (self.committed or self.dry_run) else 1
