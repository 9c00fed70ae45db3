"""Benchmark: seed N synthetic projects (12 months each) and time `kpis` and its blocks.

Prints figures; asserts nothing (speed is measured here, never in timed tests).
    python benchmarks/bench_kpis.py --projects 100000 [--db URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session  # noqa: E402

from data_access.db import make_engine  # noqa: E402
from data_access.migrate import upgrade  # noqa: E402
from data_access.queries.kpis import execution_summary, kpis  # noqa: E402
from data_access.seed import SYNTHETIC_YEAR, seed_synthetic  # noqa: E402


def timed(label: str, fn, repeat: int = 5) -> None:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    print(f"{label:<42} median {statistics.median(runs) * 1000:8.1f} ms  (min {min(runs) * 1000:.1f}, n={repeat})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=100_000)
    ap.add_argument("--db")
    args = ap.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = make_engine(url, create=True)
    upgrade(engine)
    start = time.perf_counter()
    added = seed_synthetic(engine, projects=args.projects, regions=1)
    print(f"seeded {added} projects x 12 months in {time.perf_counter() - start:.1f} s ({url.split(':')[0]})")
    with Session(engine) as session:
        timed("kpis (all blocks), one region", lambda: kpis(session=session, year=SYNTHETIC_YEAR, region="合成区01"))
        for month in (6, 12):
            timed(f"execution_summary month {month}", lambda m=month: execution_summary(
                session=session, year=SYNTHETIC_YEAR, region="合成区01", month=m))


if __name__ == "__main__":
    main()
