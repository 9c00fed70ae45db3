"""Strings of the annual report page (the report itself is written in Chinese, as it is submitted)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "report.title": ("年度报告", "Annual report"),
    "report.as_of": ("数据截至", "Figures as of"),
    "report.as_of_help": ("整改、书面反馈和执行进度按此日期统计；往年默认为 12 月 31 日。",
                          "Rectification, written feedback and execution are counted at this date; a past year "
                          "defaults to 31 December."),
    "report.intro": ("根据数据库中的数据起草“财政支出绩效情况的报告”：数字和数字句均由数据生成，"
                     "黄色标出的【待填写】处（成效、问题分析、下一步工作等）须由人工撰写。",
                     "The draft of the report on fiscal spending performance, from the database: every figure and "
                     "figure sentence is written from the data; the highlighted places to fill in (achievements, "
                     "analysis of problems, next steps) are for people to write. The report is in Chinese."),
    "report.fill_ins": ("待填写 {n} 处", "{n} places to fill in"),
    "report.download_docx": ("下载报告草稿（Word）", "Download the draft (Word)"),
    "report.download_xlsx": ("下载附件表格（Excel）", "Download the annex tables (Excel)"),
    "report.preview": ("预览", "Preview"),
}
