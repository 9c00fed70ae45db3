"""A clean sheet read column by column (uploads/columns.py) and a clean monitoring file checked and written
column by column (kinds/monitoring.bulk) give exactly what the per-row reader, checks and write give: the same
values and preview, the same records, audit entries, warnings and counts; a file with bad cells gets exactly
the per-row path's errors (row, column, value, message). SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from data_access.db import make_engine
from data_access.models import AuditLog, Monitoring, Project, UploadBatch
from data_access.settings import SETTINGS
from data_access.uploads import ImportReport, import_file, imports
from data_access.uploads.columns import LazyPreview, parse_columns
from data_access.uploads.context import Ctx
from data_access.uploads.headers import amount_factors, choose_sheet
from data_access.uploads.kinds import SPECS
from data_access.uploads.read import read_workbook
from data_access.uploads.validate import rows_from_sheet
from data_access.uploads.write import audit_detail
from tests import test_import as shared
from tests.conftest import _pg_create, _pg_drop

engine = shared.engine  # the sqlite/postgresql fixture
HEADER = ["项目编码", "行政区", "预算年度", "月份", "累计支出", "调整后预算数", "目标完成情况", "偏差原因", "项目名称"]


def _xlsx(rows: list[list[object]], unit: str | None = None) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": dt.datetime(2024, 1, 1)})  # the same bytes (and sha256) whenever it is built
    ws = wb.add_worksheet("执行监控")
    r = 0
    if unit:
        ws.write_row(r, 0, [unit])
        r += 1
    for row in rows:
        ws.write_row(r, 0, ["" if v is None else v for v in row])
        r += 1
    wb.close()
    return buf.getvalue()


def _projects(engine: Engine, n: int = 12) -> None:
    rows: list[list[object]] = [["项目编码", "项目名称", "预算单位", "行政区", "预算年度", "调整后预算数"]]
    rows += [[f"CL{i:03d}", f"列项目{i}", f"区单位{i % 3}", "列区", 2023, 1_000_000] for i in range(n)]
    rows += [["CL000", "另一个区的同码项目", "区单位0", "别区", 2023, 1_000_000]]
    report = import_file(engine, "projects", _xlsx(rows), "projects.xlsx", user="t")
    assert report.committed, report.errors[:3]


def _monitoring(seed: int = 0, months: range = range(1, 13)) -> list[list[object]]:
    """Every kind of clean cell: numbers, text amounts with separators, blank and filled budgets and texts,
    region given or blank (CL000 needs it: another region has the code), spending that falls and exceeds."""
    rows: list[list[object]] = [HEADER]
    for i in range(12):
        for m in months:
            k = i * 13 + m + seed
            spent: object = [f"{k * 1000 + 0.125:,}", k * 1000.5, k * 100, "12,000,000.00"][k % 4] \
                if (i, m) != (3, 5) else 1.5
            rows.append([f"CL{i:03d}", "列区" if i == 0 or k % 3 else None, 2023, m, spent,
                         [None, 900_000, "", None][k % 4], ["按计划推进", None, "进度\u3000“滞后”\t一半", ""][k % 4],
                         [None, "资金未到位", "", None][(k + 1) % 4], f"列项目{i}" if k % 2 else None])
    return rows


def _per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send every sheet through the per-row reader, checks and write (what the columns path must equal)."""
    monkeypatch.setattr(imports, "parse_columns", lambda *a, **k: None)


def _state(engine: Engine) -> dict[str, Any]:
    """What an import leaves: the months, the update audit entries, the batches' reports (times blanked)."""
    def plain(text: str) -> str:
        return re.sub(r"\d{4}-\d{2}-\d{2}T[\d:.]+\+00:00", "TIME", text)

    with Session(engine) as s:
        months = s.execute(select(col(Monitoring.project_id), col(Monitoring.month),
                                  col(Monitoring.spent_cumulative_fen), col(Monitoring.budget_fen),
                                  col(Monitoring.target_progress), col(Monitoring.deviation_reason),
                                  col(Monitoring.batch_id),
                                  col(Monitoring.submitted_at).is_(None))
                           .order_by(col(Monitoring.project_id), col(Monitoring.month))).all()
        audits = s.execute(select(col(AuditLog.action), col(AuditLog.entity_id), col(AuditLog.batch_id),
                                  col(AuditLog.detail_json), col(AuditLog.actor))
                           .where(col(AuditLog.entity) == "monitoring").order_by(col(AuditLog.id))).all()
        batches = s.execute(select(col(UploadBatch.report_json)).order_by(col(UploadBatch.id))).scalars().all()
    inserted = [json.loads(d) for a, _i, _b, d, _u in audits if a == "import_insert"]
    ids = {int(i) for d in inserted for i in d["ids"]}
    return {"months": [tuple(m) for m in months], "inserted": len(ids),
            "updates": [(i, b, plain(d or ""), u) for a, i, b, d, u in audits if a == "import_update"],
            "batches": [plain(b or "") for b in batches]}


