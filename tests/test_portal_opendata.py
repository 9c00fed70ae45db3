"""The open-data package: a valid Frictionless tabular data package (checked by the real
validator), units described, numbers kept numbers, formula text neutralised, published records
only; CSVs Excel opens (UTF-8 BOM) and files anyone may read."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlmodel import Session

from data_access.db import make_engine
from data_access.models import Department, Evaluation, Region
from data_access.opendata import open_data_zip, table_csv


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


def test_every_amount_and_rate_names_its_unit(package: zipfile.ZipFile) -> None:
    """What the validator cannot judge: the words a reader needs (types and values it checks below)."""
    meta = json.loads(package.read("datapackage.json"))
    assert meta["profile"] == "tabular-data-package" and meta["licenses"]
    fields = [f for resource in meta["resources"] for f in resource["schema"]["fields"]]
    yuan = [f for f in fields if f["name"].endswith("_yuan")]
    pct = [f for f in fields if f["name"].endswith("_pct")]
    assert [f["name"] for f in yuan] == ["funds_yuan", "requested_yuan", "recommended_yuan", "cut_yuan"]
    assert [f["name"] for f in pct] == ["budget_completion_pct"]
    for field in yuan:
        assert field["type"] == "number" and field["unit"] == "元 (CNY)" and "元" in field["description"], field
    for field in pct:
        assert "%" in field["unit"], field


def test_csv_neutralises_formula_text_and_keeps_negative_numbers(package: zipfile.ZipFile) -> None:
    rows = list(csv.DictReader(io.StringIO(package.read("evaluations.csv").decode("utf-8-sig"))))
    by_subject = {r["subject"]: r for r in rows}
    assert "'-cmd|' /C calc'!A0" in by_subject and "'@SUM(1+1)" in by_subject
    assert not any(r["subject"].startswith(("=", "+", "-", "@")) for r in rows)
    assert by_subject["'-cmd|' /C calc'!A0"]["funds_yuan"] == "5.20"
    assert by_subject["'-cmd|' /C calc'!A0"]["score"] == "95.00"


def test_negative_numbers_stay_numbers_and_only_text_is_neutralised() -> None:
    """The database refuses negative amounts, but the writer must not rely on it."""
    df = pd.DataFrame({"name": ["-5.2", "=1+1", "ok"], "amount_yuan": [Decimal("-5.20"), Decimal("1.00"), None]})
    fields = [{"name": "name", "type": "string"}, {"name": "amount_yuan", "type": "number"}]
    rows = list(csv.reader(io.StringIO(table_csv(df, fields).decode("utf-8-sig"))))
    assert rows == [["name", "amount_yuan"], ["'-5.2", "-5.20"], ["'=1+1", "1.00"], ["ok", ""]]


@pytest.mark.parametrize(("region", "year", "execution"), [("黄埔区", 2022, True), ("荔湾区", 2020, False)])
def test_frictionless_validates_the_package_of_each_seed_district(
    any_seeded_url: str, tmp_path: Path, region: str, year: int, execution: bool
) -> None:
    import frictionless

    from data_access.publishing import set_execution_published

    with Session(make_engine(any_seeded_url)) as s:
        if execution:  # its budget execution published: the package holds it too
            set_execution_published(s, region, year, True, "fin1")
        zipfile.ZipFile(io.BytesIO(open_data_zip(session=s, region=region, year=year))).extractall(tmp_path)
    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    package = frictionless.Package(tmp_path / "datapackage.json")
    rows = {r.name: r.read_rows() for r in package.resources}
    assert rows["evaluations"] and rows["findings"] and rows["ex_ante"], {k: len(v) for k, v in rows.items()}
    assert bool(rows.get("execution")) is execution
    assert isinstance(rows["ex_ante"][0]["requested_yuan"], Decimal)  # read back as numbers, not text


def test_csvs_open_in_excel_and_every_file_is_readable_by_everyone(package: zipfile.ZipFile) -> None:
    assert package.namelist() == ["evaluations.csv", "findings.csv", "ex_ante.csv", "datapackage.json"]
    for info in package.infolist():
        assert (info.external_attr >> 16) & 0o777 == 0o644, (info.filename, oct(info.external_attr >> 16))
        if info.filename.endswith(".csv"):
            assert package.read(info).startswith(b"\xef\xbb\xbf"), info.filename  # Excel on Windows reads UTF-8
