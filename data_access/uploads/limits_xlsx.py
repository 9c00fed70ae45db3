"""Measuring an .xlsx/.xlsm before calamine opens it: shared strings and worksheets (see limits.py)."""

from __future__ import annotations

import html
import re
import zipfile
from array import array

from data_access.uploads.limits import (
    FileRejected,
    Limits,
    Measure,
    Package,
    SheetSize,
    Slow,
    TooMany,
    Window,
    col_letter,
    corrupt,
    feed,
    letters_index,
    local_name,
    make_expat,
    over,
    runs_checked,
    segments,
)

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


# ---- .xlsx: shared strings -------------------------------------------------------------------------
_SST_COUNT = re.compile(rb"<sst\b[^>]*?\suniqueCount\s*=\s*[\"'](\d+)[\"']")


class _SharedStrings:
    """Lengths (characters) of the shared strings, by index, and the declared count calamine reserves."""

    def __init__(self) -> None:
        self.lengths = array("I")
        self.declared = 0

    def scan(self, pkg: Package, info: zipfile.ZipInfo) -> None:
        try:
            self._fast(pkg, info)
        except Slow:
            self.lengths = array("I")
            self._exact(pkg, info)
        if self.declared > pkg.limits.cells or len(self.lengths) > pkg.limits.cells:
            count = max(self.declared, len(self.lengths))
            raise FileRejected("too_many_cells",
                               f"文件“{pkg.file_name}”的共享字符串表声明了 {count:,} 个文本，超过单个文件 "
                               f"{pkg.limits.cells:,} 个单元格的上限，可能是恶意构造的文件，已拒绝。")

    def _fast(self, pkg: Package, info: zipfile.ZipInfo) -> None:
        first = True
        cells = pkg.limits.cells
        for seg in segments(runs_checked(pkg.stream(info), "共享字符串表", pkg.file_name), (b"<si>",)):
            if first:
                first = False
                m = _SST_COUNT.search(seg)
                if m is None and b"uniqueCount" in seg[:4096]:
                    raise Slow
                self.declared = int(m.group(1)) if m else 0
                if self.declared > cells:
                    return  # refused by scan(); nothing else to learn
            n = seg.count(b"<si>")
            if seg.count(b"<si") != n or seg.count(b":si") or seg.count(b"</si>") != n:
                raise Slow
            if n:
                # One pass for every string of the segment: each </si> becomes a NUL (never in XML), every
                # other tag goes; the pieces between NULs are the strings (phonetic runs counted too).
                flat = _TAGS_STR.sub("", seg.decode("utf-8", "replace").replace("</si>", "\x00"))
                if "&" in flat:
                    flat = _ENTITY_STR.sub("_", flat)
                strings = flat.split("\x00")
                if len(strings) != n + 1:
                    raise Slow
                strings.pop()
                self.lengths.extend(map(len, strings))
            if len(self.lengths) > cells:
                return

    def _exact(self, pkg: Package, info: zipfile.ZipInfo) -> None:
        parser = make_expat(pkg.file_name)
        state = {"in_si": 0, "n": 0}

        def start(name: str, attrs: dict[str, str]) -> None:
            local = local_name(name)
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
            if local_name(name) == "si":
                state["in_si"] -= 1
                if state["in_si"] == 0:
                    self.lengths.append(min(state["n"], 2**32 - 1))
                    if len(self.lengths) > pkg.limits.cells:
                        raise TooMany

        def text(data: str) -> None:
            if state["in_si"]:
                state["n"] += len(data)

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        try:
            feed(parser, runs_checked(pkg.stream(info), "共享字符串表", pkg.file_name), pkg.file_name, "共享字符串表")
        except TooMany:
            return



# ---- .xlsx: worksheets -----------------------------------------------------------------------------
_CELL_LETTERS = re.compile(rb'<c r="([A-Za-z]{1,3})[0-9]')
_CELL_DIGITS = re.compile(rb'<c r="[A-Za-z]{1,3}([0-9]{1,7})"')
_CELL_EMPTY = re.compile(rb'<c r="[A-Za-z]{1,3}[0-9]{1,7}"[^<>]*/>')
_ODD = (b"<c\t", b"<c\n", b"<c\r", b":c ", b":c>", b":c/", b":c\t", b":c\n", b":c\r")
_SREF = re.compile(rb' t="s"[^<>/]*><v>([0-9]{1,10})</v>')
_SREF_AT = b'<c r="([A-Za-z]{1,3}[0-9]{1,7})"[^<>/]* t="s"[^<>/]*><v>%d</v>'
_TEXT_TYPES = (b"inlineStr", b"str", b"d", b"e")
_TEXT_CELL = {t: re.compile(rb'<c r="([A-Za-z]{1,3}[0-9]{1,7})"[^<>/]* t="' + t + rb'"[^<>/]*>(.*?)</c>', re.S)
              for t in _TEXT_TYPES}


