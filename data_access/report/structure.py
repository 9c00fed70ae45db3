"""The report's structure: sections of paragraphs (sentences written from the data, or `FillIn`s for
what only people write) and tables; and the output formats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from data_access import export

FORMATS = (".docx", ".xlsx")


class UnknownRegion(ValueError):
    """The region asked for holds no data."""


class UnsupportedFormat(ValueError):
    """An output file named with an extension the report is not written in."""


def output_format(out: str) -> str:
    """'.docx' (the draft) or '.xlsx' (its tables) from the file name; anything else is refused, not guessed."""
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        raise UnsupportedFormat(f"无法写入“{Path(out).name}”：报告草稿写成 .docx（Word 文档），其附件表格写成 .xlsx，"
                                "请用这两种扩展名之一。")
    return suffix


# ---- the structure ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FillIn:
    """A place only people can write; `prompt` says what belongs there."""

    prompt: str

    def __str__(self) -> str:
        return f"【待填写：{self.prompt}】"


Sentence: TypeAlias = str | FillIn


@dataclass(frozen=True)
class Paragraph:
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        return "".join(str(s) for s in self.sentences)


@dataclass(frozen=True)
class Column(export.Column):
    """A table column: its exact values for the workbook and the text the page and the .docx show."""

    shown: Sequence[str] = ()


@dataclass(frozen=True)
class Table:
    title: str
    sheet: str  # the workbook's sheet name (Excel allows 31 characters)
    columns: tuple[Column, ...]
    caption: bool = True  # an annex's table goes without: the annex heading names it

    @property
    def header(self) -> list[str]:
        return [c.header for c in self.columns]

    def rows(self) -> list[list[str]]:
        return [list(r) for r in zip(*(c.shown for c in self.columns), strict=True)]

    def frame(self) -> pd.DataFrame:
        """What the page shows."""
        return pd.DataFrame({c.header: list(c.shown) for c in self.columns})


@dataclass(frozen=True)
class Section:
    heading: str
    level: int  # 1 一、 2 （一） 3 1.
    blocks: tuple[Block, ...]
    page_break: bool = False  # an annex starts a new page


Block: TypeAlias = Paragraph | Table | Section


@dataclass(frozen=True)
class Report:
    region: str
    year: int
    as_of: dt.date
    title: str
    subtitle: str
    blocks: tuple[Block, ...]

    def walk(self) -> Iterator[Block]:
        """Every block, depth first, in reading order."""

        def visit(blocks: Iterable[Block]) -> Iterator[Block]:
            for b in blocks:
                yield b
                if isinstance(b, Section):
                    yield from visit(b.blocks)

        return visit(self.blocks)

    def tables(self) -> list[Table]:
        return [b for b in self.walk() if isinstance(b, Table)]

    def fill_ins(self) -> list[FillIn]:
        return [s for b in self.walk() if isinstance(b, Paragraph) for s in b.sentences if isinstance(s, FillIn)]
