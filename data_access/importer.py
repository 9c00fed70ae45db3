"""Every upload kind of CONTRACT.md §2: read, normalise, validate every row, commit all or nothing.

The flow of `import_file`:
1. read the workbook (parsing.read_workbook) and find the header row by its names;
2. parse every data row's cells (pure, no database);
3. inside the write transaction (taken first, so two imports never interleave), resolve
   regions, departments and projects, check every rule, and only if there is no error upsert
   everything by the contract's keys, keeping the earlier values in audit_log;
4. record an UploadBatch for every attempt; a rejected batch in its own transaction after the
   rollback, so nothing of its rows is ever written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text, update
from sqlmodel import Session, SQLModel, col

from data_access import parsing as P
from data_access.enums import LEVEL2
from data_access.formatting import yuan as _yuan
from data_access.models import (
    AuditLog,
    Department,
    Evaluation,
    ExAnte,
    Finding,
    FindingStatusChange,
    Indicator,
    Monitoring,
    Project,
    Region,
    UploadBatch,
)
from data_access.queries.core import grade_of
from data_access.settings import SETTINGS, Settings

KINDS = tuple(P.COLUMNS)
IN_YUAN = "（折合元）"  # suffix of the preview column holding an amount as understood, in 元


def _max_upload_mb(default: int = 20) -> int:
    """server.maxUploadSize of .streamlit/config.toml: one limit for the page and the command line."""
    import tomllib

    config = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"
    try:
        return int(tomllib.loads(config.read_text(encoding="utf-8"))["server"]["maxUploadSize"])
    except (OSError, KeyError, ValueError, tomllib.TOMLDecodeError):
        return default


MAX_FILE_BYTES = _max_upload_mb() * 1024 * 1024
UNREADABLE = {"file_not_found", "not_a_spreadsheet", "corrupt_file", "encrypted_file"}
_PG_IMPORT_LOCK = 7_263_001  # pg_advisory_xact_lock key: imports into one database run one at a time
Progress = Callable[[float, str], None]


class UsageError(ValueError):
    """An unknown KIND or similar misuse (exit status 2)."""


# ---- report --------------------------------------------------------------------------------------
@dataclass
class Issue:
    """One error or warning, as CONTRACT.md's `import --json` lists them."""

    sheet: str | None
    row: int | None
    column: str | None
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "code": self.code, "message": self.message}


def on_sheet(sheet: str | None, message: str) -> str:
    """A message that names its sheet first (the issue asks for sheet, row, column and value in it)."""
    if not sheet or message.startswith("工作表"):
        return message
    return f"工作表“{sheet}”{message}" if message.startswith("第") else f"工作表“{sheet}”：{message}"


@dataclass
class ImportReport:
    """The outcome of one import; `to_json()` is exactly the contract's `import --json` object."""

    kind: str
    file: str
    sha256: str
    dry_run: bool
    rows_total: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    committed: bool = False
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    # Beyond the contract's object (kept in the batch record and shown on the upload page):
    batch_id: int | None = None
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    previous_batches: list[int] = field(default_factory=list)
    # The data rows as read ({"行": Excel row, column name: cell as typed, and for an amount column
    # "<name>（折合元）": the amount understood in 元}), for the page's preview.
    preview: list[dict[str, Any]] = field(default_factory=list, repr=False)
    # Amount column -> the unit it was read in and where that came from (`万元（第2行“单位：万元”）`).
    units: dict[str, str] = field(default_factory=dict, repr=False)
    # (department id, year, month) of the monitoring rows the file covered, for the submission matrix.
    coverage: set[tuple[int, int, int]] = field(default_factory=set, repr=False)

    CONTRACT_FIELDS = ("kind", "file", "sha256", "dry_run", "rows_total", "rows_valid", "rows_rejected",
                       "committed", "errors", "warnings")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {k: getattr(self, k) for k in self.CONTRACT_FIELDS}
        d["errors"] = [e.to_dict() for e in self.errors]
        d["warnings"] = [w.to_dict() for w in self.warnings]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_record(self) -> str:
        """The batch's stored report: the contract object plus the write counts."""
        d = self.to_dict()
        d.update(inserted=self.inserted, updated=self.updated, unchanged=self.unchanged,
                 previous_batches=self.previous_batches, coverage=sorted(self.coverage))
        return json.dumps(d, ensure_ascii=False)

    @classmethod
    def from_record(cls, record: str) -> ImportReport:
        """The report a batch stored (`to_record`), for the history page and its error workbook."""
        d = json.loads(record)
        report = cls(**{k: d[k] for k in cls.CONTRACT_FIELDS if k not in ("errors", "warnings")})
        report.errors = [Issue(**e) for e in d.get("errors", [])]
        report.warnings = [Issue(**w) for w in d.get("warnings", [])]
        for extra in ("inserted", "updated", "unchanged", "previous_batches"):
            setattr(report, extra, d.get(extra, getattr(report, extra)))
        report.coverage = {tuple(c) for c in d.get("coverage", [])}  # type: ignore[misc]
        return report

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def exit_code(self) -> int:
        if any(e.code in UNREADABLE for e in self.errors):
            return 2
        return 0 if self.ok and (self.committed or self.dry_run) else 1


# ---- rows and context -----------------------------------------------------------------------------
@dataclass
class Row:
    """One data row: its Excel row number, parsed values by field, and the raw cells."""

    number: int
    values: dict[str, Any]
    raw: dict[str, object]
    ok: bool = True
    resolved: dict[str, Any] = field(default_factory=dict)  # ids found in the database


