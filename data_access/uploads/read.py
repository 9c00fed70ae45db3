"""Reading an upload file into sheets of cells: sniff the format, measure it (limits_*), then read it.

python-calamine reads .xlsx 7x faster than openpyxl here (benchmarks/bench_excel.py) and .xls too,
but builds a sheet's whole grid when it opens it: every file is measured first (limits.py).
CSV is bounded while it is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from data_access.uploads.cells import is_blank
from data_access.uploads.limits import FileRejected, Limits
from data_access.uploads.limits_ods import measure_ods
from data_access.uploads.limits_xls import measure_xls
from data_access.uploads.limits_xlsx import measure_xlsx


@dataclass
class Sheet:
    """One sheet: its name and its cells from A1 (row i is Excel row i + 1)."""

    name: str
    rows: list[list[object]]


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_SPREADSHEET_EXTS = (".xlsx", ".xlsm", ".xls", ".csv", ".ods", ".txt")
_RESAVE = "请在 Excel 中打开后另存为 .xlsx 再上传。"
_UPLOAD = "请上传 .xlsx、.xls 或 .csv 文件。"
_NOT_TEXT = (b"%PDF", b"\x89PNG", b"\xff\xd8", b"GIF8", b"{\\rtf")  # PDF, PNG, JPEG, GIF, RTF


def sniff(data: bytes, file_name: str) -> str:
    """The reader for these bytes: 'xlsx', 'xls', 'ods' or 'csv'; raises FileRejected otherwise."""
    ext = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if not data:
        raise FileRejected("empty_file", f"文件“{file_name}”是空文件（0 字节）。")
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data, file_name)
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise FileRejected("encrypted_file",
                               f"文件“{file_name}”设置了打开密码（已加密）。请在 Excel 中取消密码"
                               "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存再上传。")
        for stream, what in (("WordDocument", "Word 文档"), ("PowerPoint Document", "PowerPoint 演示文稿")):
            if stream.encode("utf-16-le") in data and "Workbook".encode("utf-16-le") not in data:
                raise FileRejected("not_a_spreadsheet",
                                   f"文件“{file_name}”不是电子表格，而是{what}（扩展名可能被改过）。{_UPLOAD}")
        return "xls"
    head = data[:4096]
    if _utf16(data) is not None:
        return "csv"  # Excel's "Unicode text" (.txt) export: UTF-16 with a BOM, tab-separated
    if b"\x00" in head.replace(b"\x00\x00", b"") or head.startswith(_NOT_TEXT):
        raise FileRejected("not_a_spreadsheet", f"文件“{file_name}”不是电子表格。{_UPLOAD}")
    if ext not in ("", ".csv", ".txt"):
        raise FileRejected("corrupt_file" if ext in _SPREADSHEET_EXTS else "not_a_spreadsheet",
                           f"文件“{file_name}”不是有效的 Excel 文件（文件已损坏或扩展名不符）。{_RESAVE}")
    return "csv"


_OTHER_OFFICE = (("word/", "Word 文档"), ("ppt/", "PowerPoint 演示文稿"), ("visio/", "Visio 绘图"))


def _sniff_zip(data: bytes, file_name: str) -> str:
    """An Office Open XML or OpenDocument package: a workbook, another Office document, or damaged."""
    import io
    import zipfile

    if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in data[:200]:
        return "ods"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names: list[str] | None = z.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        names = None  # damaged (truncated): judge by the local file headers read so far
    if names is None:
        head = data[:200_000]
        names = [part for part, _ in _OTHER_OFFICE if part.encode() in head]
        if b"xl/" in head or not names:
            return "xlsx"  # a damaged workbook: calamine reports it as corrupt
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    what = next((label for part, label in _OTHER_OFFICE if any(n.startswith(part) for n in names)), "压缩包")
    raise FileRejected("not_a_spreadsheet",
                       f"文件“{file_name}”不是电子表格，而是{what}（扩展名可能被改过）。{_UPLOAD}")


def _utf16(data: bytes) -> str | None:
    """The codec of UTF-16 text: by its BOM (FF FE / FE FF), or without one by ASCII beside NUL bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:4096]
    head = head[: len(head) // 2 * 2]
    if len(head) < 4 or b"\x00" not in head:
        return None
    pairs = len(head) // 2
    for codec, low, high in (("utf-16-le", head[0::2], head[1::2]), ("utf-16-be", head[1::2], head[0::2])):
        ascii_chars = sum(1 for lo, hi in zip(low, high, strict=True) if hi == 0 and lo)
        if ascii_chars * 4 < pairs:
            continue
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            continue
        if any(sep in text for sep in "\t,\n") and not any(ord(c) < 32 and c not in "\t\r\n" for c in text):
            return codec
    return None


def decode_text(data: bytes) -> str:
    """CSV text: UTF-16 (Excel's "Unicode text"), UTF-8 (with or without BOM), else GB18030 (Chinese Excel's CSV)."""
    codec = _utf16(data)
    if codec is not None:
        try:
            return data.decode(codec).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise FileRejected("not_a_spreadsheet",
                               "文件是 UTF-16 编码的文本（Excel“Unicode 文本”格式），但内容不完整或已损坏，无法读取。"
                               "请在 Excel 中另存为 .xlsx 再上传。") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejected("not_a_spreadsheet",
                       "文件编码无法识别（既不是 UTF-8、UTF-16 也不是 GBK/GB18030），不是可读的 CSV 表格。")


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r|$)")


