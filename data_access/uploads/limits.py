"""What an upload file holds, measured before any reader materialises it (issue 9 §2): the common part.

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
- .csv is bounded while it is read (read.read_csv).

The grid is counted from A1 (`to_python(skip_empty_area=False)` pads to A1) and summed over all
worksheets, since the reader materialises every worksheet.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING
from xml.parsers import expat

if TYPE_CHECKING:
    from data_access.settings import Settings

CHUNK = 1 << 20
MAX_RUN = 4 << 20  # bytes without a '>': no legitimate cell or tag comes near (32,767 chars ≈ 130 KB)


def _max_upload_mb(default: int = 20) -> int:
    """server.maxUploadSize of .streamlit/config.toml: one limit for the page and the command line."""
    import tomllib

    config = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
    try:
        return int(tomllib.loads(config.read_text(encoding="utf-8"))["server"]["maxUploadSize"])
    except (OSError, KeyError, ValueError, tomllib.TOMLDecodeError):
        return default


MAX_FILE_BYTES = _max_upload_mb() * 1024 * 1024  # an upload's size; a larger file is refused unread


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


def letters_index(letters: bytes | str) -> int:
    """Excel letters -> 0-based column index, as calamine reads them (case-insensitive)."""
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode("ascii").upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def upload_limits(settings: Settings) -> Limits:
    """The bounds of one upload under the settings (the upload page, the command line and its read-ahead)."""
    return Limits(max_rows=settings.max_upload_rows, cells=settings.max_upload_cells)


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
        sheet = f"工作表“{s.name}”"
        if s.max_row + 1 > lim.rows:
            raise FileRejected("too_many_rows", f"{sheet}有数据的行一直到第 {s.max_row + 1:,} 行，超过单个文件 "
                                                f"{lim.max_rows:,} 行的上限。请拆分成多个文件上传。")
        if s.max_col + 1 > lim.columns:
            raise FileRejected("too_many_columns",
                               f"{sheet}有数据的列一直到第 {s.max_col + 1:,} 列（{col_letter(s.max_col)} 列），"
                               f"超过 {lim.columns} 列的上限。请删除多余的列或远处单元格中的内容后再上传。")
        if s.values > lim.cells:
            raise FileRejected("too_many_cells",
                               f"{sheet}中有内容的单元格超过 {lim.cells:,} 个（已数到 {s.values:,} 个），"
                               "超过单个文件的单元格上限。请拆分成多个文件上传。")
        if s.grid > lim.cells:
            raise FileRejected("too_many_cells",
                               f"{sheet}的数据区域至少为 {s.max_row + 1:,} 行 × {s.max_col + 1:,} 列 = "
                               f"{s.grid:,} 个单元格，超过单个文件 {lim.cells:,} 个单元格（行数 × 列数）的上限。"
                               "请拆分成多个文件上传。")
        if s.longest > lim.cell_chars:
            where = f"单元格 {s.longest_at} " if s.longest_at else "有一个单元格"
            raise FileRejected("cell_too_long", f"{sheet}{where}有 {s.longest:,} 个字符，超过 Excel 单元格 "
                                                f"{lim.cell_chars:,} 个字符的上限。请删除这段内容后再上传。")
        if s.text > lim.text_chars:
            raise FileRejected("too_much_text",
                               f"{sheet}的单元格中的文字超过 {lim.text_chars:,} 个字符（已数到 {s.text:,} 个），"
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
            largest = sorted(self.sheets, key=lambda s: -max(s.grid, s.values))[:5]
            parts = "、".join(f"“{s.name}”{max(s.grid, s.values):,}" for s in largest)
            raise FileRejected("too_many_cells",
                               f"文件“{self.file_name}”各工作表的数据区域合计 {total:,} 个单元格（{parts}），"
                               f"超过单个文件 {self.limits.cells:,} 个单元格的上限。请删除不需要的工作表或拆分后上传。")
        text = sum(s.text for s in self.sheets)
        if text > self.limits.text_chars:
            raise FileRejected("too_much_text",
                               f"文件“{self.file_name}”各工作表的单元格中合计 {text:,} 个字符的文字，"
                               f"超过单个文件 {self.limits.text_chars:,} 个字符的上限。请拆分成多个文件上传。")
        return self.sheets


def corrupt(file_name: str, why: str) -> FileRejected:
    return FileRejected("corrupt_file", f"文件“{file_name}”已损坏或结构异常（{why}），无法读取。"
                                        "请在 Excel 中打开后另存为 .xlsx 再上传。")


class Package:
    """The members of a zip package, inflated in bounded chunks, the total counted across members."""

    def __init__(self, data: bytes, file_name: str, limits: Limits) -> None:
        self.data, self.file_name, self.limits = data, file_name, limits
        self.unpacked = 0
        try:
            with zipfile.ZipFile(BytesIO(data)) as z:
                self.infos = z.infolist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise corrupt(file_name, "压缩包目录无法读取") from exc
        # Declared sizes decide nothing (they may lie; every member is inflated and counted below), but
        # an absurd declaration is refused at once rather than inflated up to the bound.
        declared = sum(i.file_size for i in self.infos)
        if declared > 16 * limits.unpacked_bytes:
            big = max(self.infos, key=lambda i: i.file_size)
            raise self._bomb(f"其中“{big.filename}”声明解压后 {big.file_size / 2**20:,.0f} MB，"
                             f"压缩比约 {big.file_size // max(big.compress_size, 1):,}:1")

    def _bomb(self, detail: str) -> FileRejected:
        return FileRejected("unpacked_too_large",
                            f"文件“{self.file_name}”解压后过大：{detail}"
                            f"（上限 {self.limits.unpacked_bytes >> 20} MB）。"
                            "这可能是恶意构造的压缩包（“压缩炸弹”），已拒绝。")

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
            raise corrupt(self.file_name, f"“{info.filename}”的文件头缺失")
        n, m = struct.unpack("<HH", head[26:30])
        start = off + 30 + n + m
        raw = memoryview(self.data)[start:start + info.compress_size]
        if info.flag_bits & 0x1:
            raise FileRejected("encrypted_file",
                               f"文件“{self.file_name}”设置了密码，无法读取。请取消密码后另存再上传。")
        if info.compress_type == zipfile.ZIP_STORED:
            pieces: Iterator[bytes] = (bytes(raw[i:i + CHUNK]) for i in range(0, len(raw), CHUNK))
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            pieces = self._inflate(raw, info)
        else:
            raise corrupt(self.file_name, f"“{info.filename}”使用了不支持的压缩方式 {info.compress_type}")
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
            raise corrupt(self.file_name, f"“{info.filename}”解压失败") from exc


def runs_checked(pieces: Iterator[bytes], what: str, file_name: str) -> Iterator[bytes]:
    """Pass the pieces on, refusing MAX_RUN bytes without a '>' (one giant cell, attribute or tag)."""
    since = 0
    for piece in pieces:
        gt = piece.rfind(b">")
        since = len(piece) - gt - 1 if gt >= 0 else since + len(piece)
        if since > MAX_RUN:
            raise FileRejected("cell_too_long",
                               f"文件“{file_name}”的{what}中有一段超过 {MAX_RUN >> 20} MB 的连续内容"
                               "（单个单元格或标记），远超 Excel 单元格 32,767 个字符的上限，已拒绝。")
        yield piece


def segments(pieces: Iterator[bytes], boundaries: tuple[bytes, ...]) -> Iterator[bytes]:
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


class Slow(Exception):
    """The fast scan met XML it does not read exactly: scan again with expat."""


def make_expat(file_name: str) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.buffer_text = False

    def no_dtd(*_args: object) -> None:
        raise corrupt(file_name, "包含 DTD 声明")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    return parser


class Window:
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


def feed(parser: expat.XMLParserType, pieces: Iterator[bytes], file_name: str, what: str,
         window: Window | None = None) -> None:
    try:
        for piece in pieces:
            if window is not None:
                window.push(piece)
            parser.Parse(piece, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise corrupt(file_name, f"{what}的 XML 无法解析") from exc


def local_name(name: str) -> str:
    return name.rpartition(":")[2]


class TooMany(Exception):
    """A bound is already exceeded: stop scanning, the caller reports it."""


def over(s: SheetSize, lim: Limits) -> bool:
    return (s.max_row + 1 > lim.rows or s.max_col + 1 > lim.columns or s.grid > lim.cells or s.values > lim.cells
            or s.longest > lim.cell_chars or s.text > lim.text_chars)
