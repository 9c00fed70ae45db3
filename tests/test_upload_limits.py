"""No file within the upload limit can hurt the server (issue 9 §2).

Every crafted file (tests/bombs.py) is read in a child process under an address-space limit of
1 GB: python-calamine aborts the whole process when an allocation fails, so a regression ends
the child (and fails the test with its status) instead of killing pytest. Each bomb must be
refused with its code and a Chinese message naming the sheet and the bound, using little memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc

from data_access.uploads import read as P
from data_access.uploads.limits import Limits
from data_access.uploads.limits_ods import measure_ods
from data_access.uploads.limits_xls import measure_xls
from data_access.uploads.limits_xlsx import measure_xlsx
from tests import bombs

ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import json, resource, sys
limit = int(sys.argv[2]) << 20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from data_access.uploads import read
data = open(sys.argv[1], "rb").read()
try:
    out = {"read": [[s.name, len(s.rows)]
                    for s in read.read_workbook(data, sys.argv[1].rsplit("/", 1)[-1], max_rows=200_000)]}
except read.FileRejected as exc:
    out = {"code": exc.code, "message": exc.message}
status = open("/proc/self/status").read()
out["peak_mb"] = int(status.split("VmHWM:")[1].split()[0]) // 1024  # this process's own high-water mark
print(json.dumps(out, ensure_ascii=False))
"""


def read_in_child(tmp_path: Path, data: bytes, name: str, limit_mb: int = 1024) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(limit_mb)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, f"the reader died (exit status {done.returncode}): {done.stderr[-1500:]}"
    return json.loads(done.stdout)


SHEET = bombs.SHEET
BOMBS: list[tuple[str, Callable[[], bytes], str, str, tuple[str, ...]]] = [
    # (id, builder, file name, code, what the message names)
    ("dimension", bombs.dimension_bomb, "xfd199000.xlsx", "too_many_columns",
     (f"工作表“{SHEET}”", "XFD 列", "256 列的上限")),
    ("far-row", bombs.far_row_bomb, "b1048576.xlsx", "too_many_rows",
     (f"工作表“{SHEET}”", "第 1,048,576 行", "200,000 行的上限")),
    ("huge-cell", lambda: bombs.huge_cell(mb=256), "cell.xlsx", "cell_too_long",
     (f"工作表“{SHEET}”", "32,767 个字符的上限")),
    ("huge-shared-cell", lambda: bombs.huge_cell(mb=256, shared=True), "sst.xlsx", "cell_too_long",
     ("共享字符串表", "32,767 个字符的上限")),
    ("zip-bomb", lambda: bombs.zip_bomb(mb=512), "zip.xlsx", "unpacked_too_large",
     ("sheet1.xml", "256 MB", "压缩炸弹")),
    ("zip-bomb-lying-header", lambda: bombs.zip_bomb(mb=512, lie=True), "lie.xlsx", "unpacked_too_large",
     ("sheet1.xml", "256 MB")),
    ("shared-count", bombs.shared_count_bomb, "count.xlsx", "too_many_cells",
     ("共享字符串表声明了 4,000,000,000 个文本",)),
    ("shared-text", bombs.shared_text_bomb, "text.xlsx", "too_much_text", (f"工作表“{SHEET}”", "10,000,000 个字符")),
    ("repeated-cells", bombs.repeated_cells_bomb, "rep.xlsx", "too_many_cells", (f"工作表“{SHEET}”", "1,000,000 个")),
    ("xls-dimensions", bombs.xls_dimensions_bomb, "dims.xls", "too_many_cells", ("工作表“6月”", "4,294,967,295 行")),
    ("xls-far-column", bombs.xls_far_cell_bomb, "far.xls", "too_many_columns", ("工作表“6月”", "第 65,536 列")),
    ("xls-iv65536", lambda: bombs.xls_far_cell_bomb(col=255), "iv.xls", "too_many_cells",
     ("工作表“6月”", "65,536 行 × 256 列")),
    ("ods-repeat", bombs.ods_repeat_bomb, "rep.ods", "too_many_cells", (f"工作表“{SHEET}”", "1,000,000 个")),
    # 19 MB of commas on one line: csv would build one row of 20 million cells before any check (619 MB)
    ("csv-commas", lambda: b"," * (19 << 20), "commas.csv", "too_many_columns", ("第1行", "256 列的上限")),
]


