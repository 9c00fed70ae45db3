"""Property tests on cell values: the importer never crashes and never writes a row it rejected."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import Session

from data_access.db import make_engine
from data_access.migrate import upgrade
from data_access.models import Evaluation, Monitoring, Project
from data_access.uploads import cells as P
from data_access.uploads import choices, import_file
from tests.test_import import EVALUATIONS, MON, PROJECTS, counts, xlsx

CELLS = st.one_of(
    st.none(),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["-", "合计", "１２３", "1,234.50", " 12 ", "6月", "2023年", "HP002", "HP001", "0", "abc", "%",
                     "12%"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.booleans(),
)
VALID_MON_CELLS = (
    ["HP002", " HP002 ", "HP001"],
    [2023, "2023", "2023年", 2023.0],
    [6, "6月", "6", 12, 12.0],
    [0, "-", "1,234.50", 199.99, " 12 ", "１２３"],
)


@st.composite
def spelled_row(draw: st.DrawFn, spellings: tuple[list[object], ...]) -> list[object]:
    """A row of valid spellings, one per column, about half the time with one cell replaced by any value at all."""
    row = [draw(st.sampled_from(choices)) for choices in spellings]
    if draw(st.booleans()):
        row[draw(st.integers(0, len(row) - 1))] = draw(CELLS)
    return row


# Any cells at all are nearly always rejected; rows of valid spellings let the committed branch run too.
ROWS = st.lists(st.one_of(spelled_row(VALID_MON_CELLS), st.lists(CELLS, min_size=4, max_size=4)), min_size=1,
                max_size=6)


def _engine(tmp_path_factory):  # type: ignore[no-untyped-def]
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}", create=True)
    upgrade(eng)
    import_file(eng, "projects", xlsx(PROJECTS), "p.xlsx", user="t")
    return eng


def _monitoring(eng) -> dict:  # type: ignore[no-untyped-def]
    with Session(eng) as s:
        return {(m.project_id, m.month): m.spent_cumulative_fen for m in s.execute(select(Monitoring)).scalars()}


@pytest.mark.slow
def test_random_cells_never_crash_and_rejected_files_write_nothing(tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    eng = _engine(tmp_path_factory)
    outcomes: set[str] = set()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rows=ROWS, region=st.sampled_from([None, "黄埔区"]))
    @example(rows=[["HP002", "2023年", "6月", "1,234.50"]], region=None)
    @example(rows=[["HP002", 2023, 13, 5]], region="黄埔区")
    def check(rows: list[list[object]], region: str | None) -> None:
        header = MON + (["行政区"] if region else [])
        body = [r[:4] + ([region] if region else []) for r in rows]
        # openpyxl cannot store every str (control characters); such a file cannot exist in Excel either.
        body = [[c if not isinstance(c, str) else "".join(ch for ch in c if ch.isprintable()) for c in r] for r in body]
        body = [[None if isinstance(c, float) and not math.isfinite(c) else c for c in r] for r in body]
        before_counts, before = counts(eng), _monitoring(eng)
        report = import_file(eng, "monitoring", xlsx([header, *body]), "h.xlsx", user="prop")
        assert report.rows_valid + report.rows_rejected == report.rows_total
        outcomes.add("rejected" if report.errors else "committed")
        if report.errors:
            assert not report.committed
            assert counts(eng) == before_counts and _monitoring(eng) == before
            return
        assert report.committed
        after = _monitoring(eng)
        with Session(eng) as s:
            ids = {(p.year, p.code): p.id for p in s.execute(select(Project).where(Project.region_id == 1)).scalars()}
        rows_read = [r for r in body if not P.should_skip(r)]
        assert rows_read
        for r in rows_read:
            key = (ids[(P.parse_int(r[1], "年"), P.parse_code(r[0]))], P.parse_int(r[2], "月"))
            # a committed file has one value per key (else duplicate_key_conflict)
            assert after[key] == P.parse_amount(r[3])

    check()
    assert outcomes == {"committed", "rejected"}  # both branches ran, so both sets of assertions could fail


@settings(max_examples=300, deadline=None)
@given(value=CELLS)
def test_cell_parsers_raise_only_cell_errors(value: object) -> None:
    for parse in (P.parse_amount, P.parse_rate, P.parse_score, P.parse_date, P.parse_code, P.parse_bool, P.parse_int,
                  P.parse_department, P.parse_text, choices.LEVEL2.parse, choices.FINDING_STATUS.parse):
        try:
            parse(value)
        except P.CellError as e:  # any other exception fails the test
            assert e.code and e.reason, (parse, value)


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_amounts_are_exact_to_the_fen(d) -> None:  # type: ignore[no-untyped-def]
    assert P.parse_amount(str(d)) == int(d * 100)
    assert P.parse_amount(f"{d:,}") == int(d * 100)
    assert P.parse_amount(float(d)) == int(d * 100)  # the float's shortest repr is the decimal typed


VALID_EVAL_CELLS = (
    ["学位供给保障", "区民政局", " 学位 供给保障 "],
    ["项目", "部门整体", "政策", "project"],
    ["区教育局", "101001-区教育局", "[101002]区民政局", "区民政局"],
    ["黄埔区", "黄 埔区"],
    [2023, "2023", "2023年", 2023.0],
    ["重点评价", "自评复核", "单位自评", "review"],
    [88.5, "92", "１００", 0, "59.99"],
    [None, None, None, "优", "良"],
    [None, "97.55%", 0.9, "45.2", "-"],
    [None, "是", "否", "yes", 1, 0, True],
    [None, "1,234.50", 199.99, "-", " 12 "],
)


EVAL_HEADER = ["评价对象", "对象类型", "预算单位", "行政区", "预算年度", "评价方式", "得分", "等级", "预算完成率",
               "是否公开", "涉及资金（万元）"]


def _evaluations(eng) -> dict:  # type: ignore[no-untyped-def]
    with Session(eng) as s:
        return {(e.department_id, e.subject, e.method): (e.score_centi, e.funds_fen, e.published)
                for e in s.execute(select(Evaluation)).scalars()}


@pytest.mark.slow
def test_random_evaluation_cells_never_crash_and_commit_only_clean_files(tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    """Enumerations, departments, scores, grades, rates, 是否 and amounts in one file, any value in any cell."""
    eng = _engine(tmp_path_factory)
    assert import_file(eng, "evaluations", xlsx(EVALUATIONS), "e.xlsx", user="t").committed
    outcomes: set[str] = set()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rows=st.lists(spelled_row(VALID_EVAL_CELLS), min_size=1, max_size=4))
    @example(rows=[["学位供给保障", "项目", "区教育局", "黄埔区", 2023, "重点评价", "92", None, None, None, None]])
    @example(rows=[["学位供给保障", "项目", "区教育局", "黄埔区", 2023, "重点评价", 101, None, None, None, None]])
    def check(rows: list[list[object]]) -> None:
        body = [[c if not isinstance(c, str) else "".join(ch for ch in c if ch.isprintable()) for c in r] for r in rows]
        body = [[None if isinstance(c, float) and not math.isfinite(c) else c for c in r] for r in body]
        before_counts, before = counts(eng), _evaluations(eng)
        report = import_file(eng, "evaluations", xlsx([EVAL_HEADER, *body]), "e.xlsx", user="prop")
        assert report.rows_valid + report.rows_rejected == report.rows_total
        assert all(i.code and i.message for i in report.errors + report.warnings)
        outcomes.add("rejected" if report.errors else "committed")
        if report.errors:
            assert not report.committed and report.exit_code in (1, 2)
            event("rejected: " + report.errors[0].code)
            assert counts(eng) == before_counts and _evaluations(eng) == before
            return
        assert report.committed
        event("committed")
        after = _evaluations(eng)
        scores = {v[0] for v in after.values()}
        for r in body:
            if not P.should_skip(r):
                assert P.parse_score(r[6]) in scores  # every committed row is there with its own score

    check()
    assert outcomes == {"committed", "rejected"}
