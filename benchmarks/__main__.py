"""City-scale benchmark: `python -m benchmarks [--projects N] [--regions K] [--only sqlite|postgresql]`.

Builds the synthetic database (`python -m data_access seed --synthetic-projects N --regions K`) on
SQLite and on a throwaway PostgreSQL (scripts/pg_throwaway.sh, or --pg-url), and prints, each beside
its baseline measured in the same run:

- every staff page a leader opens (AppTest, signed in): first run (cold cache) and cached rerun,
  against the bare queries of that run (the page's cached loaders' bodies called directly); beside
  the wall-clock seconds, the CPU seconds of the benchmark's process (the app's share, steady when
  other work shares the cores; a PostgreSQL server's own CPU is not in it);
- `kpis` over every region, beyond its time on an empty year, against loading every row of the year
  into pandas and grouping there;
- 执行监控 for one district holding all N projects (a second database, seeded with `--regions 1`), against
  loading every row of the year into pandas;
- a monitoring import of about 10,000 and 100,000 rows (dry run and commit, rows/s), against reading
  the file alone with pandas+openpyxl, with the peak memory of each process.

Not a test (speed is measured here, never in the suite). A quick run:
    python -m benchmarks --projects 2000 --only sqlite --import-rows 1000
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data_access.seed import SYNTHETIC_YEAR  # noqa: E402

PY = sys.executable


def _child(*args: str) -> dict[str, Any]:
    proc = subprocess.run([PY, "-m", "benchmarks.child", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    for line in proc.stderr.splitlines():
        if line.startswith("  page "):
            print(line, flush=True)
    if proc.returncode != 0:
        raise SystemExit(f"benchmarks.child {' '.join(args[:1])} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def build(url: str, projects: int, regions: int) -> tuple[float, float]:
    """Seconds the seed took: wall-clock, and the CPU of the seeding process (not a PostgreSQL server's)."""
    subprocess.run([PY, "-m", "data_access", "--db", url, "init"], cwd=ROOT, check=True, capture_output=True)
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([PY, "-m", "data_access", "--db", url, "seed", "--synthetic-projects", str(projects),
                    "--regions", str(regions)], cwd=ROOT, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def sibling_database(url: str, tmp: Path, name: str) -> tuple[str, Any]:
    """A second empty database beside the first (a file in tmp; on PostgreSQL a database of the same server):
    its URL and a function dropping it."""
    from sqlalchemy import create_engine, make_url, text

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        path = tmp / f"{name}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    database = f"{parsed.database}_{name}"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")

    def run(sql: str) -> None:
        with admin.connect() as conn:
            conn.execute(text(sql))

    run(f'DROP DATABASE IF EXISTS "{database}"')
    run(f'CREATE DATABASE "{database}"')
    return parsed.set(database=database).render_as_string(hide_password=False), \
        lambda: (run(f'DROP DATABASE IF EXISTS "{database}"'), admin.dispose())


def monitoring_file(url: str, rows: int, path: Path) -> int:
    """A monitoring upload of whole projects (12 months each, ⌊rows/12⌋ projects over every synthetic
    region, spending moved so every row updates): returns the rows written."""
    import xlsxwriter
    from sqlalchemy import select
    from sqlmodel import Session, col

    from data_access.db import make_engine
    from data_access.models import Project, Region
    from data_access.money import fen_to_wan

    engine = make_engine(url)
    with Session(engine) as s:
        codes = s.execute(select(col(Project.code), col(Project.budget_adjusted_fen), col(Region.name))
                          .join(Region, col(Region.id) == col(Project.region_id))
                          .where(col(Project.year) == SYNTHETIC_YEAR).order_by(col(Project.id))
                          .limit(max(1, rows // 12))).all()
    engine.dispose()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": False})
    ws = wb.add_worksheet("监控")
    ws.write_row(0, 0, [f"{SYNTHETIC_YEAR}年预算执行情况"])
    ws.write_row(1, 0, ["单位：万元"])
    ws.write_row(2, 0, ["项目编码", "行政区", "预算年度", "月份", "累计支出", "目标完成情况"])
    r = 3
    for code, budget_fen, region in codes:
        for month in range(1, 13):
            ws.write_row(r, 0, [code, region, SYNTHETIC_YEAR, month, float(fen_to_wan(budget_fen * month // 13)),
                                "按计划推进"])
            r += 1
    wb.close()
    path.write_bytes(buf.getvalue())
    return r - 3


def cli_import(url: str, path: Path, rows: int) -> dict[str, Any]:
    """The file's months as new ones (its projects' stored months deleted first, then VACUUM ANALYZE as
    autovacuum would) imported by the whole command, `python -m data_access import monitoring FILE`:
    wall-clock and CPU of the process, start-up included."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    # The file's projects, as monitoring_file chose them.
    projects, chosen = "SELECT id FROM project WHERE year = :y ORDER BY id LIMIT :n", {"y": SYNTHETIC_YEAR,
                                                                                      "n": max(1, rows // 12)}
    with engine.connect() as conn:
        conn.execute(text(f"DELETE FROM monitoring WHERE project_id IN ({projects})"), chosen)
        conn.execute(text("VACUUM ANALYZE monitoring" if engine.dialect.name == "postgresql" else "ANALYZE"))
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([PY, "-m", "data_access", "--db", url, "import", "monitoring", str(path), "--json"],
                          cwd=ROOT, capture_output=True, text=True)
    seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(proc.stdout)
    with engine.connect() as conn:
        stored = conn.execute(text(f"SELECT count(*) FROM monitoring WHERE project_id IN ({projects})"),
                              chosen).scalar_one()
    engine.dispose()
    if proc.returncode != 0 or not report["committed"] or stored != rows:
        raise SystemExit(f"the command's import failed ({stored:,} of {rows:,} months stored): {proc.stdout[:2000]}")
    return {"seconds": seconds, "inserted": stored,
            "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime}


def start_postgres(port: int) -> tuple[str, str]:
    out = subprocess.run(["bash", str(ROOT / "scripts" / "pg_throwaway.sh")], env={**os.environ, "PGPORT": str(port)},
                         check=True, capture_output=True, text=True).stdout
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return values["TEST_POSTGRES_URL"], values["PGDATA"]


def run_database(name: str, url: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    print(f"== {name}: seeding {args.projects:,} projects over {args.regions} regions", flush=True)
    result: dict[str, Any] = {}
    result["seed"], result["seed_cpu"] = build(url, args.projects, args.regions)
    print(f"   seeded in {result['seed']:.1f} s (CPU {result['seed_cpu']:.1f} s)", flush=True)
    if "pages" in args.parts:
        result["pages"] = _child("pages", url, "合成区01", str(SYNTHETIC_YEAR))
    if "kpis" in args.parts:
        result["kpis"] = _child("kpis", url, str(SYNTHETIC_YEAR))
        print(f"   kpis {result['kpis']}", flush=True)
    if "one-district" in args.parts:
        one, drop = sibling_database(url, tmp, "one")
        try:
            print(f"== {name}: seeding {args.projects:,} projects in one district", flush=True)
            seconds, cpu = build(one, args.projects, 1)
            entry: dict[str, Any] = {"seed": seconds, "seed_cpu": cpu}
            print(f"   seeded in {seconds:.1f} s (CPU {cpu:.1f} s)", flush=True)
            entry.update(_child("pages", one, "合成区01", str(SYNTHETIC_YEAR), "execution")["execution"])
            entry.update(_child("load", one, str(SYNTHETIC_YEAR)))
            result["one_district"] = entry
        finally:
            drop()
    if "imports" in args.parts:
        result["imports"] = {}
        for wanted in args.import_rows:
            path = tmp / f"monitoring-{name}-{wanted}.xlsx"
            rows = monitoring_file(url, wanted, path)
            modes = ("read", "dry", "commit")
            entry = {"rows": rows, **{mode: _child("import", url, mode, str(path)) for mode in modes}}
            entry["cli"] = cli_import(url, path, rows)
            result["imports"][wanted] = entry
            print(f"   import {rows:,} rows: {json.dumps(entry)}", flush=True)
    return result


def _db(figures: dict[str, Any], *runs: str) -> str:
    """The database server's CPU seconds of those runs (PostgreSQL on this machine), as ' + server a / b'."""
    if not all(f"{r}_db_cpu" in figures for r in runs) or not any(figures[f"{r}_db_cpu"] for r in runs):
        return ""
    return " + server " + " / ".join(f"{figures[f'{r}_db_cpu']:.2f}" for r in runs)


def _cpu(measured: dict[str, Any]) -> str:
    """The CPU seconds of the measuring process, beside its wall-clock (absent in older results)."""
    return f" (CPU {measured['cpu']:.2f} s)" if "cpu" in measured else ""


# The measure: 1.3 M monitoring rows in 13 files through the command, so files of 100,000 rows; a smaller
# file's rate is mostly the command's start-up (about a second).
_IMPORT_TARGET = "≥ 30,000 rows/s (a 100,000-row file)"


def table(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> str:
    """The figures as one markdown table, each beside its baseline and the issue's target."""
    per_region = args.projects // args.regions
    lines = [f"Benchmark of {dt.date.today().isoformat()}: {args.projects:,} synthetic projects over {args.regions} "
             f"regions ({per_region:,} in the district measured, 12 monitoring rows each); "
             f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.", "",
             "| database | what | figure | baseline (same run) | ratio | target |",
             "| --- | --- | --- | --- | --- | --- |"]
    for db, r in results.items():
        lines.append(f"| {db} | seed (`data_access seed --synthetic-projects`) | {r['seed']:.1f} s (CPU "
                     f"{r['seed_cpu']:.1f}) | | | |")
        for page, p in r.get("pages", {}).items():
            target = "≤ 2 s / ≤ 0.3 s" if page == "execution" else "≤ 1 s" if page in ("evaluation", "rectification") \
                else "< 2 s"
            cpu = f" (CPU {p['first_cpu']:.2f} / {p['rerun_cpu']:.2f}{_db(p, 'first', 'rerun')})" \
                if "first_cpu" in p else ""
            bare_cpu = f" (CPU {p['bare_cpu']:.2f}{_db(p, 'bare')})" if "bare_cpu" in p else ""
            lines.append(f"| {db} | page {page}: first run / rerun | {p['first']:.2f} s / {p['rerun']:.2f} s{cpu} | "
                         f"bare queries {p['bare']:.2f} s{bare_cpu} | {p['first'] / max(p['bare'], 1e-3):.1f} × | "
                         f"{target} |")
        if "one_district" in r:
            o = r["one_district"]
            first_ratio, rerun_ratio = o["first"] / max(o["baseline"], 1e-3), o["rerun"] / max(o["first"], 1e-3)
            lines.append(f"| {db} | page execution, one district of all {args.projects:,} projects: first run / "
                         f"rerun | {o['first']:.2f} s / {o['rerun']:.2f} s (CPU {o['first_cpu']:.2f} / "
                         f"{o['rerun_cpu']:.2f}{_db(o, 'first', 'rerun')}) | load every row into pandas "
                         f"{o['baseline']:.2f} s | "
                         f"{first_ratio:.1f} × / rerun {rerun_ratio:.2f} × first | ≤ 1.5 × / ≤ 0.2 × first |")
        if "kpis" in r:
            k = r["kpis"]
            beyond = max(k["kpis"] - k["empty"], 0.0)
            lines.append(f"| {db} | `kpis`, every region, beyond an empty year ({k['empty'] * 1000:.0f} ms) | "
                         f"{beyond:.3f} s | load every row into pandas {k['baseline']:.2f} s | "
                         f"{beyond / max(k['baseline'], 1e-3):.2f} × | ≤ 0.2 × |")
        for _, e in r.get("imports", {}).items():
            read, dry, commit = e["read"], e["dry"], e["commit"]
            n = e["rows"]
            lines.append(f"| {db} | import {n:,} rows, dry run | "
                         f"{dry['seconds']:.2f} s{_cpu(dry)}, {dry['peak_mb']:.0f} MB | "
                         f"read alone {read['seconds']:.2f} s{_cpu(read)}, {read['peak_mb']:.0f} MB | "
                         f"{dry['seconds'] / max(read['seconds'], 1e-3):.1f} × | ≤ 2 × |")
            took = commit["seconds"]
            lines.append(f"| {db} | import {n:,} rows, commit changing stored months ({commit['updated']:,} "
                         f"updated, each with its audit entry) | "
                         f"{took:.2f} s{_cpu(commit)}, {n / took:,.0f} rows/s, {commit['peak_mb']:.0f} MB | "
                         f"read alone {read['seconds']:.2f} s | {took / max(read['seconds'], 1e-3):.1f} × | |")
            if "cli" in e:
                cli, target = e["cli"], _IMPORT_TARGET if n >= 90_000 else ""
                lines.append(f"| {db} | import {n:,} new months by the command (`data_access import`, start-up "
                             f"included) | {cli['seconds']:.2f} s (CPU {cli['cpu']:.2f} s), "
                             f"{n / cli['seconds']:,.0f} rows/s | read alone {read['seconds']:.2f} s | "
                             f"{cli['seconds'] / max(read['seconds'], 1e-3):.1f} × | {target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument("--projects", type=int, default=100_000, help="synthetic projects in all (default 100,000)")
    ap.add_argument("--regions", type=int, default=4, help="regions they are spread over (default 4)")
    ap.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    ap.add_argument("--parts", default="pages,kpis,one-district,imports",
                    help="comma-separated: pages, kpis, one-district, imports")
    ap.add_argument("--import-rows", default="10000,100000", help="rows of each import file (default 10000,100000)")
    ap.add_argument("--pg-url", help="an empty PostgreSQL database to use instead of starting a throwaway server")
    ap.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "55439")),
                    help="port of the throwaway PostgreSQL server (default $PGPORT or 55439)")
    ap.add_argument("--keep", metavar="DIR", help="build the SQLite database in DIR and keep it")
    args = ap.parse_args(argv)
    # Measure the program as installed, its modules byte-compiled (scripts/setup_venv.sh does it too): where
    # PYTHONDONTWRITEBYTECODE is set, each command would otherwise compile the project's modules at its start.
    for package in ("data_access", "dashboard", "pages"):
        compileall.compile_dir(str(ROOT / package), quiet=1)
    args.parts = set(args.parts.split(","))
    args.import_rows = [int(n) for n in args.import_rows.split(",") if n]
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="perf-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, Any]] = {}
    try:
        if args.only in (None, "sqlite"):
            db = tmp / "bench.db"
            db.unlink(missing_ok=True)
            results["SQLite"] = run_database("sqlite", f"sqlite:///{db}", args, tmp)
        if args.only in (None, "postgresql"):
            pgdata = None
            url = args.pg_url
            if url is None:
                url, pgdata = start_postgres(args.pg_port)
            try:
                results["PostgreSQL"] = run_database("postgresql", url, args, tmp)
            finally:
                if pgdata:
                    subprocess.run(["bash", str(ROOT / "scripts" / "pg_throwaway.sh"), "stop", pgdata], check=False)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(table(results, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
