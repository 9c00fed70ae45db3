"""Blank upload templates (`python -m data_access template KIND OUT.xlsx`).

The first sheet is the data sheet: one header row of Chinese names (the importer's own
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

from data_access import parsing as P
from data_access.export import neutralise
from data_access.importer import ImportReport
from data_access.settings import SETTINGS

EXAMPLES: dict[str, dict[str, object]] = {
    "projects": {
        "code": "HP2023P001", "name": "学位供给保障项目", "department": "101001-区教育局", "region": "黄埔区",
        "year": 2023, "budget_adjusted": "12,000,000.00", "budget_initial": "12,500,000.00",
        "fund_source": "一般公共预算", "kind": "经常性", "is_new": "否",
    },
    "monitoring": {
        "code": "HP2023P001", "year": 2023, "month": 6, "spent_cumulative": "5,230,000.50", "region": "黄埔区",
        "budget_adjusted": "", "target_progress": "已完成学位建设 600 个", "deviation_reason": "",
        "name": "学位供给保障项目", "department": "区教育局",
    },
    "evaluations": {
        "subject": "学位供给保障项目", "subject_type": "项目", "department": "区教育局", "region": "黄埔区",
        "year": 2023, "method": "重点评价", "score": 88.5, "code": "HP2023P001", "grade": "良",
        "evaluator": "某会计师事务所有限公司（第三方）", "funds": "12,000,000.00", "budget_completion_rate": "97.55%",
        "published": "是", "recommendations": 3, "report_summary": "项目实施总体顺利，产出指标基本完成。",
    },
    "findings": {
        "finding_code": "HP2023-0001", "subject": "学位供给保障项目", "department": "区教育局", "region": "黄埔区",
        "year": 2023, "category": "项目管理", "description": "项目验收资料不完整", "deadline": "2024-06-30",
        "status": "整改中", "recommendation": "完善项目验收管理制度", "measures": "已补充验收资料",
        "feedback_date": "2024-05-20", "rectified_date": "", "published": "是",
    },
    "ex-ante": {
        "name": "校园安全提升工程", "department": "区教育局", "region": "黄埔区", "year": 2024,
        "requested": "3,000,000.00", "recommended": "2,500,000.00", "conclusion": "部分支持", "code": "",
        "published": "是", "score_necessity": 18, "score_economy": 15, "score_targets": 16,
        "score_feasibility": 17, "score_compliance": 18,
    },
    "indicators": {
        "name": "新增学位数量", "level1": "产出指标", "level2": "数量指标", "scope": "个性", "region": "黄埔区",
        "department": "区教育局", "code": "HP2023P001", "year": 2023, "unit": "个", "operator": "≥", "target": "1200",
        "core": "是", "value_to_date": "600", "expected_year_end": "1200", "will_meet": "确定能",
        "deviation_category": "", "deviation_note": "", "corrective_measure": "",
    },
}

_TYPE_HELP = {
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


def header_text(col: P.Column) -> str:
    return f"{col.zh}（元）" if col.kind == "amount" else col.zh


def _choices(col: P.Column) -> list[str]:
    if col.kind == "bool":
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
    if kind not in P.COLUMNS:
        raise ValueError(f"未知的数据类型“{kind}”（可选：{'、'.join(P.COLUMNS)}）")
    columns = P.COLUMNS[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = P.KIND_NAMES[kind]
    options = wb.create_sheet("选项")
    options.sheet_state = "hidden"
    option_col = 0
    _header(ws, columns)
    for i, col in enumerate(columns, start=1):
        if col.kind in ("code", "amount", "rate"):
            ws.column_dimensions[get_column_letter(i)].number_format = "@"  # typed text stays text (0012, 1,234.50)
        choices = _choices(col)
        if choices:
            option_col += 1
            letter = get_column_letter(option_col)
            options.cell(row=1, column=option_col, value=col.zh)
            for j, choice in enumerate(choices, start=2):
                options.cell(row=j, column=option_col, value=choice)
            dv = DataValidation(type="list", formula1=f"选项!${letter}$2:${letter}${len(choices) + 1}",  # no '=': as Excel writes it
                                allow_blank=not col.required, showErrorMessage=True,
                                errorTitle="无效的值", error=f"请从下拉列表中选择「{col.zh}」。",
                                promptTitle=col.zh, prompt="从下拉列表中选择", showInputMessage=True)
            ws.add_data_validation(dv)
            dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}5000")
    ws.freeze_panes = "A2"
    _instructions(wb, kind, columns)
    _example(wb, kind, columns)
    wb.save(path)


def _header(ws: Worksheet, columns: tuple[P.Column, ...]) -> None:
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=header_text(col))
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = _REQUIRED_FILL if col.required else _OPTIONAL_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = Comment(f"{'必填' if col.required else '选填'}；英文别名 {col.alias}\n{_TYPE_HELP[col.kind]}", "模板")
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(col.zh) * 2 + 6)


def _example(wb: Workbook, kind: str, columns: tuple[P.Column, ...]) -> None:
    """The example row on its own sheet, first cell marked 【示例】: shown to the clerk, never imported."""
    ws = wb.create_sheet(P.EXAMPLE_SHEET, 2)
    _header(ws, columns)
    example = EXAMPLES[kind]
    for i, col in enumerate(columns, start=1):
        value = example.get(col.field, "")
        if i == 1:
            value = f"{P.EXAMPLE_MARK}{value}"
        cell = ws.cell(row=2, column=i, value=value if value != "" else None)
        if col.kind in ("code", "amount", "rate"):
            cell.number_format = "@"
    ws.cell(row=4, column=1, value=f"这一行只是示例，不会被导入（第一格带有“{P.EXAMPLE_MARK}”）。请在“{P.KIND_NAMES[kind]}”工作表中从第 2 行起填写实际数据。")
    ws.cell(row=4, column=1).font = Font(color="808080")


def _instructions(wb: Workbook, kind: str, columns: tuple[P.Column, ...]) -> None:
    ws = wb.create_sheet("说明", 1)
    lines = [
        [f"{P.KIND_NAMES[kind]}数据上传模板 填写说明"],
        [],
        [f"1. 在第一个工作表中填写数据：第 1 行是表头，从第 2 行起每行一条记录。“{P.EXAMPLE_SHEET}”工作表中有一行示例，它不会被导入。"],
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
        ws.append([col.zh, col.alias, "是" if col.required else "否", _TYPE_HELP[col.kind], "、".join(_choices(col))])
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
    header = ["工作表", "行", "列", "代码", "说明"]
    for title, issues in (("错误", report.errors), ("警告", report.warnings)):
        sheet = ws if title == "错误" else wb.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i in issues:
            sheet.append([_text(i.sheet), i.row, _text(i.column), i.code, _text(i.message)])
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
