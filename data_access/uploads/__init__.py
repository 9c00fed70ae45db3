"""Uploads (CONTRACT.md §2): one spec per kind, read by one reader, one validator and one upsert.

    spreadsheet bytes ─ read.py (measured by limits_*.py first) ─ headers.py ─┐
    records typed in a form ──────────────────────────────────────────────────┴─ validate.py (cells.py,
    the spec's lookups and rules) ─ write.py (the upsert by the spec's key, audit_log) ─ database

The specs (kinds/) also drive the templates (templates.py), the upload history's columns
(queries/uploads.py), the sample files (sample_data/build.py) and the README's column tables
(tests/test_docs.py).

The names below load on first use, so that the reader alone (read.py, cells.py: what a child
process measuring a hostile file imports) stays free of SQLAlchemy, pandas and the models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from data_access.uploads.imports import (
        MAX_FILE_BYTES,
        import_file,
        import_path,
        import_records,
        previous_uploads,
        sha256_of,
    )
    from data_access.uploads.kinds import KIND_NAMES, KINDS, SPECS
    from data_access.uploads.report import IN_YUAN, ImportReport, Issue
    from data_access.uploads.validate import UsageError

_WHERE = {
    "MAX_FILE_BYTES": "imports", "import_file": "imports", "import_path": "imports", "import_records": "imports",
    "previous_uploads": "imports", "sha256_of": "imports", "KIND_NAMES": "kinds", "KINDS": "kinds", "SPECS": "kinds",
    "IN_YUAN": "report", "ImportReport": "report", "Issue": "report", "UsageError": "validate",
}
__all__ = [
    "IN_YUAN", "KINDS", "KIND_NAMES", "MAX_FILE_BYTES", "SPECS", "ImportReport", "Issue", "UsageError",
    "import_file", "import_path", "import_records", "previous_uploads", "sha256_of",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