@dataclass
class Ctx:
    session: Session
    report: ImportReport
    sheet: str
    columns: dict[str, P.Column]
    user: str
    settings: Settings
    allowed_department_ids: frozenset[int] | None
    batch_id: int | None = None
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    _regions: dict[str, Region] | None = None
    _departments: dict[int, list[Department]] | None = None
    _department_names: dict[int, str] | None = None
    # Suggestions for unknown project codes: the projects of (year, region), and each code's hint.
    known_projects: dict[tuple[int, int | None], list[_Known]] = field(default_factory=dict)
    project_hints: dict[tuple[int, int | None, str], str] = field(default_factory=dict)

    # -- messages
    def col(self, fld: str) -> str:
        c = self.columns.get(fld)
        return c.zh if c else fld

    def error(self, row: Row, fld: str | None, code: str, message: str) -> None:
        row.ok = False
        self.report.errors.append(Issue(self.sheet, row.number, self.col(fld) if fld else None, code, on_sheet(self.sheet, message)))

    def warn(self, row: Row | None, fld: str | None, code: str, message: str) -> None:
        self.report.warnings.append(
            Issue(self.sheet, row.number if row else None, self.col(fld) if fld else None, code, on_sheet(self.sheet, message))
        )

    def cell(self, row: Row, fld: str) -> str:
        """「column」的值“raw” prefix of a message about one cell."""
        return f"第{row.number}行「{self.col(fld)}」的值“{P.display(row.raw.get(fld))}”"

    # -- reference data
    def regions(self) -> dict[str, Region]:
        if self._regions is None:
            regions = self.session.execute(select(Region)).scalars().all()
            self._regions = {P.key(r.name): r for r in regions}
            for r in regions:
                if r.full_name:
                    self._regions.setdefault(P.key(r.full_name), r)
        return self._regions

    def departments(self, region_id: int) -> list[Department]:
        if self._departments is None:
            self._departments = defaultdict(list)
            for d in self.session.execute(select(Department)).scalars():
                self._departments[d.region_id].append(d)
        return self._departments[region_id]

    def find_region(self, row: Row, fld: str = "region") -> Region | None:
        name = row.values.get(fld)
        region = self.regions().get(P.key(name)) if name else None
        if region is None and name:
            names = [r.name for r in self.regions().values()]
            self.error(row, fld, "unknown_region", f"{self.cell(row, fld)}不是已有的行政区{_closest(name, names)}。")
        return region

    def find_department(self, row: Row, region: Region, fld: str = "department") -> Department | None:
        code, name = row.values[fld]
        depts = self.departments(region.id)  # type: ignore[arg-type]
        k = P.key(name)
        for d in depts:
            if P.key(d.name) == k:
                return d
        for d in depts:
            if code and d.code == code:
                return d
        self.error(row, fld, "unknown_department",
                   f"{self.cell(row, fld)}在{region.name}没有找到对应的预算单位{_closest(name, [d.name for d in depts])}。")
        return None

    # -- department scope (a finance user limited to some departments)
    def department_name(self, department_id: int) -> str:
        if self._department_names is None:
            self._department_names = dict(self.session.execute(select(col(Department.id), col(Department.name))).all())
        return self._department_names.get(department_id, f"#{department_id}")

    def may_write(self, department_id: int | None) -> bool:
        """Whether the user may write a record of this department (None: a new department or none)."""
        allowed = self.allowed_department_ids
        return allowed is None or (department_id is not None and department_id in allowed)

    def in_scope(self, row: Row, department_id: int | None, fld: str = "department", *, record: str | None = None,
                 existing: bool = False) -> bool:
        """True when the user may write for `department_id`, else an out_of_scope error on `fld`.

        `record` names what the cell resolved to ("项目", "问题（黄埔区2023年度）") so the message can
        say which department owns it; `existing` when that is the record the row would overwrite.
        """
        if self.may_write(department_id):
            return True
        given = row.raw.get(fld) not in (None, "")
        cell = self.cell(row, fld) if given else f"第{row.number}行「{self.col(fld)}」"
        if department_id is None:
            what = f"{cell}不是已有的预算单位：新增预算单位只能由不限单位的用户导入"
        elif record:
            what = f"{cell}对应的{record}属于{self.department_name(department_id)}，不在您可以填报的单位范围内"
        else:
            what = f"{cell}不在您可以填报的单位范围内"
        then = "不能修改它，也不能把它改到本单位名下。" if existing else "请只上传本单位的数据。"
        self.error(row, fld, "out_of_scope", f"{what}（您可以填报：{self.scope_names()}），{then}")
        return False

    def scope_names(self, limit: int = 5) -> str:
        names = sorted(self.department_name(i) for i in self.allowed_department_ids or ())
        return "、".join(names[:limit]) + (f"等 {len(names)} 个单位" if len(names) > limit else "") if names else "无"


def _closest(name: str, candidates: Iterable[str]) -> str:
    pool = list(dict.fromkeys(candidates))
    match = difflib.get_close_matches(name, pool, n=1, cutoff=0.3)
    if match:
        return f"，最接近的是“{match[0]}”"
    return "（没有相近的名称，请检查是否写错，或先导入项目数据）" if pool else "（数据库中还没有任何记录，请先导入项目数据）"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# ---- reading and parsing (no database) -------------------------------------------------------------
def _choose_sheet(kind: str, sheets: Sequence[P.Sheet], report: ImportReport) -> tuple[P.Sheet, P.HeaderMatch] | None:
    columns = P.COLUMNS[kind]
    best: tuple[P.Sheet, P.HeaderMatch] | None = None
    for sheet in sheets:
        m = P.find_header(sheet.rows, columns)
        if m is None:
            continue
        if not m.missing:
            return sheet, m
        if best is None or len(m.columns) > len(best[1].columns):
            best = (sheet, m)
    required = [c for c in columns if c.required]
    if best is None:
        names = "、".join(f"「{c.zh}」({c.alias})" for c in required)
        report.errors.append(Issue(sheets[0].name if sheets else None, None, None, "missing_column",
                                   f"没有找到表头：文件中没有一行包含{P.KIND_NAMES[kind]}数据的列名。必填列为：{names}。"
                                   "请使用下载的模板，或把表头改成这些列名。"))
        return None
    sheet, m = best
    found = "、".join(P.display(sheet.rows[m.row_index][i]) for i in m.columns.values())
    hint = _other_kind_hint(kind, sheets)
    for c in m.missing:
        report.errors.append(Issue(sheet.name, m.excel_row, c.zh, "missing_column", on_sheet(sheet.name,
                                   f"缺少必填列「{c.zh}」（英文别名 {c.alias}）。第{m.excel_row}行的表头中已识别：{found}。{hint}")))
    return None


def _other_kind_hint(kind: str, sheets: Sequence[P.Sheet]) -> str:
    """When the file is complete for another kind, the clerk most likely chose the wrong one."""
    for other, columns in P.COLUMNS.items():
        if other != kind and any((m := P.find_header(s.rows, columns)) is not None and not m.missing for s in sheets):
            return f"这个文件的表头与「{P.KIND_NAMES[other]}」模板一致，是否选错了数据类型？"
    return ""


def _unit_line(sheet: P.Sheet, header: P.HeaderMatch) -> tuple[str, int, str] | None:
    """The last `单位：万元` line above the header: (unit, Excel row, the cell as typed)."""
    found = None
    for i, cells in enumerate(sheet.rows[: header.row_index]):
        for cell in cells:
            unit = P.detect_unit_line([cell])
            if unit:
                found = (unit, i + 1, P.display(cell))
    return found


def _amount_factors(sheet: P.Sheet, header: P.HeaderMatch, columns: dict[str, P.Column], ctx: Ctx) -> dict[str, int]:
    """Yuan per unit of each amount column: the header's unit, else the unit line's, else 元.

    A header unit that disagrees with the unit line is an error naming both: the clerk meant one of them.
    """
    line = _unit_line(sheet, header)
    factors: dict[str, int] = {}
    dummy = Row(header.excel_row, {}, {})
    for fld, idx in header.columns.items():
        if columns[fld].kind != "amount":
            continue
        text = P.display(sheet.rows[header.row_index][idx])
        own = header.units.get(fld)
        unit = own or (line[0] if line else "元")
        factor = P.unit_factor(unit)
        if factor is None:
            ctx.error(dummy, fld, "unknown_unit", f"第{header.excel_row}行表头「{text}」的单位“{unit}”无法识别（可用：元、万元、亿元）。")
            factor = 1
        elif own and line and P.unit_factor(line[0]) != factor:
            ctx.error(dummy, fld, "unit_conflict",
                      f"第{header.excel_row}行表头「{text}」的单位“{own}”与第{line[1]}行“{line[2]}”不一致，无法确定金额是按哪个单位填写的。"
                      f"请删除表头中的单位，或改正第{line[1]}行的单位，使两者一致后再上传。")
        where = "表头" if own else (f"第{line[1]}行“{line[2]}”" if line else "未写单位，默认")
        ctx.report.units[columns[fld].zh] = f"{unit}（{where}）"
        factors[fld] = factor
    return factors


