"""Reader benchmark for uploads: python-calamine against openpyxl on a generated 50k-row .xlsx.

Not a test. Run: `.venv/bin/python benchmarks/bench_excel.py [ROWS]`; prints rows/s per reader
and checks that both readers see the same cells.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import time
from pathlib import Path

import openpyxl
import python_calamine as pc
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # also run as a script, like its siblings
from data_access.uploads.limits import Limits  # noqa: E402
from data_access.uploads.read import read_workbook  # noqa: E402

HEADER = ["项目编码", "项目名称", "预算单位", "预算年度", "月份", "调整后预算数", "累计支出", "目标完成情况",
          "偏差原因", "填报日期"]


def build(rows: int) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("监控")
    ws.write_row(0, 0, ["2023年6月预算执行情况表"])
    ws.write_row(1, 0, ["单位：万元"])
    ws.write_row(2, 0, HEADER)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for i in range(rows):
        r = i + 3
        ws.write_row(r, 0, [f"HP2023P{i:06d}", f"示例项目{i}", "101001-区教育局", 2023, 6, 123.45 + i,
                            f"{i * 0.5:,.2f}", "按计划推进", ""])
        ws.write_datetime(r, 9, dt.datetime(2023, 7, 5), date_fmt)
    wb.close()
    return buf.getvalue()


def read_calamine(data: bytes) -> list[list[object]]:
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return wb.get_sheet_by_index(0).to_python(skip_empty_area=False)


def read_openpyxl(data: bytes) -> list[list[object]]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    return rows


def read_reader(data: bytes) -> list[list[object]]:
    """The upload reader: the file measured against the upload limits first, then read by calamine."""
    limits = Limits(max_rows=1_000_000, cells=10**8)
    return read_workbook(data, "bench.xlsx", max_rows=1_000_000, limits=limits)[0].rows


def main(rows: int = 50_000) -> None:
    t0 = time.perf_counter()
    data = build(rows)
    took = time.perf_counter() - t0
    print(f"generated {rows:,} rows x {len(HEADER)} columns: {len(data) / 1e6:.1f} MB in {took:.2f} s")
    results = {}
    readers = (("python-calamine", read_calamine), ("upload reader", read_reader),
               ("openpyxl read_only", read_openpyxl))
    for name, reader in readers:
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            out = reader(data)
            best = min(best, time.perf_counter() - t0)
        results[name] = out
        print(f"{name:20s} {best:6.2f} s  {rows / best:>10,.0f} rows/s", flush=True)
    a, b = results["python-calamine"], results["openpyxl read_only"]
    same = all(_norm(x) == _norm(y) for ra, rb in zip(a, b, strict=True) for x, y in zip(ra, rb, strict=False))
    print(f"same cell values: {same}; rows read {len(a):,} / {len(b):,}")


def _norm(value: object) -> object:
    """Calamine gives 2023.0 and '' where openpyxl gives 2023 and None; compare the values."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    return value


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
