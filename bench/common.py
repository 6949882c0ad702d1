"""Shared pieces of the benchmarks: figures, timing, child processes, scratch git repos."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREES = ROOT / "fixtures" / "trees"
FIXTURE = TREES / "bhyve-2021"
# Eras of upstream in the order they happened; the ones not written yet are skipped.
ERAS = ("bhyve-2021", "bhyve-2021-partial", "bhyve-2022-nvlist", "bhyve-2025")
CACHE = Path(os.environ.get("BENCH_CACHE", "/tmp/freebsd-refactor-bench"))
PYTHON = sys.executable

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
    # Fixed dates: the same inputs make the same commits, so cached repos are reproducible.
    "GIT_AUTHOR_DATE": "1610833380 +0000",
    "GIT_COMMITTER_DATE": "1610833380 +0000",
}


class Unavailable(Exception):
    """A figure cannot be measured here; the message says why."""


@dataclass
class Figure:
    name: str
    seconds: float | None = None
    baseline_seconds: float | None = None
    baseline: str = ""  # what the baseline is
    peak_mib: float | None = None
    baseline_peak_mib: float | None = None
    unit: str = ""  # e.g. "rev/s": a throughput shown next to the time
    rate: float | None = None
    baseline_rate: float | None = None
    goal: str = ""  # e.g. "ratio < 1.2"
    met: bool | None = None
    note: str = ""
    unavailable: str = ""
    details: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.seconds is None or not self.baseline_seconds:
            return None
        return self.seconds / self.baseline_seconds

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "seconds": self.seconds,
            "baseline_seconds": self.baseline_seconds,
            "ratio": self.ratio,
            "peak_mib": self.peak_mib,
            "baseline": self.baseline,
            "baseline_peak_mib": self.baseline_peak_mib,
            "unit": self.unit,
            "rate": self.rate,
            "baseline_rate": self.baseline_rate,
            "goal": self.goal,
            "met": self.met,
            "note": self.note,
            "unavailable": self.unavailable or None,
            "details": self.details,
        }


def unavailable(name: str, why: str) -> Figure:
    return Figure(name, unavailable=why)


def median_time(fn: Callable[[], object], runs: int, setup: Callable[[], object] | None = None,
                warmup: bool = True) -> float:
    """Median wall time of `fn()` over `runs` runs; `setup()` runs untimed before each."""
    if warmup:
        if setup:
            setup()
        fn()
    times = []
    for _ in range(runs):
        if setup:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


@dataclass
class Run:
    seconds: float
    peak_mib: float
    returncode: int
    stdout: bytes
    stderr: bytes


TIME = "/usr/bin/time"


def run_measured(argv: list[str], cwd: Path | None = None, env: dict | None = None,
                 check: bool = True) -> Run:
    """Run a child process; its wall time and peak RSS (with what it waited for, e.g. git).

    The peak comes from /usr/bin/time: a child that Python spawns starts its
    high-water mark at the RSS of this (large) Python process, because Linux
    keeps the mark across exec, so os.wait4's ru_maxrss would read too high.
    time(1) is small and forks the command itself.
    """
    full = dict(os.environ, **GIT_ENV)
    full.pop("FORCE_COLOR", None)
    full.update(cli_env())
    if env:
        full.update(env)
    use_time = os.access(TIME, os.X_OK)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(prefix="bench-time-") as rss:
        wrapped = [TIME, "-q", "-o", rss.name, "-f", "%M", *argv] if use_time else argv
        t0 = time.perf_counter()
        proc = subprocess.Popen(wrapped, cwd=cwd, env=full, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak_kib = float(usage.ru_maxrss)
        if use_time:
            text = Path(rss.name).read_text().split()
            peak_kib = float(text[-1]) if text and text[-1].isdigit() else peak_kib
        out.seek(0)
        err.seek(0)
        run = Run(seconds, peak_kib / 1024.0, proc.returncode, out.read(), err.read())
    if check and run.returncode != 0:
        tail = (run.stderr or run.stdout).decode(errors="replace").strip().splitlines()
        raise Unavailable(f"{' '.join(map(str, argv[:4]))}... exited {run.returncode}: "
                          f"{tail[-1] if tail else ''}")
    return run


def median_runs(make_argv: Callable[[int], list[str]], runs: int, cwd: Path | None = None,
                setup: Callable[[int], object] | None = None, ok=(0,),
                keep: list[Run] | None = None, warmup: bool = True) -> tuple[float, float]:
    """(median seconds, max peak MiB) of a command over `runs` runs after one warm-up.

    `keep`, when given, receives every Run (for their output).
    """
    times, peaks = [], []
    for i in range(0 if warmup else 1, runs + 1):
        if setup:
            setup(i)
        r = run_measured(make_argv(i), cwd=cwd, check=False)
        if r.returncode not in ok:
            tail = (r.stderr or r.stdout).decode(errors="replace").strip().splitlines()
            raise Unavailable(f"`{' '.join(map(str, make_argv(i)[:5]))} ...` exited "
                              f"{r.returncode}: {tail[-1] if tail else '(no output)'}")
        if keep is not None:
            keep.append(r)
        if i:  # the first run warms the page cache and is not counted
            times.append(r.seconds)
            peaks.append(r.peak_mib)
    return statistics.median(times), max(peaks)


def git(cwd: Path, *args: str, input: bytes | None = None) -> bytes:
    res = subprocess.run(["git", *args], cwd=cwd, env=dict(os.environ, **GIT_ENV),
                         input=input, capture_output=True)
    if res.returncode != 0:
        raise Unavailable(f"git {args[0]} failed in {cwd}: "
                          f"{res.stderr.decode(errors='replace').strip()[-200:]}")
    return res.stdout


def fixture_repo(dest: Path, src: Path = FIXTURE) -> Path:
    """A fresh git repository whose one commit is a copy of the fixture tree `src`."""
    if not src.is_dir():
        raise Unavailable(f"fixture tree {src.relative_to(ROOT)} is missing")
    shutil.copytree(src, dest)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", f"import {src.name}")
    return dest


def refactor_argv(*args: str) -> list[str]:
    return [PYTHON, "-m", "refactor", *args]


def cli_env() -> dict:
    """The environment of a timed child Python.

    PYTHONPATH: `python -m refactor` finds the package from any directory.
    Byte code is cached (under CACHE, not in the project tree) even when the
    caller set PYTHONDONTWRITEBYTECODE, as an installed package would have it:
    otherwise every run would compile the project's modules again.
    """
    path = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": f"{ROOT}:{path}" if path else str(ROOT),
            "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(CACHE / "pycache")}