def _parse_rows(kind: str, sheet: P.Sheet, header: P.HeaderMatch, ctx: Ctx, progress: Progress | None) -> list[Row]:
    columns = {c.field: c for c in P.COLUMNS[kind]}
    factors = _amount_factors(sheet, header, columns, ctx)
    rows: list[Row] = []
    body = sheet.rows[header.row_index + 1:]
    for offset, cells in enumerate(body):
        if progress and offset % 2000 == 0:
            progress(0.4 * offset / max(len(body), 1), "读取数据行")
        if P.should_skip(cells):
            continue
        number = header.row_index + 2 + offset
        ctx.report.rows_total += 1
        if ctx.report.rows_total > ctx.settings.max_upload_rows:
            ctx.report.errors.append(Issue(sheet.name, number, None, "too_many_rows", on_sheet(
                sheet.name, f"数据超过单个文件 {ctx.settings.max_upload_rows:,} 行的上限（第{number}行起）。请拆分成多个文件上传。")))
            break
        raw = {fld: (cells[i] if i < len(cells) else None) for fld, i in header.columns.items()}
        row = Row(number, {}, raw)
        if P.is_example_row(cells):
            ctx.error(row, None, "example_row", f"第{number}行是模板中的示例行（“{P.display(next(c for c in cells if not P.is_blank(c)))}”），"
                      f"不能作为数据导入。请删除这一行，或改成实际数据并去掉“{P.EXAMPLE_MARK}”。")
        for fld, value in raw.items():
            _parse_cell(ctx, row, columns[fld], value, factors.get(fld, 1))
        ctx.report.preview.append(_preview(row, columns, factors))
        rows.append(row)
    return rows


def _preview(row: Row, columns: dict[str, P.Column], factors: dict[str, int]) -> dict[str, Any]:
    """The row as typed; beside each amount, the amount understood in 元 (so the clerk sees the unit read)."""
    out: dict[str, Any] = {"行": row.number}
    for fld, value in row.raw.items():
        out[columns[fld].zh] = P.display(value)
        if fld in factors:
            fen = row.values.get(fld)
            out[f"{columns[fld].zh}{IN_YUAN}"] = _yuan(fen) if isinstance(fen, int) else ""
    return out


def _parse_cell(ctx: Ctx, row: Row, col: P.Column, value: object, factor: int) -> None:
    fld = col.field
    try:
        if col.kind == "amount":
            parsed: Any = P.parse_amount(value, factor)
            if parsed is not None and parsed < 0:
                ctx.error(row, fld, "negative_amount", f"{ctx.cell(row, fld)}是负数，金额不能小于 0。")
                return
        elif col.kind == "code":
            parsed = P.parse_code(value)
        elif col.kind in ("name", "region"):
            parsed = P.parse_name(value)
        elif col.kind == "text":
            parsed = P.parse_text(value)
        elif col.kind == "department":
            parsed = P.parse_department(value)
        elif col.kind == "year":
            parsed = P.parse_int(value, "年")
            if parsed is not None and not 1990 <= parsed <= 2100:
                ctx.error(row, fld, "invalid_year", f"{ctx.cell(row, fld)}不是有效的预算年度（应为 4 位年份，如 2023）。")
                return
        elif col.kind == "month":
            parsed = P.parse_int(value, "月")
            if parsed is not None and not 1 <= parsed <= 12:
                ctx.error(row, fld, "month_out_of_range", f"{ctx.cell(row, fld)}不在 1–12 之间。")
                return
        elif col.kind == "int":
            parsed = P.parse_int(value, "条个项")
            if parsed is not None and parsed < 0:
                ctx.error(row, fld, "not_a_number", f"{ctx.cell(row, fld)}不能是负数。")
                return
        elif col.kind == "score":
            parsed = P.parse_score(value)
            if parsed is not None and not 0 <= parsed <= 10000:
                ctx.error(row, fld, "score_out_of_range", f"{ctx.cell(row, fld)}不在 0–100 分之间。")
                return
        elif col.kind == "rate":
            parsed = P.parse_rate(value)
            if parsed is not None and parsed < 0:
                ctx.error(row, fld, "not_a_number", f"{ctx.cell(row, fld)}不能是负数。")
                return
        elif col.kind == "date":
            parsed = P.parse_date(value)
        elif col.kind == "bool":
            parsed = P.parse_bool(value)
        elif col.kind == "enum":
            assert col.enum is not None
            parsed = col.enum.parse(value)
        else:  # pragma: no cover - every column kind is listed above
            raise AssertionError(col.kind)
    except P.CellError as exc:
        reason = "不是数字" if exc.code == "not_a_number" and exc.reason == "不是数字" else exc.reason
        ctx.error(row, fld, exc.code, f"{ctx.cell(row, fld)}{reason}。")
        return
    if parsed is None and col.required:
        ctx.error(row, fld, "required", f"第{row.number}行「{col.zh}」不能为空。")
        return
    if parsed is not None or col.kind == "bool":
        row.values[fld] = parsed


# ---- shared validation helpers ---------------------------------------------------------------------
def _check_duplicates(ctx: Ctx, rows: list[Row], key_of: Callable[[Row], tuple], compare: Callable[[Row], dict]) -> list[Row]:
    """Same key twice: identical rows are a warning (kept once), different values an error."""
    seen: dict[tuple, Row] = {}
    unique: list[Row] = []
    for row in rows:
        if not row.ok:
            continue
        k = key_of(row)
        first = seen.get(k)
        if first is None:
            seen[k] = row
            unique.append(row)
        elif compare(first) == compare(row):
            ctx.warn(row, None, "duplicate_row", f"第{row.number}行与第{first.number}行完全相同，只导入一次。")
        else:
            diff = [ctx.col(f) for f in sorted(set(compare(first)) | set(compare(row)))
                    if compare(first).get(f) != compare(row).get(f)]
            ctx.error(row, None, "duplicate_key_conflict",
                      f"第{row.number}行与第{first.number}行是同一条记录（{_describe_key(ctx, row)}），"
                      f"但「{'」「'.join(diff)}」不同。请删除其中一行或改正。")
    return unique


def _describe_key(ctx: Ctx, row: Row) -> str:
    parts = []
    for fld in ("region", "year", "code", "finding_code", "department", "subject", "method", "name", "month"):
        if fld in row.raw and row.raw[fld] not in (None, ""):
            parts.append(f"{ctx.col(fld)} {P.display(row.raw[fld])}")
    return "，".join(parts)


def _load_projects(session: Session, years_codes: set[tuple[int, str]]) -> dict[tuple[int, str], list[Project]]:
    """Projects by (year, code), across regions; loaded in chunks of codes."""
    out: dict[tuple[int, str], list[Project]] = defaultdict(list)
    codes = sorted({c for _, c in years_codes})
    for start in range(0, len(codes), 900):
        chunk = codes[start:start + 900]
        for p in session.execute(select(Project).where(col(Project.code).in_(chunk))).scalars():
            if (p.year, p.code) in years_codes:
                out[(p.year, p.code)].append(p)
    return out


@dataclass(frozen=True)
class _Known:
    """A project a suggestion may name."""

    code: str
    name: str
    department: str
    region: str


_MAX_CLOSEST = 500  # difflib over a year's codes costs milliseconds: only for the first distinct unknown codes


def _known_projects(ctx: Ctx, year: int, region: Region | None) -> list[_Known]:
    """The projects of a year (and region), loaded once per import and kept on the context."""
    key = (year, region.id if region else None)
    if key not in ctx.known_projects:
        q = (select(col(Project.code), col(Project.name), col(Department.name), col(Region.name))
             .join(Department, col(Department.id) == col(Project.department_id)).join(Region, col(Region.id) == col(Project.region_id))
             .where(col(Project.year) == year))
        if region is not None:
            q = q.where(col(Project.region_id) == region.id)
        ctx.known_projects[key] = [_Known(*r) for r in ctx.session.execute(q)]
    return ctx.known_projects[key]


