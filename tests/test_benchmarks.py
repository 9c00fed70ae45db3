"""`python -m benchmarks` at a tiny scale completes and prints its table (the figures are not checked here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # builds a database, drives eight pages through AppTest and imports a file
def test_the_benchmark_prints_every_figure_beside_its_baseline() -> None:
    out = subprocess.run([sys.executable, "-m", "benchmarks", "--projects", "200", "--only", "sqlite",
                          "--import-rows", "240"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    table = out.stdout[out.stdout.index("| database |"):]
    for page in ("overview", "execution", "evaluation", "rectification", "exante", "indicators", "report", "audit"):
        assert f"| SQLite | page {page}: first run / rerun |" in table
    assert "| SQLite | `kpis`, every region" in table and "load every row into pandas" in table
    assert "| SQLite | page execution, one district of all 200 projects: first run / rerun |" in table
    assert "| SQLite | import 240 rows, dry run |" in table and "read alone" in table
    assert "| SQLite | import 240 rows, commit changing stored months (240 updated, each with its audit entry) |" \
        in table
    assert "| SQLite | import 240 new months by the command (`data_access import`, start-up included) |" in table
