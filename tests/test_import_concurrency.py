"""Two imports at the same time into one database: nothing lost, nothing doubled (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from data_access.models import Department, Monitoring, Project, Region, UploadBatch
from data_access.uploads import ImportReport, import_file
from tests import test_import as shared
from tests.test_import import xlsx

engine = shared.engine  # the sqlite/postgresql fixture


def _together(engine: Engine, jobs: list[tuple[str, bytes]]) -> list[ImportReport]:
    barrier = threading.Barrier(len(jobs))
    results: list[ImportReport | BaseException] = [RuntimeError("not run")] * len(jobs)

    def work(i: int, kind: str, data: bytes) -> None:
        barrier.wait()
        try:
            results[i] = import_file(engine, kind, data, f"{kind}-{i}.xlsx", user=f"clerk{i}")
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i, k, d)) for i, (k, d) in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(isinstance(r, ImportReport) for r in results), results
    return results  # type: ignore[return-value]


def _projects(prefix: str, n: int) -> bytes:
    rows = [["项目编码", "项目名称", "预算单位", "行政区", "预算年度", "调整后预算数"]]
    # Both files name the same new region and departments: the get-or-create must not double them.
    rows += [[f"{prefix}{i:04d}", f"项目{prefix}{i}", f"区单位{i % 5}", "并发区", 2023, 10_000 + i] for i in range(n)]
    return xlsx(rows)


def test_concurrent_project_imports_create_shared_references_once(engine: Engine) -> None:
    reports = _together(engine, [("projects", _projects("A", 300)), ("projects", _projects("B", 300))])
    assert all(r.committed for r in reports), [r.errors for r in reports]
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Region)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(Department)).scalar_one() == 5
        assert s.execute(select(func.count()).select_from(Project)).scalar_one() == 600
        assert (s.execute(select(func.sum(Project.budget_adjusted_fen))).scalar_one()
                == 2 * sum(10_000 + i for i in range(300)) * 100)


def test_concurrent_monitoring_imports_of_overlapping_rows(engine: Engine) -> None:
    assert import_file(engine, "projects", _projects("P", 200), "p.xlsx", user="t").committed
    header = ["项目编码", "预算年度", "月份", "累计支出"]
    first = xlsx([header] + [[f"P{i:04d}", 2023, m, 100 * m] for i in range(200) for m in (1, 2, 3)])
    second = xlsx([header] + [[f"P{i:04d}", 2023, m, 100 * m] for i in range(200) for m in (3, 4)])  # month 3 in both
    reports = _together(engine, [("monitoring", first), ("monitoring", second)])
    assert all(r.committed for r in reports), [r.errors for r in reports]
    assert sorted(r.inserted for r in reports) in ([200, 600], [400, 400])  # whoever came second found month 3
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Monitoring)).scalar_one() == 800
        assert (s.execute(select(func.sum(Monitoring.spent_cumulative_fen))).scalar_one()
                == 200 * 100 * 100 * (1 + 2 + 3 + 4))
        assert s.execute(select(func.count()).select_from(UploadBatch).where(UploadBatch.committed)).scalar_one() == 3