@pytest.mark.slow
@pytest.mark.parametrize(("builder", "name", "code", "texts"), [b[1:] for b in BOMBS], ids=[b[0] for b in BOMBS])
def test_each_bomb_is_refused_by_name_in_bounded_memory(tmp_path: Path, builder: Callable[[], bytes], name: str,
                                                        code: str, texts: tuple[str, ...]) -> None:
    data = builder()
    assert len(data) < (3 if not name.endswith(".csv") else 20) << 20, "every bomb is a small file (a CSV: under 20 MB)"
    out = read_in_child(tmp_path, data, name)
    assert out.get("code") == code, out
    for text in texts:
        assert text in out["message"], (text, out["message"])
    assert out["peak_mb"] < 150, out  # refused while measuring: nothing was materialised


@pytest.mark.slow
def test_the_importer_survives_a_bomb_and_says_why(tmp_path: Path) -> None:
    """Through the command line, in its own process with 2 GB of address space: exit 1, the reason in JSON."""
    path = tmp_path / "月报.xlsx"
    path.write_bytes(bombs.dimension_bomb())
    code = ("import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
            "sys.argv = ['data_access'] + sys.argv[1:]; runpy.run_module('data_access', run_name='__main__')")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    subprocess.run([sys.executable, "-m", "data_access", "--db", db, "init"], cwd=ROOT, check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-c", code, "--db", db, "import", "monitoring", str(path), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr[-1500:]
    errors = json.loads(done.stdout)["errors"]
    assert [e["code"] for e in errors] == ["too_many_columns"] and f"工作表“{SHEET}”" in errors[0]["message"]


# ---- what the measuring sees, against what calamine reads (small files, safe in-process) ---------------
def _calamine_extent(data: bytes) -> list[tuple[int, int]]:
    wb = pc.CalamineWorkbook.from_filelike(__import__("io").BytesIO(data))
    out = []
    for name in wb.sheet_names:
        s = wb.get_sheet_by_name(name)
        if s.height:
            out.append(s.end)
    return out


W = bombs.worksheet
LAYOUTS = {
    "explicit": W('<row r="1"><c r="A1"><v>1</v></c><c r="C1" t="inlineStr"><is><t>abc</t></is></c></row>'
                  '<row r="7"><c r="B7" t="s"><v>0</v></c></row>'),
    "no-positions": W('<row><c><v>1</v></c><c><v>2</v></c><c t="inlineStr"><is><t>x</t></is></c></row><row/>'
                      '<row><c><v>3</v></c></row>'
                      '<row r="9"><c><v>4</v></c><c r="E9"><v>5</v></c><c><v>6</v></c></row>'),
    "prefixed": f'<?xml version="1.0"?><x:worksheet xmlns:x="{bombs.MAIN}"><x:sheetData><x:row r="2"><x:c '
                'r="D2"><x:v>1</x:v></x:c>'
                "<x:c><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>",
    "formatting-far-away": W('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="1"/><c r="Z1" s="1"></c></row>'
                             '<row r="1048576"><c r="A1048576" s="1"/></row>'),
    "attribute-order": W('<row r="1"><c s="0" r="B3" t="inlineStr"><is><t>x</t></is></c><c\tr="F2"><v>1</v></c></row>'),
}
SST = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{bombs.MAIN}" count="1" uniqueCount="1">'
       '<si><t>项目</t></si></sst>')


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_measured_extent_is_where_calamine_puts_the_cells(layout: str) -> None:
    """Each layout exercises one path (fast regular expressions, or the exact expat scan) against calamine's own
    placement."""
    data = bombs.xlsx({"xl/worksheets/sheet1.xml": LAYOUTS[layout], "xl/sharedStrings.xml": SST})
    assert [(s.max_row, s.max_col) for s in measure_xlsx(data, "x.xlsx", Limits())] == _calamine_extent(data)


