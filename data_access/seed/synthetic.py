"""Deterministic synthetic data for the benchmarks, any number of projects over K regions."""

from __future__ import annotations

import random

from sqlalchemy import Engine, select, text
from sqlmodel import Session, col

from data_access.models import Region
from data_access.seed.builder import WAN, Builder, add_findings

SYNTHETIC_YEAR = 2024


def seed_synthetic(engine: Engine, *, projects: int, regions: int = 1) -> int:
    """Deterministic synthetic data for benchmarks: K regions sharing N projects.

    Each project gets 12 months of monitoring and a self-evaluation; every 20th a finance
    evaluation and a finding. Rows go in bulk (`builder.bulk_insert`: COPY on PostgreSQL), so a city
    of 100,000 projects and 1.2 M monitoring rows loads in about a minute. Regions already present are
    left alone, so a second run with the same arguments adds nothing. Returns the number of projects added.
    """
    added = 0
    per_region = [projects // regions + (1 if i < projects % regions else 0) for i in range(regions)]
    for k, count in enumerate(per_region, start=1):
        name = f"合成区{k:02d}"
        with Session(engine) as session:
            if session.execute(select(col(Region.id)).where(col(Region.name) == name)).first():
                continue
            b = Builder(session=session, rng=random.Random(1000 + k))
            b.region(name, f"{name}（基准测试合成数据）")
            depts = [f"合成单位{j:03d}" for j in range(1, 51)]
            b.department_ids(name, depts, f"S{k:02d}")
            rows = []
            for i in range(count):
                adjusted = b.rng.randint(5, 900) * WAN
                rows.append({"department": depts[i % 50], "code": f"S{k:02d}{i + 1:07d}",
                             "name": f"合成项目{i + 1:07d}", "initial": adjusted, "adjusted": adjusted,
                             "kind": "recurring" if i % 3 else "one_off", "is_new": i % 17 == 0,
                             "fund_source": N_FUNDS[i % len(N_FUNDS)]})
            for start in range(0, len(rows), 5000):
                b.add_projects(name, SYNTHETIC_YEAR, rows[start : start + 5000])
            evaluations = []
            for i, r in enumerate(rows):
                evaluations.append({"department": r["department"], "subject": r["name"], "subject_type": "project",
                                    "method": "self", "score": b.rng.randint(5500, 9900), "published": False})
                if i % 20 == 0:
                    evaluations.append({"department": r["department"], "subject": r["name"], "subject_type": "project",
                                        "method": "key" if i % 40 else "review", "score": b.rng.randint(5500, 9900),
                                        "funds": r["adjusted"], "completion": b.rng.randint(8000, 10000)})
            b.add_evaluations(name, SYNTHETIC_YEAR, evaluations)
            add_findings(b, name, SYNTHETIC_YEAR,
                         [{"department": r["department"], "subject": r["name"]} for r in rows[::20]],
                         mostly_rectified=False)
            if engine.dialect.name == "postgresql":
                # Flushed at commit even on a server with synchronous_commit off (the throwaway one): VACUUM below
                # marks a page all-visible only once the commit that wrote its rows is on disk.
                session.execute(text("SET LOCAL synchronous_commit TO on"))
            session.commit()
            added += count
    if added and engine.dialect.name == "postgresql":
        # Planner statistics and the visibility map now, as autovacuum would gather them a while after a load
        # this size: without statistics the first queries after the seed plan for empty tables, and without
        # the visibility map every index-only scan of the carry-forward visits the table as well (one heap
        # fetch per project). VACUUM runs outside a transaction.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # VACUUM sets a page all-visible only when its rows' commit is flushed, which the commit log tracks
            # per group of 32 transactions: every table is vacuumed before ANALYZE's own (asynchronous) commits
            # join the seed's group.
            tables = "region, department, project, monitoring, evaluation, finding, finding_status_change"
            conn.execute(text(f"VACUUM {tables}"))
            conn.execute(text(f"ANALYZE {tables}"))
    return added


N_FUNDS = ("一般公共预算", "一般公共预算", "一般公共预算", "政府性基金预算", "专项债券", "中央直达资金", "涉农资金")
