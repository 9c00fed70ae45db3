"""`python -m data_access kpis` as outside scripts call it (CONTRACT.md §1): exit statuses, the
Chinese text output, the JSON shape key for key and the number forms, the as-of rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_seed import cli, kpis_json


@pytest.mark.slow  # a process each; the quick loop keeps the JSON shape test
def test_kpis_unknown_region_fails(seeded_url: str) -> None:
    done = cli(seeded_url, "kpis", "--year", "2022", "--region", "天河区", "--json")
    assert done.returncode == 1 and "天河区" in done.stderr and done.stdout == ""


@pytest.mark.slow  # a process
def test_kpis_human_output_is_chinese(seeded_url: str) -> None:
    done = cli(seeded_url, "kpis", "--year", "2022", "--region", "黄埔区")
    assert done.returncode == 0
    assert "优良率" in done.stdout and "92.11%" in done.stdout and "23.25%" in done.stdout
    # Amounts as the report writes them, not 1660000000 元.
    assert "申报 16.6 亿元" in done.stdout and "3.79 亿元 / 23.25%" in done.stdout
    assert "1660000000" not in done.stdout


@pytest.mark.parametrize(
    "args",
    [("kpis", "--year", "2022", "--as-of", "2022-13-01"), ("kpis", "--region", "黄埔区"),
     ("kpis", "--year", "2022", "--bogus"), ("seed", "--synthetic-projects", "0"), ("init", "extra")],
)
def test_usage_errors_exit_1_except_import(seeded_url: str, args: tuple[str, ...]) -> None:
    """CONTRACT.md §1 gives these commands statuses 0 and 1 only; `import` alone has 2 for usage."""
    from data_access.__main__ import main

    assert main(["--db", seeded_url, *args]) == 1


def test_import_usage_error_exits_2(seeded_url: str) -> None:
    from data_access.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main(["--db", seeded_url, "import", "projects"])
    assert exc.value.code == 2


@pytest.mark.slow  # a process
def test_kpis_on_uninitialised_database_says_run_init(tmp_path: Path) -> None:
    done = cli(f"sqlite:///{tmp_path / 'blank.db'}", "kpis", "--year", "2022", "--json")
    assert done.returncode == 1 and done.stdout == "" and "python -m data_access init" in done.stderr
    assert "Traceback" not in done.stderr


# The shape of CONTRACT.md §1, key for key.
GRADE_BLOCK = ["count", "excellent", "good", "fair", "poor", "excellent_good_rate", "funds_total"]
SHAPE = {
    "year": int, "region": str, "as_of": str,
    "execution": ["as_of_month", "time_progress", "projects", "key_projects", "budget_total", "spent_total",
                  "execution_rate", "behind_schedule"],
    "evaluation": {"finance": GRADE_BLOCK,
                   "by_method": dict.fromkeys(("self", "review", "key"), GRADE_BLOCK),
                   "by_subject": dict.fromkeys(("project", "policy", "department"), GRADE_BLOCK)},
    "ex_ante": ["projects", "departments", "requested_total", "supported", "partially_supported", "not_supported",
                "rejected_total", "cut_total", "cut_rate"],
    "rectification": ["findings", "rectified", "in_progress", "not_started", "overdue", "feedback_submitted",
                      "completion_rate"],
    "indicators": ["total", "general", "specific", "core"],
}
RATES = {"time_progress", "execution_rate", "excellent_good_rate", "cut_rate", "completion_rate"}
AMOUNTS = {"budget_total", "spent_total", "funds_total", "requested_total", "rejected_total", "cut_total"}


def _check_shape(value: object, shape: object, path: str = "") -> None:
    if isinstance(shape, dict):
        assert isinstance(value, dict) and list(value) == list(shape), path
        for key, sub in shape.items():
            _check_shape(value[key], sub, f"{path}.{key}")
    elif isinstance(shape, list):
        assert isinstance(value, dict) and list(value) == shape, path
        for key, v in value.items():
            if key in RATES:
                assert v is None or isinstance(v, float), f"{path}.{key}"
            elif key in AMOUNTS:
                assert isinstance(v, int | float) and not isinstance(v, bool) and v >= 0, f"{path}.{key}"
            else:
                assert isinstance(v, int) and not isinstance(v, bool) and v >= 0, f"{path}.{key}"
    else:
        assert isinstance(value, shape), path  # type: ignore[arg-type]


def _count_numbers(value: object) -> int:
    if isinstance(value, dict):
        return sum(_count_numbers(v) for v in value.values())
    return 0 if isinstance(value, str) else 1


def test_kpis_json_shape_and_number_forms(seeded_url: str) -> None:
    """Keys exactly as the contract; rates always 2 decimals; amounts whole yuan or yuan with 2-decimal fen."""
    import re

    done = cli(seeded_url, "kpis", "--year", "2020", "--region", "荔湾区", "--as-of", "2020-05-31", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and done.stdout.endswith("}\n")  # one JSON object, nothing else
    data = json.loads(done.stdout)
    _check_shape(data, SHAPE)
    numbers = re.findall(r'"(\w+)": (null|-?[0-9.]+)(?=[,}])', done.stdout)
    assert len(numbers) == _count_numbers(data)  # every number and null of the object is checked below
    for key, raw in numbers:
        if key in RATES:
            assert raw == "null" or re.fullmatch(r"\d+\.\d{2}", raw), (key, raw)
        elif key in AMOUNTS:
            assert re.fullmatch(r"\d+(\.\d{2})?", raw), (key, raw)
        else:
            assert re.fullmatch(r"\d+", raw), (key, raw)
    # Month 5 holds spending with fen: the total is a number with 2 decimals, exact.
    assert re.search(r'"spent_total": \d+\.\d{2},', done.stdout)
    assert data["execution"]["as_of_month"] == 5 and data["execution"]["time_progress"] == 41.67
    assert '"time_progress": 41.67' in done.stdout and '"excellent_good_rate": 80.00' in done.stdout


@pytest.mark.slow  # processes
def test_kpis_json_without_region_and_with_nothing_to_count(seeded_url: str) -> None:
    k = kpis_json(seeded_url, "--year", "2030", "--as-of", "2029-06-30")
    assert k["region"] is None and k["as_of"] == "2029-06-30"
    ex = k["execution"]
    assert (ex["as_of_month"], ex["time_progress"], ex["projects"], ex["budget_total"]) == (0, 0.0, 0, 0)
    assert ex["execution_rate"] is None and k["ex_ante"]["cut_rate"] is None
    assert k["rectification"]["completion_rate"] is None and k["evaluation"]["finance"]["excellent_good_rate"] is None
    assert k["indicators"]["total"] == 7104 + 889  # the library counts whatever the year
    assert '"execution_rate": null' in cli(seeded_url, "kpis", "--year", "2030", "--json").stdout


@pytest.mark.parametrize(
    ("year", "as_of", "expected_as_of", "month", "progress"),
    [(2022, None, "2022-12-31", 12, 100.0),  # a past year: 31 December
     (2022, "2022-06-30", "2022-06-30", 6, 50.0),  # inside the year: its month
     (2022, "2023-03-01", "2023-03-01", 12, 100.0),  # after the year: 12
     (2022, "2021-12-31", "2021-12-31", 0, 0.0)],  # before the year: 0
)
@pytest.mark.slow  # four processes; test_kpis.py checks the rules in-process
def test_kpis_as_of_rules_through_the_cli(
    seeded_url: str, year: int, as_of: str | None, expected_as_of: str, month: int, progress: float
) -> None:
    args = ["--year", str(year), "--region", "黄埔区"] + (["--as-of", as_of] if as_of else [])
    k = kpis_json(seeded_url, *args)
    assert ((k["as_of"], k["execution"]["as_of_month"], k["execution"]["time_progress"])
            == (expected_as_of, month, progress))


@pytest.mark.slow  # processes
def test_kpis_as_of_defaults_to_today_in_the_current_year(seeded_url: str) -> None:
    import datetime as dt

    today = dt.date.today()
    k = kpis_json(seeded_url, "--year", str(today.year))
    assert k["as_of"] == today.isoformat() and k["execution"]["as_of_month"] == today.month
    k = kpis_json(seeded_url, "--year", str(today.year + 1))
    assert k["as_of"] == today.isoformat() and k["execution"]["as_of_month"] == 0
