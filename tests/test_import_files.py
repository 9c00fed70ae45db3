"""The importer's messy layouts, readers, file limits and templates (CONTRACT.md §2): the layouts
clerks really send, every format, every file it refuses and why, and the templates' example row.

Shares test_import's fixtures (a temporary database with a small reference set).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from data_access.models import (
    Department,
    Evaluation,
    ExAnte,
    Finding,
    FindingStatusChange,
    Indicator,
    Monitoring,
    Project,
    Region,
    UploadBatch,
)
from data_access.settings import Settings
from data_access.uploads import SPECS, import_file
from data_access.uploads.cli import run_import_cli
from data_access.uploads.templates import write_template
from tests import test_import as shared
from tests.test_import import EVALUATIONS, EXA, FIND, IND, MON, ROOT, counts, one, run, xlsx

engine = shared.engine  # the sqlite/postgresql fixture
base = shared.base


# ---- messy layouts ------------------------------------------------------------------------------------
def test_messy_monitoring_layout(base: Engine) -> None:
    rows = [
        ["2023年6月预算执行情况表"],
        ["填报单位：区财政局", None, "金额单位：万元"],
        [],
        ["月 份", "行政区", "Code", "项目名称", "预算年度", "累计支出", "调整后预算数（万元）"],
        ["６", "黄埔区", " HP 001 ", "学位供给保障", "2023年", "１２．３４５６", "100.00"],
        ["合计", None, None, None, None, 999],
        [None, None, None, None],
        [6.0, "黄埔区", "HP002", "困难群众救助", 2023.0, " 199.99 ", None],
        ["其中：区本级", None, None, None, None, 1],
        ["6月", "荔湾区", "HP001", "荔湾学位项目", 2023, "-", ""],
    ]
    report = run(base, "monitoring", rows)
    assert report.committed, report.errors
    assert (report.rows_total, report.rows_valid, report.inserted) == (3, 3, 3)
    with Session(base) as s:
        got = dict(s.execute(select(Region.name + Project.code, Monitoring.spent_cumulative_fen)
                             .join(Project, Project.id == Monitoring.project_id)
                             .join(Region, Region.id == Project.region_id)).all())
        assert got == {"黄埔区HP001": 12_345_600, "黄埔区HP002": 199_990_000, "荔湾区HP001": 0}
        budget = s.execute(select(Monitoring.budget_fen).join(Project)
                           .where(Project.code == "HP001", Project.budget_adjusted_fen == 100_000_000)).scalar_one()
        assert budget == 100_000_000  # 100 万元: the header's unit agrees with the line's


def test_a_header_unit_that_disagrees_with_the_unit_line_rejects_the_file(base: Engine) -> None:
    """累计支出（元） under 单位：万元: the clerk meant one of them; which one is theirs to say, not ours to guess."""
    before = counts(base)
    rows = [["2023年6月预算执行情况表"], ["单位：万元"], MON[:3] + ["累计支出（元）"], ["HP002", 2023, 6, 1_234_500]]
    report = run(base, "monitoring", rows)
    assert [(e.code, e.row, e.column) for e in report.errors] == [("unit_conflict", 3, "累计支出")]
    assert "第3行表头「累计支出（元）」的单位“元”与第2行“单位：万元”不一致" in report.errors[0].message
    assert not report.committed and counts(base) == before
    agreeing = run(base, "monitoring", [["单位：万元"], MON[:3] + ["累计支出（万元）"], ["HP002", 2023, 6, 123.45]])
    assert agreeing.committed, agreeing.errors


def test_preview_shows_each_amount_as_typed_and_in_yuan(base: Engine) -> None:
    rows = [["单位：万元"], MON + ["调整后预算数（元）", "行政区"], ["HP002", 2023, 6, "1,234.5", None, "黄埔区"]]
    rows[1][4] = "调整后预算数（万元）"
    report = run(base, "monitoring", rows, dry_run=True)
    assert report.ok, report.errors
    assert report.preview == [{"行": 3, "项目编码": "HP002", "预算年度": "2023", "月份": "6", "累计支出": "1,234.5",
                               "累计支出（折合元）": "12,345,000.00", "调整后预算数": "", "调整后预算数（折合元）": "",
                               "行政区": "黄埔区"}]
    assert report.units == {"累计支出": "万元（第1行“单位：万元”）", "调整后预算数": "万元（表头）"}


def test_english_headers_with_spaces_and_a_place_name_beside_the_unit_line(base: Engine) -> None:
    # 元村 is a place, not the unit 元
    rows = [["2023年6月预算执行情况表"], ["单位：万元"], ["填报单位：元村街道办事处"],
            ["Code", "Year", "Month", "Spent Cumulative", "Budget Adjusted", "REGION"],
            ["HP002", 2023, 6, 1.5, "300", "黄埔区"]]
    report = run(base, "monitoring", rows)
    assert report.committed and report.warnings == [], (report.errors, report.warnings)
    m = one(base, Monitoring)
    assert (m.spent_cumulative_fen, m.budget_fen) == (1_500_000, 300_000_000)  # type: ignore[attr-defined]


def test_messy_projects_layout_creates_regions_and_departments(engine: Engine) -> None:
    rows = [
        ["2023年项目预算表"],
        ["单位：万元"],
        ["Name", "预算 单位", "REGION", "项目编码", "year", "调整后预算数", "年初预算数（万元）", "是否新增",
         "资金来源"],
        ["道路养护", "[102001]区交通运输局", "黄埔区", "0012", 2023, "1,234.50", 1234.5, "yes", "专项债券"],
        ["路灯维护", "102002 区城管局", "黄埔区", 12301.0, 2023, 199.99, None, None, "一般公共预算"],
        ["小计", None, None, None, None, 1434.49],
    ]
    report = run(engine, "projects", rows)
    assert report.committed, report.errors
    with Session(engine) as s:
        depts = dict(s.execute(select(Department.name, Department.code)).all())
        assert depts == {"区交通运输局": "102001", "区城管局": "102002"}
        p = dict(s.execute(select(Project.code, Project.budget_adjusted_fen)).all())
        assert p == {"0012": 1_234_500_000, "12301": 199_990_000}  # 1,234.50 万元; 199.99 万元 exactly
        road = s.execute(select(Project).where(Project.code == "0012")).scalar_one()
        assert ((road.budget_initial_fen, road.is_new, road.fund_source, road.kind)
                == (1_234_500_000, True, "专项债券", "recurring"))


def test_dates_in_several_forms_and_status_history(base: Engine) -> None:
    rows = [FIND + ["书面反馈日期", "完成日期"],
            ["F1", "学位供给保障", "区教育局", "黄埔区", 2023, "项目管理", "资料不全", dt.date(2024, 6, 30), "整改中",
             "2024/5/20", None],
            ["F2", "学位供给保障", "区教育局", "黄埔区", 2023, "预算编制问题", "编制粗放", "2024年9月30日", "未整改",
             45432, None],
            ["F3", "区民政局", "区民政局", "黄埔区", 2023, "内部控制", "制度缺失", "2024-12-15", "已整改", None,
             "2024-11-01"]]
    report = run(base, "findings", rows)
    assert report.committed, report.errors
    with Session(base) as s:
        f = {x.finding_code: x for x in s.execute(select(Finding)).scalars()}
        assert f["F1"].deadline == dt.date(2024, 6, 30) and f["F1"].feedback_date == dt.date(2024, 5, 20)
        # serial 45432
        assert f["F2"].deadline == dt.date(2024, 9, 30) and f["F2"].feedback_date == dt.date(2024, 5, 20)
        assert f["F2"].category == "预算编制" and f["F3"].rectified_date == dt.date(2024, 11, 1)
        assert f["F1"].evaluation_id is not None
        assert f["F1"].published is False  # no 是否公开 column: nothing published
    # Re-import with F1 rectified: one status change, by the importing user, naming the batch.
    rows[1][8] = "已整改"
    again = run(base, "findings", rows, user="clerk")
    assert again.committed and (again.updated, again.unchanged) == (1, 2)
    with Session(base) as s:
        fid = s.execute(select(Finding.id).where(Finding.finding_code == "F1")).scalar_one()
        history = [(h.from_status, h.to_status, h.changed_by, h.comment) for h in
                   s.execute(select(FindingStatusChange).where(FindingStatusChange.finding_id == fid)
                             .order_by(FindingStatusChange.id)).scalars()]
    assert history == [(None, "in_progress", "tester", f"导入批次 #{report.batch_id}"),
                       ("in_progress", "rectified", "clerk", f"导入批次 #{again.batch_id}")]


def test_evaluations_store_centi_and_publication(base: Engine) -> None:
    e = one(base, Evaluation, subject="学位供给保障")
    assert (e.score_centi, e.funds_fen, e.method, e.subject_type, e.published) == (  # type: ignore[attr-defined]
        8850, 100_000_000, "key", "project", True)
    assert e.project_id == one(base, Project, code="HP001", budget_adjusted_fen=100_000_000).id  # type: ignore[attr-defined]
    assert e.published_by == "tester" and e.published_at is not None  # type: ignore[attr-defined]
    rows = [EVALUATIONS[0] + ["预算完成率", "等级"], EVALUATIONS[1] + ["97.55%", "良"]]
    assert run(base, "evaluations", rows).committed
    e = one(base, Evaluation, subject="学位供给保障")
    assert e.budget_completion_centi == 9755  # type: ignore[attr-defined]


def test_ex_ante_and_indicators(base: Engine) -> None:
    rows = [EXA + ["是否公开"], ["校园安全", "区教育局", "黄埔区", 2024, "3,000,000", "2,500,000", "部分支持", "是"],
            ["图书采购", "区教育局", "黄埔区", 2024, 300_000, 0, "不予支持", "否"]]
    assert run(base, "ex-ante", rows).committed
    x = one(base, ExAnte, name="校园安全")
    assert (x.requested_fen, x.recommended_fen, x.conclusion, x.published) == (  # type: ignore[attr-defined]
        300_000_000, 250_000_000, "partial", True)
    rows = [IND + ["项目编码", "预算年度", "是否核心", "比较符", "指标值"],
            ["新增学位数", "产出", "数量", "个性", "黄埔区", "区教育局", "HP001", 2023, "是", ">=", 1200],
            ["群众满意度", "满意度指标", "服务对象满意度", "通用", "黄埔区", None, None, None, "否", "≥", "90"]]
    report = run(base, "indicators", rows)
    assert report.committed, report.errors
    target = one(base, Indicator, name="新增学位数")
    assert (
        target.level1, target.level2, target.operator, target.target_value, target.is_core  # type: ignore[attr-defined]
    ) == ("产出指标", "数量指标", "≥", "1200", True)
    assert target.project_id is not None and target.department_id is not None  # type: ignore[attr-defined]
    library = one(base, Indicator, name="群众满意度")
    assert (library.project_id, library.department_id, library.scope) == (None, None, "general")  # type: ignore[attr-defined]


# ---- readers and file limits -----------------------------------------------------------------------------
def _csv(rows: list[list[object]], encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_bom_and_gbk(base: Engine, encoding: str) -> None:
    data = _csv([["单位：万元"], MON + ["行政区"], ["HP002", "2023", "6", "1,234.5", "黄埔区"]], encoding)
    report = import_file(base, "monitoring", data, "六月.csv", user="t")
    assert report.committed, report.errors
    assert one(base, Monitoring).spent_cumulative_fen == 1_234_500_000  # type: ignore[attr-defined]


def test_header_found_on_a_later_sheet(base: Engine) -> None:
    data = xlsx([MON, ["HP002", 2023, 6, 5]], "数据",
                extra_sheets={"封面": [["2023年6月执行情况"], ["报送单位：区民政局"]]})
    report = import_file(base, "monitoring", data, "x.xlsx", user="t")
    assert report.committed and report.errors == []


def cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal, valid Compound File (the OLE container of .xls and of a password-protected .xlsx).

    Version 3, 512-byte sectors: a FAT sector, a directory sector, then each stream (each at least
    4096 bytes, so none lives in the mini stream). Excel's "encrypt with password" writes an
    .xlsx as such a file with EncryptionInfo and EncryptedPackage streams.
    """
    end, free, fat_mark, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat, body, starts = [fat_mark, end], b"", []
    for payload in streams.values():
        n = -(-len(payload) // 512)
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(n - 1)] + [end]
        body += payload.ljust(n * 512, b"\0")
    assert len(fat) <= 128 and len(streams) <= 3

    def entry(name: str, kind: int, start: int, size: int, child: int = none, right: int = none) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB3I", len(raw), kind, 1, none, right, child) + b"\0" * 36
                + struct.pack("<IQ", start, size))

    names = list(streams)
    directory = entry("Root Entry", 5, end, 0, child=1) + b"".join(
        entry(n, 2, starts[i], len(streams[n]),
              right=i + 2 if i + 1 < len(names) else none) for i, n in enumerate(names))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0) + struct.pack("<I", 0)
              + struct.pack("<I", free) * 108)
    return header + struct.pack("<128I", *fat, *[free] * (128 - len(fat))) + directory.ljust(512, b"\0") + body


