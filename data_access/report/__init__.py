"""The annual report (财政支出绩效情况的报告) drafted from the database, in the seeds' own sentences.

`build_report` reads the figures (every one from `data_access.queries`) into a `Report`: sections
of paragraphs, each paragraph a run of sentences that are either written from the data or a
`FillIn` — a marked place for what only people can write (成效, 问题 analysis, next steps) — and
tables (the annexes). Two renderers draw the same structure: the staff page's preview
(`pages/report.py`) and `docx_bytes` (python-docx); `annex_xlsx` writes its tables as one
workbook. The command line `report` writes the same files.

One structure holds every figure sentence of both seeds (黄埔区 2022 and 荔湾区 2020):

    一、Y 年度预算绩效管理工作开展情况
       （一）事前绩效评估和绩效目标管理  ex-ante, the expert review of targets, the indicator library
       （二）绩效运行监控                 key monitoring, execution, whole-life tracking
       （三）绩效评价                     the year's self-evaluation, review and key evaluation counts,
                                           recommendations; the evaluations carried out in Y (of Y-1)
       （四）评价结果应用                 published results; the rest to fill in
    二、Y-1 年度被评价部门绩效问题整改落实情况  （一）落实情况 （二）整改成效
    三、Y 年度区级财政支出绩效评价情况
       （一）基本情况  overall, grades; 1. 自评复核 2. 重点项目 3. 政策 4. 部门整体
       （二）被评部门取得的成效  （三）存在的问题
    四、下一步预算绩效管理工作要点
    附件 1–3

A section whose figures the database lacks is a `FillIn` saying so, never a guess.
"""


from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from sqlmodel import Session

from data_access.queries.kpis import region_names
from data_access.report.draft import build_report
from data_access.report.render import annex_xlsx, docx_bytes, text
from data_access.report.structure import (
    FORMATS,
    FillIn,
    Paragraph,
    Report,
    Section,
    Table,
    UnknownRegion,
    UnsupportedFormat,
    output_format,
)

__all__ = [
    "FORMATS", "FillIn", "Paragraph", "Report", "Section", "Table", "UnknownRegion", "UnsupportedFormat",
    "annex_xlsx", "build_report", "docx_bytes", "output_format", "text", "write_report",
]


# ---- the command line -----------------------------------------------------------------------------
def write_report(*, session: Session, year: int, region: str, out: str, as_of: dt.date | None = None) -> int:
    """Write the draft (.docx) or its tables (.xlsx) to `out`; 0 on success, 1 on an unknown region or format."""
    try:
        suffix = output_format(out)
    except UnsupportedFormat as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        report = build_report(session=session, year=year, region=region, as_of=as_of)
    except UnknownRegion:
        print(f"未找到行政区“{region}”；现有：{'、'.join(region_names(session=session)) or '无'}", file=sys.stderr)
        return 1
    Path(out).write_bytes(docx_bytes(report) if suffix == ".docx" else annex_xlsx(report))
    if suffix == ".docx":
        print(f"报告草稿已写入 {out}（数据截至 {report.as_of}，待填写 {len(report.fill_ins())} 处）", file=sys.stderr)
    else:
        print(f"报告的表格（{len(report.tables())} 张）已写入 {out}（数据截至 {report.as_of}）", file=sys.stderr)
    return 0