def _row_project_name(ctx: Ctx, row: Row) -> tuple[str, str] | None:
    """The project's name the row gives beside the code: 项目名称 (monitoring), or 评价对象 of a project evaluation."""
    name_col = ctx.columns.get("name")
    if name_col is not None and name_col.zh == "项目名称" and row.values.get("name"):
        return name_col.zh, row.values["name"]
    if row.values.get("subject") and row.values.get("subject_type") in (None, "project"):
        return ctx.col("subject"), row.values["subject"]
    return None


def _project_hint(ctx: Ctx, row: Row, year: int, code: str, region: Region | None) -> str:
    """What to tell the clerk about an unknown code: the project named on the same row first, else the closest code.

    Says 请先导入项目数据 only when the year (and region) has no project at all.
    """
    pool = _known_projects(ctx, year, region)
    if not pool:
        return f"：{region.name if region else ''}{year}年度还没有任何项目，请先导入项目数据。"
    named = _row_project_name(ctx, row)
    if named:
        label, name = named
        same = [p for p in pool if P.key(p.name) == P.key(name)]
        dept = row.values.get("department")
        if dept and len(same) > 1:
            same = [p for p in same if P.key(p.department) == P.key(dept[1])] or same
        if same:
            codes = "、".join(f"“{p.code}”（{p.region}{p.department}）" if len(same) > 1 else f"“{p.code}”" for p in same[:3])
            return f"。本行的{label}“{name}”对应的项目编码是{codes}，请核对项目编码。"
    hint_key = (year, region.id if region else None, code)
    if hint_key not in ctx.project_hints:
        close = None
        if len(ctx.project_hints) < _MAX_CLOSEST:
            prefix = [p.code for p in pool if p.code[:3] == code[:3]] or [p.code for p in pool]
            match = difflib.get_close_matches(code, prefix, n=1, cutoff=0.3)
            close = next((p for p in pool if match and p.code == match[0]), None)
        ctx.project_hints[hint_key] = (f"，最接近的编码是“{close.code}”（{close.name}，{close.department}），请核对项目编码。" if close
                                       else "，也没有相近的编码，请核对项目编码。")
    return ctx.project_hints[hint_key]


def _resolve_project(ctx: Ctx, row: Row, projects: dict[tuple[int, str], list[Project]], year: int | None,
                     region: Region | None) -> Project | None:
    code = row.values["code"]
    if year is None:
        found = [p for (y, c), ps in projects.items() if c == code for p in ps]
    else:
        found = list(projects.get((year, code), []))
    if region is not None:
        found = [p for p in found if p.region_id == region.id]
    if not found:
        where = f"{region.name}" if region else ""
        hint = _project_hint(ctx, row, year, code, region) if year else "。请核对项目编码，或增加「预算年度」列。"
        ctx.error(row, "code", "unknown_project", f"{ctx.cell(row, 'code')}在{where}{year or ''}{'年度' if year else ''}的项目中不存在{hint}")
        return None
    if len(found) > 1:
        names = {r.id: r.name for r in ctx.regions().values()}
        if region is None and len({p.region_id for p in found}) > 1:
            ctx.error(row, "region", "region_required",
                      f"第{row.number}行的项目编码“{code}”在{'、'.join(sorted(names[p.region_id] for p in found))}都存在，"
                      "请增加「行政区」列并填写本行所属的行政区。")
        else:
            ctx.error(row, "year", "region_required",
                      f"第{row.number}行的项目编码“{code}”对应多个年度的项目，请增加「预算年度」列并填写年度。")
        return None
    return found[0]


# ---- writing -------------------------------------------------------------------------------------
@dataclass
class _Upsert:
    inserted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0


def _upsert(ctx: Ctx, model: type[SQLModel], existing: dict[tuple, Any], records: list[tuple[tuple, dict, dict]]) -> _Upsert:
    """Insert new keys, update changed ones (their earlier values into audit_log), skip the same.

    `records` are (key, values to write, defaults for a new row); `existing` maps key -> ORM row.
    """
    table = str(model.__tablename__)
    out = _Upsert()
    new_rows: list[dict] = []
    changes: list[dict] = []
    audits: list[dict] = []
    for key, values, defaults in records:
        current = existing.get(key)
        if current is None:
            new_rows.append({**defaults, **values})
            continue
        changed = {f: v for f, v in values.items() if getattr(current, f) != v}
        if not changed:
            out.unchanged += 1
            continue
        changes.append({"id": current.id, **changed})
        out.updated.append(current.id)
        audits.append({
            "actor": ctx.user, "action": "import_update", "entity": table, "entity_id": current.id,
            "batch_id": ctx.batch_id, "at": ctx.now,
            "detail_json": json.dumps({"before": {f: _jsonable(getattr(current, f)) for f in changed},
                                       "after": {f: _jsonable(v) for f, v in changed.items()}}, ensure_ascii=False),
        })
    if new_rows:
        # Bulk insert in chunks; RETURNING gives the ids in parameter order on SQLite and PostgreSQL.
        columns = sorted({k for r in new_rows for k in r})
        for start in range(0, len(new_rows), 2000):
            chunk = [{c: r.get(c) for c in columns} for r in new_rows[start:start + 2000]]
            ids = ctx.session.execute(
                insert(model).returning(model.id, sort_by_parameter_order=True), chunk  # type: ignore[attr-defined]
            ).scalars().all()
            out.inserted.extend(ids)
    for start in range(0, len(changes), 2000):
        ctx.session.execute(update(model), changes[start:start + 2000])
    if audits:
        ctx.session.execute(insert(AuditLog), audits)
    if out.inserted:
        ctx.session.add(AuditLog(actor=ctx.user, action="import_insert", entity=table, batch_id=ctx.batch_id, at=ctx.now,
                                 detail_json=json.dumps({"ids": out.inserted})))
    ctx.report.inserted += len(out.inserted)
    ctx.report.updated += len(out.updated)
    ctx.report.unchanged += out.unchanged
    return out


def _given(row: Row, mapping: dict[str, str]) -> dict[str, Any]:
    """Optional values the row gives, renamed to model fields (blank = not given = keep)."""
    return {model_field: row.values[fld] for fld, model_field in mapping.items() if fld in row.values}


def _publish_fields(ctx: Ctx, row: Row, current: Any) -> dict[str, Any]:
    """是否公开: absent column or blank = not published; keep the first publication's time."""
    published = bool(row.values.get("published", False))
    if published:
        if current is not None and current.published:
            return {"published": True}
        return {"published": True, "published_at": ctx.now, "published_by": ctx.user}
    return {"published": False, "published_at": None, "published_by": None}