def office_zip(parts: dict[str, str]) -> bytes:
    """An Office Open XML package with the given parts (a .docx is word/..., a .pptx ppt/...)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for name, text in parts.items():
            z.writestr(name, text)
    return buf.getvalue()


ENCRYPTED_XLSX = cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"<encryption/>".ljust(5000, b" "),
                      "EncryptedPackage": b"\x10\x27" + bytes(range(256)) * 40})
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"

FILE_PROBLEMS = [
    (b"%PDF-1.4 a pdf", "report.xlsx", "not_a_spreadsheet", 2, "不是电子表格"),
    (PNG, "photo.xlsx", "not_a_spreadsheet", 2, "不是电子表格"),
    (office_zip({"word/document.xml": "<w:document/>"}), "report.docx.xlsx", "not_a_spreadsheet", 2,
     "不是电子表格，而是Word 文档"),
    (office_zip({"ppt/presentation.xml": "<p/>"}), "slides.xlsx", "not_a_spreadsheet", 2, "而是PowerPoint 演示文稿"),
    (cfb({"WordDocument": b"\xec\xa5" + b"\0" * 5000}), "old.xls", "not_a_spreadsheet", 2, "而是Word 文档"),
    (xlsx([["a"]])[:600], "cut.xlsx", "corrupt_file", 2, "已损坏"),
    (ENCRYPTED_XLSX, "secret.xlsx", "encrypted_file", 2, "设置了打开密码"),
    (b"", "empty.xlsx", "empty_file", 1, "空文件"),
    (xlsx([]), "blank.xlsx", "empty_file", 1, "没有任何数据"),
    (xlsx([MON]), "header_only.xlsx", "empty_file", 1, "表头下面没有数据行"),
    (xlsx([["你好"], ["世界", 1]]), "hello.xlsx", "missing_column", 1, "没有找到表头"),
]


@pytest.mark.parametrize(("data", "name", "code", "exit_code", "text"), FILE_PROBLEMS,
                         ids=[p[2] + "-" + p[1] for p in FILE_PROBLEMS])
def test_unreadable_files_get_clear_messages(base: Engine, data: bytes, name: str, code: str, exit_code: int,
                                             text: str) -> None:
    before = counts(base)
    report = import_file(base, "monitoring", data, name, user="t")
    assert [e.code for e in report.errors] == [code]
    assert text in report.errors[0].message and report.exit_code == exit_code
    assert counts(base) == before
    assert one(base, UploadBatch, id=report.batch_id).committed is False  # type: ignore[attr-defined]


def test_the_encrypted_fixture_is_a_real_compound_file() -> None:
    from xlrd import compdoc  # xlrd's reader of OLE compound files, independent of ours

    doc = compdoc.CompDoc(ENCRYPTED_XLSX, logfile=io.StringIO())
    assert [d.name for d in doc.dirlist][:3] == ["Root Entry", "EncryptionInfo", "EncryptedPackage"]
    assert doc.get_named_stream("EncryptedPackage")[:2] == b"\x10\x27"


def test_no_header_lists_the_required_columns(base: Engine) -> None:
    report = run(base, "monitoring", [["你好"], ["世界", 1]])
    assert ("「项目编码」(code)、「预算年度」(year)、「月份」(month)、「累计支出」(spent_cumulative)"
            in report.errors[0].message)


def test_row_and_size_limits(base: Engine) -> None:
    rows = [MON] + [["HP002", 2023, m, 5] for m in range(1, 13)]
    report = run(base, "monitoring", rows, settings=Settings(max_upload_rows=10))
    assert [e.code for e in report.errors] == ["too_many_rows"] and "10 行的上限" in report.errors[0].message
    big = run(base, "monitoring", rows, max_bytes=1000)
    assert [e.code for e in big.errors] == ["file_too_large"] and "超过上限" in big.errors[0].message


def test_the_size_limit_is_streamlits_max_upload_size(base: Engine, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """One limit for the page (st.file_uploader) and the command line: server.maxUploadSize of
    .streamlit/config.toml."""
    import tomllib

    from data_access.uploads import MAX_FILE_BYTES

    mb = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]["maxUploadSize"]
    assert MAX_FILE_BYTES == mb * 1024 * 1024
    assert "max_upload_size=MAX_FILE_BYTES" in (ROOT / "pages" / "upload.py").read_text(encoding="utf-8")
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" + b"1,2\n" * (MAX_FILE_BYTES // 4 + 1))
    before = counts(base)
    assert run_import_cli("monitoring", str(big), url=base.url.render_as_string(hide_password=False), dry_run=False,
                          user="cli", as_json=True) == 1
    error = json.loads(capsys.readouterr().out)["errors"][0]
    assert error["code"] == "file_too_large" and f"超过上限 {mb} MB" in error["message"]
    assert counts(base) == before


# ---- templates ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["projects", "monitoring", "evaluations", "findings", "ex-ante", "indicators"])
def test_template_has_instructions_dropdowns_and_reads_back(engine: Engine, tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.xlsx"
    write_template(kind, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[1] == "说明" and "填写说明" in wb["说明"]["A1"].value
    data = wb.worksheets[0]
    assert data.max_row == 1  # the header only: the example row lives on 填写示例
    enums = {c.zh: c for c in SPECS[kind].columns if c.enum is not None or c.type == "bool" or c.field == "fund_source"}
    lists = {}
    for dv in data.data_validations.dataValidation:
        # Excel's own form: no leading '=', a range of the hidden 选项 sheet
        sheet, cells = dv.formula1.split("!")
        assert dv.type == "list" and sheet == "选项" and wb[sheet].sheet_state == "hidden", dv.formula1
        header = data.cell(row=1, column=next(iter(dv.sqref.ranges)).min_col).value
        lists[header] = [c.value for row in wb[sheet][cells.replace("$", "")] for c in row]
    assert set(lists) == set(enums), "every enumeration and 是否 column has a drop-down list"
    for header, choices in lists.items():
        col = enums[header]
        expected = (["是", "否"] if col.type == "bool" else list(Settings().fund_sources) if col.field == "fund_source"
                    else list(col.enum.choices.values()))  # type: ignore[union-attr]
        assert choices == expected, header
    before = counts(engine)
    report = import_file(engine, kind, path.read_bytes(), path.name, user="t")
    # Untouched, a template imports nothing, and says why.
    assert [e.code for e in report.errors] == ["empty_file"] and not report.committed
    assert ("这是未填写的模板：请从第2行起填写实际数据" in report.errors[0].message
            and "填写示例" in report.errors[0].message)
    assert report.rows_total == 0 and not any(w.code == "unknown_column" for w in report.warnings)
    assert counts(engine) == before


def _example_pasted(path: Path, keep_mark: bool) -> bytes:
    """The template with its example row copied into the data sheet, the 【示例】 mark kept or removed."""
    wb = openpyxl.load_workbook(path)
    example = [c.value for c in wb["填写示例"][2]]
    if not keep_mark:
        example[0] = example[0].removeprefix("【示例】")
    wb.worksheets[0].append(example)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_example_row_pasted_as_it_is_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "projects.xlsx"
    write_template("projects", path)
    report = import_file(engine, "projects", _example_pasted(path, keep_mark=True), path.name, user="t")
    assert [e.code for e in report.errors] == ["example_row"] and report.errors[0].row == 2
    assert "第2行是模板中的示例行（“【示例】HP2023P001”）" in report.errors[0].message
    assert counts(engine)["project"] == 0  # 学位供给保障项目 is not created


def test_templates_example_rows_are_valid_data_once_unmarked(engine: Engine, tmp_path: Path) -> None:
    for kind in ("projects", "monitoring", "evaluations", "findings", "ex-ante", "indicators"):
        path = tmp_path / f"{kind}.xlsx"
        write_template(kind, path)
        report = import_file(engine, kind, _example_pasted(path, keep_mark=False), path.name, user="t")
        assert report.committed, (kind, report.errors)
    assert one(engine, Project, code="HP2023P001").budget_adjusted_fen == 1_200_000_000  # type: ignore[attr-defined]
    assert one(engine, Monitoring).spent_cumulative_fen == 523_000_050  # type: ignore[attr-defined]
