"""Blank upload templates (`python -m data_access template KIND OUT.xlsx`), drawn from the kinds' specs.

The first sheet is the data sheet: one header row of Chinese names (the specs' own
spellings, amounts marked `（元）`) with the English alias in each header's comment, and nothing
else. Enumerations get drop-down lists (openpyxl DataValidation over a hidden 选项 sheet, since
an inline list is limited to 255 characters). A 说明 sheet explains every column in Chinese.
The example row lives on its own 填写示例 sheet, its first cell marked 【示例】: the importer reads
the data sheet (the first with the header), so an untouched template imports nothing and says
so, and a copy of the example row pasted into the data sheet is refused by its mark.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from data_access.export import neutralise
from data_access.settings import SETTINGS
from data_access.uploads.cells import EXAMPLE_MARK, EXAMPLE_SHEET
from data_access.uploads.kinds import KINDS, SPECS
from data_access.uploads.report import ISSUE_NAMES, ImportReport
from data_access.uploads.spec import Column

TYPE_HELP = {
    "code": "编码按文本填写，保留前导零（如 0012）",
    "name": "按全称填写",
    "text": "文字",
    "amount": "金额，默认单位为元；可在表头写“（万元）”或在表头上方写“单位：万元”",
    "rate": "百分比，可写 97.55%、97.55 或 0.9755",
    "score": "分数，0–100，可带两位小数",
    "int": "整数",
    "year": "4 位年份，如 2023",
    "month": "1–12",
    "date": "日期，如 2023-06-30、2023/6/30 或 2023年6月30日",
    "bool": "是 / 否（不填视为否）",
    "department": "单位名称，可写“编码-名称”，如 101001-区教育局",
    "region": "行政区名称，如 黄埔区",
    "enum": "从下拉列表中选择",
}
_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
_OPTIONAL_FILL = PatternFill("solid", fgColor="E2EFDA")


def options_of(col: Column) -> list[str]:
    """The values a column's drop-down list offers (none for free columns)."""
    if col.type == "bool":
        return ["是", "否"]
    if col.field == "fund_source":
        return list(SETTINGS.fund_sources)
    if col.enum is not None:
        return list(col.enum.choices.values())
    return []


def template_bytes(kind: str) -> bytes:
    """The template as bytes, for a download button."""
    import io

    buf = io.BytesIO()
    write_template(kind, buf)
    return buf.getvalue()


def write_template(kind: str, path: str | Path | BinaryIO) -> None:
    """Write the upload template for KIND (one of CONTRACT.md's kinds) to an .xlsx file."""
    if kind not in SPECS:
        raise ValueError(f"未知的数据类型“{kind}”（可选：{'、'.join(KINDS)}）")
    spec = SPECS[kind]
    columns = spec.columns
    wb = Workbook()
    ws = wb.active
    ws.title = spec.title
    options = wb.create_sheet("选项")
    options.sheet_state = "hidden"
    option_col = 0
    _header(ws, columns)
    for i, col in enumerate(columns, start=1):
        if col.type in ("code", "amount", "rate"):
            ws.column_dimensions[get_column_letter(i)].number_format = "@"  # typed text stays text (0012, 1,234.50)
        choices = options_of(col)
        if choices:
            option_col += 1
            letter = get_column_letter(option_col)
            options.cell(row=1, column=option_col, value=col.zh)
            for j, choice in enumerate(choices, start=2):
                options.cell(row=j, column=option_col, value=choice)
            # formula1 without a leading '=', as Excel writes it
            dv = DataValidation(type="list", formula1=f"选项!${letter}$2:${letter}${len(choices) + 1}",
                                allow_blank=not col.required, showErrorMessage=True,
                                errorTitle="无效的值", error=f"请从下拉列表中选择「{col.zh}」。",
                                promptTitle=col.zh, prompt="从下拉列表中选择", showInputMessage=True)
            ws.add_data_validation(dv)
            dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}5000")
    ws.freeze_panes = "A2"
    _instructions(wb, spec.title, columns)
    _example(wb, spec.title, columns)
    wb.save(path)


def _header(ws: Worksheet, columns: tuple[Column, ...]) -> None:
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = _REQUIRED_FILL if col.required else _OPTIONAL_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        need = "必填" if col.required else "选填"
        cell.comment = Comment(f"{need}；英文别名 {col.alias}\n{TYPE_HELP[col.type]}", "模板")
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(col.zh) * 2 + 6)


