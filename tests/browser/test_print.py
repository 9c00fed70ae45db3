"""Issue 12 item 7: the portal's print view prints every row of every table, one annex per page,
with the district, year and the date printed. Printed to PDF by chromium, read back with pdftotext."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from urllib.parse import quote

import pytest
from sqlalchemy import select
from sqlmodel import Session

from data_access.db import make_engine
from data_access.models import Evaluation, Finding, Region
from tests.browser.conftest import ROOT, goto, no_error_box, screenshot

PDFS = ROOT / "test-artifacts" / "print"
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")


def printed(page, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Print the page as chromium does (A4) and return each printed page's text, whitespace removed
    (Chinese cells wrap inside a table cell, so a name may be split over lines)."""
    PDFS.mkdir(parents=True, exist_ok=True)
    pdf = PDFS / f"{name}.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return [re.sub(r"\s+", "", p) for p in text.split("\f") if p.strip()]


def _published(url: str, model, region: str, year: int, *where) -> list:  # type: ignore[no-untyped-def]
    column = model.finding_code if model is Finding else model.subject
    with Session(make_engine(url)) as s:
        return list(s.execute(select(column).join(Region, Region.id == model.region_id).where(
            Region.name == region, model.year == year, model.published.is_(True), *where)).scalars())


def test_printing_the_annexes_gives_every_row_one_annex_a_page(page, app_server) -> None:  # type: ignore[no-untyped-def]
    region, year = "荔湾区", 2020
    goto(page, f"{app_server.url}/portal_evaluations?region={quote(region)}&year={year}&annex=1&print=1")
    no_error_box(page)
    screenshot(page, "public-print-evaluations")
    pages = printed(page, "evaluations-liwan-2020")
    today = dt.date.today().isoformat()
    annexes = {"1": ("review", "key"), "2": ("review",), "3": ("key",)}
    starts = {}
    for annex in annexes:
        title = {"1": "附件1", "2": "附件2", "3": "附件3"}[annex]
        # Each annex starts a printed page, headed with the district, year and the day it was printed.
        first = 0 if annex == "1" else next(i for i, p in enumerate(pages) if p.startswith(title))
        head = pages[first][pages[first].index(title):][:120]
        assert f"{region}{year}" in head and today in head, head
        starts[annex] = first
    assert starts["1"] < starts["2"] < starts["3"]
    bounds = [(starts["1"], starts["2"]), (starts["2"], starts["3"]), (starts["3"], len(pages))]
    for (annex, methods), (lo, hi) in zip(annexes.items(), bounds, strict=True):
        subjects = _published(app_server.db_url, Evaluation, region, year, Evaluation.method.in_(methods))
        text = "".join(pages[lo:hi])
        missing = [s for s in subjects if re.sub(r"\s+", "", s) not in text]
        assert len(subjects) > 10 and missing == [], (annex, len(subjects), missing[:5])


def test_printing_the_findings_gives_every_row(page, app_server) -> None:  # type: ignore[no-untyped-def]
    region, year = "黄埔区", 2021
    goto(page, f"{app_server.url}/portal_findings?region={quote(region)}&year={year}&print=1")
    no_error_box(page)
    text = "".join(printed(page, "findings-huangpu-2021"))
    codes = _published(app_server.db_url, Finding, region, year)
    # (pdftotext may drop the hyphen of the code's font: match the number after the year.)
    printed_codes = {f"HP2021-{n}" for n in re.findall(r"HP2021\D?(\d{4})", text)}
    assert len(codes) > 30 and printed_codes == set(codes)
    assert f"{region}{year}" in text and dt.date.today().isoformat() in text