# ---- projects ----------------------------------------------------------------------------------------
def _projects(ctx: Ctx, rows: list[Row], dry_run: bool) -> None:
    regions = ctx.regions()
    scoped = ctx.allowed_department_ids is not None
    keyed = _load_projects(ctx.session, {(r.values["year"], r.values["code"]) for r in rows if r.ok}) if scoped else {}
    for row in rows:
        if not row.ok:
            continue
        fs = row.values.get("fund_source")
        if fs is not None and fs not in ctx.settings.fund_sources:
            ctx.error(row, "fund_source", "unknown_value",
                      f"{ctx.cell(row, 'fund_source')}不是有效的资金来源（可选：{'、'.join(ctx.settings.fund_sources)}）。")
        region = regions.get(P.key(row.values["region"]))
        dept = None
        if region is not None:
            code, name = row.values["department"]
            dept = next((d for d in ctx.departments(region.id) if P.key(d.name) == P.key(name)), None)  # type: ignore[arg-type]
        if scoped and ctx.in_scope(row, dept.id if dept else None) and region is not None:
            # The key (region, year, code) may name another department's project: it would move here.
            current = next((p for p in keyed.get((row.values["year"], row.values["code"]), []) if p.region_id == region.id), None)
            if current is not None:
                ctx.in_scope(row, current.department_id, "code", existing=True,
                             record=f"项目（{region.name}{current.year}年度）")
    unique = _check_duplicates(ctx, rows, lambda r: (P.key(r.values["region"]), r.values["year"], r.values["code"]),
                               lambda r: r.values)
    if ctx.report.errors or dry_run:
        return
    # Regions and departments the file names are created first.
    for row in unique:
        region = regions.get(P.key(row.values["region"]))
        if region is None:
            region = Region(name=row.values["region"])
            ctx.session.add(region)
            ctx.session.flush()
            regions[P.key(region.name)] = region
            ctx.departments(region.id)  # type: ignore[arg-type]
        code, name = row.values["department"]
        depts = ctx.departments(region.id)  # type: ignore[arg-type]
        dept = next((d for d in depts if P.key(d.name) == P.key(name)), None)
        if dept is None:
            dept = Department(region_id=region.id, code=code, name=name)  # type: ignore[arg-type]
            ctx.session.add(dept)
            ctx.session.flush()
            depts.append(dept)
        elif code and not dept.code:
            dept.code = code
        row.resolved.update(region_id=region.id, department_id=dept.id)
    region_ids = {r.resolved["region_id"] for r in unique}
    existing = {}
    for p in ctx.session.execute(select(Project).where(col(Project.region_id).in_(region_ids))).scalars():
        existing[(p.region_id, p.year, p.code)] = p
    records = []
    for row in unique:
        v = row.values
        values = {"department_id": row.resolved["department_id"], "name": v["name"],
                  "budget_adjusted_fen": v["budget_adjusted"], "is_new": bool(v.get("is_new", False)),
                  **_given(row, {"budget_initial": "budget_initial_fen", "fund_source": "fund_source", "kind": "kind"})}
        key = (row.resolved["region_id"], v["year"], v["code"])
        defaults = {"region_id": key[0], "year": key[1], "code": key[2], "budget_initial_fen": None,
                    "fund_source": "一般公共预算", "kind": "recurring"}
        records.append((key, values, defaults))
    _upsert(ctx, Project, existing, records)


# ---- monitoring ------------------------------------------------------------------------------------------
def _monitoring(ctx: Ctx, rows: list[Row], dry_run: bool) -> None:
    projects = _load_projects(ctx.session, {(r.values["year"], r.values["code"]) for r in rows
                                            if "year" in r.values and "code" in r.values})
    for row in rows:  # what the file was about, even where a cell is wrong (the submission matrix)
        found = projects.get((row.values.get("year"), row.values.get("code")), [])  # type: ignore[arg-type]
        region = ctx.regions().get(P.key(row.values["region"])) if row.values.get("region") else None
        found = [p for p in found if region is None or p.region_id == region.id]
        if len(found) == 1 and "month" in row.values and ctx.may_write(found[0].department_id):
            ctx.report.coverage.add((found[0].department_id, found[0].year, row.values["month"]))
    for row in rows:
        if not row.ok:
            continue
        region = ctx.find_region(row) if row.values.get("region") else None
        if row.values.get("region") and region is None:
            continue
        project = _resolve_project(ctx, row, projects, row.values["year"], region)
        if project is None:
            continue
        row.resolved["project"] = project
        if ctx.in_scope(row, project.department_id, "code", record="项目"):
            ctx.report.coverage.add((project.department_id, project.year, row.values["month"]))
    unique = _check_duplicates(ctx, rows, lambda r: (r.resolved["project"].id, r.values["month"]),
                               lambda r: {k: v for k, v in r.values.items() if k not in ("region", "name", "department")})
    pids = sorted({r.resolved["project"].id for r in unique})
    existing: dict[tuple, Monitoring] = {}
    for start in range(0, len(pids), 900):
        for m in ctx.session.execute(select(Monitoring).where(col(Monitoring.project_id).in_(pids[start:start + 900]))).scalars():
            existing[(m.project_id, m.month)] = m
    _monitoring_warnings(ctx, unique, existing)
    if ctx.report.errors or dry_run:
        return
    records = []
    for row in unique:
        v, pid = row.values, row.resolved["project"].id
        current = existing.get((pid, v["month"]))
        values = {"spent_cumulative_fen": v["spent_cumulative"], "budget_fen": v.get("budget_adjusted"),
                  **_given(row, {"target_progress": "target_progress", "deviation_reason": "deviation_reason"})}
        if current is not None and current.submitted_at is None:
            values["submitted_at"] = ctx.now
        records.append(((pid, v["month"]), values, {"project_id": pid, "month": v["month"], "submitted_at": ctx.now,
                                                     "target_progress": None, "deviation_reason": None}))
    result = _upsert(ctx, Monitoring, existing, records)
    touched = result.inserted + result.updated
    for start in range(0, len(touched), 900):
        ctx.session.execute(update(Monitoring).where(col(Monitoring.id).in_(touched[start:start + 900])).values(batch_id=ctx.batch_id)
                            .execution_options(synchronize_session=False))


def _monitoring_warnings(ctx: Ctx, rows: list[Row], existing: dict[tuple, Monitoring]) -> None:
    """spent_decreased and spent_exceeds_budget, over the file's months merged with the database's."""
    by_project: dict[int, dict[int, tuple[int, int | None, Row | None]]] = defaultdict(dict)
    for (pid, month), m in existing.items():
        by_project[pid][month] = (m.spent_cumulative_fen, m.budget_fen, None)
    file_projects = {r.resolved["project"].id: r.resolved["project"] for r in rows}
    for row in rows:
        pid = row.resolved["project"].id
        by_project[pid][row.values["month"]] = (row.values["spent_cumulative"], row.values.get("budget_adjusted"), row)
    for pid, project in file_projects.items():
        months = sorted(by_project[pid].items())
        budget = project.budget_adjusted_fen
        carried: int | None = None
        peak: tuple[int, int] | None = None  # (spent, month) highest so far
        peak_row: Row | None = None  # the file row holding the peak, if it came from the file
        for month, (spent, month_budget, file_row) in months:
            if month_budget is not None:
                carried = month_budget
            effective = carried if carried is not None else budget
            if file_row is not None:
                if peak is not None and spent < peak[0]:
                    ctx.warn(file_row, "spent_cumulative", "spent_decreased",
                             f"{ctx.cell(file_row, 'spent_cumulative')}（{_yuan(spent)} 元）低于第{peak[1]}月的累计支出 "
                             f"{_yuan(peak[0])} 元；累计支出一般不会减少，请核对。")
                if effective and spent > effective:
                    ctx.warn(file_row, "spent_cumulative", "spent_exceeds_budget",
                             f"{ctx.cell(file_row, 'spent_cumulative')}（{_yuan(spent)} 元）超过预算 {_yuan(effective)} 元，请核对。")
            elif peak is not None and spent < peak[0] and peak_row is not None:
                ctx.warn(peak_row, "spent_cumulative", "spent_decreased",
                         f"{ctx.cell(peak_row, 'spent_cumulative')}高于数据库中已有的第{month}月累计支出 {_yuan(spent)} 元，请核对。")
            if peak is None or spent >= peak[0]:
                peak, peak_row = (spent, month), file_row


# ---- evaluations -------------------------------------------------------------------------------------
def _region_dept(ctx: Ctx, row: Row) -> tuple[Region, Department] | None:
    region = ctx.find_region(row)
    if region is None:
        return None
    dept = ctx.find_department(row, region)
    if dept is None:
        return None
    if not ctx.in_scope(row, dept.id):
        return None
    row.resolved.update(region=region, department_id=dept.id)
    return region, dept


