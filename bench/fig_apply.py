"""Figure 1: `refactor apply --build none` end to end on the bhyve-2021 fixture.

Baselines measured in the same run: `git apply` of the very series the tool
wrote (the floor for writing the change), and `python -c "import ..."` of the
CLI's modules (the floor for any Python CLI: interpreter start plus imports).
"""

from __future__ import annotations

import cProfile
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import (
    PYTHON,
    Figure,
    Unavailable,
    fixture_repo,
    git,
    median_runs,
    refactor_argv,
)
from bench.profiling import (
    PhaseTimers,
    cumulative,
    hottest,
    layer_seconds,
    parse_and_git_timers,
)

IMPORTS = "import refactor.cli, refactor.commands, refactor_rules.bhyve_ipc"


def apply_argv(repo: Path, out: Path, i: int, build: str = "none") -> list[str]:
    return refactor_argv("apply", "--tree", str(repo), "--build", build,
                         "--out", str(out / f"run{i}"), "--branch", f"bench/run{i}")


def measure(runs: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-apply-") as tmp:
        tmp = Path(tmp)
        repo = fixture_repo(tmp / "src")
        out = tmp / "out"
        seconds, peak = median_runs(lambda i: apply_argv(repo, out, i), runs)
        patches = sorted((out / "run0").glob("*.patch"))
        figs = [_vs_git_apply(seconds, peak, repo, patches, tmp, runs)]
        figs.append(_vs_python(seconds, peak, runs))
        figs.append(_phases(repo, tmp, runs))
    return figs


def _vs_git_apply(seconds: float, peak: float, repo: Path, patches: list[Path], tmp: Path,
                  runs: int) -> Figure:
    fig = Figure("apply", seconds, peak_mib=peak, baseline="git apply of the same series",
                 note=f"{len(patches)} patches")
    if not patches:
        fig.baseline = "unavailable: the tool wrote no patches (nothing to apply)"
        return fig
    clone = tmp / "git-apply"
    shutil.copytree(repo, clone)

    def reset(_i):
        git(clone, "reset", "-q", "--hard", "HEAD")
        git(clone, "clean", "-qfd")

    argv = ["git", "apply", *map(str, patches)]
    fig.baseline_seconds, fig.baseline_peak_mib = median_runs(lambda _i: argv, runs, cwd=clone,
                                                              setup=reset)
    return fig


def _vs_python(seconds: float, peak: float, runs: int) -> Figure:
    base, base_peak = median_runs(lambda _i: [PYTHON, "-c", IMPORTS], runs)
    bare, _ = median_runs(lambda _i: [PYTHON, "-c", "pass"], runs)
    return Figure("apply-vs-python-floor", seconds, base, peak_mib=peak,
                  baseline=f"python -c '{IMPORTS}'", baseline_peak_mib=base_peak,
                  details={"python_c_pass": bare, "import_seconds": base - bare})


def _phases(repo: Path, tmp: Path, runs: int) -> Figure:
    """In-process phase timers (cold first run, then median of warm runs) and one cProfile run.

    The cold run pays one-time costs a CLI run pays too (grammar loading, first
    imports of lazily imported modules); the warm runs show the steady state.
    """
    try:
        from refactor.emit import emit
        from refactor.plan import plan_recipe
        from refactor.recipe import get_recipe
        from refactor.target import check_anchors, open_target
    except ImportError as exc:
        raise Unavailable(f"cannot import the planner/emitter: {exc}") from None

    rows: list[dict[str, float]] = []
    profile = cProfile.Profile()
    for i in range(runs + 2):
        with PhaseTimers() as timers:
            parse_and_git_timers(timers)
            t0 = time.perf_counter()
            recipe = get_recipe("bhyve-ipc")
            target = open_target(repo)
            check_anchors(target, recipe)
            t1 = time.perf_counter()
            if i == 1:  # profile a warm run: the cold one is dominated by imports
                profile.enable()
            plan = plan_recipe(recipe, target.tree)
            if i == 1:
                profile.disable()
            t2 = time.perf_counter()
            out = tmp / "phase-out" / str(i)
            out.mkdir(parents=True)
            emit(plan, target, out, f"bench/phase{i}", "none")
            t3 = time.perf_counter()
        row = {"open target (GitPython)": t1 - t0, "plan": t2 - t1, "emit": t3 - t2,
               **{f"  {k}": v for k, v in sorted(timers.seconds.items())}}
        rows.append(row)
    cold, warm = rows[0], rows[2:]
    keys = list(dict.fromkeys(k for r in rows for k in r))
    phases = {k: statistics.median(r.get(k, 0.0) for r in warm) for k in keys}
    total = sum(phases[k] for k in ("open target (GitPython)", "plan", "emit"))
    cold_total = sum(cold[k] for k in ("open target (GitPython)", "plan", "emit"))
    return Figure("apply-phases", total, cold_total, baseline="the first (cold) in-process run",
                  details={"phases": phases, "cold": {k: cold.get(k, 0.0) for k in keys},
                           "plan_profiled_seconds": pstats_total(profile),
                           "plan_layers_profiled": layer_seconds(profile),
                           "plan_hottest": hottest(profile, 10),
                           "plan_cumulative": cumulative(profile, 12, under="/refactor")},
                  note="in-process, warm median; timers exclusive (a parse inside "
                       "validation counts as validation)")


def pstats_total(profile: cProfile.Profile) -> float:
    import pstats

    return pstats.Stats(profile).total_tt  # type: ignore[attr-defined]

