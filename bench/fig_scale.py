"""Figure 2: the tool's cost follows the files it touches, not the size of the tree.

`plan` and `apply --build none` on a /usr/src-sized git checkout that holds the
fixture's files, against the same commands on the bare fixture.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench import bigtree
from bench.common import Figure, fixture_repo, median_runs, refactor_argv
from bench.fig_apply import apply_argv

FULL = (100_000, 1536 << 20)
QUICK = (10_000, 50 << 20)


def measure(runs: int, quick: bool, log=print) -> list[Figure]:
    n_files, size = QUICK if quick else FULL
    big = bigtree.build(n_files, size, log=log)
    bigtree.drop_bench_branches(big)
    label = f"{n_files} files, {size >> 20} MiB" + (" (--quick: a smaller tree)" if quick else "")
    figs = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        tmp = Path(tmp)
        bare = fixture_repo(tmp / "bare")
        out = tmp / "out"

        def plan(repo):
            # plan exits 1 when a rule conflicts; that is still a full plan to time.
            return median_runs(lambda _i: refactor_argv("plan", "--tree", str(repo)), runs,
                               ok=(0, 1))

        def apply(repo, tag):
            return median_runs(lambda i: apply_argv(repo, out / tag, i), runs)

        b_plan, b_plan_peak = plan(bare)
        g_plan, g_plan_peak = plan(big)
        b_apply, b_apply_peak = apply(bare, "bare")
        g_apply, g_apply_peak = apply(big, "big")
    bigtree.drop_bench_branches(big)
    figs.append(Figure("scale", g_apply, b_apply, baseline="apply on the bare fixture",
                       peak_mib=g_apply_peak, baseline_peak_mib=b_apply_peak,
                       goal="ratio < 1.2, peak < 300 MiB",
                       met=(g_apply / b_apply < 1.2 and g_apply_peak < 300),
                       note=f"apply on {label}"))
    figs.append(Figure("scale-plan", g_plan, b_plan, baseline="plan on the bare fixture",
                       peak_mib=g_plan_peak, baseline_peak_mib=b_plan_peak,
                       goal="ratio < 1.2, peak < 300 MiB",
                       met=(g_plan / b_plan < 1.2 and g_plan_peak < 300),
                       note=f"plan on {label}"))
    return figs
