"""年度报告 through the entrypoint: the preview, its tables, and downloads equal to the command line's files."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlmodel import Session

from data_access.__main__ import main
from data_access.db import make_engine
from data_access.report import build_report
from tests.apptest import capture_downloads, download, signed_in


def shown(markdown: str) -> str:
    """A markdown string as read: escapes and the highlight directive gone."""
    return re.sub(r"\\(.)", r"\1", re.sub(r":orange-background\[(.*?)\]", r"\1", markdown))


def docx_content(data: bytes) -> tuple[list[str], list[list[list[str]]]]:
    d = docx.Document(io.BytesIO(data))
    return [p.text for p in d.paragraphs], [[[c.text for c in r.cells] for r in t.rows] for t in d.tables]


def xlsx_content(data: bytes) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}


@pytest.mark.parametrize("role", ["leader", "finance", "admin"])
def test_the_page_previews_the_draft_and_its_tables(monkeypatch: pytest.MonkeyPatch, seeded_url: str,
                                                    role: str) -> None:
    at = signed_in(monkeypatch, seeded_url, role)
    at.switch_page("../pages/report.py").run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["年度报告"]
    text = "\n".join(shown(m.value) for m in at.markdown)
    assert "黄埔区、广州开发区 2022 年度区本级财政支出绩效情况的报告" in text
    assert ("总体来看，经评价绩效等级为：优：4 个，占 10.53%；良：31 个，占 81.58%；中：3 个，占 7.89%。"
            "项目优良率为 92.11%。" in text)
    assert "【待填写：被评部门取得的成效" in text and "待填写 6 处" in text
    with Session(make_engine(seeded_url)) as session:
        report = build_report(session=session, year=2022, region="黄埔区")
    assert [d.value.to_dict("list") for d in at.dataframe] == [t.frame().to_dict("list") for t in report.tables()]


def test_the_downloads_are_the_command_lines_files(monkeypatch: pytest.MonkeyPatch, seeded_url: str,
                                                   tmp_path: Path) -> None:
    files = capture_downloads(monkeypatch)
    at = signed_in(monkeypatch, seeded_url)
    at.switch_page("../pages/report.py").run()
    at.selectbox(key="filter_region").select("荔湾区").run()
    assert not at.exception
    name, page_docx = download(at, files, "report_docx")
    assert name == "荔湾区2020年度财政支出绩效情况的报告（草稿）.docx"
    _name, page_xlsx = download(at, files, "report_xlsx")
    for suffix, page_file, read in ((".docx", page_docx, docx_content), (".xlsx", page_xlsx, xlsx_content)):
        out = tmp_path / f"liwan{suffix}"
        assert main(["--db", seeded_url, "report", "--year", "2020", "--region", "荔湾区", "--out", str(out)]) == 0
        assert read(out.read_bytes()) == read(page_file), suffix  # type: ignore[operator]
    _paragraphs, tables = docx_content(page_docx)
    # The page's tables, cell for cell, in the .docx.
    assert tables == [[list(d.value.columns), *d.value.astype(str).values.tolist()] for d in at.dataframe]


def test_the_as_of_date_dates_the_draft(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = signed_in(monkeypatch, seeded_url)
    at.switch_page("../pages/report.py").run()
    assert "（草稿，数据截至 2022 年 12 月 31 日）" in [shown(c.value) for c in at.caption]
    at.date_input(key="report_as_of_2022").set_value(dt.date(2021, 12, 31)).run()
    assert not at.exception
    assert "（草稿，数据截至 2021 年 12 月 31 日）" in [shown(c.value) for c in at.caption]
    assert "所有被评部门均书面反馈整改情况" not in "\n".join(shown(m.value) for m in at.markdown)
