"""Import benchmark: a 60,000-row monitoring file (5,000 projects x 12 months) into SQLite.

Not a test. Run: `.venv/bin/python benchmarks/bench_import.py [DATABASE_URL]`; prints the
seconds and rows/s of a dry run, the first commit (inserts) and a re-import (nothing changes).
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # also run as a script, like its siblings

import xlsxwriter  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from data_access.db import make_engine  # noqa: E402
from data_access.migrate import upgrade  # noqa: E402
from data_access.models import Project  # noqa: E402
from data_access.money import fen_to_wan  # noqa: E402
from data_access.seed import SYNTHETIC_YEAR, seed_synthetic  # noqa: E402
from data_access.uploads import import_file  # noqa: E402

PROJECTS = 5_000


def monitoring_file(codes: list[tuple[str, int]]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("监控")
    ws.write_row(0, 0, [f"{SYNTHETIC_YEAR}年预算执行情况"])
    ws.write_row(1, 0, ["单位：万元"])
    ws.write_row(2, 0, ["项目编码", "预算年度", "月份", "累计支出", "目标完成情况"])
    r = 3
    for code, budget_fen in codes:
        for month in range(1, 13):
            spent = f"{fen_to_wan(budget_fen * month // 12):,.4f}"
            ws.write_row(r, 0, [code, SYNTHETIC_YEAR, month, spent, "按计划推进"])
            r += 1
    wb.close()
    return buf.getvalue()


def main(url: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(url or f"sqlite:///{Path(tmp) / 'bench.db'}", create=True)
        upgrade(engine)
        t0 = time.perf_counter()
        seed_synthetic(engine, projects=PROJECTS)
        with Session(engine) as s:
            codes = list(s.execute(select(Project.code, Project.budget_adjusted_fen).order_by(Project.id)).all())
        print(f"synthetic data: {PROJECTS:,} projects in {time.perf_counter() - t0:.1f} s")
        data = monitoring_file([(c, b) for c, b in codes])
        rows = len(codes) * 12
        print(f"file: {rows:,} rows, {len(data) / 1e6:.1f} MB")
        runs = (("dry run", True), ("commit (updates 12 months each)", False), ("re-import (unchanged)", False))
        for label, dry in runs:
            t0 = time.perf_counter()
            report = import_file(engine, "monitoring", data, "bench.xlsx", user="bench", dry_run=dry)
            took = time.perf_counter() - t0
            assert report.ok, report.errors[:3]
            print(f"{label:34s} {took:6.2f} s {rows / took:>9,.0f} rows/s  "
                  f"inserted {report.inserted:,} updated {report.updated:,} unchanged {report.unchanged:,}")
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
