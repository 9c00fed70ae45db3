"""Records typed in a form (issue 11's data-entry forms) go through the importer's own path.

`import_records` takes field -> value as a person types it; a spreadsheet is just another source
of rows. The same value is refused with the same message (without the sheet and row a form does
not have), and a record is written with the same audit entries as a spreadsheet row.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from data_access.models import AuditLog, Department, Finding, FindingStatusChange, Monitoring, Project, UploadBatch
from data_access.uploads import UsageError, import_records
from tests import test_import as shared
from tests.test_import import EVA, EXA, FIND, MON, counts, run

engine = shared.engine  # the sqlite/postgresql fixture
base = shared.base

# (kind, the spreadsheet's header and row, the same as one record, code, column)
SAME_VALUES = [
    ("monitoring", MON, ["HP002", 2023, 6, "abc"],
     {"code": "HP002", "year": 2023, "month": 6, "spent_cumulative_fen": "abc"}, "not_a_number", "累计支出"),
    ("monitoring", MON, ["HP002", 2023, 6, None],
     {"code": "HP002", "year": 2023, "month": 6}, "required", "累计支出"),
    ("monitoring", MON, ["HP009", 2023, 6, 5],
     {"code": "HP009", "year": 2023, "month": 6, "spent_cumulative_fen": 5}, "unknown_project", "项目编码"),
    ("evaluations", EVA,
     ["学位供给保障", "项目", "区教育局", "黄埔区", 2023, "重点评价", 89.99, "优"],
     {"subject": "学位供给保障", "subject_type": "项目", "department": "区教育局", "region": "黄埔区", "year": 2023,
      "method": "重点评价", "score_centi": 89.99, "grade": "优"}, "grade_mismatch", "等级"),
    ("ex-ante", EXA, ["校园安全", "区教育局", "黄埔区", 2024, 100, 120, "部分支持"],
     {"name": "校园安全", "department": "区教育局", "region": "黄埔区", "year": 2024, "requested_fen": "100",
      "recommended_fen": "120", "conclusion": "部分支持"}, "recommended_exceeds_requested", "建议金额"),
    ("findings", FIND,
     ["F1", "学位供给保障", "区教育局", "黄埔区", 2023, "项目管理", "资料不全", "2024-02-30", "整改中"],
     {"finding_code": "F1", "subject": "学位供给保障", "department": "区教育局", "region": "黄埔区", "year": 2023,
      "category": "项目管理", "description": "资料不全", "deadline": "2024-02-30", "status": "整改中"},
     "invalid_date", "整改期限"),
]


@pytest.mark.parametrize(("kind", "header", "cells", "record", "code", "column"), SAME_VALUES,
                         ids=[f"{c[0]}-{c[4]}" for c in SAME_VALUES])
def test_a_record_is_refused_with_the_message_of_the_same_cell(base: Engine, kind: str, header: list, cells: list,
                                                               record: dict, code: str, column: str) -> None:
    before = counts(base)
    sheet = run(base, kind, [header, cells])
    form = import_records(base, kind, [record], user="tester")
    assert [(e.code, e.column) for e in sheet.errors] == [(e.code, e.column) for e in form.errors] == [(code, column)]
    # The spreadsheet's message names the sheet and the row; the form's is the rest of it, word for word.
    assert sheet.errors[0].message == f"工作表“Sheet1”第2行{form.errors[0].message}"
    assert not form.committed and form.exit_code == 1 and counts(base) == before
    with Session(base) as s:
        batch = s.get(UploadBatch, form.batch_id)
        assert batch is not None and (batch.file_name, batch.committed, batch.kind) == ("表单录入", False, kind)


def test_a_record_outside_the_users_departments_is_refused_as_a_row_would_be(base: Engine) -> None:
    with Session(base) as s:
        edu = s.execute(select(Department.id).where(Department.name == "区教育局")).scalars().first()
    scope = frozenset({edu})
    sheet = run(base, "monitoring", [MON + ["行政区"], ["HP002", 2023, 6, 5, "黄埔区"]], allowed_department_ids=scope)
    form = import_records(base, "monitoring", [{"code": "HP002", "year": 2023, "month": 6, "spent_cumulative_fen": 5,
                                                "region": "黄埔区"}], user="tester", allowed_department_ids=scope)
    assert [e.code for e in form.errors] == ["out_of_scope"]
    assert sheet.errors[0].message == f"工作表“Sheet1”第2行{form.errors[0].message}"
    assert form.errors[0].message.startswith("「项目编码」的值“HP002”对应的项目属于区民政局")


def _audit(engine: Engine, batch_id: int | None) -> list[tuple]:
    """A batch's audit entries without what differs between two batches (ids, times)."""
    with Session(engine) as s:
        logs = s.execute(select(AuditLog).where(AuditLog.batch_id == batch_id).order_by(AuditLog.id)).scalars()
        return [(a.actor, a.action, a.entity, json.loads(a.detail_json or "{}").get("before"),
                 json.loads(a.detail_json or "{}").get("after"), len(json.loads(a.detail_json or "{}").get("ids", [])))
                for a in logs]


