"""Upload reader memory: peak RSS and Python allocations for crafted files and legitimate ones.

Not a test. Run: `.venv/bin/python benchmarks/bench_upload_memory.py [--calamine] [--only NAME]`.
Each file is read in a child process with a 3 GB address-space limit (so a bomb ends the child,
not this script); the child reports its own high-water mark (VmHWM: Rust's allocations included),
tracemalloc's peak (Python objects only, from a second run), the outcome and the time.
`--calamine` also reads each file the way the reader did before issue 9 (python-calamine
directly, `to_python(skip_empty_area=False)` on every sheet), to show what the bounds prevent.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # also run as a script, like its siblings

from tests import bombs  # noqa: E402

LIMIT_MB = 3 << 10


def _numbers(rows: int, columns: int) -> bytes:
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("数字")
    for i in range(rows):
        ws.write_row(i, 0, [i * 1.5 + c for c in range(columns)])
    wb.close()
    return buf.getvalue()


def _distinct_text(rows: int, columns: int) -> bytes:
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("文字")
    for i in range(rows):
        ws.write_row(i, 0, [f"{i:06d}{c}预算项" for c in range(columns)])  # 10 characters each, all distinct
    wb.close()
    return buf.getvalue()


CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    # name: (file name, builder)
    "dimension bomb (XFD199000)": ("bomb.xlsx", bombs.dimension_bomb),
    "far row (B1048576)": ("bomb.xlsx", bombs.far_row_bomb),
    "2 GB cell, inline": ("bomb.xlsx", bombs.huge_cell),
    "2 GB cell, shared string": ("bomb.xlsx", lambda: bombs.huge_cell(shared=True)),
    "zip bomb, 1 GB sheet": ("bomb.xlsx", bombs.zip_bomb),
    "zip bomb, lying header": ("bomb.xlsx", lambda: bombs.zip_bomb(lie=True)),
    "shared count 4e9": ("bomb.xlsx", bombs.shared_count_bomb),
    "shared text x 60,000 cells": ("bomb.xlsx", bombs.shared_text_bomb),
    "3 M repeated cells": ("bomb.xlsx", bombs.repeated_cells_bomb),
    "xls DIMENSIONS 4e9 rows": ("bomb.xls", bombs.xls_dimensions_bomb),
    "xls cell at column 65536": ("bomb.xls", bombs.xls_far_cell_bomb),
    "xls cell at IV65536": ("bomb.xls", lambda: bombs.xls_far_cell_bomb(col=255)),
    "ods 200,000 x 100 repeated": ("bomb.ods", bombs.ods_repeat_bomb),
    "legit 80,000 x 12 monitoring sheet": ("legit.xlsx", lambda: bombs.largest_legitimate(80_000, 12)),
    "legit 100,000 x 10 numbers (at the cell bound)": ("legit.xlsx", lambda: _numbers(100_000, 10)),
    "legit 99,000 x 10 distinct text (near both bounds)": ("legit.xlsx", lambda: _distinct_text(99_000, 10)),
    "legit 200,000 x 12 (13.7 MB, over the bound)": ("legit.xlsx", lambda: bombs.largest_legitimate(200_000, 12)),
}

CHILD = r"""
import json, resource, sys, time
limit, path, mode, trace = int(sys.argv[1]) << 20, sys.argv[2], sys.argv[3], sys.argv[4] == "1"
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import io, tracemalloc
import python_calamine as pc
from data_access.uploads import read
from data_access.uploads.limits import Limits
data = open(path, "rb").read()
if trace:
    tracemalloc.start()
t0 = time.perf_counter()
out = {}
try:
    if mode == "calamine":
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = [wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names]
        out["read"] = sum(len(r) for r in rows)
    else:
        fmt = read.sniff(data, path)
        if fmt != "csv":
            t = time.perf_counter()
            read._MEASURE[fmt](data, path, Limits())
            out["measure_s"] = round(time.perf_counter() - t, 2)
        sheets = read.read_workbook(data, path, max_rows=200_000)
        out["read"] = sum(len(s.rows) for s in sheets)
except Exception as exc:
    out["code"] = getattr(exc, "code", type(exc).__name__)
out["seconds"] = round(time.perf_counter() - t0, 2)
if trace:
    out["python_peak_mb"] = tracemalloc.get_traced_memory()[1] >> 20
out["peak_rss_mb"] = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) >> 10
print(json.dumps(out))
"""


def run(path: Path, mode: str, trace: bool) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(LIMIT_MB), str(path), mode, "1" if trace else "0"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"died": done.returncode, "why": (done.stderr.strip().splitlines() or [""])[0][:60]}
    return json.loads(done.stdout)


def show(result: dict) -> str:
    if "died" in result:
        return f"process died (status {result['died']}): {result['why']}"
    what = f"refused {result['code']}" if "code" in result else f"read {result['read']:,} rows"
    measure = f", measuring {result['measure_s']} s" if "measure_s" in result else ""
    python = f", Python peak {result['python_peak_mb']} MB" if "python_peak_mb" in result else ""
    return f"{what:32s} peak RSS {result['peak_rss_mb']:5d} MB{python}, {result['seconds']} s{measure}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calamine", action="store_true",
                        help="also read each file as the reader did before (calamine directly)")
    parser.add_argument("--only", help="run the cases whose name contains this text")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, (file_name, build) in CASES.items():
            if args.only and args.only not in name:
                continue
            t0 = time.perf_counter()
            data = build()
            path = Path(tmp) / file_name
            path.write_bytes(data)
            print(f"{name} ({len(data) / 2**20:.2f} MB, built in {time.perf_counter() - t0:.0f} s)", flush=True)
            now = run(path, "reader", trace=False)
            if "died" not in now:
                now["python_peak_mb"] = run(path, "reader", trace=True).get("python_peak_mb", -1)
            print(f"    reader:   {show(now)}", flush=True)
            if args.calamine:
                print(f"    calamine: {show(run(path, 'calamine', trace=False))}", flush=True)


if __name__ == "__main__":
    main()
