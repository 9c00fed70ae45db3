"""A column is one line of its kind's spec: the reader, the upsert and the template all follow it.

`fund_source` (资金来源) is taken out of the projects spec and put back as the one line the README's
"Adding a column to an upload kind" shows; nothing else changes between the two imports.
"""

from __future__ import annotations

import dataclasses
import io

import openpyxl
import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from data_access.models import Project
from data_access.uploads import SPECS
from data_access.uploads.spec import Cell, Column, Spec
from data_access.uploads.templates import template_bytes
from tests import test_import as shared
from tests.test_import import run

engine = shared.engine  # the sqlite/postgresql fixture

ROWS = [["项目编码", "项目名称", "预算单位", "行政区", "预算年度", "调整后预算数", "资金来源"],
        ["HP001", "学位供给保障", "区教育局", "黄埔区", 2023, 1_000_000, "专项债券"]]
LINE = Column("fund_source", "资金来源", "fund_source", Cell.TEXT, example="一般公共预算")


def _with_columns(monkeypatch: pytest.MonkeyPatch, columns: tuple[Column, ...]) -> Spec:
    spec = dataclasses.replace(SPECS["projects"], columns=columns)
    monkeypatch.setitem(SPECS, "projects", spec)
    return spec


def _fund_source(engine: Engine) -> str:
    with Session(engine) as s:
        return s.execute(select(Project.fund_source).where(Project.code == "HP001")).scalar_one()


def _template_headers() -> list[str]:
    return [c.value for c in openpyxl.load_workbook(io.BytesIO(template_bytes("projects"))).worksheets[0][1]]


def test_adding_a_column_is_one_line_of_the_spec(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    without = tuple(c for c in SPECS["projects"].columns if c.field != "fund_source")
    _with_columns(monkeypatch, without)
    before = run(engine, "projects", ROWS)
    assert before.committed and [w.code for w in before.warnings] == ["unknown_column"]  # 资金来源 is not read
    assert _fund_source(engine) == "一般公共预算"  # the model's default
    assert "资金来源" not in _template_headers()

    _with_columns(monkeypatch, (*without, LINE))
    after = run(engine, "projects", ROWS)
    assert after.committed and after.warnings == [] and after.updated == 1
    assert _fund_source(engine) == "专项债券"
    assert _template_headers()[-1] == "资金来源"
    assert after.preview[0]["资金来源"] == "专项债券"