def read_csv(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    """CSV or tab-separated text, bounded while it is read: rows, columns, cells and one cell's length."""
    import csv

    text = decode_text(data)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    rows: list[list[object]] = []
    cells = 0
    delimiter, quote = dialect.delimiter, dialect.quotechar or '"'
    quoted = re.compile(f"{re.escape(quote)}[^{re.escape(quote)}]*{re.escape(quote)}")

    def lines() -> Iterator[str]:
        """The text line by line as io.StringIO(newline="") splits it (without its 4-byte-a-character
        copy), each line's delimiters counted before csv builds its row: a line of 20 MB of commas
        would otherwise become one list of 20 million cells before the column check."""
        for number, m in enumerate(_LINE.finditer(text), start=1):
            start, end = m.span()
            if start == end:
                return
            found = text.count(delimiter, start, end)
            if found > limits.columns and found - sum(
                    q.group().count(delimiter) for q in quoted.finditer(text, start, end)) > limits.columns:
                raise FileRejected("too_many_columns",
                                   f"文件“{file_name}”第{number}行的列数超过 {limits.columns} 列的上限。"
                                   "请检查分隔符，或删除多余的列后再上传。")
            yield m.group()

    reader = csv.reader(lines(), dialect)
    try:
        for row in reader:
            rows.append(list(row))
            cells += len(row)
            n = len(rows)
            if n > limits.rows:
                raise FileRejected("too_many_rows",
                                   f"文件“{file_name}”超过 {limits.rows:,} 行，"
                                   f"超过单个文件 {limits.max_rows:,} 行的上限。请拆分成多个文件上传。")
            if len(row) > limits.columns:
                raise FileRejected("too_many_columns",
                                   f"文件“{file_name}”第{n}行有 {len(row):,} 列，超过 {limits.columns} 列的上限。"
                                   "请检查分隔符，或删除多余的列后再上传。")
            if cells > limits.cells:
                raise FileRejected("too_many_cells",
                                   f"文件“{file_name}”到第{n}行已有 {cells:,} 个单元格，"
                                   f"超过单个文件 {limits.cells:,} 个单元格的上限。请拆分成多个文件上传。")
            longest = max(map(len, row), default=0)
            if longest > limits.cell_chars:
                raise FileRejected("cell_too_long",
                                   f"文件“{file_name}”第{n}行有一个单元格长 {longest:,} 个字符，超过 Excel 单元格 "
                                   f"{limits.cell_chars:,} 个字符的上限（可能是引号没有配对）。请改正后再上传。")
    except csv.Error as exc:  # a field beyond csv.field_size_limit (131,072 characters), a NUL, ...
        too_long = "field larger" in str(exc)
        why = (f"单元格超过 Excel 单元格 {limits.cell_chars:,} 个字符的上限（可能是引号没有配对）。" if too_long
               else "格式不是有效的 CSV。")
        raise FileRejected("cell_too_long" if too_long else "corrupt_file",
                           f"文件“{file_name}”第{reader.line_num}行无法读取：{why}{_RESAVE}") from exc
    return [Sheet("Sheet1", rows)]


_MEASURE = {"xlsx": measure_xlsx, "xls": measure_xls, "ods": measure_ods}


def _read_calamine(data: bytes, file_name: str) -> list[Sheet]:
    """Every worksheet of a workbook calamine reads whole: only after `measure` let it through."""
    import io

    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError as exc:
        raise FileRejected("encrypted_file",
                           f"文件“{file_name}”设置了密码，无法读取。请取消密码后另存再上传。") from exc
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise FileRejected("corrupt_file",
                           f"文件“{file_name}”已损坏，无法读取（{exc.__class__.__name__}）。{_RESAVE}") from exc
    sheets = []
    try:
        for meta in wb.sheets_metadata:
            if str(meta.typ) not in ("SheetTypeEnum.WorkSheet", "WorkSheet"):
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            rows: list[list[object]] = sheet.to_python(skip_empty_area=False)  # type: ignore[assignment]
            del sheet  # frees calamine's grid before the next sheet is opened
            sheets.append(Sheet(meta.name, rows))
    except Exception as exc:
        raise FileRejected("corrupt_file", f"文件“{file_name}”已损坏，无法读取（{exc.__class__.__name__}）。") from exc
    return sheets


def read_workbook(data: bytes, file_name: str, *, max_rows: int, limits: Limits | None = None) -> list[Sheet]:
    """Every worksheet of an .xlsx/.xlsm/.xls/.ods/.csv file, cells as the reader returns them.

    Nothing is materialised before the file is measured against `limits` (limits_*.py): a file
    over a bound raises FileRejected naming the sheet and the bound, whatever it declares.
    """
    limits = limits or Limits(max_rows=max_rows)
    return read_measured(data, file_name, measure(data, file_name, limits), limits)


def measure(data: bytes, file_name: str, limits: Limits) -> str:
    """The file's format (`sniff`), once a workbook's measure (limits_*.py) has found it within `limits`:
    raises FileRejected otherwise. A CSV is bounded while it is read, by `read_measured`."""
    fmt = sniff(data, file_name)
    if fmt != "csv":
        _MEASURE[fmt](data, file_name, limits)  # refuses what would not fit before calamine opens it
    return fmt


def read_measured(data: bytes, file_name: str, fmt: str, limits: Limits) -> list[Sheet]:
    """The sheets of a file of format `fmt` that `measure` let through (a CSV is bounded here)."""
    sheets = read_csv(data, file_name, limits) if fmt == "csv" else _read_calamine(data, file_name)
    if not any(any(not is_blank(c) for c in row) for s in sheets for row in s.rows):
        raise FileRejected("empty_file", f"文件“{file_name}”中没有任何数据（工作表为空）。")
    return sheets