def _report(report: ImportReport) -> dict[str, Any]:
    return {**json.loads(report.to_record()), "preview": list(report.preview)}


@pytest.fixture
def twins(any_db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two databases of one backend holding the same projects: one imports by column, the other row by row."""
    if any_db_url.startswith("sqlite"):
        shutil.copy(request.getfixturevalue("_empty_template"), tmp_path / "twin.db")
        twin_url = f"sqlite:///{tmp_path / 'twin.db'}"
    else:
        twin_url = _pg_create(request.getfixturevalue("_pg_empty_template"))
    pair = make_engine(any_db_url), make_engine(twin_url)
    for e in pair:
        _projects(e)
    yield pair
    for e in pair:
        e.dispose()
    if not twin_url.startswith("sqlite"):
        _pg_drop(twin_url)


def _both(twins: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch, data: bytes,
          **kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    by_column, by_row = twins
    a = import_file(by_column, "monitoring", data, "m.xlsx", user="clerk", **kw)
    with monkeypatch.context() as m:
        _per_row(m)
        b = import_file(by_row, "monitoring", data, "m.xlsx", user="clerk", **kw)
    return _report(a), _report(b)


def test_the_columns_path_writes_what_the_per_row_path_writes(twins: tuple[Engine, Engine],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    by_column, by_row = twins
    # First months 1–6 (inserts), then all twelve (six new months, updates of every shape, unchanged rows).
    first, second = _xlsx(_monitoring(months=range(1, 7)), "单位：元"), _xlsx(_monitoring(seed=2), "单位：万元")
    for data in (first, second, second):
        a, b = _both(twins, monkeypatch, data)
        assert a == b
        assert a["committed"] and a["warnings"]  # spending falls (CL003 month 5) and exceeds the budget
        assert _state(by_column) == _state(by_row)
    # A month stored without a submission time gets one, and its audit entry says so.
    for e in twins:
        with Session(e) as s:
            s.execute(update(Monitoring).where(col(Monitoring.month) == 3).values(submitted_at=None))
            s.commit()
    third = _xlsx(_monitoring(seed=5), "单位：元")
    a, b = _both(twins, monkeypatch, third)
    assert a == b and a["updated"] > 0
    state = _state(by_column)
    assert state == _state(by_row)
    assert any('"submitted_at": null' in d for _i, _b, d, _u in state["updates"])
    # Dry runs report the same and write nothing more.
    a, b = _both(twins, monkeypatch, _xlsx(_monitoring(seed=9)), dry_run=True)
    assert a == b and a["dry_run"] and not a["committed"]
    assert _state(by_column) == _state(by_row)


def test_a_clean_monitoring_file_takes_neither_row_objects_nor_per_row_checks(engine: Engine,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _projects(engine)

    def refuse(*_a: Any, **_k: Any) -> None:
        raise AssertionError("the per-row path ran for a clean file")

    monkeypatch.setattr(imports, "validate", refuse)
    monkeypatch.setattr(imports, "rows_from_sheet", refuse)
    report = import_file(engine, "monitoring", _xlsx(_monitoring()), "m.xlsx", user="clerk")
    assert report.committed and report.inserted == 144
    assert isinstance(report.preview, LazyPreview) and len(report.preview) == 144
    assert report.preview[0]["行"] == 2 and report.preview[-1]["行"] == 145
    assert report.preview[1:3] == [report.preview[1], report.preview[2]]
    with pytest.raises(IndexError):
        report.preview[144]  # noqa: B018


BAD_ROWS: list[tuple[list[object], str, str | None]] = [
    # (row, code, column) added to a clean file: each goes through the per-row path and its errors
    (["CL001", "列区", 2023, 13, 10, None, None, None, None], "month_out_of_range", "月份"),
    (["CL001", "列区", "二〇二三", 5, 10, None, None, None, None], "not_a_number", "预算年度"),
    (["CL001", "列区", 2023, 5, "12,34x", None, None, None, None], "not_a_number", "累计支出"),
    (["CL001", "列区", 2023, 5, -3, None, None, None, None], "negative_amount", "累计支出"),
    (["CL001", "列区", 2023, 5, None, None, None, None, None], "required", "累计支出"),
    (["CL001", "列区", 2023, 5, 10, "很多", None, None, None], "not_a_number", "调整后预算数"),
    (["CL099", "列区", 2023, 5, 10, None, None, None, "列项目9"], "unknown_project", "项目编码"),
    (["CL000", None, 2023, 5, 10, None, None, None, None], "region_required", "行政区"),
    (["CL001", "列 区x", 2023, 5, 10, None, None, None, None], "unknown_region", "行政区"),
    (["CL001", "列区", 2023, 1, 99, None, None, None, None], "duplicate_key_conflict", None),
    (["【示例】CL001", "列区", 2023, 1, 99, None, None, None, None], "example_row", None),
]


def test_bad_cells_anywhere_get_exactly_the_per_row_errors(twins: tuple[Engine, Engine],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    by_column, by_row = twins
    clean = _monitoring()
    rows = [*clean[:40], *(bad for bad, _c, _f in BAD_ROWS), *clean[40:], ["合计", None, None, None, 999],
            [None] * 9, clean[5]]  # a total row and a blank row (skipped) and an identical row (a warning)
    a, b = _both(twins, monkeypatch, _xlsx(rows))
    assert a == b
    assert not a["committed"]
    found = {(e["code"], e["column"]) for e in a["errors"]}
    assert {(code, column) for _r, code, column in BAD_ROWS} <= found
    assert "duplicate_row" in {w["code"] for w in a["warnings"]}
    assert _state(by_column) == _state(by_row)
    assert not _state(by_column)["months"]  # nothing of the good rows was written


def test_a_scoped_users_file_outside_the_scope_gets_the_per_row_errors(twins: tuple[Engine, Engine],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    by_column, _ = twins
    with Session(by_column) as s:
        some = frozenset(s.execute(select(col(Project.department_id)).where(col(Project.code) == "CL001")).scalars())
    a, b = _both(twins, monkeypatch, _xlsx(_monitoring()), allowed_department_ids=some)
    assert a == b and not a["committed"] and {e["code"] for e in a["errors"]} == {"out_of_scope"}


@pytest.mark.parametrize("kind", ["projects", "monitoring", "evaluations", "findings", "ex-ante", "indicators"])
def test_reading_by_column_gives_the_per_row_readers_rows_and_preview(kind: str) -> None:
    """Every kind's template example and the sample-like cells read the same both ways."""
    spec = SPECS[kind]
    header = [c.header for c in spec.columns]
    body = [[c.example for c in spec.columns], [None if not c.required else c.example for c in spec.columns],
            [str(c.example) if c.example not in ("", None) else "" for c in spec.columns]]
    data = _xlsx([["单位：元"], header, *body, [None] * len(header), *body])
    sheets = read_workbook(data, "x.xlsx", max_rows=1000)

    def read(by_column: bool) -> tuple[Any, ...]:
        report = ImportReport(kind=kind, file="x.xlsx", sha256="", dry_run=True)
        chosen = choose_sheet(spec, list(SPECS.values()), sheets, report)
        assert chosen is not None
        sheet, match, _template = chosen
        ctx = Ctx(spec, report, sheet.name, "t", SETTINGS, None)
        factors = amount_factors(spec, sheet, match, report)
        if by_column:
            parsed = parse_columns(ctx, sheet, match, factors)
            assert parsed is not None
            rows, preview = parsed.rows(), list(LazyPreview(parsed))
        else:
            rows = rows_from_sheet(ctx, sheet, match, factors)
            preview = list(report.preview)
        return [(r.number, r.values, r.raw, r.ok) for r in rows], preview, report.errors

    assert read(True) == read(False)


def test_audit_text_is_what_json_dumps_writes() -> None:
    values = [0, -7, 12_345_678_901, None, True, False, "", "按计划\"推进\"\\\n\t\u2028", "a/b", 1.5,
              Decimal("3.10"), dt.date(2024, 2, 29), dt.datetime(2024, 6, 30, 8, 5, tzinfo=dt.UTC)]
    for v in values:
        before, after = {"spent_cumulative_fen": v, "budget_fen": None}, {"target_progress": v}
        expected = json.dumps({"before": {k: json.loads(json.dumps(x, default=lambda o: o.isoformat()
                                                                   if hasattr(o, "isoformat") else str(o)))
                                          for k, x in before.items()},
                               "after": {k: json.loads(json.dumps(x, default=lambda o: o.isoformat()
                                                                  if hasattr(o, "isoformat") else str(o)))
                                         for k, x in after.items()}}, ensure_ascii=False)
        assert audit_detail(before, after) == expected
    assert audit_detail({}, {}) == '{"before": {}, "after": {}}'
