"""Figure 5: `refactor replay --build parse` across the fixture eras, in revisions per second.

A git repository whose commits are the eras in order (each commit replaces the
whole tree with the next era).  The baseline is the same replay with
`--build none`: the tool's own share, so the ratio says how much of the time
the build-test takes.  The parallel figure is `replay --jobs 2` against
`--jobs 1`; with a replay that has no --jobs it runs one process per revision,
two at a time, against the same processes one after the other.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import (
    ERAS,
    TREES,
    Figure,
    Unavailable,
    cli_env,
    git,
    median_runs,
    refactor_argv,
    run_measured,
)


def eras_repo(dest: Path) -> tuple[Path, list[str], list[str]]:
    """(repo, revisions, era names): one commit, and a branch, per fixture era that exists."""
    present = [e for e in ERAS if (TREES / e).is_dir()]
    if not present:
        raise Unavailable("no fixture era under fixtures/trees")
    dest.mkdir(parents=True)
    git(dest, "init", "-q", "-b", "main")
    commits = []
    for era in present:
        for old in dest.iterdir():
            if old.name != ".git":
                shutil.rmtree(old) if old.is_dir() else old.unlink()
        shutil.copytree(TREES / era, dest, dirs_exist_ok=True)
        git(dest, "add", "-A")
        git(dest, "commit", "-q", "--allow-empty", "-m", era)
        git(dest, "branch", era)  # so the replay matrix names its columns by era
        commits.append(era)
    return dest, commits, present


def _replay_argv(repo: Path, revs: list[str], build: str) -> list[str]:
    argv = refactor_argv("replay", "--tree", str(repo), "--build", build)
    for r in revs:
        argv += ["--rev", r]
    return argv


def _parallel(argvs: list[list[str]], workers: int) -> float:
    """Wall time of running the commands, `workers` at a time."""
    import os

    env = dict(os.environ, **cli_env())
    t0 = time.perf_counter()
    pending = list(argvs)
    running: list[subprocess.Popen] = []
    while pending or running:
        while pending and len(running) < workers:
            running.append(subprocess.Popen(pending.pop(0), env=env, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL))
        running[0].wait()
        running = [p for p in running if p.poll() is None]
    return time.perf_counter() - t0


def _has_jobs() -> bool:
    r = run_measured(refactor_argv("replay", "--help"), check=False)
    return b"--jobs" in r.stdout


def measure(runs: int, quick: bool, log=print) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as tmp:
        repo, revs, eras = eras_repo(Path(tmp) / "eras")
        n = len(revs)
        # Each replay takes seconds: fewer runs; --quick makes one run, without warm-up.
        runs, warm = (1, False) if quick else (min(runs, 3), True)
        kept: list = []
        # Exit 1 means a rule conflicts or a build fails at some era: still a full replay.
        seq, peak = median_runs(lambda _i: _replay_argv(repo, revs, "parse"), runs, ok=(0, 1),
                                keep=kept, warmup=warm)
        matrix = kept[-1].stdout.decode(errors="replace")
        tool, tool_peak = median_runs(lambda _i: _replay_argv(repo, revs, "none"), runs,
                                      ok=(0, 1), warmup=warm)
        if quick:
            parallel = Figure("replay-parallel", unavailable="not measured with --quick")
        elif _has_jobs():
            par, par_peak = median_runs(
                lambda _i: _replay_argv(repo, revs, "parse") + ["--jobs", "2"], runs, ok=(0, 1))
            parallel = Figure("replay-parallel", par, seq, baseline="the same replay, --jobs 1",
                              peak_mib=par_peak, baseline_peak_mib=peak, unit="rev/s",
                              rate=n / par, baseline_rate=n / seq, note="replay --jobs 2")
        else:
            per_rev = [_replay_argv(repo, [r], "parse") for r in revs]
            one_by_one = statistics.median(
                sum(run_measured(a, check=False).seconds for a in per_rev) for _ in range(runs))
            par = statistics.median(_parallel(per_rev, 2) for _ in range(runs))
            parallel = Figure("replay-parallel", par, one_by_one,
                              baseline="one process per revision, one after the other",
                              unit="rev/s", rate=n / par, baseline_rate=n / one_by_one,
                              note="one process per revision, 2 at a time (no --jobs)")
    note = f"{n} eras: {', '.join(eras)}" + ("" if n == len(ERAS) else
                                             f" ({len(ERAS) - n} eras not written yet)")
    return [
        Figure("replay", seq, tool, baseline="the same replay with --build none",
               peak_mib=peak, baseline_peak_mib=tool_peak, unit="rev/s", rate=n / seq,
               baseline_rate=n / tool, note=note, details={"matrix": matrix}),
        parallel,
    ]
