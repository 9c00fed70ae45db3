"""`python -m data_access import` reads its file in a child process while it loads the database libraries
(data_access/uploads/prefetch.py): the same records, the same refusals, and a fallback to reading in the
importing process whenever the child's reading is not for this call. Each runs in a process of its own:
a test process (pytest-xdist's threads) must never fork."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import bombs

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "02_monitoring_huangpu.xlsx"

# Runs the command as `python -m data_access` does (read_ahead), with the importing process's own reader
# replaced by one that counts: `read here` is how many times the importing process read the file itself.
_RUN = """
import json, sys
from data_access.uploads import imports
calls = []
original = imports.read_workbook
imports.read_workbook = lambda *a, **k: calls.append(1) or original(*a, **k)
{setup}
from data_access.__main__ import main
code = main(sys.argv[1:], read_ahead={read_ahead})
print(json.dumps({{"exit": code, "read here": len(calls)}}), file=sys.stderr)
"""


def _import(url: str, path: Path, *, read_ahead: bool = True, setup: str = "") -> tuple[dict, dict]:
    done = subprocess.run([sys.executable, "-c", _RUN.format(setup=setup, read_ahead=read_ahead), "--db", url,
                           "import", "monitoring", str(path), "--json", "--dry-run"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.stderr.strip(), done
    return json.loads(done.stdout), json.loads(done.stderr.strip().splitlines()[-1])


def _same(report: dict) -> dict:
    return {k: v for k, v in report.items() if k not in ("batch_id", "previous_batches")}


@pytest.mark.slow  # commands run as processes
def test_the_command_reads_its_file_in_a_child_and_reports_the_same(seeded_url: str) -> None:
    ahead, how = _import(seeded_url, SAMPLE)
    assert how == {"exit": 0, "read here": 0}
    assert ahead["rows_valid"] == ahead["rows_total"] > 0 and ahead["errors"] == []
    alone, how_alone = _import(seeded_url, SAMPLE, read_ahead=False)
    assert how_alone == {"exit": 0, "read here": 1}
    assert _same(ahead) == _same(alone)


@pytest.mark.slow  # commands run as processes
def test_a_refused_file_is_refused_the_same_way_through_the_child(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "月报.xlsx"
    path.write_bytes(bombs.dimension_bomb())
    ahead, how = _import(db_url, path)
    alone, _ = _import(db_url, path, read_ahead=False)
    assert how == {"exit": 1, "read here": 0}
    assert [e["code"] for e in ahead["errors"]] == ["too_many_columns"]
    assert _same(ahead) == _same(alone)


_TAKE = """
import hashlib, json, sys
from dataclasses import replace
from pathlib import Path
from data_access.settings import SETTINGS
from data_access.uploads import prefetch
from data_access.uploads.limits import upload_limits
from data_access.uploads.read import read_workbook
path = sys.argv[1]
data, name, bounds = Path(path).read_bytes(), Path(path).name, upload_limits(SETTINGS)
digest = hashlib.sha256(data).hexdigest()
def taken(*args):
    prefetch.start(path)
    return prefetch.take(*args)
sheets = taken(digest, name, bounds)
print(json.dumps({
    "same call": [(s.name, s.rows) for s in sheets] == [(s.name, s.rows) for s in read_workbook(
        data, name, max_rows=bounds.max_rows, limits=bounds)],
    "other bytes": taken(hashlib.sha256(data + b" ").hexdigest(), name, bounds),
    "other name": taken(digest, "其他.xlsx", bounds),
    "other rows": taken(digest, name, replace(bounds, max_rows=bounds.max_rows - 1)),
    "other bounds": taken(digest, name, replace(bounds, cells=999)),
    "nothing started": prefetch.take(digest, name, bounds),
}, default=str))
"""


def test_a_reading_is_used_only_for_the_same_bytes_name_and_bounds() -> None:
    done = subprocess.run([sys.executable, "-c", _TAKE, str(SAMPLE)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    assert json.loads(done.stdout) == {"same call": True, "other bytes": None, "other name": None,
                                       "other rows": None, "other bounds": None, "nothing started": None}


@pytest.mark.slow  # commands run as processes
def test_a_child_that_fails_leaves_the_reading_to_the_importing_process(seeded_url: str) -> None:
    """A child that dies before it answers (here: its reader is broken) costs nothing but the time."""
    setup = "import data_access.uploads.read as r\nr.read_workbook = lambda *a, **k: __import__('os')._exit(3)"
    report, how = _import(seeded_url, SAMPLE, setup=setup)
    assert how == {"exit": 0, "read here": 1} and report["errors"] == []
