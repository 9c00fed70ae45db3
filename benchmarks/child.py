"""The measurements of `python -m benchmarks`, each run in its own process so one database, one
engine cache and one peak of memory belong to one figure.

    python -m benchmarks.child pages URL REGION YEAR [PAGE,...]   staff pages (leader; default every one)
                                                                  against their bare queries
    python -m benchmarks.child kpis URL YEAR             `kpis` against loading every row into pandas
    python -m benchmarks.child load URL YEAR             loading every row of the year into pandas alone
    python -m benchmarks.child import URL MODE FILE      MODE: read (pandas+openpyxl), dry (dry run), commit

Each prints one JSON object on its last line of stdout. Not a test; asserts only that pages ran.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Every page a leader may open (the finance-only pages are left to the upload benchmarks).
LEADER_PAGES = ("overview", "execution", "evaluation", "rectification", "exante", "indicators", "report", "audit")
LEADER = ("bench-leader", "bench-leader-password")


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it starts afresh at exec, so the
    benchmark's own memory does not count)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def server_cpu(url: str) -> Any:
    """A function giving the CPU seconds used so far by a PostgreSQL server on this machine (every process of
    its postmaster: the backends that answer the app, and its own workers), or None for SQLite or a server
    elsewhere. The machine is shared, so wall-clock waits on other work; CPU seconds do not."""
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import text

    from data_access.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    engine.dispose()
    try:
        postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def cpu() -> float:
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster or stat.parent.name == str(postmaster):
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    return cpu


def _ensure_leader(url: str) -> None:
    from sqlalchemy import select
    from sqlmodel import Session, col

    from data_access.auth import create_user
    from data_access.db import make_engine
    from data_access.models import User

    engine = make_engine(url)
    with Session(engine) as session:
        if session.execute(select(col(User.id)).where(col(User.username) == LEADER[0])).first() is None:
            create_user(session, LEADER[0], "leader", LEADER[1], actor="bench")
    engine.dispose()


class _Recorder:
    """Wraps the cached loaders of dashboard.loaders and keeps each call's function and arguments, so the
    same queries can be timed bare (no cache, no Streamlit) after the page ran."""

    def __init__(self) -> None:
        from dashboard import loaders

        self.calls: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = []
        self.engine: Any = None
        self.loaders = loaders
        for name in dir(loaders):
            cached = getattr(loaders, name)
            if hasattr(cached, "_info") and hasattr(cached, "clear"):
                setattr(loaders, name, self._wrap(name, cached))

    def _wrap(self, name: str, cached: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, cached._info.func, args, kwargs))  # noqa: SLF001 - the uncached body
            return cached(*args, **kwargs)

        call.clear = cached.clear  # type: ignore[attr-defined]
        return call

    def bare(self) -> tuple[float, list[str]]:
        """Seconds to run every recorded loader body once (distinct calls), outside Streamlit; best of two."""
        from unittest import mock

        from data_access.db import make_engine

        if self.engine is None:
            self.engine = make_engine(os.environ["DATABASE_URL"])
        calls = {repr((name, args, sorted(kwargs.items()))): (name, func, args, kwargs)
                 for name, func, args, kwargs in self.calls if name != "key"}
        best = float("inf")
        with mock.patch("dashboard.loaders.get_engine", return_value=self.engine):
            for _ in range(2):
                start = time.perf_counter()
                for _name, func, args, kwargs in calls.values():
                    func(*args, **kwargs)
                best = min(best, time.perf_counter() - start)
        return best, [name for name, *_ in calls.values()]


def pages(url: str, region: str, year: int, which: tuple[str, ...] = LEADER_PAGES) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = url
    _ensure_leader(url)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    recorder = _Recorder()
    db_cpu = server_cpu(url) or (lambda: 0.0)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=1800)
    at.run()
    pages_by_path = at._registered_pages  # noqa: SLF001 - AppTest has no public way to open a URL
    at._page_hash = next(h for h, info in pages_by_path.items() if info.get("url_pathname") == "login")  # noqa: SLF001
    at.run()
    at.text_input(key="login_username").input(LEADER[0])
    at.text_input(key="login_password").input(LEADER[1])
    next(b for b in at.button if b.proto.is_form_submitter).click()
    at.run()
    out: dict[str, Any] = {}
    for page in which:
        at.query_params.update({"region": region, "year": str(year)})
        at.switch_page(f"../pages/{page}.py")
        st.cache_data.clear()
        recorder.calls.clear()
        start, cpu, db = time.perf_counter(), time.process_time(), db_cpu()
        at.run()
        first, first_cpu, first_db = time.perf_counter() - start, time.process_time() - cpu, db_cpu() - db
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].value}")
        start, cpu, db = time.perf_counter(), time.process_time(), db_cpu()
        at.run()
        rerun, rerun_cpu, rerun_db = time.perf_counter() - start, time.process_time() - cpu, db_cpu() - db
        cpu, db = time.process_time(), db_cpu()
        bare, names = recorder.bare()
        bare_cpu, bare_db = (time.process_time() - cpu) / 2, (db_cpu() - db) / 2  # bare() runs the queries twice
        out[page] = {"first": first, "rerun": rerun, "bare": bare, "loaders": names,
                     "first_cpu": first_cpu, "rerun_cpu": rerun_cpu, "bare_cpu": bare_cpu,
                     "first_db_cpu": first_db, "rerun_db_cpu": rerun_db, "bare_db_cpu": bare_db}
        print(f"  page {page:14s} first {first:7.2f} s  rerun {rerun:6.2f} s  bare queries {bare:6.2f} s"
              f"  (CPU of this process: {first_cpu:.2f} / {rerun_cpu:.2f} / {bare_cpu:.2f} s;"
              f" of the database server: {first_db:.2f} / {rerun_db:.2f} / {bare_db:.2f} s)",
              file=sys.stderr, flush=True)
    return out


def kpis(url: str, year: int) -> dict[str, Any]:
    from sqlmodel import Session

    from data_access.db import make_engine
    from data_access.queries.kpis import kpis as kpis_of

    engine = make_engine(url)
    with Session(engine) as session:
        kpis_of(session=session, year=year)  # warm: connections, statement compilation
        empty = _best(lambda: kpis_of(session=session, year=year - 50))
        full = _best(lambda: kpis_of(session=session, year=year))
    baseline = _best(lambda: load_everything(engine, year))
    engine.dispose()
    return {"kpis": full, "empty": empty, "baseline": baseline}


def load_everything(engine: Any, year: int) -> dict[str, Any]:
    """The load-everything approach `kpis` is compared with: every row of the year into pandas, grouped there."""
    import pandas as pd

    with engine.connect() as conn:
        projects = pd.read_sql(
            f"SELECT id, region_id, budget_adjusted_fen, fund_source FROM project WHERE year = {year}", conn)
        monitoring = pd.read_sql("SELECT project_id, month, spent_cumulative_fen, budget_fen FROM monitoring", conn)
        evaluations = pd.read_sql(
            f"SELECT region_id, method, score_centi, funds_fen FROM evaluation WHERE year = {year}", conn)
        findings = pd.read_sql(f"SELECT region_id, status, deadline FROM finding WHERE year = {year}", conn)
    monitoring = monitoring[monitoring["project_id"].isin(projects["id"])]
    latest = monitoring.sort_values("month").groupby("project_id").last()
    merged = projects.join(latest, on="id")
    spent = merged.groupby("region_id")["spent_cumulative_fen"].sum()
    budget = merged.assign(b=merged["budget_fen"].fillna(merged["budget_adjusted_fen"])).groupby("region_id")["b"].sum()
    grades = evaluations.assign(g=pd.cut(evaluations["score_centi"], [-1, 5999, 7999, 8999, 10001])) \
        .groupby(["region_id", "method", "g"], observed=True).size()
    status = findings.groupby(["region_id", "status"]).size()
    return {"spent": spent, "budget": budget, "grades": grades, "status": status}


def _best(fn: Any, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return min(runs)


def import_(url: str, mode: str, path: str) -> dict[str, Any]:
    data = Path(path).read_bytes()
    start, cpu = time.perf_counter(), time.process_time()
    if mode == "read":
        import pandas as pd

        rows = len(pd.read_excel(path, engine="openpyxl", header=2))
        result: dict[str, Any] = {"rows": rows}
    else:
        from data_access.db import make_engine
        from data_access.uploads import import_file

        report = import_file(make_engine(url), "monitoring", data, Path(path).name, user="bench", dry_run=mode == "dry")
        if not report.ok:
            raise SystemExit(f"import failed: {[e.message for e in report.errors[:3]]}")
        result = {"inserted": report.inserted, "updated": report.updated, "unchanged": report.unchanged}
    result.update(seconds=time.perf_counter() - start, cpu=time.process_time() - cpu, peak_mb=_peak_mb())
    return result


def main(argv: list[str]) -> None:
    what = argv[0]
    if what == "pages":
        result = pages(argv[1], argv[2], int(argv[3]), *([tuple(argv[4].split(","))] if len(argv) > 4 else []))
    elif what == "load":
        from data_access.db import make_engine

        engine = make_engine(argv[1])
        year = int(argv[2])
        load_everything(engine, year)  # warm
        result = {"baseline": _best(lambda: load_everything(engine, year))}
        engine.dispose()
    elif what == "kpis":
        result = kpis(argv[1], int(argv[2]))
    elif what == "import":
        result = import_(argv[1], argv[2], argv[3])
    else:
        raise SystemExit(f"unknown measurement {what!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
