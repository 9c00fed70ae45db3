"""`python -m data_access import` reads its file in a child process while it loads the database libraries
(data_access/uploads/prefetch.py): the same records, the same refusals, and a fallback to reading in the
importing process whenever the child's reading is not for this call. Each runs in a process of its own:
a test process (pytest-xdist's threads) must never fork."""

from __future__ import annotations

import json
import os
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


def _import(url: str, path: Path, *, read_ahead: bool = True, setup: str = "",
            env: dict[str, str] | None = None) -> tuple[dict, dict]:
    done = subprocess.run([sys.executable, "-c", _RUN.format(setup=setup, read_ahead=read_ahead), "--db", url,
                           "import", "monitoring", str(path), "--json", "--dry-run"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, **(env or {})})
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


def _long_sheet() -> bytes:
    """150 rows: readable, and over the row bound of PERF_MAX_UPLOAD_ROWS=10 (10 + 100 lines of titles)."""
    return bombs.largest_legitimate(rows=150, columns=6)


# The reader opens the file while the measurer is still at it: whatever it makes of a bomb (a grid it cannot
# allocate, a copy of one text per cell), the measurer's refusal is the answer, worded as without the children.
REFUSED = {"dimension bomb": (bombs.dimension_bomb, {}, "too_many_columns"),
           "one long text in every cell": (bombs.shared_text_bomb, {}, "too_much_text"),
           "a readable file over the row bound": (_long_sheet, {"PERF_MAX_UPLOAD_ROWS": "10"}, "too_many_rows")}


@pytest.mark.slow  # commands run as processes
@pytest.mark.parametrize("case", REFUSED)
def test_a_refused_file_is_refused_the_same_way_through_the_children(db_url: str, tmp_path: Path, case: str) -> None:
    make, env, code = REFUSED[case]
    path = tmp_path / "月报.xlsx"
    path.write_bytes(make())
    ahead, how = _import(db_url, path, env=env)
    alone, _ = _import(db_url, path, read_ahead=False, env=env)
    assert how == {"exit": 1, "read here": 0}
    assert [e["code"] for e in ahead["errors"]] == [code]
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
@pytest.mark.parametrize("child", ["_measure", "_read"])
def test_a_child_that_fails_leaves_the_reading_to_the_importing_process(seeded_url: str, child: str) -> None:
    """The measurer or the reader dying before it answers (here: at once) costs nothing but the time."""
    setup = f"import data_access.uploads.prefetch as p\np.{child} = lambda path: __import__('os')._exit(3)"
    report, how = _import(seeded_url, SAMPLE, setup=setup)
    assert how == {"exit": 0, "read here": 1} and report["errors"] == []


_CAPPED = """
import json, sys
from data_access.uploads import prefetch
capped = prefetch._cap_address_space()
try:
    bytearray(2 << 30)
    stopped = False
except MemoryError:
    stopped = True
answer = prefetch._read(sys.argv[1])
rows = sum(len(rows) for _name, rows in answer[4])
print(json.dumps({"capped": capped, "2 GB stopped": stopped, "answer": answer[3], "rows": rows}))
"""


@pytest.mark.slow  # a process of its own
def test_the_readers_cap_stops_a_bomb_and_admits_a_file() -> None:
    """Under its address-space cap (READER_HEADROOM beyond what it had when forked) the reader cannot take
    2 GB, and still reads a file. The largest file the measurer admits (a million cells of distinct text)
    peaked at 255 MB in the reader, a quarter of the headroom; a reader stopped by its cap costs only time."""
    done = subprocess.run([sys.executable, "-c", _CAPPED, str(SAMPLE)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    got = json.loads(done.stdout)
    assert got["capped"] and got["2 GB stopped"] and got["answer"] == "sheets" and got["rows"] > 4_000, got