def _scan_sheet_fast(pkg: Package, info: zipfile.ZipInfo, size: SheetSize, sst: _SharedStrings,
                     measure: Measure) -> None:
    """Every value cell carries `r="A1"` first and no prefix (what Excel and the usual writers do); else Slow.

    Self-closing cells (`<c r="Z9" s="3"/>`, formatting only) are counted too: an upper bound; a
    file over a bound is scanned again exactly before it is refused.
    """
    lengths = sst.lengths
    nstr = len(lengths)
    cap = pkg.limits.cell_chars
    long_idx = {i for i, n in enumerate(lengths) if n > cap} if max(lengths, default=0) > cap else set()
    pieces = runs_checked(pkg.stream(info), f"工作表“{size.name}”", pkg.file_name)
    formatting_only = 0  # self-closing cells seen: counted above as values, which calamine skips
    for seg in segments(pieces, (b"<c ", b"<c>")):
        if seg.count(b":c") and any(seg.count(odd) for odd in _ODD):
            raise Slow  # <x:c ...>: a namespace prefix
        n_any = seg.count(b"<c")  # also <col, <cfRule ...: then the strict count below disagrees and we look closer
        if not n_any:
            continue
        letters = _CELL_LETTERS.findall(seg)
        if len(letters) != n_any:
            n_any = seg.count(b"<c ") + seg.count(b"<c>") + seg.count(b"<c/")
            if len(letters) != n_any or any(seg.count(odd) for odd in _ODD):
                raise Slow
            if not n_any:
                continue
        digits = _CELL_DIGITS.findall(seg)
        if len(digits) != n_any:
            raise Slow
        col = max((letters_index(x) for x in set(letters)), default=-1)
        row = max(map(int, set(digits))) - 1
        if row < 0:
            raise Slow  # row 0: calamine refuses the sheet; the exact scan says where
        size.cell(row, col, n_any)
        if seg.count(b"/>"):
            formatting_only += len(_CELL_EMPTY.findall(seg))
        formatting_only += seg.count(b'"></c>')  # <c r="Z9" s="3"></c>: no value either
        typed = seg.count(b' t="')
        n_s = seg.count(b' t="s"') if typed else 0
        if n_s:
            refs = _SREF.findall(seg)
            if len(refs) != n_s:
                raise Slow
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
                        raise Slow
                    for ref, inner in found:
                        chars = _chars(_TAGS.sub(b"", inner))
                        size.text += chars
                        size.long_text(chars, ref.decode())
            if known != typed:
                raise Slow  # another type, or ` t="` in text: look closer
        if over(size, measure.limits):
            if formatting_only:
                raise Slow  # count again exactly (formatting-only cells do not count) before refusing
            return  # exact already: the caller refuses it


class _ExactSheet:
    """calamine's placement (xlsx/cells_reader.rs), event by event: a cell at its `r`, else at the running
    row and column; `<row r>` sets the row, `</row>` moves to the next and resets the column;
    self-closing `<c/>` and `<row/>` are not read at all; a cell without `<v>` or `<is>` is not placed.
    """

    def __init__(self, pkg: Package, size: SheetSize, sst: _SharedStrings) -> None:
        self.pkg, self.size, self.lengths, self.limits = pkg, size, sst.lengths, pkg.limits
        self.parser = make_expat(pkg.file_name)
        self.window = Window()
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
            pieces = runs_checked(self.pkg.stream(info), what, self.pkg.file_name)
            feed(self.parser, pieces, self.pkg.file_name, what, self.window)
        except TooMany:
            pass

    def _bad(self, what: str, value: str) -> FileRejected:
        return corrupt(self.pkg.file_name, f"工作表“{self.size.name}”的{what}“{value[:20]}”无效")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
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
                row, col = int(m.group(2)) - 1, letters_index(m.group(1))
                self.col = col
            self.cell = (row, col, attrs.get("t", "n"))
            self.chars, self.vtext, self.valued = 0, "", False
        elif local in ("v", "is") and self.cell is not None:
            self.in_text = self.valued = True

    def end(self, name: str) -> None:
        local = local_name(name)
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
        if over(size, self.limits):
            raise TooMany

    def text(self, data: str) -> None:
        if self.in_text:
            self.chars += len(data)
            if self.cell is not None and self.cell[2] == "s" and len(self.vtext) < 32:
                self.vtext += data


_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b([^>]*)>")
_ATTR = re.compile(r"([\w:]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def _sheet_names(pkg: Package) -> dict[str, str]:
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
    pkg = Package(data, file_name, limits)
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
        except Slow:
            size = SheetSize(size.name)
            _ExactSheet(pkg, size, sst).run(info)
        if not measure.add(size):
            break  # finish() names the sheets
    return measure.finish()
