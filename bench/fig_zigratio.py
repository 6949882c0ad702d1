"""Figure: `refactor plan` on real bhyve against a compiler's syntax check of the same units.

The issue's ceiling for a parse: planning a change should cost no more than
`zig cc -target x86_64-freebsd -fsyntax-only` of the translation units it
touches, in the configurations their Makefile builds.

- The tree: a git copy of `usr.sbin/bhyve` and `lib/libvmmapi` of the tree named
  by FREEBSD_SRC (FreeBSD 12.1 was used), made in a temporary folder.
- The plan: `refactor rename init_pci init_pci_new --path usr.sbin/bhyve
  --dry-run --build none`, a process, as a user runs it; it changes pci_emul.c
  (the definition), bhyverun.c (the call) and pci_emul.h (the prototype), and
  reads every C file of usr.sbin/bhyve to find the sites.
- The baseline: zig's clang with `-fsyntax-only`, the way the build-test's
  `cross` strategy runs it (refactor.buildtest.cross: the target triple and
  FreeBSD libc dirs zig reports, -nostdinc), on pci_emul.c and bhyverun.c in
  every configuration of bhyve's Makefile (refactor.buildtest.plan: its -D and
  -I flags), against the tree's own headers staged as buildworld installs them
  (refactor.sysroot), one process per unit and configuration, run from the
  full tree.  The zig binary is run directly, not through `python -m ziglang`.
- A second figure, `zigratio-semantic`, is the C front end's semantic layer
  (cpp + pycparser, the tree's staged headers as system dirs) on the same units
  in the same configurations, in-process and cold (a fresh ParseCache), against
  the same baseline: what the `parse` build-test and a semantic rule pay.

Skipped without FREEBSD_SRC or ziglang.  `python -m bench.fig_zigratio` runs it alone.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Figure, Unavailable, git, median_runs, refactor_argv

PROGRAM = "usr.sbin/bhyve"
COPY = (PROGRAM, "lib/libvmmapi")
UNITS = ("usr.sbin/bhyve/pci_emul.c", "usr.sbin/bhyve/bhyverun.c")
HEADER = "usr.sbin/bhyve/pci_emul.h"
OLD, NEW = "init_pci", "init_pci_new"


def _tree() -> Path:
    src = os.environ.get("FREEBSD_SRC")
    if not src:
        raise Unavailable("FREEBSD_SRC is not set (a FreeBSD source tree)")
    root = Path(src)
    if not all((root / p).is_file() for p in (*UNITS, HEADER)):
        raise Unavailable(f"FREEBSD_SRC={src} has no {PROGRAM} with {', '.join(UNITS)}")
    if not (root / "include").is_dir() or not (root / "sys" / "sys").is_dir():
        raise Unavailable(f"FREEBSD_SRC={src} is not a full tree (include/, sys/sys)")
    return root


def _repo(root: Path, dest: Path) -> Path:
    for d in COPY:
        shutil.copytree(root / d, dest / d)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "import bhyve")
    return dest


def _zig_binary(argv: list[str]) -> list[str]:
    """`python -m ziglang clang ...` -> `.../ziglang/zig clang ...` (no Python in between)."""
    import importlib.util

    spec = importlib.util.find_spec("ziglang")
    if spec and spec.origin:
        exe = Path(spec.origin).parent / "zig"
        if exe.is_file() and argv[1:3] == ["-m", "ziglang"]:
            return [str(exe), *argv[3:]]
    return argv


def compile_jobs(root: Path) -> tuple[list[tuple[str, list[str]]], list[dict]]:
    """(label, argv) of zig -fsyntax-only per unit and configuration, run from `root`,
    and the same units as (tu, defines, include dirs, system dirs) for the front end."""
    from refactor.buildtest.cross import zig_available, zig_toolchain
    from refactor.buildtest.plan import plan_units
    from refactor.sysroot import program_libs, stage_headers
    from refactor.tree import Tree

    if not zig_available():
        raise Unavailable("ziglang is not installed (pip install ziglang)")
    try:
        tc = zig_toolchain()
    except RuntimeError as exc:
        raise Unavailable(str(exc)) from None
    tree = Tree.from_dir(root)
    plan = plan_units(tree, tree, [*UNITS, HEADER])
    jobs, units = [], []
    staged: dict[tuple, Path] = {}
    for u in plan.units:
        if u.tu not in UNITS or u.after is None:
            continue
        bd = u.after
        libs = tuple(program_libs(bd.libadd, bd.include_dirs))
        if libs not in staged:
            staged[libs] = stage_headers(tree, "amd64", libs)
        inc = [f"-I{d}" if d else "-I." for d in bd.include_dirs]
        argv = _zig_binary(list(tc.argv)) + ["-fsyntax-only", *bd.cflags, *inc,
                                              "-isystem", str(staged[libs])]
        for d in tc.system_dirs:
            argv += ["-isystem", str(d)]
        jobs.append((f"{u.config.label} {u.tu}", [*argv, u.tu]))
        units.append({"tu": u.tu, "label": u.config.label,
                      "defines": [f[2:] for f in bd.cflags if f.startswith("-D")],
                      "include_dirs": [os.path.dirname(u.tu), *bd.include_dirs],
                      "system_dirs": [str(staged[libs])]})
    if not jobs:
        raise Unavailable(f"the build-test plan has no unit for {', '.join(UNITS)}")
    return jobs, units


def _zig_seconds(root: Path, jobs, runs: int) -> tuple[float, float, list[str]]:
    """Median over runs of the time for every job, one after the other; max peak."""
    import statistics

    from bench.common import run_measured

    totals, peaks, failed = [], [], []
    for i in range(runs + 1):
        total = 0.0
        for label, argv in jobs:
            r = run_measured(argv, cwd=root, check=False)
            if r.returncode != 0 and i == 0:
                failed.append(f"{label}: " + r.stderr.decode(errors="replace").strip()
                              .splitlines()[-1:][0] if r.stderr.strip() else label)
            total += r.seconds
            peaks.append(r.peak_mib)
        if i:  # the first round warms the page cache
            totals.append(total)
    return statistics.median(totals), max(peaks), failed


def _semantic_seconds(root: Path, units: list[dict], runs: int) -> tuple[float, int, int]:
    import statistics

    from refactor.c.semantic import parse_configs
    from refactor.parsecache import ParseCache
    from refactor.tree import Tree

    times, ok = [], 0
    for i in range(runs + 1):
        tree = Tree.from_dir(root)  # cold: a new run, its own cache
        cache = ParseCache()
        t0 = time.perf_counter()
        ok = 0
        for u in units:
            got = parse_configs(tree.read(u["tu"]), [u["defines"]], u["include_dirs"],
                                path=u["tu"], reader=tree.read, system_dirs=u["system_dirs"],
                                cache=cache)[0]
            ok += got.ok
        if i:
            times.append(time.perf_counter() - t0)
    return statistics.median(times), ok, len(units)


def measure(runs: int, quick: bool, log=print) -> list[Figure]:
    root = _tree()
    runs = max(1, 2 if quick else runs)
    jobs, units = compile_jobs(root)
    zig, zig_peak, failed = _zig_seconds(root, jobs, runs)
    with tempfile.TemporaryDirectory(prefix="bench-zigratio-") as tmp:
        repo = _repo(root, Path(tmp) / "repo")
        argv = refactor_argv("rename", OLD, NEW, "--tree", str(repo), "--path", PROGRAM,
                             "--dry-run", "--build", "none", "--json")
        kept: list = []
        plan, plan_peak = median_runs(lambda i: argv, runs, keep=kept)
        touched = sorted({f for s in json.loads(kept[-1].stdout)["steps"]
                          for f in s.get("files", [])})
    if set(touched) != {*UNITS, HEADER}:
        raise Unavailable(f"the rename touched {touched}, not {[*UNITS, HEADER]}")
    n_cfg = len({u['label'] for u in units})
    zig_note = (f"zig clang -fsyntax-only: {len(jobs)} runs ({len(UNITS)} units x {n_cfg} "
                f"configurations), tree headers staged"
                + (f"; {len(failed)} did not compile, first: {failed[0]}" if failed else ""))
    figs = [Figure("zigratio", plan, zig, baseline="zig clang -fsyntax-only, same units "
                   "and configurations", peak_mib=plan_peak, baseline_peak_mib=zig_peak,
                   goal="ratio <= 1", met=plan <= zig,
                   note=f"`refactor rename {OLD} {NEW} --path {PROGRAM} --dry-run` on "
                        f"{root.name} (touches {', '.join(touched)}); {zig_note}",
                   details={"jobs": [label for label, _ in jobs], "failed": failed})]
    sem, ok, n = _semantic_seconds(root, units, runs)
    figs.append(Figure("zigratio-semantic", sem, zig, baseline="zig clang -fsyntax-only",
                       goal="ratio <= 1", met=sem <= zig,
                       note=f"semantic layer (cpp + pycparser, tree headers) on the same "
                            f"{n} unit-configurations, cold, in-process: {ok}/{n} parse"))
    return figs


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 3
    try:
        figs = measure(runs, False)
    except Unavailable as exc:
        print(f"zigratio: unavailable: {exc}", file=sys.stderr)
        return 2
    for f in figs:
        print(f"{f.name}: {f.seconds:.2f} s against {f.baseline_seconds:.2f} s "
              f"({f.baseline}): ratio {f.ratio:.2f}, goal {f.goal}: "
              f"{'met' if f.met else 'NOT met'}; peak {f.peak_mib or 0:.0f} MiB; {f.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
