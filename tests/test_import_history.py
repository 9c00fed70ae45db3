"""The read side of uploads: batch history with its rows, the submission matrix, the error report."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
from sqlalchemy import Engine, select, update
from sqlmodel import Session

from data_access.models import Department, Monitoring, UploadBatch
from data_access.queries.uploads import batch_rows, due_date, submission_matrix, upload_batches
from data_access.settings import Settings
from data_access.uploads import import_file
from data_access.uploads.templates import error_report_xlsx
from tests import test_import as shared
from tests.test_import import MON, run

engine = shared.engine  # the sqlite/postgresql fixture
base = shared.base


def test_batch_history_lists_every_attempt_and_opens_its_rows(base: Engine) -> None:
    first = run(base, "monitoring", [MON + ["行政区"], ["HP002", 2023, 6, 500_000, "黄埔区"],
                                     ["HP001", 2023, 6, 1, "黄埔区"]])
    rejected = run(base, "monitoring", [MON, ["HP002", 2023, 7, "abc"]])
    second = run(base, "monitoring", [MON + ["行政区"], ["HP002", 2023, 6, 650_000, "黄埔区"],
                                      ["HP002", 2023, 7, 700_000, "黄埔区"]])
    with Session(base) as s:
        batches = upload_batches(session=s, kind="monitoring")
        assert [b.id for b in batches] == [second.batch_id, rejected.batch_id, first.batch_id]
        assert [b.committed for b in batches] == [True, False, True]
        rows = batch_rows(session=s, batch_id=batches[0].id)
    assert sorted((r["变更"], r["月份"], r["累计支出（元）"], r["原值"]) for r in rows) == [
        ("新增", 7, "700,000.00", ""),
        ("更新", 6, "650,000.00", "累计支出（元） 500,000.00"),
    ]


def test_submission_matrix(base: Engine) -> None:
    run(base, "monitoring", [MON + ["行政区"], ["HP002", 2023, 1, 5, "黄埔区"], ["HP002", 2023, 2, 6, "黄埔区"],
                             ["HP001", 2023, 1, 5, "黄埔区"]])
    run(base, "monitoring", [MON + ["行政区"], ["HP001", 2023, 3, 5, "黄埔区"],
                             ["HP001", 2023, 4, "x", "黄埔区"]])  # rejected
    with Session(base) as s:
        # January arrived on 10 Feb, 15:00 China time (on time); February on 11 March, 00:30 China time (late).
        s.execute(update(Monitoring).where(Monitoring.month == 1)
                  .values(submitted_at=dt.datetime(2023, 2, 10, 7, 0, tzinfo=dt.UTC)))
        s.execute(update(Monitoring).where(Monitoring.month == 2)
                  .values(submitted_at=dt.datetime(2023, 3, 10, 16, 30, tzinfo=dt.UTC)))
        s.commit()
        m = submission_matrix(session=s, region="黄埔区", year=2023, today=dt.date(2023, 6, 1))
    assert list(m) == ["区教育局", "区民政局"]
    assert [m["区民政局"][k] for k in (1, 2, 3, 5, 6)] == ["on_time", "late", "missing", "not_due", "not_due"]
    assert [m["区教育局"][k] for k in (1, 2, 3, 4)] == ["on_time", "missing", "failed", "failed"]
    assert due_date(2023, 12, Settings(monitoring_due_day=15)) == dt.date(2024, 1, 15)
    with Session(base) as s:
        mine = submission_matrix(session=s, region="黄埔区", year=2023, today=dt.date(2023, 6, 1),
                                 department_ids=frozenset({_dept(base, "区民政局")}))
    assert mine == {"区民政局": m["区民政局"]}  # a scoped reader's departments only


def _dept(engine: Engine, name: str) -> int:
    with Session(engine) as s:
        return int(s.execute(select(Department.id).where(Department.name == name)).scalar_one())


def test_a_scoped_reader_sees_own_uploads_and_committed_ones_touching_their_departments(base: Engine) -> None:
    social = frozenset({_dept(base, "区民政局")})
    own = run(base, "monitoring", [MON, ["HP002", 2023, 1, 5]], user="clerk", allowed_department_ids=social)
    own_preview = run(base, "monitoring", [MON, ["HP002", 2023, 2, 6]], user="clerk", dry_run=True)
    education = run(base, "monitoring", [MON + ["行政区"], ["HP001", 2023, 1, 5, "黄埔区"]], user="chief")
    rejected = run(base, "monitoring", [MON, ["HP002", 2023, 3, "x"]], user="chief")
    both = run(base, "monitoring", [MON + ["行政区"], ["HP001", 2023, 2, 7, "黄埔区"], ["HP002", 2023, 1, 8, "黄埔区"]],
               user="chief")
    assert all(r.committed for r in (own, education, both)) and not rejected.committed
    with Session(base) as s:
        everyone = upload_batches(session=s, kind="monitoring")
        seen = upload_batches(session=s, kind="monitoring", department_ids=social, uploaded_by="clerk")
        rows = batch_rows(session=s, batch_id=seen[0].id, department_ids=social)
        all_rows = batch_rows(session=s, batch_id=seen[0].id)
        every_kind = upload_batches(session=s, department_ids=social, uploaded_by="clerk")
    assert [b.id for b in everyone] == [both.batch_id, rejected.batch_id, education.batch_id, own_preview.batch_id,
                                        own.batch_id]
    # Not chief's file of 区教育局 only, nor chief's rejected one (its report quotes any department's rows).
    assert [b.id for b in seen] == [both.batch_id, own_preview.batch_id, own.batch_id]
    assert [(r["变更"], r["月份"]) for r in rows] == [("更新", 1)] and len(all_rows) == 2  # 区民政局's row only
    assert {b.kind for b in every_kind} == {"monitoring", "projects", "evaluations"}  # the reference data touched it
    assert seen[0].report is not None and seen[0].report.updated == 1


def test_error_report_workbook(base: Engine) -> None:
    report = run(base, "monitoring", [MON + ["备注"], ["HP002", 2023, 6, "abc", ""], ["HP002", 2023, 7, 5, ""]])
    wb = openpyxl.load_workbook(io.BytesIO(error_report_xlsx(report)))
    assert wb.sheetnames == ["错误", "警告", "数据"]
    assert [c.value for c in wb["错误"][2]] == ["Sheet1", 2, "累计支出", "不是数字",
                                                "工作表“Sheet1”第2行「累计支出」的值“abc”不是数字。"]
    assert wb["警告"]["D2"].value == "未知列"
    data = [[c.value for c in r] for r in wb["数据"].iter_rows()]
    assert data[0] == ["行", "项目编码", "预算年度", "月份", "累计支出", "累计支出（折合元）", "问题"]
    assert data[1][:6] == [2, "HP002", "2023", "6", "abc", None] and data[1][6].startswith("错误：工作表“Sheet1”第2行")
    assert data[2][4:] == ["5", "5.00", None]


def test_batch_records_the_coverage_of_a_rejected_file(base: Engine) -> None:
    report = run(base, "monitoring", [MON, ["HP002", 2023, 4, "x"]])
    with Session(base) as s:
        batch = s.get(UploadBatch, report.batch_id)
        assert batch is not None and '"coverage": [[' in (batch.report_json or "")


def test_stored_report_reads_back(base: Engine) -> None:
    from data_access.uploads import ImportReport

    report = run(base, "monitoring", [MON + ["备注"], ["HP002", 2023, 6, "abc", ""]])
    with Session(base) as s:
        batch = s.get(UploadBatch, report.batch_id)
        assert batch is not None
        back = ImportReport.from_record(batch.report_json or "")
    assert back.to_dict() == report.to_dict()
    m_scoped = None
    with Session(base) as s:
        m_scoped = submission_matrix(session=s, region="黄埔区", year=2023, department_ids=frozenset())
    assert m_scoped == {}


def test_error_report_writes_formula_like_cells_as_text(base: Engine) -> None:
    """Cells from the uploaded file that a spreadsheet would run (= + - @) are written as text, as the downloads do."""
    link = '=HYPERLINK("http://example.invalid","点我")'
    text = io.StringIO()
    csv.writer(text).writerows([MON, [link, 2023, 6, "+5"], ["HP002", 2023, 7, "@abc"]])  # CSV: the cells stay text
    report = import_file(base, "monitoring", text.getvalue().encode(), "六月.csv", user="t")
    wb = openpyxl.load_workbook(io.BytesIO(error_report_xlsx(report)))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    values = {c.value for c in cells}
    assert {"'" + link, "'+5", "'@abc"} <= values
