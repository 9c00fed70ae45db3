"""The draft's renderers: plain text (review, tests), the annexes as one .xlsx, the draft as .docx."""

from __future__ import annotations

import copy
import functools
import io
from collections.abc import Iterable
from typing import Any

from data_access import export
from data_access.report.structure import (
    Block,
    FillIn,
    Paragraph,
    Report,
    Section,
    Table,
)


# ---- renderers ---------------------------------------------------------------------------------------
def text(report: Report) -> str:
    """The draft as plain text, one line per paragraph or table row (for review and tests)."""
    lines = [report.title, report.subtitle]
    for b in report.walk():
        if isinstance(b, Section):
            lines.append(b.heading)
        elif isinstance(b, Paragraph):
            lines.append(b.text)
        else:
            lines += ["\t".join(b.header), *("\t".join(r) for r in b.rows())]
    return "\n".join(lines)


def annex_xlsx(report: Report) -> bytes:
    """Every table of the draft, one sheet each, numbers in the unit the header names."""
    return export.xlsx_bytes({t.sheet: list(t.columns) for t in report.tables()})


BODY_FONT, HEADING_FONT, LATIN_FONT = "SimSun", "SimHei", "Times New Roman"


def docx_bytes(report: Report) -> bytes:
    """The draft as a Word document: title, headings, paragraphs (fill-ins highlighted), tables."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    doc = Document()
    _docx_styles(doc)
    for text_, style in ((report.title, "Title"), (report.subtitle, "Subtitle")):
        paragraph = doc.add_paragraph(style=style)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, text_, HEADING_FONT if style == "Title" else BODY_FONT)

    def render(blocks: Iterable[Block]) -> None:
        for b in blocks:
            if isinstance(b, Section):
                if b.page_break:
                    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
                _run(doc.add_paragraph(style=f"Heading {b.level}"), b.heading, HEADING_FONT)
                render(b.blocks)
            elif isinstance(b, Paragraph):
                paragraph = doc.add_paragraph()
                paragraph.paragraph_format.first_line_indent = Pt(24)  # two characters
                for s in b.sentences:
                    _run(paragraph, str(s), BODY_FONT, fill_in=isinstance(s, FillIn))
            else:
                _docx_table(doc, b)

    render(report.blocks)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _fonts(element: Any, east_asian: str) -> None:
    """Latin and East Asian font on a run's or a style's rPr; theme fonts (which win over names) dropped."""
    from docx.oxml.ns import qn

    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)


@functools.cache
def _rfonts(east_asian: str) -> Any:
    """A w:rFonts element naming the Latin and the East Asian font."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fonts = OxmlElement("w:rFonts")
    for attr, name in (("w:ascii", LATIN_FONT), ("w:hAnsi", LATIN_FONT), ("w:eastAsia", east_asian)):
        fonts.set(qn(attr), name)
    return fonts


def _docx_styles(doc: Any) -> None:
    """A4, black text, 宋体 body and 黑体 headings; the template's blue rule under the title and italic subtitle go."""
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    sizes = {"Normal": 12, "Title": 20, "Subtitle": 12, "Heading 1": 16, "Heading 2": 14, "Heading 3": 12}
    for name, size in sizes.items():
        style = doc.styles[name]
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
        _fonts(style.element, BODY_FONT if name in ("Normal", "Subtitle") else HEADING_FONT)
        border = style.element.pPr.find(qn("w:pBdr")) if style.element.pPr is not None else None
        if border is not None:
            style.element.pPr.remove(border)


def _run(paragraph: Any, value: str, east_asian: str, *, fill_in: bool = False, bold: bool = False,
         size: float | None = None) -> None:
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt

    run = paragraph.add_run(value)
    # python-docx has no East Asian font property: a copy of the fonts element, made once per font.
    run._element.get_or_add_rPr().insert(0, copy.deepcopy(_rfonts(east_asian)))  # noqa: SLF001
    if fill_in:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    if bold:
        run.bold = True
    if size:
        run.font.size = Pt(size)


def _docx_table(doc: Any, table: Table) -> None:
    if table.caption:
        _run(doc.add_paragraph(), table.title, HEADING_FONT)
    rows = table.rows()
    grid = doc.add_table(rows=1 + len(rows), cols=len(table.columns))
    grid.style = "Table Grid"
    cells = grid._cells  # noqa: SLF001 - every cell in one pass; row by row is quadratic in python-docx
    width = len(table.columns)
    for i, value in enumerate(table.header + [v for row in rows for v in row]):
        header = i < width
        _run(cells[i].paragraphs[0], value, HEADING_FONT if header else BODY_FONT, bold=header, size=10.5)
