"""A large monitoring file through the bulk write path (executemany on SQLite, COPY on PostgreSQL):
exact sums in fen, all or nothing, and a re-import that counts nothing twice (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
from decimal import ROUND_HALF_UP, Decimal

import xlsxwriter
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from data_access.models import AuditLog, Monitoring, Project, UploadBatch
from data_access.uploads import import_file
from data_access.version import data_version
from tests import test_import as shared

engine = shared.engine  # the sqlite/postgresql fixture

PROJECTS = 200
HEADER = ["项目编码", "行政区", "预算年度", "月份", "累计支出", "调整后预算数", "目标完成情况"]


def _xlsx(rows: list[list[object]]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("执行监控")
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    wb.close()
    return buf.getvalue()


def _projects(engine: Engine) -> None:
    rows: list[list[object]] = [["项目编码", "项目名称", "预算单位", "行政区", "预算年度", "调整后预算数"]]
    rows += [[f"BK{i:04d}", f"批量项目{i}", f"区单位{i % 7}", "批量区", 2023, 10_000_000] for i in range(PROJECTS)]
    report = import_file(engine, "projects", _xlsx(rows), "projects.xlsx", user="t")
    assert report.committed, report.errors[:3]


def _spent(i: int, month: int, extra: int = 0) -> Decimal:
    """Yuan with a third decimal of 5 on most rows, so each is rounded half up to the fen."""
    return Decimal(i * 1_000 + month * 10 + extra) + Decimal(f"0.{(i * 7 + month) % 100:02d}5")


def _monitoring(extra: dict[tuple[int, int], int] | None = None, last: list[object] | None = None) -> tuple[
        bytes, int]:
    """The file (amounts alternately as numbers and as text with thousands separators) and its sum in fen."""
    extra = extra or {}
    rows: list[list[object]] = [HEADER]
    total = 0
    for i in range(PROJECTS):
        for month in range(1, 13):
            yuan = _spent(i, month, extra.get((i, month), 0))
            total += int((yuan * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            cell: object = float(yuan) if (i + month) % 2 else f"{yuan:,}"
            budget = 20_000_000 if month == 6 else None
            rows.append([f"BK{i:04d}", "批量区", 2023, month, cell, budget, "按计划推进" if month % 3 else None])
    if last is not None:
        rows.append(last)
    return _xlsx(rows), total


def _stored(engine: Engine) -> tuple[int, int]:
    with Session(engine) as s:
        count, total = s.execute(select(func.count(), func.sum(col(Monitoring.spent_cumulative_fen)))).one()
    return int(count), int(total or 0)


def _audit(engine: Engine, action: str) -> list[AuditLog]:
    with Session(engine) as s:
        return list(s.execute(select(AuditLog).where(col(AuditLog.action) == action)
                              .order_by(col(AuditLog.id))).scalars())


def test_a_large_file_imports_exact_fen_and_a_reimport_counts_nothing_twice(engine: Engine) -> None:
    _projects(engine)
    data, total = _monitoring()
    with Session(engine) as s:
        version = data_version(s)
    report = import_file(engine, "monitoring", data, "monitoring.xlsx", user="clerk")
    assert report.committed, report.errors[:3]
    assert (report.rows_total, report.inserted, report.updated, report.unchanged) == (PROJECTS * 12, PROJECTS * 12,
                                                                                      0, 0)
    assert _stored(engine) == (PROJECTS * 12, total)
    with Session(engine) as s:
        assert data_version(s) > version
        first = s.execute(select(Monitoring).join(Project, col(Project.id) == col(Monitoring.project_id))
                          .where(col(Project.code) == "BK0003", col(Monitoring.month) == 6)).scalars().one()
        assert first.spent_cumulative_fen == 306_028  # a number cell of 3,060.275 yuan, half up to the fen
        assert (first.budget_fen, first.target_progress, first.batch_id) == (2_000_000_000, None, report.batch_id)
        assert first.submitted_at is not None
    inserts = _audit(engine, "import_insert")
    assert sum(len(json.loads(a.detail_json)["ids"]) for a in inserts if a.entity == "monitoring") == PROJECTS * 12

    again = import_file(engine, "monitoring", data, "monitoring.xlsx", user="clerk")
    assert again.committed, again.errors[:3]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, PROJECTS * 12)
    assert again.previous_batches == [report.batch_id]
    assert _stored(engine) == (PROJECTS * 12, total)
    assert _audit(engine, "import_update") == []

    # One yuan more on 150 rows spread over the file: exactly those are updated, each with its audit entry.
    moved = {(i, month): 1 for i in range(0, PROJECTS, 4) for month in (2, 7, 12)}
    changed, new_total = _monitoring(moved)
    third = import_file(engine, "monitoring", changed, "monitoring-2.xlsx", user="clerk")
    assert third.committed, third.errors[:3]
    assert (third.inserted, third.updated, third.unchanged) == (0, len(moved), PROJECTS * 12 - len(moved))
    assert new_total == total + len(moved) * 100
    assert _stored(engine) == (PROJECTS * 12, new_total)
    updates = _audit(engine, "import_update")
    assert len(updates) == len(moved) and {a.batch_id for a in updates} == {third.batch_id}
    detail = json.loads(updates[0].detail_json)
    # BK0000, month 2: the text "20.025" yuan, then "21.025"
    assert detail == {"before": {"spent_cumulative_fen": 2_003}, "after": {"spent_cumulative_fen": 2_103}}


def test_a_bad_row_at_the_end_of_a_large_file_writes_nothing(engine: Engine) -> None:
    _projects(engine)
    data, total = _monitoring()
    assert import_file(engine, "monitoring", data, "monitoring.xlsx", user="clerk").committed
    audits = len(_audit(engine, "import_update")) + len(_audit(engine, "import_insert"))
    with Session(engine) as s:
        version = data_version(s)

    # Every row changed, and the last one unreadable: nothing of the other 2,400 may be written.
    last_row = PROJECTS * 12 + 2
    bad, _ = _monitoring({(i, m): 5 for i in range(PROJECTS) for m in range(1, 13)},
                         last=["BK0001", "批量区", 2023, 5, "12,34x", None, None])
    report = import_file(engine, "monitoring", bad, "bad.xlsx", user="clerk")
    assert not report.committed
    assert [(e.row, e.column, e.code) for e in report.errors] == [(last_row, "累计支出", "not_a_number")]
    assert f"第{last_row}行「累计支出」的值“12,34x”不是数字" in report.errors[0].message
    assert (report.rows_total, report.rows_valid, report.rows_rejected) == (PROJECTS * 12 + 1, PROJECTS * 12, 1)
    assert _stored(engine) == (PROJECTS * 12, total)
    assert len(_audit(engine, "import_update")) + len(_audit(engine, "import_insert")) == audits
    with Session(engine) as s:
        batch = s.execute(select(UploadBatch).where(col(UploadBatch.id) == report.batch_id)).scalars().one()
        assert (batch.committed, batch.rows_rejected) == (False, 1)
        assert data_version(s) == version + 1  # the rejected batch's record only


def test_an_unknown_project_deep_in_a_large_file_writes_nothing(engine: Engine) -> None:
    """A row that fails a lookup (not a cell) far down a file of new rows: no insert happens either."""
    _projects(engine)
    data, _ = _monitoring(last=["BK9999", "批量区", 2023, 1, 10, None, None])
    report = import_file(engine, "monitoring", data, "monitoring.xlsx", user="clerk")
    assert not report.committed
    assert [(e.row, e.column, e.code) for e in report.errors] == [(PROJECTS * 12 + 2, "项目编码", "unknown_project")]
    assert _stored(engine) == (0, 0)
    assert [a for a in _audit(engine, "import_insert") if a.entity == "monitoring"] == []
