"""The drafted annual report carries the seeds' figures in the seeds' words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
from sqlmodel import Session

from data_access.db import make_engine
from data_access.report import write_report


def _text(path: Path) -> str:
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_huangpu_report_figures(seeded_url: str, tmp_path: Path) -> None:
    out = tmp_path / "huangpu.docx"
    with Session(make_engine(seeded_url)) as session:
        assert write_report(session=session, year=2022, region="黄埔区", out=str(out), as_of=dt.date(2023, 9, 1)) == 0
    text = _text(out)
    assert "优：4 个，占 10.53%；良：31 个，占 81.58%；中：3 个，占 7.89%。项目优良率为 92.11%" in text
    assert "涉及财政资金 16.6 亿元" in text and "建议核减金额 3.79 亿元，建议核减率 23.25%" in text
    assert "重点监控涉及 6 个部门、预算项目 40 个、预算资金 177.6 亿元" in text
    assert "2021 年度评价共发现问题" in text and "附件 3" in text
    assert "知识城南方医院（九龙新城综合医院）建设项目" in text  # an annex row


def test_liwan_report_figures(seeded_url: str, tmp_path: Path) -> None:
    out = tmp_path / "liwan.docx"
    with Session(make_engine(seeded_url)) as session:
        assert write_report(session=session, year=2020, region="荔湾区", out=str(out)) == 0
    text = _text(out)
    assert "涉及财政资金 0.79 亿元" in text and "核减金额 0.12 亿元，建议核减率 15.15%" in text
    assert "自评优良 3406 项，占 90.71%" in text and "涉及资金 7.66 亿元" in text
    assert "总体预算完成率 98.00%，其中预算完成率为 100% 的项目 16 个，90% 以上的项目 7 个，90% 以下的项目 2 个" in text
    assert "指标库共有绩效指标 7104 条，其中通用类指标 225 条，部门个性化指标 6879 条" in text


def test_report_unknown_region(seeded_url: str, tmp_path: Path) -> None:
    with Session(make_engine(seeded_url)) as session:
        assert write_report(session=session, year=2022, region="天河区", out=str(tmp_path / "x.docx")) == 1
    assert not (tmp_path / "x.docx").exists()