def _evaluations(ctx: Ctx, rows: list[Row], dry_run: bool) -> None:
    projects = _load_projects(ctx.session, {(r.values["year"], r.values["code"]) for r in rows if r.ok and r.values.get("code")})
    for row in rows:
        if not row.ok or _region_dept(ctx, row) is None:
            continue
        region: Region = row.resolved["region"]
        v = row.values
        if v.get("code"):
            project = _resolve_project(ctx, row, projects, v["year"], region)
            if project is not None and ctx.in_scope(row, project.department_id, "code", record="项目"):
                row.resolved["project_id"] = project.id
        if v.get("grade"):
            expected = grade_of(v["score"], region.grade_excellent, region.grade_good, region.grade_fair)
            if expected != v["grade"]:
                from data_access.enums import GRADES

                ctx.error(row, "grade", "grade_mismatch",
                          f"{ctx.cell(row, 'grade')}与得分 {P.display(row.raw['score'])} 不符：按{region.name}的等级标准"
                          f"（优≥{region.grade_excellent}，良≥{region.grade_good}，中≥{region.grade_fair}）应为“{GRADES[expected]}”。")
    unique = _check_duplicates(
        ctx, rows, lambda r: (r.resolved["region"].id, r.values["year"], r.resolved["department_id"], P.key(r.values["subject"]), r.values["method"]),
        lambda r: {k: v for k, v in r.values.items() if k != "department"})
    if ctx.report.errors or dry_run:
        return
    existing = {}
    region_ids = {r.resolved["region"].id for r in unique}
    for e in ctx.session.execute(select(Evaluation).where(col(Evaluation.region_id).in_(region_ids))).scalars():
        existing[(e.region_id, e.year, e.department_id, P.key(e.subject), e.method)] = e
    records = []
    for row in unique:
        v = row.values
        key = (row.resolved["region"].id, v["year"], row.resolved["department_id"], P.key(v["subject"]), v["method"])
        values = {"subject_type": v["subject_type"], "score_centi": v["score"],
                  **_given(row, {"evaluator": "evaluator", "funds": "funds_fen", "budget_completion_rate": "budget_completion_centi",
                                 "recommendations": "recommendations", "report_summary": "report_summary"}),
                  **_publish_fields(ctx, row, existing.get(key))}
        if "project_id" in row.resolved:
            values["project_id"] = row.resolved["project_id"]
        defaults = {"region_id": key[0], "year": key[1], "department_id": key[2], "subject": v["subject"], "method": key[4],
                    "project_id": None, "evaluator": None, "funds_fen": None, "budget_completion_centi": None,
                    "recommendations": None, "report_summary": None, "published_at": None, "published_by": None}
        records.append((key, values, defaults))
    _upsert(ctx, Evaluation, existing, records)


# ---- findings -------------------------------------------------------------------------------------------
def _findings(ctx: Ctx, rows: list[Row], dry_run: bool) -> None:
    evaluations: dict[tuple[int, int], list[Evaluation]] = defaultdict(list)
    for row in rows:
        if not row.ok or _region_dept(ctx, row) is None:
            continue
        scope = (row.resolved["region"].id, row.values["year"])
        if scope not in evaluations:
            evaluations[scope] = list(ctx.session.execute(select(Evaluation).where(
                col(Evaluation.region_id) == scope[0], col(Evaluation.year) == scope[1])).scalars())
        same = [e for e in evaluations[scope] if P.key(e.subject) == P.key(row.values["subject"])]
        if same and not any(ctx.may_write(e.department_id) for e in same):
            ctx.in_scope(row, same[0].department_id, "subject", record="评价")
            continue
        same = [e for e in same if ctx.may_write(e.department_id)]
        if not same:
            ctx.error(row, "subject", "unknown_evaluation",
                      f"{ctx.cell(row, 'subject')}在{row.resolved['region'].name}{row.values['year']}年度的绩效评价中不存在"
                      f"{_closest(row.values['subject'], [e.subject for e in evaluations[scope]])}。请先导入评价结果。")
            continue
        # The finance evaluation of that subject (as the seed links it), by the same department when possible.
        same.sort(key=lambda e: (e.method != "self", e.department_id == row.resolved["department_id"], e.id or 0))
        row.resolved["evaluation_id"] = same[-1].id if same[-1].method != "self" else None
        v = row.values
        if v.get("rectified_date") and v["status"] != "rectified":
            ctx.warn(row, "rectified_date", "status_date_mismatch",
                     f"第{row.number}行填写了完成日期，但整改状态是“{P.display(row.raw.get('status'))}”，请核对。")
    unique = _check_duplicates(ctx, rows, lambda r: (r.resolved["region"].id, r.values["year"], r.values["finding_code"]),
                               lambda r: {k: v for k, v in r.values.items() if k != "department"})
    existing = {}
    for f in ctx.session.execute(select(Finding).where(col(Finding.region_id).in_({r.resolved["region"].id for r in unique}))).scalars():
        existing[(f.region_id, f.year, f.finding_code)] = f
    for row in unique:  # the key has no department: it may name another department's finding
        current = existing.get((row.resolved["region"].id, row.values["year"], row.values["finding_code"]))
        if current is not None:
            ctx.in_scope(row, current.department_id, "finding_code", existing=True,
                         record=f"问题（{row.resolved['region'].name}{current.year}年度）")
    if ctx.report.errors or dry_run:
        return
    records = []
    before = {k: f.status for k, f in existing.items()}
    for row in unique:
        v = row.values
        key = (row.resolved["region"].id, v["year"], v["finding_code"])
        values = {"department_id": row.resolved["department_id"], "evaluation_id": row.resolved["evaluation_id"],
                  "subject": v["subject"], "category": v["category"], "description": v["description"],
                  "deadline": v["deadline"], "status": v["status"],
                  **_given(row, {"recommendation": "recommendation", "measures": "measures",
                                 "feedback_date": "feedback_date", "rectified_date": "rectified_date"}),
                  **_publish_fields(ctx, row, existing.get(key))}
        defaults = {"region_id": key[0], "year": key[1], "finding_code": key[2], "recommendation": None, "measures": None,
                    "feedback_date": None, "rectified_date": None, "published_at": None, "published_by": None}
        records.append((key, values, defaults))
    result = _upsert(ctx, Finding, existing, records)
    comment = f"导入批次 #{ctx.batch_id}"
    history = []
    new_ids = iter(result.inserted)
    for key, values, _defaults in records:
        if key not in existing:
            history.append({"finding_id": next(new_ids), "from_status": None, "to_status": values["status"]})
        elif before[key] != values["status"]:
            history.append({"finding_id": existing[key].id, "from_status": before[key], "to_status": values["status"]})
    if history:
        ctx.session.execute(insert(FindingStatusChange), [
            {**h, "changed_at": ctx.now, "changed_by": ctx.user, "comment": comment} for h in history])


