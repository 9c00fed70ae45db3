"""What an import says: its issues (errors and warnings) and the report `import --json` prints."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

UNREADABLE = {"file_not_found", "not_a_spreadsheet", "corrupt_file", "encrypted_file"}
IN_YUAN = "（折合元）"  # suffix of the preview column holding an amount as understood, in 元


@dataclass
class Issue:
    """One error or warning, as CONTRACT.md's `import --json` lists them."""

    sheet: str | None
    row: int | None
    column: str | None
    code: str
    message: str

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
    preview: list[dict[str, Any]] = field(default_factory=list, repr=False)
    # Amount column -> the unit it was read in and where that came from (`万元（第2行“单位：万元”）`).
    units: dict[str, str] = field(default_factory=dict, repr=False)
    # (department id, year, month) of the monitoring rows the file covered, for the submission matrix.
    coverage: set[tuple[int, int, int]] = field(default_factory=set, repr=False)

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
        d.update(inserted=self.inserted, updated=self.updated, unchanged=self.unchanged,
                 previous_batches=self.previous_batches, coverage=sorted(self.coverage))
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
        return report

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def exit_code(self) -> int:
        if any(e.code in UNREADABLE for e in self.errors):
            return 2
        return 0 if self.ok and (self.committed or self.dry_run) else 1
