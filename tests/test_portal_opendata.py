"""The open-data package: a valid Frictionless tabular data package, units described, numbers
kept numbers, formula text neutralised, published records only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select
from sqlmodel import Session

from data_access.db import make_engine
from data_access.models import Department, Evaluation, Region
from data_access.opendata import FIELD_TYPES, open_data_zip, table_csv


@pytest.fixture
def package(seeded_url: str) -> zipfile.ZipFile:
    with Session(make_engine(seeded_url)) as s:
        region = s.execute(select(Region).where(Region.name == "黄埔区")).scalar_one()
        dept = s.execute(select(Department).where(Department.region_id == region.id)).scalars().first()
        common = {"region_id": region.id, "department_id": dept.id, "year": 2022, "subject_type": "project"}
        s.add(Evaluation(**common, subject="-cmd|' /C calc'!A0", method="review", score_centi=9500, funds_fen=520,
                         published=True))
        s.add(Evaluation(**common, subject="@SUM(1+1)", method="key", score_centi=8000, published=True))
        s.commit()
        return zipfile.ZipFile(io.BytesIO(open_data_zip(session=s, region="黄埔区", year=2022)))


def _cast(value: str, type_: str) -> object:
    if type_ == "number":
        return Decimal(value)
    if type_ == "date":
        return dt.date.fromisoformat(value)
    return value


def test_datapackage_is_a_valid_tabular_data_package(package: zipfile.ZipFile) -> None:
    meta = json.loads(package.read("datapackage.json"))
    assert re.fullmatch(r"[-a-z0-9._/]+", meta["name"]) and meta["profile"] == "tabular-data-package"
    assert meta["licenses"] and all("name" in lic or "path" in lic for lic in meta["licenses"])
    for resource in meta["resources"]:
        assert re.fullmatch(r"[-a-z0-9._/]+", resource["name"]) and resource["path"] in package.namelist()
        fields = resource["schema"]["fields"]
        assert {f["type"] for f in fields} <= FIELD_TYPES
        rows = list(csv.reader(io.StringIO(package.read(resource["path"]).decode(resource["encoding"]))))
        assert rows[0] == [f["name"] for f in fields]
        assert len(rows) > 1, resource["name"]
        for row in rows[1:]:
            for cell, field in zip(row, fields, strict=True):
                if cell in resource["schema"]["missingValues"]:
                    continue
                _cast(cell, field["type"])  # raises if a cell does not match its declared type
                if "constraints" in field:
                    assert cell in field["constraints"]["enum"], (field["name"], cell)
        for field in fields:
            if field["name"].endswith("_yuan"):
                assert field["type"] == "number" and field["unit"] == "元 (CNY)" and "元" in field["description"]
            if field["name"].endswith("_pct"):
                assert "%" in field["unit"]


def test_csv_neutralises_formula_text_and_keeps_negative_numbers(package: zipfile.ZipFile) -> None:
    rows = list(csv.DictReader(io.StringIO(package.read("evaluations.csv").decode("utf-8"))))
    by_subject = {r["subject"]: r for r in rows}
    assert "'-cmd|' /C calc'!A0" in by_subject and "'@SUM(1+1)" in by_subject
    assert not any(r["subject"].startswith(("=", "+", "-", "@")) for r in rows)
    assert by_subject["'-cmd|' /C calc'!A0"]["funds_yuan"] == "5.20"
    assert by_subject["'-cmd|' /C calc'!A0"]["score"] == "95.00"


def test_negative_numbers_stay_numbers_and_only_text_is_neutralised() -> None:
    """The database refuses negative amounts, but the writer must not rely on it."""
    df = pd.DataFrame({"name": ["-5.2", "=1+1", "ok"], "amount_yuan": [Decimal("-5.20"), Decimal("1.00"), None]})
    fields = [{"name": "name", "type": "string"}, {"name": "amount_yuan", "type": "number"}]
    rows = list(csv.reader(io.StringIO(table_csv(df, fields).decode("utf-8"))))
    assert rows == [["name", "amount_yuan"], ["'-5.2", "-5.20"], ["'=1+1", "1.00"], ["ok", ""]]