# ---- ex-ante ---------------------------------------------------------------------------------------------
def _ex_ante(ctx: Ctx, rows: list[Row], dry_run: bool) -> None:
    for row in rows:
        if not row.ok:
            continue
        v = row.values
        if v["recommended"] > v["requested"]:
            ctx.error(row, "recommended", "recommended_exceeds_requested",
                      f"{ctx.cell(row, 'recommended')}（{_yuan(v['recommended'])} 元）大于申报金额 {_yuan(v['requested'])} 元。")
        if v["conclusion"] == "rejected" and v["recommended"] > 0:
            ctx.error(row, "recommended", "rejected_with_amount",
                      f"第{row.number}行评估结论为“不予支持”，建议金额应为 0，但填写了“{P.display(row.raw['recommended'])}”。")
        _region_dept(ctx, row)
    unique = _check_duplicates(
        ctx, rows, lambda r: (r.resolved["region"].id, r.values["year"], r.resolved["department_id"], P.key(r.values["name"])),
        lambda r: {k: v for k, v in r.values.items() if k != "department"})
    if ctx.report.errors or dry_run:
        return
    existing = {}
    for e in ctx.session.execute(select(ExAnte).where(col(ExAnte.region_id).in_({r.resolved["region"].id for r in unique}))).scalars():
        existing[(e.region_id, e.year, e.department_id, P.key(e.name))] = e
    scores = ("score_necessity", "score_economy", "score_targets", "score_feasibility", "score_compliance")
    records = []
    for row in unique:
        v = row.values
        key = (row.resolved["region"].id, v["year"], row.resolved["department_id"], P.key(v["name"]))
        values = {"requested_fen": v["requested"], "recommended_fen": v["recommended"], "conclusion": v["conclusion"],
                  **_given(row, {"code": "code", **{s: s for s in scores}}), **_publish_fields(ctx, row, existing.get(key))}
        defaults = {"region_id": key[0], "year": key[1], "department_id": key[2], "name": v["name"], "code": None,
                    "published_at": None, "published_by": None, **dict.fromkeys(scores)}
        records.append((key, values, defaults))
    _upsert(ctx, ExAnte, existing, records)


# ---- indicators -------------------------------------------------------------------------------------------
def _indicators(ctx: Ctx, rows: list[Row], dry_run: bool) -> None:
    codes = {r.values["code"] for r in rows if r.ok and r.values.get("code")}
    projects: dict[tuple[int, str], list[Project]] = defaultdict(list)
    for start in range(0, len(codes), 900):
        for p in ctx.session.execute(select(Project).where(col(Project.code).in_(sorted(codes)[start:start + 900]))).scalars():
            projects[(p.year, p.code)].append(p)
    for row in rows:
        if not row.ok:
            continue
        v = row.values
        if v["level2"] not in LEVEL2[v["level1"]]:
            ctx.error(row, "level2", "unknown_value",
                      f"{ctx.cell(row, 'level2')}不属于一级指标“{v['level1']}”（可选：{'、'.join(LEVEL2[v['level1']])}）。")
        region = ctx.find_region(row)
        if region is None:
            continue
        row.resolved["region"] = region
        dept_id = None
        if v.get("department"):
            dept = ctx.find_department(row, region)
            if dept is None:
                continue
            dept_id = dept.id
        project_id = None
        if v.get("code"):
            project = _resolve_project(ctx, row, projects, v.get("year"), region)
            if project is None:
                continue
            project_id = project.id
            if not ctx.in_scope(row, project.department_id, "code", record="项目"):
                continue
            if dept_id is None:
                dept_id = project.department_id
            elif dept_id != project.department_id:
                ctx.error(row, "department", "unknown_department",
                          f"{ctx.cell(row, 'department')}与项目“{project.code}”所属的预算单位不一致。")
                continue
        if dept_id is None and not ctx.may_write(None):
            ctx.error(row, "department", "out_of_scope",
                      f"第{row.number}行没有填写「{ctx.col('department')}」和「{ctx.col('code')}」，是全区通用指标库的指标，"
                      f"只有不限单位的用户（财政局）可以维护；您只能填报本单位的指标（{ctx.scope_names()}）。")
            continue
        if not ctx.in_scope(row, dept_id):
            continue
        row.resolved.update(department_id=dept_id, project_id=project_id)
    unique = _check_duplicates(
        ctx, rows, lambda r: (r.resolved["region"].id, r.resolved["department_id"], r.resolved["project_id"], P.key(r.values["name"])),
        lambda r: {k: v for k, v in r.values.items() if k not in ("department", "year")})
    if ctx.report.errors or dry_run:
        return
    existing = {}
    for i in ctx.session.execute(select(Indicator).where(col(Indicator.region_id).in_({r.resolved["region"].id for r in unique}))).scalars():
        existing[(i.region_id, i.department_id, i.project_id, P.key(i.name))] = i
    records = []
    optional = {"unit": "unit", "operator": "operator", "target": "target_value", "value_to_date": "value_to_date",
                "expected_year_end": "expected_year_end", "will_meet": "will_meet", "deviation_category": "deviation_category",
                "deviation_note": "deviation_note", "corrective_measure": "corrective_measure"}
    for row in unique:
        v = row.values
        key = (row.resolved["region"].id, row.resolved["department_id"], row.resolved["project_id"], P.key(v["name"]))
        values = {"level1": v["level1"], "level2": v["level2"], "scope": v["scope"], "is_core": bool(v.get("core", False)),
                  **_given(row, optional)}
        defaults = {"region_id": key[0], "department_id": key[1], "project_id": key[2], "name": v["name"],
                    **dict.fromkeys(optional.values())}
        records.append((key, values, defaults))
    _upsert(ctx, Indicator, existing, records)


HANDLERS: dict[str, Callable[[Ctx, list[Row], bool], None]] = {
    "projects": _projects, "monitoring": _monitoring, "evaluations": _evaluations,
    "findings": _findings, "ex-ante": _ex_ante, "indicators": _indicators,
}


# ---- the import ------------------------------------------------------------------------------------------
def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def previous_uploads(*, session: Session, sha256: str, kind: str | None = None) -> list[UploadBatch]:
    """Earlier committed batches of the same file content (the page flags a file uploaded twice)."""
    q = select(UploadBatch).where(col(UploadBatch.sha256) == sha256, col(UploadBatch.committed).is_(True))
    if kind:
        q = q.where(col(UploadBatch.kind) == kind)
    return list(session.execute(q.order_by(col(UploadBatch.id))).scalars())


