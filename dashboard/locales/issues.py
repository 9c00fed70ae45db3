"""Upload issues: each code in words, and its message in English (the importer writes them in Chinese).

`issue.<code>` names the code; `issue.msg.<code>` is the message: in Chinese the importer's own
(`{message}`), in English a sentence from the sheet, row, column and cell value the issue records.
"""

from __future__ import annotations

from data_access.uploads.report import ISSUE_NAMES

_EN_NAMES = {
    "not_a_number": "not a number", "invalid_date": "invalid date", "invalid_year": "invalid year",
    "month_out_of_range": "month out of range", "score_out_of_range": "score out of range",
    "negative_amount": "negative amount", "required": "required cell blank", "unknown_value": "not an allowed value",
    "example_row": "template example row", "duplicate_row": "duplicate row",
    "duplicate_key_conflict": "conflicting duplicate", "grade_mismatch": "grade does not match score",
    "recommended_exceeds_requested": "recommended above requested", "rejected_with_amount": "rejected with an amount",
    "status_date_mismatch": "status and date disagree", "unknown_region": "unknown district",
    "unknown_department": "department does not match", "unknown_project": "unknown project",
    "region_required": "district needed", "unknown_evaluation": "unknown evaluation",
    "out_of_scope": "outside your departments", "spent_decreased": "spending decreased",
    "spent_exceeds_budget": "spending above budget", "missing_column": "missing column", "unknown_unit": "unknown unit",
    "unit_conflict": "conflicting units", "unknown_column": "unknown column", "empty_file": "no data",
    "file_too_large": "file too large", "file_not_found": "file not found", "not_a_spreadsheet": "not a spreadsheet",
    "corrupt_file": "damaged file", "encrypted_file": "encrypted file", "too_many_rows": "too many rows",
    "too_many_columns": "too many columns", "too_many_cells": "too many cells", "cell_too_long": "cell too long",
    "too_much_text": "too much text", "unpacked_too_large": "too large unpacked",
    "database_unavailable": "database unavailable", "user_not_allowed": "account may not import",
    "unknown_user": "uploader is no account", "deviation_unexplained": "deviation not explained",
}

_EN_MESSAGES = {
    "not_a_number": "“{value}” is not a number.",
    "invalid_date": "“{value}” is not a valid date (write it as 2023-06-30).",
    "invalid_year": "“{value}” is not a valid fiscal year (four digits, such as 2023).",
    "month_out_of_range": "“{value}” is not a month from 1 to 12.",
    "score_out_of_range": "“{value}” is not a score from 0 to 100.",
    "negative_amount": "“{value}” is negative; an amount cannot be below 0.",
    "required": "this cell may not be blank.",
    "unknown_value": "“{value}” is not one of the allowed values (the template's drop-down lists them).",
    "example_row": "this is the template's example row, not data.",
    "duplicate_row": "the same as an earlier row; it is imported once.",
    "duplicate_key_conflict": "the same record as an earlier row, with different values; delete or correct one.",
    "grade_mismatch": "the grade “{value}” does not match the score under the district's grade boundaries.",
    "recommended_exceeds_requested": "the recommended amount “{value}” exceeds the requested amount.",
    "rejected_with_amount": "the conclusion is 'not supported', so the recommended amount must be 0, not “{value}”.",
    "status_date_mismatch": "a completion date is given but the status is not rectified; please check.",
    "unknown_region": "“{value}” is not a known district.",
    "unknown_department": "“{value}” is not a department of this district, or not the project's department.",
    "unknown_project": "there is no project “{value}” in this district and year.",
    "region_required": "the project code exists in several districts; add a district column.",
    "unknown_evaluation": "there is no evaluation “{value}” in this district and year; import the evaluations first.",
    "out_of_scope": "“{value}” is outside the departments you may submit for.",
    "spent_decreased": "cumulative spending “{value}” is lower than an earlier month's; please check.",
    "deviation_unexplained": "a target that may not be met needs its deviation category and corrective measure.",
    "unknown_user": "the uploader named is no account of the app: recorded as the uploader, imported without "
                    "any user's department scope.",
    "spent_exceeds_budget": "cumulative spending “{value}” exceeds the budget; please check.",
    "missing_column": "a required column is missing; use the downloaded template.",
    "unknown_unit": "the unit in the header cannot be read (yuan, ten thousand yuan or hundred million yuan).",
    "unit_conflict": "the unit in the header disagrees with the sheet's unit line; make them agree.",
    "unknown_column": "columns that are not in the template were ignored.",
    "empty_file": "there are no rows to import.",
    "file_too_large": "the file is larger than an upload may be; split it.",
    "file_not_found": "the file cannot be opened.",
    "not_a_spreadsheet": "the file is not a spreadsheet (xlsx, xls, ods or csv).",
    "corrupt_file": "the file is damaged and cannot be read.",
    "encrypted_file": "the file is password-protected; save it without a password.",
    "too_many_rows": "the file holds more rows than one upload accepts; split it.",
    "too_many_columns": "the file holds more columns than an upload accepts.",
    "too_many_cells": "the file holds more cells than one upload accepts; split it.",
    "cell_too_long": "a cell holds more text than a spreadsheet cell may.",
    "too_much_text": "the file holds more text than one upload accepts; split it.",
    "unpacked_too_large": "the file unpacks to more than an upload may; split it.",
    "database_unavailable": "the database is unavailable; try again later.",
    "user_not_allowed": "this account may not import data.",
}

STRINGS: dict[str, tuple[str, str]] = {
    **{f"issue.{code}": (zh, _EN_NAMES[code]) for code, zh in ISSUE_NAMES.items()},
    **{f"issue.msg.{code}": ("{message}", _EN_MESSAGES[code]) for code in ISSUE_NAMES},
    "issue.where.sheet": ("工作表“{sheet}”", "sheet “{sheet}”"),
    "issue.where.row": ("第{row}行", "row {row}"),
    "issue.where.column": ("「{column}」", "column “{column}”"),
    "upload.col.kind": ("问题类型", "Problem"),
}