def test_formatting_far_away_is_not_refused() -> None:
    """A styled empty cell at XFD1 (calamine skips it) must not count as data: the file reads."""
    data = bombs.xlsx({"xl/worksheets/sheet1.xml": LAYOUTS["formatting-far-away"]})
    assert [len(s.rows) for s in P.read_workbook(data, "x.xlsx", max_rows=10)] == [1]


@pytest.mark.parametrize("path", sorted(p.name for p in (ROOT / "sample_data").iterdir()
                                        if p.suffix in (".xlsx", ".xls")))
def test_sample_files_measure_as_calamine_reads_them(path: str) -> None:
    data = (ROOT / "sample_data" / path).read_bytes()
    measure = measure_xls if path.endswith(".xls") else measure_xlsx
    assert [(s.max_row, s.max_col) for s in measure(data, path, Limits())] == _calamine_extent(data)


def test_long_text_is_counted_in_characters(tmp_path: Path) -> None:
    """openpyxl writes CJK inline as &#25972; (8 bytes a character): a cell's length is its characters."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws["A1"] = "问题描述"
    ws["C5"] = "整改" * 16_000  # 32,000 characters: long, within Excel's limit
    ws["B9"] = 12.5
    path = tmp_path / "long.xlsx"
    wb.save(path)
    [size] = measure_xlsx(path.read_bytes(), "long.xlsx", Limits())
    assert (size.max_row, size.max_col, size.longest, size.longest_at) == (8, 2, 32_000, "C5")
    cell = "".join(f"&#{ord(c)};" for c in "整" * 32_768)  # one more than Excel allows (openpyxl would cut it)
    data = bombs.xlsx({"xl/worksheets/sheet1.xml": bombs.worksheet(
        bombs.HEADER + f'<row r="5"><c r="C5" t="inlineStr"><is><t>{cell}</t></is></c></row>')})
    with pytest.raises(P.FileRejected) as exc:
        measure_xlsx(data, "long.xlsx", Limits())
    assert exc.value.code == "cell_too_long" and f"工作表“{SHEET}”单元格 C5 有 32,768 个字符" in exc.value.message


@pytest.mark.parametrize(("limits", "code", "text"), [
    (Limits(max_rows=5), "too_many_rows", "5 行的上限"),
    (Limits(columns=3), "too_many_columns", "3 列的上限"),
    (Limits(cells=20), "too_many_cells", "单元格超过 20 个"),
])
def test_bounds_are_the_limits_given(limits: Limits, code: str, text: str) -> None:
    wb = openpyxl.Workbook()
    for r in range(1, 120):
        wb.active.append([r, f"项目{r}", r * 2, r * 3])
    import io

    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(P.FileRejected) as exc:
        P.read_workbook(buf.getvalue(), "x.xlsx", max_rows=limits.max_rows, limits=limits)
    assert exc.value.code == code and text in exc.value.message and "工作表“Sheet”" in exc.value.message


def test_ods_trailing_repeats_of_empty_cells_are_not_data() -> None:
    """LibreOffice writes empty cells and rows repeated to the sheet's end: they hold nothing."""
    data = bombs.ods(bombs.ODS_HEADER + '<table:table-row><table:table-cell '
                                        'office:value-type="float" office:value="1"/>'
                     '<table:table-cell table:number-columns-repeated="1023"/></table:table-row>'
                     '<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
                     'table:number-columns-repeated="1024"/>'
                     "</table:table-row>")
    assert [(s.max_row, s.max_col) for s in measure_ods(data, "x.ods", Limits())] == [(1, 0)] == _calamine_extent(data)