def _lock(session: Session) -> None:
    """Serialise writers: PostgreSQL by an advisory lock; SQLite by writing first (takes the write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_IMPORT_LOCK})


def _record_batch(session: Session, report: ImportReport, user: str, batch: UploadBatch | None = None) -> UploadBatch:
    batch = batch or UploadBatch(kind=report.kind, file_name=report.file[:255], sha256=report.sha256, uploaded_by=user[:50])
    batch.dry_run = report.dry_run
    batch.committed = report.committed
    batch.rows_total, batch.rows_valid, batch.rows_rejected = report.rows_total, report.rows_valid, report.rows_rejected
    batch.report_json = report.to_record()
    session.add(batch)
    session.flush()
    return batch


def _count_rows(report: ImportReport, rows: list[Row]) -> None:
    report.rows_rejected = sum(1 for r in rows if not r.ok)
    report.rows_valid = report.rows_total - report.rows_rejected


def import_file(
    engine: Engine,
    kind: str,
    data: bytes,
    file_name: str,
    *,
    user: str,
    dry_run: bool = False,
    allowed_department_ids: frozenset[int] | None = None,
    settings: Settings = SETTINGS,
    max_bytes: int = MAX_FILE_BYTES,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate `data` as a KIND upload and, unless dry_run and only without errors, commit it all."""
    if kind not in HANDLERS:
        raise UsageError(f"未知的数据类型“{kind}”（可选：{'、'.join(KINDS)}）")
    report = ImportReport(kind=kind, file=Path(file_name).name, sha256=sha256_of(data), dry_run=dry_run)
    with Session(engine) as session:
        report.previous_batches = [b.id for b in previous_uploads(session=session, sha256=report.sha256, kind=kind)]  # type: ignore[misc]
    rows: list[Row] = []
    chosen = _read(kind, data, report, settings, max_bytes)
    if chosen is not None:
        sheet, header, template = chosen
        unknown = list(header.unknown)
        if unknown:
            report.warnings.append(Issue(sheet.name, header.excel_row, None, "unknown_column", on_sheet(
                sheet.name, f"第{header.excel_row}行表头中的列「{'」「'.join(unknown)}」不是{P.KIND_NAMES[kind]}模板的列，已忽略。")))
        columns = {c.field: c for c in P.COLUMNS[kind]}
        parse_ctx = Ctx(None, report, sheet.name, columns, user, settings, allowed_department_ids)  # type: ignore[arg-type]
        rows = _parse_rows(kind, sheet, header, parse_ctx, progress)
        if report.rows_total == 0 and not report.errors:
            untouched = (f"这是未填写的模板：请从第{header.excel_row + 1}行起填写实际数据后再上传"
                         f"（“{P.EXAMPLE_SHEET}”工作表中的示例行不会被导入）。") if template else ""
            report.errors.append(Issue(sheet.name, header.excel_row, None, "empty_file",
                                       f"工作表“{sheet.name}”第{header.excel_row}行的表头下面没有数据行。{untouched}"))
    if chosen is None or any(e.code in ("too_many_rows", "unknown_unit", "unit_conflict", "empty_file") for e in report.errors):
        _count_rows(report, rows)
        _finish_rejected(engine, report, user)
        return report
    sheet, header, _template = chosen
    columns = {c.field: c for c in P.COLUMNS[kind]}
    if progress:
        progress(0.45, "核对数据库中的单位和项目")
    with Session(engine, autoflush=False) as session:
        batch = None
        if not dry_run:
            _lock(session)
            batch = _record_batch(session, report, user)  # the first write: takes SQLite's write lock
        ctx = Ctx(session, report, sheet.name, columns, user, settings, allowed_department_ids,
                  batch_id=batch.id if batch else None)
        HANDLERS[kind](ctx, rows, dry_run)
        _count_rows(report, rows)
        if report.errors or dry_run:
            session.rollback()
        else:
            if progress:
                progress(0.95, "提交")
            report.committed = True
            report.batch_id = batch.id  # type: ignore[union-attr]
            _record_batch(session, report, user, batch)
            session.commit()
            if progress:
                progress(1.0, "完成")
            return report
    _finish_rejected(engine, report, user)
    return report


def _read(kind: str, data: bytes, report: ImportReport, settings: Settings,
          max_bytes: int) -> tuple[P.Sheet, P.HeaderMatch, bool] | None:
    """The sheet to import and its header, and whether the file is one of our templates (it has the example sheet)."""
    if len(data) > max_bytes:
        report.errors.append(Issue(None, None, None, "file_too_large",
                                   f"文件大小 {len(data) / 1024 / 1024:.1f} MB，超过上限 {max_bytes / 1024 / 1024:.0f} MB。请拆分后上传。"))
        return None
    try:
        sheets = P.read_workbook(data, report.file, max_rows=settings.max_upload_rows,
                                 limits=P.Limits(max_rows=settings.max_upload_rows, cells=settings.max_upload_cells))
    except P.FileRejected as exc:
        report.errors.append(Issue(None, None, None, exc.code, exc.message))
        return None
    chosen = _choose_sheet(kind, sheets, report)
    return None if chosen is None else (*chosen, any(s.name == P.EXAMPLE_SHEET for s in sheets))


def _finish_rejected(engine: Engine, report: ImportReport, user: str) -> None:
    """Record a rejected (or dry-run) attempt in its own transaction; nothing else is written."""
    report.committed = False
    with Session(engine) as session:
        batch = _record_batch(session, report, user)
        session.commit()
        report.batch_id = batch.id


def import_path(engine: Engine, kind: str, path: str | Path, **kwargs: Any) -> ImportReport:
    data = Path(path).read_bytes()
    return import_file(engine, kind, data, Path(path).name, **kwargs)


# ---- command line -------------------------------------------------------------------------------------
def run_import_cli(kind: str, path: str, *, url: str | None, dry_run: bool, user: str | None, as_json: bool) -> int:
    """`python -m data_access import KIND FILE`: 0 committed (or valid on dry-run), 1 rejected, 2 unreadable."""
    from data_access.auth import AuthError, import_scope
    from data_access.db import DatabaseFault, make_engine
    from data_access.migrate import upgrade

    who = user or os.environ.get("PERF_USER") or os.environ.get("USER") or "cli"
    if kind not in HANDLERS:
        print(f"未知的数据类型“{kind}”（可选：{'、'.join(KINDS)}）", file=sys.stderr)
        return 2
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        report = ImportReport(kind=kind, file=Path(path).name, sha256="", dry_run=dry_run)
        report.errors.append(Issue(None, None, None, "file_not_found", f"无法打开文件“{path}”：{exc.strerror or exc}"))
        _print(report, as_json)
        return 2
    try:
        engine = make_engine(url)
        upgrade(engine)
    except DatabaseFault as exc:  # with --json, scripts still get the one JSON object they parse
        report = ImportReport(kind=kind, file=Path(path).name, sha256=sha256_of(data), dry_run=dry_run)
        report.errors.append(Issue(None, None, None, "database_unavailable", str(exc)))
        _print(report, as_json)
        return 1
    try:  # `--user NAME` of a scoped finance user imports only for NAME's departments, as on the upload page
        with Session(engine) as session:
            scope = import_scope(session, who)
    except AuthError as exc:  # an inactive or read-only user: refused like a rejected file
        report = ImportReport(kind=kind, file=Path(path).name, sha256=sha256_of(data), dry_run=dry_run)
        report.errors.append(Issue(None, None, None, "user_not_allowed", str(exc)))
        _finish_rejected(engine, report, who)
        _print(report, as_json)
        return 1

    def progress(fraction: float, stage: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{fraction:4.0%} {stage}", end="", file=sys.stderr)

    report = import_file(engine, kind, data, Path(path).name, user=who, dry_run=dry_run, progress=progress,
                         allowed_department_ids=scope)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    _print(report, as_json)
    return report.exit_code


def _print(report: ImportReport, as_json: bool) -> None:
    if as_json:
        print(report.to_json())
        return
    status = "已提交" if report.committed else ("校验通过（试导入，未写入）" if report.dry_run and report.ok else "已拒绝，未写入任何数据")
    lines = [
        f"文件      {report.file}（{P.KIND_NAMES.get(report.kind, report.kind)}）",
        f"结果      {status}" + (f"，批次 #{report.batch_id}" if report.batch_id else ""),
        f"数据行    共 {report.rows_total}，有效 {report.rows_valid}，有错 {report.rows_rejected}",
    ]
    if report.committed:
        lines.append(f"写入      新增 {report.inserted}，更新 {report.updated}，未变 {report.unchanged}")
    if report.previous_batches:
        lines.append(f"提示      同一文件此前已上传过（批次 {'、'.join(f'#{b}' for b in report.previous_batches)}）")
    for title, issues in (("错误", report.errors), ("警告", report.warnings)):
        if issues:
            lines.append(f"{title}（{len(issues)}）")
            for i in issues[:50]:
                lines.append(f"  [{i.code}] {i.message}")
            if len(issues) > 50:
                lines.append(f"  …… 另有 {len(issues) - 50} 条，用 --json 查看全部")
    print("\n".join(lines))
