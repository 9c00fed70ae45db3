"""A row being imported, and the context every check writes its issues to.

A row comes from a sheet (its label is the row a person sees in Excel: 第12行) or from records
given as field -> value (a data-entry form: 第2条, or nothing for a single record). Either way the
same checks run and write the same messages around the label.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import Session, col

from data_access.models import Department, Region
from data_access.settings import Settings
from data_access.uploads.cells import display, key
from data_access.uploads.report import ImportReport, Issue, on_sheet

if TYPE_CHECKING:
    from data_access.uploads.spec import Spec


@dataclass
class Row:
    """One data row: where it is, parsed values by field, the cells as given, and what lookups resolved."""

    number: int  # the Excel row, or the record's position (from 1)
    values: dict[str, Any]
    raw: dict[str, object]
    ok: bool = True
    resolved: dict[str, Any] = field(default_factory=dict)  # model fields (region_id, …) and the objects found
    label: str | None = None  # how messages name the row: 第12行 by default
    key: tuple | None = None  # the spec's key, once the checks have resolved it (validate.check_duplicates)

    def __post_init__(self) -> None:
        if self.label is None:
            self.label = f"第{self.number}行"

    @property
    def label_of(self) -> str:
        """The label with 的 (第12行的), or nothing for a record that needs no label."""
        return f"{self.label}的" if self.label else ""


@dataclass
class Ctx:
    """One import: the kind, the report, the user's department scope, and reference data loaded once."""

    spec: Spec
    report: ImportReport
    sheet: str | None
    user: str
    settings: Settings
    allowed_department_ids: frozenset[int] | None
    session: Session = None  # type: ignore[assignment]  # None while cells are parsed
    batch_id: int | None = None
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    cache: dict[str, Any] = field(default_factory=dict)  # what lookups load once per import
    _regions: dict[str, Region] | None = None
    _departments: dict[int, list[Department]] | None = None
    _department_names: dict[int, str] | None = None

    # -- messages
    def col(self, fld: str) -> str:
        c = self.spec.by_field.get(fld)
        return c.zh if c else fld

    def _issue(self, row: Row | None, fld: str | None, code: str, message: str) -> Issue:
        value = display(row.raw.get(fld)) if row is not None and fld else None
        return Issue(self.sheet, row.number if row else None, self.col(fld) if fld else None, code,
                     on_sheet(self.sheet, message), value)

    def error(self, row: Row, fld: str | None, code: str, message: str) -> None:
        row.ok = False
        self.report.errors.append(self._issue(row, fld, code, message))

    def warn(self, row: Row | None, fld: str | None, code: str, message: str) -> None:
        self.report.warnings.append(self._issue(row, fld, code, message))

    def cell(self, row: Row, fld: str) -> str:
        """第12行「column」的值“raw”: the prefix of a message about one cell."""
        return f"{row.label}「{self.col(fld)}」的值“{display(row.raw.get(fld))}”"

    # -- reference data
    def regions(self) -> dict[str, Region]:
        if self._regions is None:
            regions = self.session.execute(select(Region)).scalars().all()
            self._regions = {key(r.name): r for r in regions}
            for r in regions:
                if r.full_name:
                    self._regions.setdefault(key(r.full_name), r)
        return self._regions

    def departments(self, region_id: int) -> list[Department]:
        if self._departments is None:
            self._departments = defaultdict(list)
            for d in self.session.execute(select(Department)).scalars():
                self._departments[d.region_id].append(d)
        return self._departments[region_id]

    # -- department scope (a finance user limited to some departments)
    def department_name(self, department_id: int) -> str:
        if self._department_names is None:
            rows = self.session.execute(select(col(Department.id), col(Department.name))).all()
            self._department_names = {int(i): str(n) for i, n in rows}
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
        cell = self.cell(row, fld) if given else f"{row.label}「{self.col(fld)}」"
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
        if not names:
            return "无"
        return "、".join(names[:limit]) + (f"等 {len(names)} 个单位" if len(names) > limit else "")