# ---- CSV: bounded as it is read; UTF-16 ("Unicode text") read ------------------------------------------
def test_csv_bounds(tmp_path: Path) -> None:
    wide = ("a," * 300 + "\n").encode()
    with pytest.raises(P.FileRejected) as exc:
        P.read_workbook(wide, "wide.csv", max_rows=10)
    assert exc.value.code == "too_many_columns" and "256 列的上限" in exc.value.message
    long_cell = b'a,"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(P.FileRejected) as exc:
        P.read_workbook(long_cell, "long.csv", max_rows=10)
    assert exc.value.code == "cell_too_long" and "32,767" in exc.value.message
    tall = b"a,b\n" * 20
    with pytest.raises(P.FileRejected) as exc:
        P.read_workbook(tall, "tall.csv", max_rows=10, limits=Limits(max_rows=10, cells=30))
    assert exc.value.code == "too_many_cells"


ROWS = [["单位：万元"], ["项目编码", "预算年度", "月份", "累计支出"], ["HP002", "2023", "6", "1,234.5"]]


@pytest.mark.parametrize(("codec", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b"")])
def test_utf16_unicode_text_is_read(codec: str, bom: bytes) -> None:
    """Excel's 'Unicode text' export: UTF-16 with a BOM, tab-separated, usually named .txt."""
    data = bom + "\r\n".join("\t".join(r) for r in ROWS).encode(codec)
    for name in ("六月.txt", "六月.csv"):
        [sheet] = P.read_workbook(data, name, max_rows=10)
        assert sheet.rows == [list(r) for r in ROWS]


def test_a_binary_workbook_is_refused_as_what_it_is() -> None:
    """.xlsb sheets are binary records this measuring does not read: refused before calamine reads them."""
    data = bombs.xlsx({"xl/worksheets/sheet1.bin": b"\x00\x81\x01", "xl/workbook.bin": b"\x83\x01"})
    with pytest.raises(P.FileRejected) as exc:
        P.read_workbook(data, "renamed.xlsx", max_rows=10)
    assert exc.value.code == "not_a_spreadsheet" and ".xlsb" in exc.value.message


def test_import_json_on_a_missing_database_is_still_one_json_object(tmp_path: Path) -> None:
    """A script parsing `import --json` gets a report naming the fault, not an empty stdout."""
    path = tmp_path / "月报.csv"
    path.write_text("项目编码,预算年度,月份,累计支出\nHP1,2022,6,1\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "data_access", "--db", f"sqlite:///{tmp_path / 'missing.db'}",
                           "import",
                           "monitoring", str(path), "--json"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["committed"] is False and [e["code"] for e in report["errors"]] == ["database_unavailable"]
    assert "init" in report["errors"][0]["message"]
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.parametrize("fault", ["busy", "corrupt"])
def test_import_json_on_a_busy_or_corrupt_database_is_still_one_json_object(
        tmp_path: Path, fault: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A database locked by another writer, or a file that is no database, still gives `--json` its one
    object naming the fault (it printed nothing before), and exit 1."""
    import functools
    import sqlite3

    from data_access import db
    from data_access.__main__ import main

    path = tmp_path / "perf.db"
    url = f"sqlite:///{path}"
    assert main(["--db", url, "init"]) == 0
    lock = None
    if fault == "busy":  # another process's import holds the write lock past the wait (shortened here)
        monkeypatch.setattr(db, "make_engine", functools.partial(db.make_engine, wait_seconds=0.2))
        lock = sqlite3.connect(path, timeout=0)
        lock.execute("BEGIN EXCLUSIVE")
    else:  # the file overwritten (a bad copy, a disk fault): no longer a database
        for leftover in tmp_path.glob("perf.db-*"):
            leftover.unlink()
        path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    sheet = tmp_path / "项目.csv"
    sheet.write_text("项目编码,项目名称,预算单位,行政区,预算年度,调整后预算数\nHP1,学位保障,区教育局,黄埔区,2022,100\n",
                     encoding="utf-8")
    capsys.readouterr()
    code = main(["--db", url, "import", "projects", str(sheet), "--json"])
    if lock is not None:
        lock.close()
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["committed"] is False and [e["code"] for e in report["errors"]] == ["database_unavailable"]
    assert ("数据库正忙" if fault == "busy" else "数据库") in report["errors"][0]["message"]
