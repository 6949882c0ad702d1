"""A git that fails, or dies, at every call apply, --in-place and replay make.

A clean run records every git call (subcommand and how many of that one came
before); then the same run is repeated once for each call and each fault:
`fail` (git exits 128 with a message), `kill` (git dies of SIGKILL) and, for
apply, `killparent` (the tool itself gets kill -9 at that moment, and the next
run must clean up).  Each run is judged by faultlib.judge.  The counts go to
stdout (pytest -s) and to $FAULT_COUNTS when that is set.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from faultlib import Run, judge, judge_killed, make_checkout, make_plain, state

# Two at a time: CI has two cores.
WORKERS = 2


def scenario(kind: str, base: Path) -> Run:
    base.mkdir(parents=True)
    if kind == "apply":
        tree = make_checkout(base / "src")
        args = ["apply", "--tree", str(tree), "--out", str(base / "out" / "series"),
                "--build", "none"]
    elif kind == "in-place":
        tree = make_plain(base / "src")
        args = ["apply", "--tree", str(tree), "--out", str(base / "out" / "series"),
                "--build", "none", "--in-place"]
    else:
        tree = make_checkout(base / "src")
        args = ["replay", "--tree", str(tree), "--rev", "HEAD", "--rev", "HEAD~0",
                "--build", "none"]
        if kind == "replay --out":  # each revision's series, complete or absent
            args += ["--out", str(base / "out" / "series")]
    (base / "out").mkdir()
    return Run(base, tree, base / "out" / "series", args)


def record(kind: str, base: Path):
    """One clean run: its fault points and the state it leaves."""
    run = scenario(kind, base)
    res = run()
    assert res.returncode == 0, res.stderr
    points = run.calls()
    success = state(run.tree, portable=True)
    return points, success


def one(kind: str, base: Path, point, mode: str, success) -> list[str]:
    run = scenario(kind, base)
    before = state(run.tree)
    res = run((point[0], point[1], mode))
    if kind == "replay":  # replay writes nothing, not even on success
        problems = judge(run, before, None, res, writes_out=False)
    elif kind == "replay --out":
        problems = judge(run, before, None, res, writes_out=False, series=True)
    elif mode == "killparent" and res.returncode == -9:
        problems = judge_killed(run, before, success, res)
    else:
        problems = judge(run, before, success, res)
    return [f"{kind} {mode} at git {point[0]} #{point[1]}: {p}" for p in problems]


# Replay makes nothing (or only its series) to kill it in the middle of.
MODES = {"apply": ("fail", "kill", "killparent"), "in-place": ("fail", "kill", "killparent"),
         "replay": ("fail", "kill"), "replay --out": ("fail", "kill")}


@pytest.mark.parametrize("kind", ["apply", "in-place", "replay", "replay --out"])
def test_every_git_call_can_fail(kind, tmp_path):
    points, success = record(kind, tmp_path / "clean")
    assert len(points) >= 5, points  # the wrapper really saw the run
    # Every call fails once; the kills (of git, of the tool) from the moment the run
    # begins to make things, where a kill can leave something half made.  Replay
    # makes nothing, so git is killed at every call there.
    making = next((i for i, (sub, _) in enumerate(points) if sub in ("init", "ls-tree")), 0)
    if kind == "replay --out":  # only the series are made: kill from there on
        making = next(i for i, (sub, _) in enumerate(points) if sub == "ls-tree")
    jobs = [(p, m) for i, p in enumerate(points) for m in MODES[kind]
            if m == "fail" or i >= making]
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(
            lambda i_job: one(kind, tmp_path / f"r{i_job[0]}", i_job[1][0], i_job[1][1],
                              success),
            enumerate(jobs)))
    bad = [p for r in results for p in r]
    counts = {"kind": kind, "points": len(points), "faults": len(jobs),
              "runs_leaving_something": sum(1 for r in results if r)}
    print(json.dumps(counts))
    if os.environ.get("FAULT_COUNTS"):
        with open(os.environ["FAULT_COUNTS"], "a") as fh:
            fh.write(json.dumps(counts) + "\n")
    assert not bad, "\n".join(bad[:20])
