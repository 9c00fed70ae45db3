"""Crafted upload files that ask a reader for far more than they weigh (issue 9 §2).

Shared by tests/test_upload_limits.py and benchmarks/bench_upload_memory.py. Every builder
returns bytes; the big members are deflated piece by piece, so building a 2 GB cell takes a few
seconds and little memory. Never read one of these in the test process itself: see
tests/test_upload_limits.py, which reads them in a child process with an address-space limit.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types '
       'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
       '<Override PartName="/xl/sharedStrings.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
       "</Types>")
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
         'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" '
         'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>')
SHEET = "执行数据"  # the worksheet's name in every crafted .xlsx: the messages must name it
HEADER = ('<row r="1"><c r="A1" t="inlineStr"><is><t>项目编码</t></is></c>'
          '<c r="B1" t="inlineStr"><is><t>累计支出</t></is></c></row>')


def _workbook(sheet: str = SHEET) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>')


def worksheet(rows: str, before: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{before}'
            f'<sheetData>{rows}</sheetData></worksheet>')


def xlsx(parts: dict[str, str | bytes | Iterable[bytes]], declare: dict[str, int] | None = None) -> bytes:
    """An .xlsx package; a part given as an iterable of pieces is deflated piece by piece.

    `declare` overrides a part's uncompressed size in the zip headers (a lying header).
    """
    members: dict[str, str | bytes | Iterable[bytes]] = {
        "[Content_Types].xml": _CT, "_rels/.rels": _RELS, "xl/workbook.xml": _workbook(),
        "xl/_rels/workbook.xml.rels": _WB_RELS, **parts}
    out = io.BytesIO()
    central = []
    for name, content in members.items():
        pieces: Iterable[bytes] = ([content.encode()] if isinstance(content, str)
                                   else [content] if isinstance(content, bytes) else content)
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        raw, crc, size = [], 0, 0
        for piece in pieces:
            raw.append(comp.compress(piece))
            crc, size = zlib.crc32(piece, crc), size + len(piece)
        raw.append(comp.flush())
        data = b"".join(raw)
        size = (declare or {}).get(name, size)
        nb, off = name.encode(), out.tell()
        fields = (0, 8, 0, 0, crc & 0xFFFFFFFF, len(data), size & 0xFFFFFFFF, len(nb))
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, *fields, 0) + nb + data)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, *fields, 0, 0, 0, 0, 0, off) + nb)
    directory = b"".join(central)
    start = out.tell()
    out.write(directory + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), len(directory),
                                      start, 0))
    return out.getvalue()


# ---- the bombs of the issue -------------------------------------------------------------------------
def dimension_bomb() -> bytes:
    """1.6 KB: a header and one cell at XFD199000 (calamine asks for 104 GB for the grid)."""
    rows = HEADER + '<row r="199000"><c r="XFD199000"><v>1</v></c></row>'
    return xlsx({"xl/worksheets/sheet1.xml": worksheet(rows, '<dimension ref="A1:XFD199000"/>')})


def far_row_bomb() -> bytes:
    """The same in rows only: a cell at B1048576 (16 columns wide, a million rows)."""
    return xlsx({"xl/worksheets/sheet1.xml": worksheet(HEADER + '<row r="1048576"><c r="B1048576"><v>1</v></c></row>')})


def huge_cell(mb: int = 2048, shared: bool = False) -> bytes:
    """About 2 MB holding one cell of `mb` MB of text (inline in the sheet, or in the shared strings)."""
    block = b"A" * (1 << 20)

    def text(head: str, tail: str) -> Iterable[bytes]:
        yield head.encode()
        for _ in range(mb):
            yield block
        yield tail.encode()

    if shared:
        sst = text(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>',
                   "</t></si></sst>")
        sheet = worksheet(HEADER + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>')
        return xlsx({"xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": sst})
    head, tail = worksheet(HEADER + '<row r="2"><c r="A2" t="inlineStr"><is><t>@@</t></is></c></row>').split("@@")
    return xlsx({"xl/worksheets/sheet1.xml": text(head, tail)})


def zip_bomb(mb: int = 1024, lie: bool = False) -> bytes:
    """About 1 MB that inflates to `mb` MB: a sheet of self-closing rows (a highly compressed sheet).

    With `lie`, the zip headers declare 1 KB, so a reader trusting them would never stop early.
    """
    unit = b"<row/>" * (1 << 17)
    head, tail = worksheet(HEADER + "@@").split("@@")

    def pieces() -> Iterable[bytes]:
        yield head.encode()
        for _ in range(mb * (1 << 20) // len(unit)):
            yield unit
        yield tail.encode()

    return xlsx({"xl/worksheets/sheet1.xml": pieces()}, declare={"xl/worksheets/sheet1.xml": 1024} if lie else None)


def shared_count_bomb() -> bytes:
    """A shared-string table declaring four billion strings (calamine reserves 96 GB on opening)."""
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" uniqueCount="4000000000">'
           '<si><t>项目编码</t></si></sst>')
    return xlsx({"xl/worksheets/sheet1.xml": worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
                 "xl/sharedStrings.xml": sst})


def shared_text_bomb(cells: int = 60_000, chars: int = 30_000) -> bytes:
    """One long shared string used by every cell: 300 KB that each reader copies into 60,000 cells (1.8 G chars)."""
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{cells}" uniqueCount="1">'
           f'<si><t>{"预" * chars}</t></si></sst>')
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>' for r in range(2, cells + 2))
    return xlsx({"xl/worksheets/sheet1.xml": worksheet(HEADER + rows), "xl/sharedStrings.xml": sst})


def repeated_cells_bomb(cells: int = 3_000_000) -> bytes:
    """The same 100 cells written over and over: a small grid, but every copy is held before the grid is built."""
    block = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(2, 102)).encode()
    head, tail = worksheet(HEADER + "@@").split("@@")
    return xlsx({"xl/worksheets/sheet1.xml": [head.encode(), *([block] * (cells // 100)), tail.encode()]})


def _xls_base() -> bytes:
    return (ROOT / "sample_data" / "02_monitoring_huangpu_2022-06.xls").read_bytes()


def _xls_records(data: bytes) -> tuple[bytes, list[tuple[int, int, int]]]:
    from xlrd import compdoc  # an independent reader of the OLE container, to find the records to patch

    stream = compdoc.CompDoc(data, logfile=io.StringIO()).get_named_stream("Workbook")
    records, pos = [], 0
    while pos + 4 <= len(stream):
        typ, n = struct.unpack_from("<HH", stream, pos)
        records.append((pos, typ, n))
        pos += 4 + n
    return stream, records


def _patch(data: bytes, old: bytes, new: bytes) -> bytes:
    at = data.find(old)
    assert at >= 0 and data.find(old, at + 1) < 0, "the record must occur once in the file"
    return data[:at] + new + data[at + len(old):]


def xls_dimensions_bomb() -> bytes:
    """The sample .xls with its DIMENSIONS record declaring 4,294,967,295 rows (calamine reserves them)."""
    data = _xls_base()
    stream, records = _xls_records(data)
    pos, _typ, n = [r for r in records if r[1] == 0x0200][-1]
    old = stream[pos:pos + 4 + n]
    return _patch(data, old, old[:4] + struct.pack("<IIHHH", 0, 0xFFFFFFFF, 0, 0xFFFF, 0))


def xls_far_cell_bomb(col: int = 65535) -> bytes:
    """The sample .xls with one number moved to row 65536, column `col` + 1."""
    data = _xls_base()
    stream, records = _xls_records(data)
    dims = [r for r in records if r[1] == 0x0200][-1][0]
    pos, _typ, n = next(r for r in records if r[1] in (0x0203, 0x027E) and r[0] > dims)
    old = stream[pos:pos + 4 + n]
    return _patch(data, old, old[:4] + struct.pack("<HH", 65535, col) + old[8:])


def ods(body: str, sheet: str = SHEET) -> bytes:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                   'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                   '<manifest:file-entry manifest:full-path="/" '
                   'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                   '<manifest:file-entry manifest:full-path="content.xml" '
                   'manifest:media-type="text/xml"/></manifest:manifest>',
                   compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


ODS_HEADER = ('<table:table-row><table:table-cell office:value-type="string"><text:p>项目编码</text:p>'
              '</table:table-cell></table:table-row>')


def ods_repeat_bomb() -> bytes:
    """842 bytes: one row of 100 numbers repeated 200,000 times (2 GB in calamine)."""
    return ods(ODS_HEADER + '<table:table-row table:number-rows-repeated="200000"><table:table-cell '
                            'table:number-columns-repeated="100" office:value-type="float" '
                            'office:value="1"/></table:table-row>')


# ---- a legitimate file at the limits ------------------------------------------------------------------
def largest_legitimate(rows: int = 200_000, columns: int = 12) -> bytes:
    """A monitoring sheet of `rows` x `columns` with distinct text, about 20 MB: what a big upload looks like."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("监控")
    ws.write_row(0, 0, ["2023年预算执行情况表"])
    ws.write_row(1, 0, ["单位：万元"])
    header = ["项目编码", "项目名称", "预算单位", "行政区", "预算年度", "月份", "累计支出", "调整后预算数",
              "目标完成情况", "偏差原因", "备注", "填报人"][:columns]
    ws.write_row(2, 0, header)
    for i in range(rows):
        ws.write_row(i + 3, 0, [f"HP2023P{i:06d}", f"第{i}号道路养护及配套设施提升工程",
                                f"{101001 + i % 300}-区第{i % 300}局", "黄埔区", 2023, 1 + i % 12, f"{i * 0.37:,.2f}",
                                1000 + i % 977, f"已完成第{i}阶段建设任务的{i % 100}%，按计划推进",
                                f"偏差说明{i}" if i % 7 else "", f"{i:x}", f"填报人{i % 1000}"][:columns])
    wb.close()
    return buf.getvalue()
