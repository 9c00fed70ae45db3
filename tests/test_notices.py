"""预警函/督办单 (data_access/notices.py): who qualifies, what each notice says, and the .docx read back."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import docx
import pytest
from docx.oxml.ns import qn
from sqlmodel import Session

from data_access import notices as N
from data_access.db import make_engine
from data_access.queries.execution import project_rows
from data_access.queries.rectification import owed
from data_access.settings import Settings

ON = dt.date(2024, 3, 1)  # a Friday


@pytest.mark.parametrize(("day", "n", "expected"), [
    (dt.date(2024, 3, 1), 1, dt.date(2024, 3, 4)),  # Friday + 1 working day: Monday
    (dt.date(2024, 3, 1), 10, dt.date(2024, 3, 15)),
    (dt.date(2024, 3, 2), 1, dt.date(2024, 3, 4)),  # from a Saturday
    (dt.date(2024, 3, 4), 5, dt.date(2024, 3, 11)),
    (dt.date(2024, 3, 4), 0, dt.date(2024, 3, 4)),
])
def test_reply_deadline_counts_working_days(day: dt.date, n: int, expected: dt.date) -> None:
    assert N.working_days_after(day, n) == expected


def test_the_departments_that_qualify_and_why(any_seeded_url: str) -> None:
    with Session(make_engine(any_seeded_url)) as s:
        listed = N.candidates(session=s, region="黄埔区", year=2022, month=12, on=ON)
        projects = project_rows(session=s, year=2022, region="黄埔区", month=12)
        tasks = owed(session=s, region="黄埔区", today=ON, department_ids=None)
    red = projects[projects["status"] == "red"].groupby("department").size().to_dict()
    late = tasks.overdue.groupby("department").size().to_dict()
    assert set(listed["department"]) == set(red) | set(late)
    for row in listed.itertuples():
        assert (row.red, row.overdue) == (red.get(row.department, 0), late.get(row.department, 0))
    assert list(listed["overdue"]) == sorted(listed["overdue"], reverse=True)


def test_a_notice_says_what_is_behind_by_how_much_and_by_when(any_seeded_url: str) -> None:
    with Session(make_engine(any_seeded_url)) as s:
        listed = N.candidates(session=s, region="黄埔区", year=2022, month=12, on=ON)
        both = listed[(listed["red"] > 0) & (listed["overdue"] > 0)].iloc[0]
        n = N.notice(session=s, region="黄埔区", year=2022, department_id=int(both["department_id"]), month=12, on=ON,
                     settings=Settings(notice_reply_working_days=5))
    assert n.kind == "both" and n.title == "预算执行预警及问题整改督办函" and n.reply_by == dt.date(2024, 3, 8)
    red, late = N.tables(n)[:2]
    assert red.headers[5:8] == ("执行率（%）", "序时进度（%）", "差距（百分点）") and len(red.rows) == both["red"]
    for row, project in zip(red.rows, n.red.itertuples(), strict=True):
        assert row[1] == project.code and row[6] == "100.00" and float(row[7]) > 15  # gap above the red threshold
    assert [r[1] for r in late.rows] == list(n.overdue["finding_code"])
    assert all(int(r[6]) >= int(r[7]) > 0 for r in late.rows)  # days past original ≥ days past current
    text = "".join(N.paragraphs(n))
    assert f"有 {len(n.red)} 个项目执行率低于序时进度 15 个百分点以上" in text
    assert "于 2024 年 3 月 8 日前（5 个工作日内）" in text


@pytest.mark.slow  # writes and reads back a docx
def test_the_docx_reads_back_with_the_same_tables_in_chinese_fonts(any_seeded_url: str) -> None:
    with Session(make_engine(any_seeded_url)) as s:
        listed = N.candidates(session=s, region="黄埔区", year=2022, month=12, on=ON)
        made = [N.notice(session=s, region="黄埔区", year=2022, department_id=int(d), month=12, on=ON)
                for d in listed["department_id"]]
    for n in made:
        document = docx.Document(io.BytesIO(N.docx_bytes(n)))
        read = [[tuple(c.text for c in row.cells) for row in table.rows] for table in document.tables]
        assert read == [[t.headers, *t.rows] for t in N.tables(n)]
        paragraphs = [p.text for p in document.paragraphs]
        assert paragraphs[:2] == ["黄埔区财政局", n.title] and f"{n.department}：" in paragraphs
        fonts = {r._element.rPr.rFonts.get(qn("w:eastAsia")) for p in document.paragraphs for r in p.runs}
        assert fonts <= {N.BODY_FONT, N.TITLE_FONT} and N.BODY_FONT in fonts
    with zipfile.ZipFile(io.BytesIO(N.zip_bytes(made))) as z:
        assert sorted(z.namelist()) == sorted(N.file_name(n) for n in made)
