"""What an upload file holds, measured before any reader materialises it (issue 9 §2).

python-calamine builds a sheet's whole grid when the sheet is opened (the rectangle from its first
to its last cell, 32 bytes a cell, before `to_python` is ever called) and reserves what a file
declares: a 1.6 KB .xlsx with one cell at XFD199000 asks for 104 GB, a shared-string table
declaring uniqueCount="4000000000" for 96 GB, an .xls DIMENSIONS record or one cell at column
65535 likewise, and an 842-byte .ods repeating a row 200,000 times takes 2 GB. Rust aborts the
process on a failed allocation: the whole app is gone for everyone.

So every spreadsheet is measured here first, streaming and with bounded memory, and refused
with a Chinese message naming the sheet and the bound it exceeds:

- .xlsx: every zip member is inflated by our own bounded inflater (declared sizes are not
  trusted), at most `unpacked_bytes` in all; no run of 4 MB without a `>` (one huge cell or tag);
  the shared-string table's declared count, its strings' lengths; for each worksheet the highest
  row and column any value cell reaches (as calamine places cells: by `r`, else by counting), and
  the characters of text its cells will materialise (a shared string counts once per cell that
  uses it). A fast path with C-level regular expressions covers what Excel, WPS, LibreOffice,
  openpyxl and xlsxwriter write; anything else (namespace prefixes, cells without `r`, odd
  spacing) goes through an exact expat scan that follows calamine's placement rules.
- .xls: the BIFF records of the Workbook stream: DIMENSIONS as declared, every cell record's
  position, and the text of LABELSST/LABEL/STRING cells (calamine copies a shared string into
  each cell).
- .ods: content.xml by expat, with table:number-rows-repeated / number-columns-repeated counted.
- .csv is bounded while it is read (see parsing._read_csv).

The grid is counted from A1 (`to_python(skip_empty_area=False)` pads to A1) and summed over all
worksheets, since the reader materialises every worksheet.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from xml.parsers import expat

CHUNK = 1 << 20
MAX_RUN = 4 << 20  # bytes without a '>': no legitimate cell or tag comes near (32,767 chars ≈ 130 KB)


class FileRejected(Exception):
    """A file that cannot be read at all: not a spreadsheet, corrupt, encrypted, empty, too big."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Limits:
    """What one upload file may hold; memory of the reader follows from these (README: Uploads)."""

    max_rows: int = 200_000  # data rows (settings.max_upload_rows); a sheet may reach max_rows + 100
    columns: int = 256  # Excel 2003's width; the widest template has 18 columns
    cells: int = 1_000_000  # rows x columns from A1, summed over the worksheets (settings.max_upload_cells)
    cell_chars: int = 32_767  # Excel's own limit for one cell
    chars_per_cell: int = 10  # text the cells may materialise, on average (a legitimate sheet: 5–9)
    unpacked_bytes: int = 256 << 20  # all parts of an .xlsx/.ods, inflated
    part_bytes: int = 16 << 20  # each other part calamine reads whole (workbook.xml, *.rels, styles.xml)

    @property
    def rows(self) -> int:
        return self.max_rows + 100  # title and total lines above and below the data

    @property
    def text_chars(self) -> int:
        return self.cells * self.chars_per_cell


