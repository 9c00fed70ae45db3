"""Measuring an .ods before calamine opens it: content.xml with repeated rows and columns expanded."""

from __future__ import annotations

from data_access.uploads.limits import (
    Limits,
    Measure,
    Package,
    SheetSize,
    TooMany,
    feed,
    local_name,
    make_expat,
    over,
    runs_checked,
)

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
        value = next((v for k, v in attrs.items() if local_name(k) == key), "1")
        return max(1, int(value)) if value.isdigit() else 1

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local == "table":
            default = f"Sheet{len(self.measure.sheets) + 1}"
            self.sheet = SheetSize(next((v for k, v in attrs.items() if local_name(k) == "name"), default))
            self.measure.sheets.append(self.sheet)
            self.row = 0
        elif self.sheet is None:
            return
        elif local == "table-row":
            self.rows_repeated, self.col = self._repeat(attrs, "number-rows-repeated"), 0
            self.row_last, self.row_cells, self.row_text, self.row_long = -1, 0, 0, 0
        elif local in ("table-cell", "covered-table-cell"):
            self.cols_repeated = self._repeat(attrs, "number-columns-repeated")
            self.filled, self.in_cell, self.cell_chars = any(local_name(k) in _ODS_VALUE for k in attrs), True, 0
        elif self.in_cell:
            self.filled = True  # content (text:p, an annotation): counted as a value, an upper bound

    def end(self, name: str) -> None:
        local, sheet = local_name(name), self.sheet
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
                if over(sheet, self.limits):
                    raise TooMany
            self.row += self.rows_repeated
        elif local == "table":
            self.sheet = None

    def text(self, data: str) -> None:
        if self.in_cell:
            self.cell_chars += len(data)


def measure_ods(data: bytes, file_name: str, limits: Limits) -> list[SheetSize]:
    """Refuse an .ods whose content.xml, repeats expanded, would exceed `limits`; else its sheets' sizes."""
    pkg = Package(data, file_name, limits)
    measure = Measure(file_name, limits)
    content = pkg.find("content.xml")
    for info in pkg.infos:
        if info is not content and not info.is_dir():
            for _ in pkg.stream(info, limits.part_bytes if info.filename.lower().endswith(".xml") else None):
                pass
    if content is None:
        return []
    parser = make_expat(file_name)
    scan = _OdsContent(measure)
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    try:
        feed(parser, runs_checked(pkg.stream(content), "content.xml", file_name), file_name, "content.xml")
    except TooMany:
        pass
    measure.sheets = [s for s in measure.sheets if s.max_row >= 0]
    for s in measure.sheets:
        measure.check_sheet(s)
    return measure.finish()