def _example(wb: Workbook, title: str, columns: tuple[Column, ...]) -> None:
    """The example row on its own sheet, first cell marked 【示例】: shown to the clerk, never imported."""
    ws = wb.create_sheet(EXAMPLE_SHEET, 2)
    _header(ws, columns)
    for i, col in enumerate(columns, start=1):
        value = col.example
        if i == 1:
            value = f"{EXAMPLE_MARK}{value}"
        cell = ws.cell(row=2, column=i, value=value if value != "" else None)
        if col.type in ("code", "amount", "rate"):
            cell.number_format = "@"
    ws.cell(row=4, column=1, value=f"这一行只是示例，不会被导入（第一格带有“{EXAMPLE_MARK}”）。"
                                   f"请在“{title}”工作表中从第 2 行起填写实际数据。")
    ws.cell(row=4, column=1).font = Font(color="808080")


def _instructions(wb: Workbook, title: str, columns: tuple[Column, ...]) -> None:
    ws = wb.create_sheet("说明", 1)
    lines = [
        [f"{title}数据上传模板 填写说明"],
        [],
        [f"1. 在第一个工作表中填写数据：第 1 行是表头，从第 2 行起每行一条记录。"
         f"“{EXAMPLE_SHEET}”工作表中有一行示例，它不会被导入。"],
        ["2. 红字列为必填；其余选填，不填表示“未提供”（更新时保留原值）。“是否”类列不填视为“否”。"],
        ["3. 表头可以用中文名或英文别名，列的顺序可以调整；多出的列会被忽略并提示。"],
        ["4. 金额默认以“元”为单位；表头写“（万元）”或表头上方写“单位：万元”时按万元读取。"],
        ["5. 合计、小计、总计、其中开头的行和空行会被跳过。"],
        ["6. 上传后先预览校验结果；有任何错误时整个文件都不会写入，请按提示改正后重新上传。"],
        ["7. 同一条记录再次上传会更新原记录（不会重复计算），原值保留在审计记录中。"],
        [],
        ["列名", "英文别名", "必填", "填写要求", "可选值"],
    ]
    for line in lines:
        ws.append(line)
    ws["A1"].font = Font(bold=True, size=14)
    header_row = len(lines)
    for c in ws[header_row]:
        c.font = Font(bold=True)
        c.fill = _OPTIONAL_FILL
    for col in columns:
        ws.append([col.zh, col.alias, "是" if col.required else "否", TYPE_HELP[col.type], "、".join(options_of(col))])
    for letter, width in zip("ABCDE", (18, 24, 8, 60, 60), strict=True):
        ws.column_dimensions[letter].width = width


def _text(value: object) -> object:
    """A cell from the uploaded file as text: one a spreadsheet would run as a formula gets a leading
    apostrophe, as the downloads do (openpyxl writes any string starting with '=' as a live formula)."""
    return neutralise(value)


def error_report_xlsx(report: ImportReport) -> bytes:
    """The validation report as a workbook: 错误, 警告, and the data rows with their problems beside them."""
    import io

    wb = Workbook()
    ws = wb.active
    ws.title = "错误"
    header = ["工作表", "行", "列", "问题类型", "说明"]
    for title, issues in (("错误", report.errors), ("警告", report.warnings)):
        sheet = ws if title == "错误" else wb.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i in issues:
            sheet.append([_text(i.sheet), i.row, _text(i.column), ISSUE_NAMES.get(i.code, i.code), _text(i.message)])
        for letter, width in zip("ABCDE", (12, 6, 16, 26, 100), strict=True):
            sheet.column_dimensions[letter].width = width
    if report.preview:
        data = wb.create_sheet("数据")
        by_row: dict[int, list[str]] = {}
        for prefix, issues in (("错误", report.errors), ("警告", report.warnings)):
            for i in issues:
                if i.row is not None:
                    by_row.setdefault(i.row, []).append(f"{prefix}：{i.message}")
        columns = list(report.preview[0])
        data.append([*map(_text, columns), "问题"])
        red = PatternFill("solid", fgColor="F8CBAD")
        for row in report.preview:
            problems = by_row.get(row["行"], [])
            data.append([*(_text(row.get(c)) for c in columns), _text("\n".join(problems))])
            if any(p.startswith("错误") for p in problems):
                for cell in data[data.max_row]:
                    cell.fill = red
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
