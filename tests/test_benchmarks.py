"""The benchmarks still run: each at a tiny size, to the end of its printed figures. Their scale
is theirs (`make benchmark`); this only keeps them from rotting between measurements (the
warehouse benchmark built as the superuser and stopped at its second load, unnoticed, until
the next measurement)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TEST_KEY

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

# Each benchmark at a size that takes seconds, and a line only its last step prints.
TINY = {
    "warehouse_benchmark.py": (["--schools", "3", "--students", "12"],
                               "select * from partner.knowledge_improvement"),
    "ingest_benchmark.py": (["--schools", "4", "--students", "12"], "peak RSS"),
    "roster_probe_benchmark.py": (["--roster-rows", "20000", "--schools", "4"],
                                  "roster check plan"),
}  # fmt: skip


@pytest.mark.parametrize("script", sorted(TINY))
def test_a_benchmark_runs_to_its_last_figure_at_a_tiny_size(script, tmp_path):
    arguments, last_line = TINY[script]
    env = {**os.environ, "PATHWAYS_PSEUDONYM_KEY": TEST_KEY.decode(), "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, BENCHMARKS / script, *arguments], env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert last_line in done.stdout.strip().splitlines()[-1], done.stdout[-2000:]
