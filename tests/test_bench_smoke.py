"""Smoke test of the bench: it runs and writes well-formed JSON.  No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_bench_writes_json_with_the_figures(tmp_path):
    out = tmp_path / "bench.json"
    res = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "apply", "--only", "cfront",
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text())
    assert data["machine"]["cpus"] >= 1
    assert "tree-sitter" in data["versions"]
    figs = {f["name"]: f for f in data["figures"]}
    assert {"apply", "cfront"} <= set(figs)
    for f in figs.values():
        if f["unavailable"]:
            assert f["seconds"] is None
            continue
        assert f["seconds"] > 0
        if f["baseline_seconds"]:
            assert abs(f["ratio"] - f["seconds"] / f["baseline_seconds"]) < 1e-9
    # The table names every figure, measured or not.
    for name in figs:
        assert name in res.stdout