def test_a_record_is_written_with_the_audit_entries_of_a_spreadsheet_row(base: Engine) -> None:
    """The same two changes, once by spreadsheet (HP002 of 黄埔区) and once by form (HP001 of 荔湾区)."""
    header = MON + ["行政区", "目标完成情况"]
    by_sheet = [run(base, "monitoring", [header, ["HP002", 2023, 6, spent, "黄埔区", note]], user="clerk")
                for spent, note in ((500_000, "开工"), ("650,000.5", None))]
    common = {"code": "HP001", "year": 2023, "month": 6, "region": "荔湾区"}
    by_form = [import_records(base, "monitoring", [{**common, "spent_cumulative_fen": spent, **extra}], user="clerk")
               for spent, extra in ((500_000, {"target_progress": "开工"}), ("650,000.5", {}))]
    assert all(r.committed for r in by_sheet + by_form), [r.errors for r in by_sheet + by_form]
    assert [(r.inserted, r.updated) for r in by_form] == [(r.inserted, r.updated) for r in by_sheet] == [(1, 0), (0, 1)]
    for sheet, form in zip(by_sheet, by_form, strict=True):
        assert _audit(base, form.batch_id) == _audit(base, sheet.batch_id)
    assert _audit(base, by_form[1].batch_id) == [
        ("clerk", "import_update", "monitoring", {"spent_cumulative_fen": 50_000_000},
         {"spent_cumulative_fen": 65_000_050}, 0)]
    with Session(base) as s:
        row = s.execute(select(Monitoring).join(Project).where(Project.code == "HP001")).scalar_one()
        # A field the record leaves out keeps its value, as a column the file does not have.
        assert (row.spent_cumulative_fen, row.target_progress) == (65_000_050, "开工")
        assert row.batch_id == by_form[1].batch_id
        assert s.get(UploadBatch, by_form[1].batch_id).file_name == "表单录入"  # type: ignore[union-attr]


def test_a_status_set_in_a_form_is_kept_in_the_findings_history(base: Engine) -> None:
    finding = {"finding_code": "F9", "subject": "学位供给保障", "department": "区教育局", "region": "黄埔区",
               "year": 2023, "category": "项目管理", "description": "资料不全", "deadline": "2024-06-30",
               "status": "整改中"}
    first = import_records(base, "findings", [finding], user="clerk")
    done = {**finding, "status": "已整改", "rectified_date": "2024-05-01"}
    second = import_records(base, "findings", [done], user="lead")
    assert first.committed and second.committed, (first.errors, second.errors)
    with Session(base) as s:
        fid = s.execute(select(Finding.id).where(Finding.finding_code == "F9")).scalar_one()
        changes = s.execute(select(FindingStatusChange).where(FindingStatusChange.finding_id == fid)
                            .order_by(FindingStatusChange.id)).scalars()
        history = [(h.from_status, h.to_status, h.changed_by, h.comment) for h in changes]
    assert history == [(None, "in_progress", "clerk", f"导入批次 #{first.batch_id}"),
                       ("in_progress", "rectified", "lead", f"导入批次 #{second.batch_id}")]


def test_several_records_are_numbered_and_checked_against_each_other(base: Engine) -> None:
    rows = [{"code": "HP002", "year": 2023, "month": 6, "spent_cumulative_fen": 5},
            {"code": "HP002", "year": 2023, "month": 6, "spent_cumulative_fen": 7}]
    report = import_records(base, "monitoring", rows, user="tester")
    assert [(e.row, e.code) for e in report.errors] == [(2, "duplicate_key_conflict")]
    assert report.errors[0].message.startswith("第2条与第1条是同一条记录")


def test_a_field_the_kind_does_not_have_is_a_usage_error(base: Engine) -> None:
    with pytest.raises(UsageError, match="spent_cumulative"):
        import_records(base, "monitoring", [{"code": "HP002", "year": 2023, "month": 6, "spent_cumulative": 5}],
                       user="t")