def col_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 16383 -> XFD)."""
    n, out = index + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _letters_index(letters: bytes | str) -> int:
    """Excel letters -> 0-based column index, as calamine reads them (case-insensitive)."""
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode("ascii").upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass
class SheetSize:
    """One worksheet as the reader would materialise it (0-based highest row and column, -1 = empty)."""

    name: str
    max_row: int = -1
    max_col: int = -1
    values: int = 0  # cells with a value: calamine holds each (40 bytes) before it builds the grid
    text: int = 0  # characters of text in its cells
    longest: int = 0  # characters of its longest cell
    longest_at: str = ""  # where that cell is (A1), if known

    @property
    def grid(self) -> int:
        return (self.max_row + 1) * (self.max_col + 1) if self.max_row >= 0 and self.max_col >= 0 else 0

    def cell(self, row: int, col: int, n: int = 1) -> None:
        self.values += n
        if row > self.max_row:
            self.max_row = row
        if col > self.max_col:
            self.max_col = col

    def long_text(self, chars: int, where: str) -> None:
        if chars > self.longest:
            self.longest, self.longest_at = chars, where


@dataclass
class Measure:
    """Sizes of every worksheet of a file, checked against the limits as they grow."""

    file_name: str
    limits: Limits
    sheets: list[SheetSize] = field(default_factory=list)

    def check_sheet(self, s: SheetSize) -> None:
        lim = self.limits
        if s.max_row + 1 > lim.rows:
            raise FileRejected("too_many_rows", f"工作表“{s.name}”有数据的行一直到第 {s.max_row + 1:,} 行，超过单个文件 "
                                                f"{lim.max_rows:,} 行的上限。请拆分成多个文件上传。")
        if s.max_col + 1 > lim.columns:
            raise FileRejected("too_many_columns", f"工作表“{s.name}”有数据的列一直到第 {s.max_col + 1:,} 列（{col_letter(s.max_col)} 列），"
                                                   f"超过 {lim.columns} 列的上限。请删除多余的列或远处单元格中的内容后再上传。")
        if s.values > lim.cells:
            raise FileRejected("too_many_cells", f"工作表“{s.name}”中有内容的单元格超过 {lim.cells:,} 个（已数到 {s.values:,} 个），"
                                                 "超过单个文件的单元格上限。请拆分成多个文件上传。")
        if s.grid > lim.cells:
            raise FileRejected("too_many_cells", f"工作表“{s.name}”的数据区域至少为 {s.max_row + 1:,} 行 × {s.max_col + 1:,} 列 = "
                                                 f"{s.grid:,} 个单元格，超过单个文件 {lim.cells:,} 个单元格（行数 × 列数）的上限。请拆分成多个文件上传。")
        if s.longest > lim.cell_chars:
            where = f"单元格 {s.longest_at} " if s.longest_at else "有一个单元格"
            raise FileRejected("cell_too_long", f"工作表“{s.name}”{where}有 {s.longest:,} 个字符，超过 Excel 单元格 "
                                                f"{lim.cell_chars:,} 个字符的上限。请删除这段内容后再上传。")
        if s.text > lim.text_chars:
            raise FileRejected("too_much_text", f"工作表“{s.name}”的单元格中的文字超过 {lim.text_chars:,} 个字符（已数到 {s.text:,} 个），"
                                                "超过单个文件的文字量上限。请拆分成多个文件上传。")

    def add(self, s: SheetSize) -> bool:
        """Keep a measured worksheet (refused now if over a bound); False once the sheets together are over."""
        if s.max_row >= 0:
            self.sheets.append(s)
            self.check_sheet(s)
        return sum(max(x.grid, x.values) for x in self.sheets) <= self.limits.cells

    def finish(self) -> list[SheetSize]:
        for s in self.sheets:
            self.check_sheet(s)
        total = sum(max(s.grid, s.values) for s in self.sheets)
        if total > self.limits.cells:
            parts = "、".join(f"“{s.name}”{max(s.grid, s.values):,}" for s in sorted(self.sheets, key=lambda s: -max(s.grid, s.values))[:5])
            raise FileRejected("too_many_cells", f"文件“{self.file_name}”各工作表的数据区域合计 {total:,} 个单元格（{parts}），"
                                                 f"超过单个文件 {self.limits.cells:,} 个单元格的上限。请删除不需要的工作表或拆分后上传。")
        text = sum(s.text for s in self.sheets)
        if text > self.limits.text_chars:
            raise FileRejected("too_much_text", f"文件“{self.file_name}”各工作表的单元格中合计 {text:,} 个字符的文字，超过单个文件 "
                                                f"{self.limits.text_chars:,} 个字符的上限。请拆分成多个文件上传。")
        return self.sheets


def _corrupt(file_name: str, why: str) -> FileRejected:
    return FileRejected("corrupt_file", f"文件“{file_name}”已损坏或结构异常（{why}），无法读取。请在 Excel 中打开后另存为 .xlsx 再上传。")


# ---- .xlsx: the package ----------------------------------------------------------------------------
_CONT = bytes(range(0x80, 0xC0))  # UTF-8 continuation bytes: deleting them leaves one byte per character
_TAGS = re.compile(rb"<[^>]*>")
_TAGS_STR = re.compile(r"<[^>]*>")


_ENTITY = re.compile(rb"&#?\w{1,10};")
_ENTITY_STR = re.compile(r"&#?\w{1,10};")


def _chars(utf8: bytes) -> int:
    """Characters of XML text in UTF-8: an entity (&amp;, &#25972; as openpyxl writes CJK) counts one."""
    if b"&" in utf8:
        utf8 = _ENTITY.sub(b"_", utf8)
    return len(utf8.translate(None, _CONT))


class _Package:
    """The members of a zip package, inflated in bounded chunks, the total counted across members."""

    def __init__(self, data: bytes, file_name: str, limits: Limits) -> None:
        self.data, self.file_name, self.limits = data, file_name, limits
        self.unpacked = 0
        try:
            with zipfile.ZipFile(BytesIO(data)) as z:
                self.infos = z.infolist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise _corrupt(file_name, "压缩包目录无法读取") from exc
        # Declared sizes decide nothing (they may lie; every member is inflated and counted below), but
        # an absurd declaration is refused at once rather than inflated up to the bound.
        declared = sum(i.file_size for i in self.infos)
        if declared > 16 * limits.unpacked_bytes:
            big = max(self.infos, key=lambda i: i.file_size)
            raise self._bomb(f"其中“{big.filename}”声明解压后 {big.file_size / 2**20:,.0f} MB，"
                             f"压缩比约 {big.file_size // max(big.compress_size, 1):,}:1")

    def _bomb(self, detail: str) -> FileRejected:
        return FileRejected("unpacked_too_large", f"文件“{self.file_name}”解压后过大：{detail}（上限 "
                                                  f"{self.limits.unpacked_bytes >> 20} MB）。这可能是恶意构造的压缩包（“压缩炸弹”），已拒绝。")

    def find(self, suffix: str) -> zipfile.ZipInfo | None:
        """The member whose name ends with `suffix` (case-insensitive), preferring xl/."""
        hits = [i for i in self.infos if i.filename.replace("\\", "/").lower().endswith(suffix.lower())]
        hits.sort(key=lambda i: (not i.filename.lower().startswith("xl/"), len(i.filename)))
        return hits[0] if hits else None

    def stream(self, info: zipfile.ZipInfo, cap: int | None = None) -> Iterator[bytes]:
        """The member's bytes, inflated by our own inflater so a lying size in the header changes nothing."""
        off = info.header_offset
        head = self.data[off:off + 30]
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            raise _corrupt(self.file_name, f"“{info.filename}”的文件头缺失")
        n, m = struct.unpack("<HH", head[26:30])
        start = off + 30 + n + m
        raw = memoryview(self.data)[start:start + info.compress_size]
        if info.flag_bits & 0x1:
            raise FileRejected("encrypted_file", f"文件“{self.file_name}”设置了密码，无法读取。请取消密码后另存再上传。")
        if info.compress_type == zipfile.ZIP_STORED:
            pieces: Iterator[bytes] = (bytes(raw[i:i + CHUNK]) for i in range(0, len(raw), CHUNK))
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            pieces = self._inflate(raw, info)
        else:
            raise _corrupt(self.file_name, f"“{info.filename}”使用了不支持的压缩方式 {info.compress_type}")
        seen = 0
        for piece in pieces:
            seen += len(piece)
            self.unpacked += len(piece)
            if self.unpacked > self.limits.unpacked_bytes:
                raise self._bomb(f"解压到“{info.filename}”时已超过上限")
            if cap is not None and seen > cap:
                raise self._bomb(f"“{info.filename}”解压后超过 {cap >> 20} MB")
            yield piece

    def _inflate(self, raw: memoryview, info: zipfile.ZipInfo) -> Iterator[bytes]:
        d = zlib.decompressobj(-15)
        pos = 0
        try:
            while not d.eof:
                if d.unconsumed_tail:
                    out = d.decompress(d.unconsumed_tail, CHUNK)
                elif pos < len(raw):
                    out = d.decompress(bytes(raw[pos:pos + CHUNK]), CHUNK)
                    pos += CHUNK
                else:
                    break  # truncated: calamine reports the damage
                if out:
                    yield out
        except zlib.error as exc:
            raise _corrupt(self.file_name, f"“{info.filename}”解压失败") from exc


def _runs_checked(pieces: Iterator[bytes], what: str, file_name: str) -> Iterator[bytes]:
    """Pass the pieces on, refusing MAX_RUN bytes without a '>' (one giant cell, attribute or tag)."""
    since = 0
    for piece in pieces:
        gt = piece.rfind(b">")
        since = len(piece) - gt - 1 if gt >= 0 else since + len(piece)
        if since > MAX_RUN:
            raise FileRejected("cell_too_long", f"文件“{file_name}”的{what}中有一段超过 {MAX_RUN >> 20} MB 的连续内容"
                                                f"（单个单元格或标记），远超 Excel 单元格 32,767 个字符的上限，已拒绝。")
        yield piece


def _segments(pieces: Iterator[bytes], boundaries: tuple[bytes, ...]) -> Iterator[bytes]:
    """Re-cut the stream so that each segment ends just before the last of `boundaries` (an element start)."""
    tail = b""
    for piece in pieces:
        buf = tail + piece
        cut = max(buf.rfind(b) for b in boundaries)
        if cut <= 0:
            if len(buf) > 2 * MAX_RUN:
                yield buf  # nothing to cut at for a long stretch: the caller's counts will disagree
                tail = b""
            else:
                tail = buf
            continue
        yield buf[:cut]
        tail = buf[cut:]
    if tail:
        yield tail


class _Slow(Exception):
    """The fast scan met XML it does not read exactly: scan again with expat."""


def _expat(file_name: str) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.buffer_text = False

    def no_dtd(*_args: object) -> None:
        raise _corrupt(file_name, "包含 DTD 声明")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    return parser


class _Window:
    """The bytes around expat's position: whether an element ended with `</...>` or was `<.../>`.

    expat reports both the same way; quick-xml (calamine) tells them apart and skips `<c .../>`.
    At an end event, CurrentByteIndex points at `</` for an end tag and just past `/>` otherwise.
    """

    def __init__(self) -> None:
        self.data, self.base = b"", 0

    def push(self, piece: bytes) -> None:
        n = max(len(piece), 1 << 16)  # at least the previous piece's end: an end tag may straddle two pieces
        keep = self.data[-n:] if len(self.data) > n else self.data
        self.base += len(self.data) - len(keep)
        self.data = keep + piece

    def end_tag_at(self, index: int) -> bool:
        i = index - self.base
        return self.data[i:i + 2] == b"</"


def _feed(parser: expat.XMLParserType, pieces: Iterator[bytes], file_name: str, what: str, window: _Window | None = None) -> None:
    try:
        for piece in pieces:
            if window is not None:
                window.push(piece)
            parser.Parse(piece, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise _corrupt(file_name, f"{what}的 XML 无法解析") from exc


def _local(name: str) -> str:
    return name.rpartition(":")[2]


# ---- .xlsx: shared strings -------------------------------------------------------------------------
_SST_COUNT = re.compile(rb"<sst\b[^>]*?\suniqueCount\s*=\s*[\"'](\d+)[\"']")


class _SharedStrings:
    """Lengths (characters) of the shared strings, by index, and the declared count calamine reserves."""

    def __init__(self) -> None:
        self.lengths = array("I")
        self.declared = 0

    def scan(self, pkg: _Package, info: zipfile.ZipInfo) -> None:
        try:
            self._fast(pkg, info)
        except _Slow:
            self.lengths = array("I")
            self._exact(pkg, info)
        if self.declared > pkg.limits.cells or len(self.lengths) > pkg.limits.cells:
            count = max(self.declared, len(self.lengths))
            raise FileRejected("too_many_cells", f"文件“{pkg.file_name}”的共享字符串表声明了 {count:,} 个文本，超过单个文件 "
                                                 f"{pkg.limits.cells:,} 个单元格的上限，可能是恶意构造的文件，已拒绝。")

    def _fast(self, pkg: _Package, info: zipfile.ZipInfo) -> None:
        first = True
        cells = pkg.limits.cells
        for seg in _segments(_runs_checked(pkg.stream(info), "共享字符串表", pkg.file_name), (b"<si>",)):
            if first:
                first = False
                m = _SST_COUNT.search(seg)
                if m is None and b"uniqueCount" in seg[:4096]:
                    raise _Slow
                self.declared = int(m.group(1)) if m else 0
                if self.declared > cells:
                    return  # refused by scan(); nothing else to learn
            n = seg.count(b"<si>")
            if seg.count(b"<si") != n or seg.count(b":si") or seg.count(b"</si>") != n:
                raise _Slow
            if n:
                # One pass for every string of the segment: each </si> becomes a NUL (never in XML), every
                # other tag goes; the pieces between NULs are the strings (phonetic runs counted too).
                flat = _TAGS_STR.sub("", seg.decode("utf-8", "replace").replace("</si>", "\x00"))
                if "&" in flat:
                    flat = _ENTITY_STR.sub("_", flat)
                strings = flat.split("\x00")
                if len(strings) != n + 1:
                    raise _Slow
                strings.pop()
                self.lengths.extend(map(len, strings))
            if len(self.lengths) > cells:
                return

    def _exact(self, pkg: _Package, info: zipfile.ZipInfo) -> None:
        parser = _expat(pkg.file_name)
        state = {"in_si": 0, "n": 0}

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "sst":
                try:
                    self.declared = int(attrs.get("uniqueCount", "0"))
                except ValueError:
                    self.declared = 0
            elif local == "si":
                state["in_si"] += 1
                if state["in_si"] == 1:
                    state["n"] = 0

        def end(name: str) -> None:
            if _local(name) == "si":
                state["in_si"] -= 1
                if state["in_si"] == 0:
                    self.lengths.append(min(state["n"], 2**32 - 1))
                    if len(self.lengths) > pkg.limits.cells:
                        raise _TooMany

        def text(data: str) -> None:
            if state["in_si"]:
                state["n"] += len(data)

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        try:
            _feed(parser, _runs_checked(pkg.stream(info), "共享字符串表", pkg.file_name), pkg.file_name, "共享字符串表")
        except _TooMany:
            return


class _TooMany(Exception):
    """A bound is already exceeded: stop scanning, the caller reports it."""


def _over(s: SheetSize, lim: Limits) -> bool:
    return (s.max_row + 1 > lim.rows or s.max_col + 1 > lim.columns or s.grid > lim.cells or s.values > lim.cells
            or s.longest > lim.cell_chars or s.text > lim.text_chars)


# ---- .xlsx: worksheets -----------------------------------------------------------------------------
_CELL_LETTERS = re.compile(rb'<c r="([A-Za-z]{1,3})[0-9]')
_CELL_DIGITS = re.compile(rb'<c r="[A-Za-z]{1,3}([0-9]{1,7})"')
_CELL_EMPTY = re.compile(rb'<c r="[A-Za-z]{1,3}[0-9]{1,7}"[^<>]*/>')
_ODD = (b"<c\t", b"<c\n", b"<c\r", b":c ", b":c>", b":c/", b":c\t", b":c\n", b":c\r")
_SREF = re.compile(rb' t="s"[^<>/]*><v>([0-9]{1,10})</v>')
_SREF_AT = b'<c r="([A-Za-z]{1,3}[0-9]{1,7})"[^<>/]* t="s"[^<>/]*><v>%d</v>'
_TEXT_TYPES = (b"inlineStr", b"str", b"d", b"e")
_TEXT_CELL = {t: re.compile(rb'<c r="([A-Za-z]{1,3}[0-9]{1,7})"[^<>/]* t="' + t + rb'"[^<>/]*>(.*?)</c>', re.S) for t in _TEXT_TYPES}


def _scan_sheet_fast(pkg: _Package, info: zipfile.ZipInfo, size: SheetSize, sst: _SharedStrings, measure: Measure) -> None:
    """Every value cell carries `r="A1"` first and no prefix (what Excel and the usual writers do); else _Slow.

    Self-closing cells (`<c r="Z9" s="3"/>`, formatting only) are counted too: an upper bound; a
    file over a bound is scanned again exactly before it is refused.
    """
    lengths = sst.lengths
    nstr = len(lengths)
    long_idx = {i for i, n in enumerate(lengths) if n > pkg.limits.cell_chars} if max(lengths, default=0) > pkg.limits.cell_chars else set()
    pieces = _runs_checked(pkg.stream(info), f"工作表“{size.name}”", pkg.file_name)
    formatting_only = 0  # self-closing cells seen: counted above as values, which calamine skips
    for seg in _segments(pieces, (b"<c ", b"<c>")):
        if seg.count(b":c") and any(seg.count(odd) for odd in _ODD):
            raise _Slow  # <x:c ...>: a namespace prefix
        n_any = seg.count(b"<c")  # also <col, <cfRule ...: then the strict count below disagrees and we look closer
        if not n_any:
            continue
        letters = _CELL_LETTERS.findall(seg)
        if len(letters) != n_any:
            n_any = seg.count(b"<c ") + seg.count(b"<c>") + seg.count(b"<c/")
            if len(letters) != n_any or any(seg.count(odd) for odd in _ODD):
                raise _Slow
            if not n_any:
                continue
        digits = _CELL_DIGITS.findall(seg)
        if len(digits) != n_any:
            raise _Slow
        col = max((_letters_index(x) for x in set(letters)), default=-1)
        row = max(map(int, set(digits))) - 1
        if row < 0:
            raise _Slow  # row 0: calamine refuses the sheet; the exact scan says where
        size.cell(row, col, n_any)
        if seg.count(b"/>"):
            formatting_only += len(_CELL_EMPTY.findall(seg))
        formatting_only += seg.count(b'"></c>')  # <c r="Z9" s="3"></c>: no value either
        typed = seg.count(b' t="')
        n_s = seg.count(b' t="s"') if typed else 0
        if n_s:
            refs = _SREF.findall(seg)
            if len(refs) != n_s:
                raise _Slow
            idx = list(map(int, refs))
            if idx and max(idx) >= nstr:
                idx = [i for i in idx if i < nstr]  # calamine leaves such a cell empty
            size.text += sum(map(lengths.__getitem__, idx))
            hit = long_idx.intersection(idx) if long_idx else None
            if hit:
                i = hit.pop()
                at = re.search(_SREF_AT % i, seg)
                size.long_text(lengths[i], at.group(1).decode() if at else "")
        if typed > n_s:
            known = n_s + seg.count(b' t="n"') + seg.count(b' t="b"')
            for typ, pattern in _TEXT_CELL.items():
                n = seg.count(b' t="' + typ + b'"')
                known += n
                if n:
                    found = pattern.findall(seg)
                    if len(found) != n:
                        raise _Slow
                    for ref, inner in found:
                        chars = _chars(_TAGS.sub(b"", inner))
                        size.text += chars
                        size.long_text(chars, ref.decode())
            if known != typed:
                raise _Slow  # another type, or ` t="` in text: look closer
        if _over(size, measure.limits):
            if formatting_only:
                raise _Slow  # count again exactly (formatting-only cells do not count) before refusing
            return  # exact already: the caller refuses it


class _ExactSheet:
    """calamine's placement (xlsx/cells_reader.rs), event by event: a cell at its `r`, else at the running
    row and column; `<row r>` sets the row, `</row>` moves to the next and resets the column;
    self-closing `<c/>` and `<row/>` are not read at all; a cell without `<v>` or `<is>` is not placed.
    """

    def __init__(self, pkg: _Package, size: SheetSize, sst: _SharedStrings) -> None:
        self.pkg, self.size, self.lengths, self.limits = pkg, size, sst.lengths, pkg.limits
        self.parser = _expat(pkg.file_name)
        self.window = _Window()
        self.row = self.col = 0
        self.stack: list[tuple[str, int, int]] = []  # (row or c, row and column before it)
        self.cell: tuple[int, int, str] | None = None  # row, column, type
        self.in_text = self.valued = False
        self.chars = 0
        self.vtext = ""
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text

    def run(self, info: zipfile.ZipInfo) -> None:
        what = f"工作表“{self.size.name}”"
        try:
            _feed(self.parser, _runs_checked(self.pkg.stream(info), what, self.pkg.file_name), self.pkg.file_name, what, self.window)
        except _TooMany:
            pass

    def _bad(self, what: str, value: str) -> FileRejected:
        return _corrupt(self.pkg.file_name, f"工作表“{self.size.name}”的{what}“{value[:20]}”无效")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "row":
            self.stack.append(("row", self.row, self.col))
            r = attrs.get("r")
            if r is not None:
                m = re.fullmatch(r"[A-Za-z]*([0-9]+)", r)
                if not m or int(m.group(1)) < 1:
                    raise self._bad("行号", r)
                self.row = int(m.group(1)) - 1
        elif local == "c":
            self.stack.append(("c", self.row, self.col))
            r = attrs.get("r")
            row, col = self.row, self.col
            if r is not None:
                m = re.fullmatch(r"([A-Za-z]{1,3})([0-9]{1,7})", r)
                if not m or int(m.group(2)) < 1:
                    raise self._bad("单元格位置", r)
                row, col = int(m.group(2)) - 1, _letters_index(m.group(1))
                self.col = col
            self.cell = (row, col, attrs.get("t", "n"))
            self.chars, self.vtext, self.valued = 0, "", False
        elif local in ("v", "is") and self.cell is not None:
            self.in_text = self.valued = True

    def end(self, name: str) -> None:
        local = _local(name)
        if local in ("v", "is"):
            self.in_text = False
            return
        if local not in ("row", "c") or not self.stack:
            return
        _kind, row_before, col_before = self.stack.pop()
        empty_tag = not self.window.end_tag_at(self.parser.CurrentByteIndex)  # Event::Empty: calamine skips it
        if local == "row":
            if empty_tag:
                self.row, self.col = row_before, col_before
            else:
                self.row, self.col = self.row + 1, 0
            return
        cell, self.cell = self.cell, None
        if empty_tag or cell is None:
            self.col = col_before
            return
        row, col, typ = cell
        self.col = col + 1
        if not self.valued:
            return  # DataRef::Empty: not placed
        size = self.size
        size.cell(row, col)
        n = 0
        if typ == "s":
            v = self.vtext.strip()
            n = self.lengths[int(v)] if v.isdigit() and int(v) < len(self.lengths) else 0
        elif typ not in ("n", "b"):
            n = self.chars
        size.text += n
        size.long_text(n, f"{col_letter(col)}{row + 1}")
        if _over(size, self.limits):
            raise _TooMany

    def text(self, data: str) -> None:
        if self.in_text:
            self.chars += len(data)
            if self.cell is not None and self.cell[2] == "s" and len(self.vtext) < 32:
                self.vtext += data


_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b([^>]*)>")
_ATTR = re.compile(r"([\w:]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def _sheet_names(pkg: _Package) -> dict[str, str]:
    """Worksheet part path (lower case, no leading '/') -> the sheet's name, from workbook.xml and its rels."""
    wb, rels = pkg.find("workbook.xml"), pkg.find("_rels/workbook.xml.rels")
    if wb is None or rels is None:
        return {}
    cap = pkg.limits.part_bytes
    wb_text = b"".join(pkg.stream(wb, cap)).decode("utf-8", "replace")
    rels_text = b"".join(pkg.stream(rels, cap)).decode("utf-8", "replace")
    targets = {}
    for m in re.finditer(r"<(?:\w+:)?Relationship\b([^>]*)>", rels_text):
        a = {k.rpartition(":")[2]: html.unescape(v1 or v2) for k, v1, v2 in _ATTR.findall(m.group(1))}
        if "Id" in a and "Target" in a:
            target = a["Target"].replace("\\", "/")
            base = wb.filename.rsplit("/", 1)[0] + "/" if "/" in wb.filename else ""
            path = target.lstrip("/") if target.startswith("/") else base + target
            parts: list[str] = []
            for p in path.split("/"):
                if p == "..":
                    if parts:
                        parts.pop()
                elif p not in ("", "."):
                    parts.append(p)
            targets[a["Id"]] = "/".join(parts).lower()
    names = {}
    for m in _SHEET_TAG.finditer(wb_text):
        a = {k: html.unescape(v1 or v2) for k, v1, v2 in _ATTR.findall(m.group(1))}
        rid = next((v for k, v in a.items() if k.rpartition(":")[2] == "id" and ":" in k), None)
        if rid in targets and "name" in a:
            names[targets[rid]] = a["name"]
    return names


def measure_xlsx(data: bytes, file_name: str, limits: Limits) -> list[SheetSize]:
    """Refuse (FileRejected) an .xlsx/.xlsm whose cells would exceed `limits` once read; else their sizes."""
    pkg = _Package(data, file_name, limits)
    if any(re.search(r"(^|/)(workbook\.bin|worksheets/[^/]*\.bin)$", i.filename, re.I) for i in pkg.infos):
        # Excel's binary workbook (.xlsb): calamine would read its sheets, which nothing here measures.
        raise FileRejected("not_a_spreadsheet", f"文件“{file_name}”是 Excel 二进制工作簿（.xlsb），不支持上传。"
                                                "请在 Excel 中另存为 .xlsx 再上传。")
    measure = Measure(file_name, limits)
    names = _sheet_names(pkg)
    sst = _SharedStrings()
    sst_info = pkg.find("sharedStrings.xml")
    if sst_info is not None:
        sst.scan(pkg, sst_info)
    small = re.compile(r"(^|/)(workbook\.xml|styles\.xml|[^/]*\.rels)$", re.I)
    for info in pkg.infos:
        if info is sst_info or info.is_dir():
            continue
        lower = info.filename.replace("\\", "/").lower()
        if small.search(lower):
            for _ in pkg.stream(info, limits.part_bytes):
                pass
            continue
        if not lower.endswith(".xml"):
            for _ in pkg.stream(info):
                pass
            continue
        size = SheetSize(names.get(lower.lstrip("/"), info.filename))
        try:
            _scan_sheet_fast(pkg, info, size, sst, measure)
        except _Slow:
            size = SheetSize(size.name)
            _ExactSheet(pkg, size, sst).run(info)
        if not measure.add(size):
            break  # finish() names the sheets
    return measure.finish()


# ---- .ods -------------------------------------------------------------------------------------------
_ODS_VALUE = {"value-type", "value", "date-value", "time-value", "boolean-value", "string-value"}


class _OdsContent:
    """content.xml of an .ods: rows and cells with their repeat counts, as calamine expands them."""

    def __init__(self, measure: Measure) -> None:
        self.measure, self.limits = measure, measure.limits
        self.sheet: SheetSize | None = None
        self.row = self.col = 0
        self.rows_repeated = self.cols_repeated = 1
        self.in_cell = self.filled = False
        self.cell_chars = 0
        self.row_last, self.row_cells, self.row_text, self.row_long = -1, 0, 0, 0

    @staticmethod
    def _repeat(attrs: dict[str, str], key: str) -> int:
        value = next((v for k, v in attrs.items() if _local(k) == key), "1")
        return max(1, int(value)) if value.isdigit() else 1

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "table":
            default = f"Sheet{len(self.measure.sheets) + 1}"
            self.sheet = SheetSize(next((v for k, v in attrs.items() if _local(k) == "name"), default))
            self.measure.sheets.append(self.sheet)
            self.row = 0
        elif self.sheet is None:
            return
        elif local == "table-row":
            self.rows_repeated, self.col = self._repeat(attrs, "number-rows-repeated"), 0
            self.row_last, self.row_cells, self.row_text, self.row_long = -1, 0, 0, 0
        elif local in ("table-cell", "covered-table-cell"):
            self.cols_repeated = self._repeat(attrs, "number-columns-repeated")
            self.filled, self.in_cell, self.cell_chars = any(_local(k) in _ODS_VALUE for k in attrs), True, 0
        elif self.in_cell:
            self.filled = True  # content (text:p, an annotation): counted as a value, an upper bound

    def end(self, name: str) -> None:
        local, sheet = _local(name), self.sheet
        if sheet is None:
            return
        if local in ("table-cell", "covered-table-cell"):
            if self.filled:
                self.row_last = self.col + self.cols_repeated - 1
                self.row_cells += self.cols_repeated
                self.row_text += self.cell_chars * self.cols_repeated
                self.row_long = max(self.row_long, self.cell_chars)
            self.col += self.cols_repeated
            self.in_cell = False
        elif local == "table-row":
            if self.row_last >= 0:
                sheet.cell(self.row + self.rows_repeated - 1, self.row_last, self.row_cells * self.rows_repeated)
                sheet.text += self.row_text * self.rows_repeated
                sheet.long_text(self.row_long, "")
                if _over(sheet, self.limits):
                    raise _TooMany
            self.row += self.rows_repeated
        elif local == "table":
            self.sheet = None

    def text(self, data: str) -> None:
        if self.in_cell:
            self.cell_chars += len(data)


def measure_ods(data: bytes, file_name: str, limits: Limits) -> list[SheetSize]:
    """Refuse an .ods whose content.xml, repeats expanded, would exceed `limits`; else its sheets' sizes."""
    pkg = _Package(data, file_name, limits)
    measure = Measure(file_name, limits)
    content = pkg.find("content.xml")
    for info in pkg.infos:
        if info is not content and not info.is_dir():
            for _ in pkg.stream(info, limits.part_bytes if info.filename.lower().endswith(".xml") else None):
                pass
    if content is None:
        return []
    parser = _expat(file_name)
    scan = _OdsContent(measure)
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    try:
        _feed(parser, _runs_checked(pkg.stream(content), "content.xml", file_name), file_name, "content.xml")
    except _TooMany:
        pass
    measure.sheets = [s for s in measure.sheets if s.max_row >= 0]
    for s in measure.sheets:
        measure.check_sheet(s)
    return measure.finish()


# ---- .xls -------------------------------------------------------------------------------------------
_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE


def _cfb_stream(data: bytes, names: tuple[str, ...], file_name: str) -> bytes | None:
    """A stream of an OLE compound file (the container of .xls), read with loop and bound checks."""
    bad = _corrupt(file_name, "OLE 复合文件结构无效")
    if len(data) < 512:
        raise bad
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12) or mini_shift != 6:
        raise bad
    ssz = 1 << shift
    n_fat, dir_start, _, mini_cutoff, minifat_start, n_minifat, difat_start, n_difat = struct.unpack_from("<IIIIIIII", data, 44)
    nsect = (len(data) - ssz) // ssz + 1

    def sector(i: int) -> bytes:
        if i >= nsect:
            raise bad
        return data[ssz + i * ssz: ssz + (i + 1) * ssz]

    difat = list(struct.unpack_from("<109I", data, 76))
    d, guard = difat_start, 0
    while d not in (_FREE, _END) and guard < n_difat + 1:
        s = sector(d)
        difat += struct.unpack_from(f"<{ssz // 4 - 1}I", s)
        d = struct.unpack_from("<I", s, ssz - 4)[0]
        guard += 1
    fat_sectors = [x for x in difat[:n_fat] if x not in (_FREE, _END)]
    if len(fat_sectors) * ssz > len(data) + ssz:
        raise bad
    fat = array("I", b"".join(sector(x) for x in fat_sectors))

    def chain(start: int, table: array, limit: int) -> Iterator[int]:
        i, seen = start, 0
        while i not in (_FREE, _END):
            if i >= len(table) or seen > limit:
                raise bad
            yield i
            seen += 1
            i = table[i]

    directory = b"".join(sector(i) for i in chain(dir_start, fat, nsect))
    entries = []
    for off in range(0, len(directory) - 127, 128):
        e = directory[off:off + 128]
        nlen = struct.unpack_from("<H", e, 64)[0]
        name = e[:max(0, min(nlen, 64) - 2)].decode("utf-16-le", "replace")
        start, size = struct.unpack_from("<IQ", e, 116)
        if shift == 9:
            size &= 0xFFFFFFFF  # version 3 files leave the high half undefined
        entries.append((name, e[66], start, size))
    root = next((x for x in entries if x[1] == 5), None)
    entry = next((x for n in names for x in entries if x[0] == n and x[1] == 2), None)
    if entry is None:
        return None
    _, _, start, size = entry
    if size > len(data) * 2:
        raise bad
    if size >= mini_cutoff or root is None:
        out = b"".join(sector(i) for i in chain(start, fat, nsect))
    else:
        minifat = array("I", b"".join(sector(i) for i in chain(minifat_start, fat, nsect)))
        ministream = b"".join(sector(i) for i in chain(root[2], fat, nsect))
        out = b"".join(ministream[i * 64:(i + 1) * 64] for i in chain(start, minifat, len(ministream) // 64 + 1))
    return out[:size]


_CELL_RECORDS = {0x0203, 0x027E, 0x0204, 0x00D6, 0x0205, 0x00FD, 0x0006, 0x0201}  # 0x0201 BLANK: harmless, counted anyway


def _records(stream: bytes, pos: int) -> Iterator[tuple[int, int, memoryview]]:
    view = memoryview(stream)
    while pos + 4 <= len(stream):
        typ, n = struct.unpack_from("<HH", stream, pos)
        yield pos, typ, view[pos + 4:pos + 4 + n]
        pos += 4 + n


def _xls_sst_lengths(data: memoryview, conts: list[memoryview]) -> array:
    """Characters of each string of an SST record and its CONTINUE records ([MS-XLS] 2.5.293)."""
    blocks = [bytes(data[8:])] + [bytes(c) for c in conts]
    out = array("I")
    b, pos = 0, 0

    def need(k: int) -> bytes:
        nonlocal b, pos
        got = b""
        while len(got) < k:
            if b >= len(blocks):
                raise EOFError
            take = blocks[b][pos:pos + k - len(got)]
            got += take
            pos += len(take)
            if pos >= len(blocks[b]) and len(got) < k:
                b, pos = b + 1, 0
        return got

    try:
        while b < len(blocks) and not (b == len(blocks) - 1 and pos >= len(blocks[b])):
            if pos >= len(blocks[b]):
                b, pos = b + 1, 0
                continue
            cch, flags = struct.unpack("<HB", need(3))
            runs = struct.unpack("<H", need(2))[0] if flags & 0x08 else 0
            ext = struct.unpack("<I", need(4))[0] if flags & 0x04 else 0
            left, wide = cch, flags & 0x01
            while left:
                if pos >= len(blocks[b]):
                    b, pos = b + 1, 0
                    wide = need(1)[0] & 0x01  # a string continued in a CONTINUE record restates its width
                width = 2 if wide else 1
                can = min(left, (len(blocks[b]) - pos) // width)
                if can == 0:
                    raise EOFError
                pos += can * width
                left -= can
            need(4 * runs)
            need(ext)
            out.append(cch)
    except EOFError:
        pass
    return out


def measure_xls(data: bytes, file_name: str, limits: Limits) -> list[SheetSize]:
    """The BIFF records calamine reads: DIMENSIONS (it reserves rows x columns) and every cell's position."""
    stream = _cfb_stream(data, ("Workbook", "Book"), file_name)
    if stream is None:
        return []  # calamine reports the missing stream
    measure = Measure(file_name, limits)
    sheets: list[tuple[int, str]] = []
    sst = array("I")
    for pos, typ, body in _records(stream, 0):  # the globals substream, up to its EOF
        if typ == 0x0085 and len(body) >= 8:  # BOUNDSHEET: stream position of the sheet's BOF, name
            at = struct.unpack_from("<I", body, 0)[0]
            cch, wide = body[6], body[7] & 1 if len(body) > 7 else 0
            raw = bytes(body[8:8 + cch * (2 if wide else 1)])
            sheets.append((at, raw.decode("utf-16-le" if wide else "latin-1", "replace") or f"Sheet{len(sheets) + 1}"))
            if len(sheets) > 1_000:
                raise FileRejected("too_many_cells", f"文件“{file_name}”有超过 1,000 个工作表，已拒绝。请删除不需要的工作表后再上传。")
        elif typ == 0x00FC and len(body) >= 8:
            conts = []
            for _p, t2, b2 in _records(stream, pos + 4 + len(body)):
                if t2 != 0x003C:
                    break
                conts.append(b2)
            sst = _xls_sst_lengths(body, conts)
        elif typ == 0x000A:
            break
    if len(sst) > limits.cells:
        raise FileRejected("too_many_cells", f"文件“{file_name}”的共享字符串表有 {len(sst):,} 个文本，超过单个文件 {limits.cells:,} 个单元格的上限。")
    for at, name in sheets:
        size = SheetSize(name)
        depth, seen_bof = 0, False
        for _p, typ, body in _records(stream, at):
            if depth:
                depth += 1 if typ == 0x0809 else -1 if typ == 0x000A else 0
                continue
            if typ == 0x0809:
                if seen_bof:
                    depth = 1
                seen_bof = True
                continue
            if typ == 0x000A:
                break
            if typ == 0x0200 and len(body) in (10, 14):
                rf, rl, cf, cl = struct.unpack_from("<HHHH" if len(body) == 10 else "<IIHH", body, 0)
                if cf > 0xFF or cl < cf:
                    cf = 0
                if rl >= 1 and cl >= 1 and (rl - 1 < rf or cl - 1 < cf or rl > limits.rows or cl > limits.columns
                                            or (rl - rf) * (cl - cf) > limits.cells):
                    raise FileRejected("too_many_cells", f"工作表“{name}”声明的数据区域为第 {rf + 1:,}–{rl:,} 行、第 {cf + 1}–{cl:,} 列，"
                                                         f"超过单个文件 {limits.max_rows:,} 行、{limits.columns} 列、"
                                                         f"{limits.cells:,} 个单元格的上限（文件可能被篡改），已拒绝。")
            elif typ in _CELL_RECORDS and len(body) >= 4:
                row, col = struct.unpack_from("<HH", body, 0)
                size.cell(row, col)
                if typ == 0x00FD and len(body) >= 10:
                    i = struct.unpack_from("<I", body, 6)[0]
                    if i < len(sst):
                        size.text += sst[i]
                        size.long_text(sst[i], f"{col_letter(col)}{row + 1}")
                elif typ in (0x0204, 0x00D6) and len(body) >= 8:
                    n = struct.unpack_from("<H", body, 6)[0]
                    size.text += n
                    size.long_text(n, f"{col_letter(col)}{row + 1}")
            elif typ == 0x00BD and len(body) >= 6:  # MULRK: several numbers in one row
                row, first = struct.unpack_from("<HH", body, 0)
                last = struct.unpack_from("<H", body, len(body) - 2)[0]
                size.cell(row, max(last, first + (len(body) - 6) // 6), max(1, (len(body) - 6) // 6))
            elif typ == 0x0207 and len(body) >= 2:  # STRING: a formula's text result
                n = struct.unpack_from("<H", body, 0)[0]
                size.text += n
            if _over(size, limits):
                break
        if not measure.add(size):
            break  # finish() names the sheets
    return measure.finish()
