"""Markdown and HTML payloads in every free-text field, imported through the importer.

`import_payloads(engine)` uploads real .xlsx files (built with openpyxl) of every kind into a
region of their own whose name, departments, projects, subjects, summaries, descriptions,
measures, reasons and indicator texts all carry payloads, published so the portal shows them.
Shared by tests/test_plain_text.py (AppTest) and tests/browser/test_plain_text.py.
"""

from __future__ import annotations

import io
import re

import openpyxl
from sqlalchemy import Engine

from data_access.uploads import import_file

# What a visitor must never get from a stored string: a link, an image fetched from another
# server, coloured text, LaTeX, HTML, bold, a heading.
PAYLOADS = (
    "[点我](http://evil.example/x)",
    "![img](http://evil.example/p.png)",
    ":red[红字]",
    "$\\frac{1}{2}$",
    "<img src=x onerror=alert(1)>",
    "**粗体**",
    "<script>alert(1)</script>",
)
YEAR = 2022

# Each pattern matches a payload only where its markup is live: an escaped form (a backslash
# before the special character) does not match.
RAW = {
    "link": re.compile(r"(?<!\\)\]\(http"),
    "image": re.compile(r"(?<!\\)!\["),
    "colour": re.compile(r"(?<!\\):red\["),
    "latex": re.compile(r"(?<!\\)\$\\frac"),
    "html_img": re.compile(r"(?<!\\)<img"),
    "script": re.compile(r"(?<!\\)<script"),
    "bold": re.compile(r"(?<!\\)\*\*粗体"),
    "heading": re.compile(r"(?m)^[ \t]*#{1,6} 标题"),
}


def payload(tag: str, limit: int = 200) -> str:
    """A heading-first string that holds as many payloads as fit in `limit` characters, ending in `tag`."""
    text = "# 标题" + tag
    for p in PAYLOADS:
        if len(text) + 1 + len(p) <= limit:
            text += " " + p
    return text


REGION = payload("区", 50)
DEPARTMENT = payload("局", 100)
PROJECT = payload("项目")
PROJECT_CODE = "[P1](http://evil.example/c)"  # codes lose their spaces; this one keeps a link's shape
KEY_SUBJECT = payload("重点评价对象")
REVIEW_SUBJECT = payload("复核对象")
EVALUATOR = payload("评价机构", 100)
SUMMARY = payload("评价摘要", 2000) + " 结论：" + " ".join(PAYLOADS)
FINDING_CODE = "![F1](http://evil.example/f.png)"
FINDING_DESCRIPTION = payload("问题描述", 2000)
FINDING_RECOMMENDATION = payload("整改建议", 2000)
FINDING_MEASURES = payload("整改措施", 2000)
EX_ANTE = payload("事前评估项目")
INDICATOR = payload("指标")
TARGET_INDICATOR = payload("目标指标")
UNIT = ":red[个]$x$"  # 20 characters at most
TARGET_VALUE = payload("指标值", 100)
TO_DATE = payload("截至目前", 100)
YEAR_END = payload("全年预计", 100)
DEVIATION_NOTE = payload("偏差说明", 2000)
MEASURE = payload("纠偏措施", 2000)
TARGET_PROGRESS = payload("目标完成情况", 2000)
DEVIATION_REASON = payload("偏差原因", 2000)
FILE_NAME = "[文件](http://evil.example/f) <img src=x onerror=alert(1)>.xlsx"
USERNAME = "<img src=x onerror=alert(1)>:red[管理员]"  # 50 characters at most
TEXTS = (REGION, DEPARTMENT, PROJECT, PROJECT_CODE, KEY_SUBJECT, REVIEW_SUBJECT, EVALUATOR, SUMMARY, FINDING_CODE,
         FINDING_DESCRIPTION, FINDING_RECOMMENDATION, FINDING_MEASURES, EX_ANTE, INDICATOR, TARGET_INDICATOR, UNIT,
         TARGET_VALUE, TO_DATE, YEAR_END, DEVIATION_NOTE, MEASURE, TARGET_PROGRESS, DEVIATION_REASON, FILE_NAME,
         USERNAME)


def xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


FILES: dict[str, list[list[object]]] = {
    "projects": [
        ["项目编码", "项目名称", "预算单位", "行政区", "预算年度", "调整后预算数", "资金来源"],
        [PROJECT_CODE, PROJECT, DEPARTMENT, REGION, YEAR, 1_000_000, "一般公共预算"],
    ],
    "monitoring": [
        ["项目编码", "行政区", "预算年度", "月份", "累计支出", "目标完成情况", "偏差原因"],
        *[[PROJECT_CODE, REGION, YEAR, m, 50_000 * m, TARGET_PROGRESS, DEVIATION_REASON] for m in range(1, 7)],
    ],
    "evaluations": [
        ["评价对象", "对象类型", "预算单位", "行政区", "预算年度", "评价方式", "得分", "项目编码", "评价机构",
         "涉及资金", "是否公开", "评价摘要"],
        # The self-evaluation scores far above the finance one: the page names the department.
        [KEY_SUBJECT, "项目", DEPARTMENT, REGION, YEAR, "单位自评", 98, PROJECT_CODE, EVALUATOR, 1_000_000, "否",
         SUMMARY],
        [KEY_SUBJECT, "项目", DEPARTMENT, REGION, YEAR, "重点评价", 72, PROJECT_CODE, EVALUATOR, 1_000_000, "是",
         SUMMARY],
        [REVIEW_SUBJECT, "部门整体", DEPARTMENT, REGION, YEAR, "自评复核", 91, None, EVALUATOR, 500_000, "是", SUMMARY],
    ],
    "findings": [
        ["问题编号", "评价对象", "预算单位", "行政区", "预算年度", "问题类别", "问题描述", "整改期限", "整改状态",
         "整改建议", "整改措施", "是否公开"],
        [FINDING_CODE, KEY_SUBJECT, DEPARTMENT, REGION, YEAR, "预算编制", FINDING_DESCRIPTION, "2023-06-30", "整改中",
         FINDING_RECOMMENDATION, FINDING_MEASURES, "是"],
    ],
    "ex-ante": [
        ["项目名称", "预算单位", "行政区", "预算年度", "申报金额", "建议金额", "评估结论", "项目编码", "是否公开"],
        [EX_ANTE, DEPARTMENT, REGION, YEAR, 2_000_000, 1_500_000, "部分支持", PROJECT_CODE, "是"],
    ],
    "indicators": [
        ["指标名称", "一级指标", "二级指标", "指标类型", "行政区", "预算单位", "项目编码", "预算年度", "计量单位",
         "比较符", "指标值", "截至目前完成值", "全年预计完成值", "能否完成", "偏差原因类别", "偏差原因说明",
         "纠偏措施"],
        [INDICATOR, "产出指标", "数量指标", "通用", REGION, None, None, None, UNIT, "≥", TARGET_VALUE, None, None, None,
         None, None, None],
        [TARGET_INDICATOR, "产出指标", "数量指标", "个性", REGION, DEPARTMENT, PROJECT_CODE, YEAR, UNIT, "≥",
         TARGET_VALUE, TO_DATE, YEAR_END, "有可能", "其他", DEVIATION_NOTE, MEASURE],
    ],
}


def import_payloads(engine: Engine) -> None:
    """Every kind through import_file, in dependency order; fails loudly if the importer refuses a row."""
    for kind, rows in FILES.items():
        report = import_file(engine, kind, xlsx(rows), FILE_NAME if kind == "evaluations" else f"{kind}.xlsx",
                             user="payload-loader")
        assert report.committed, (kind, [e.message for e in report.errors])
