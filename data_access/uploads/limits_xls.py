"""Measuring an .xls before calamine opens it: the BIFF records of its Workbook stream."""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterator

from data_access.uploads.limits import FileRejected, Limits, Measure, SheetSize, col_letter, corrupt, over

# ---- .xls -------------------------------------------------------------------------------------------
_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE


def _cfb_stream(data: bytes, names: tuple[str, ...], file_name: str) -> bytes | None:
    """A stream of an OLE compound file (the container of .xls), read with loop and bound checks."""
    bad = corrupt(file_name, "OLE 复合文件结构无效")
    if len(data) < 512:
        raise bad
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12) or mini_shift != 6:
        raise bad
    ssz = 1 << shift
    n_fat, dir_start, _, mini_cutoff, minifat_start, n_minifat, difat_start, n_difat = struct.unpack_from(
        "<IIIIIIII", data, 44)
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


# 0x0201 BLANK: harmless, counted anyway
_CELL_RECORDS = {0x0203, 0x027E, 0x0204, 0x00D6, 0x0205, 0x00FD, 0x0006, 0x0201}


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
                raise FileRejected("too_many_cells",
                                   f"文件“{file_name}”有超过 1,000 个工作表，已拒绝。请删除不需要的工作表后再上传。")
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
        raise FileRejected("too_many_cells", f"文件“{file_name}”的共享字符串表有 {len(sst):,} 个文本，"
                                             f"超过单个文件 {limits.cells:,} 个单元格的上限。")
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
                    raise FileRejected("too_many_cells",
                                       f"工作表“{name}”声明的数据区域为第 {rf + 1:,}–{rl:,} 行、第 {cf + 1}–{cl:,} 列，"
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
            if over(size, limits):
                break
        if not measure.add(size):
            break  # finish() names the sheets
    return measure.finish()
