"""`python -m bench [--quick] [--json FILE] [--only NAME]`: measure, print a table.

Every figure is a median of several runs next to a baseline measured in the
same run; absolute times are for reference only, the ratios are what count.
A figure that cannot be measured here prints "unavailable: <why>".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench.common import ROOT, Figure, Unavailable

# Figure groups in the order they run: (name, module, primary figure names).
GROUPS = (
    ("apply", "bench.fig_apply", ("apply",)),
    ("scale", "bench.fig_scale", ("scale",)),
    ("spatch", "bench.fig_spatch", ("spatch-j1", "spatch-j2")),
    ("cfront", "bench.fig_cfront", ("cfront",)),
    ("replay", "bench.fig_replay", ("replay",)),
    ("buildtest", "bench.fig_buildtest", ("buildtest-real-tree", "buildtest-series")),
    ("parse-rate", "bench.fig_parserate", ("parse-rate",)),
    ("zigratio", "bench.fig_zigratio", ("zigratio", "zigratio-semantic")),
)


def _run_group(module: str, runs: int, quick: bool, log) -> list[Figure]:
    import importlib

    mod = importlib.import_module(module)
    if module == "bench.fig_apply":
        return mod.measure(runs)
    return mod.measure(runs, quick, log=log)


def machine() -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(),
            "cpus": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().split()
        info["mem_mib"] = int(mem[1]) // 1024
    except OSError:
        pass
    return info


def _cmd_version(argv: list[str]) -> str | None:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else None


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found: dict = {}
    for pkg in ("freebsd-refactor", "tree-sitter", "tree-sitter-c", "pycparser",
                "pycparserext", "GitPython"):
        try:
            found[pkg] = version(pkg)
        except PackageNotFoundError:
            found[pkg] = None
    found["git"] = _cmd_version(["git", "--version"])
    found["spatch"] = _cmd_version(["spatch", "--version"])
    found["project_commit"] = _cmd_version(["git", "-C", str(ROOT), "rev-parse", "HEAD"])
    return found


def _fmt(x: float | None, unit: str = "s") -> str:
    if x is None:
        return "-"
    if unit == "s":
        return f"{x:.3f}s" if x < 100 else f"{x:.0f}s"
    return f"{x:.2f}"


def table(figs: list[Figure]) -> str:
    head = f"{'figure':<28} {'seconds':>9} {'baseline':>9} {'ratio':>7} {'peak MiB':>9}  " \
           f"{'rate':<22} {'goal':<28} note"
    lines = [head, "-" * len(head)]
    for f in figs:
        if f.unavailable:
            lines.append(f"{f.name:<28} unavailable: {f.unavailable}")
            continue
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else "-"
        peak = "-" if f.peak_mib is None else f"{f.peak_mib:.0f}"
        if f.baseline_peak_mib is not None:
            peak += f"/{f.baseline_peak_mib:.0f}"
        rate = ""
        if f.rate is not None:
            rate = f"{f.rate:.1f}"
            if f.baseline_rate is not None:
                rate += f" vs {f.baseline_rate:.1f}"
            rate += f" {f.unit}"
        goal = f.goal
        if f.goal and f.met is not None:
            goal += " MET" if f.met else " MISSED"
        lines.append(f"{f.name:<28} {_fmt(f.seconds):>9} {_fmt(f.baseline_seconds):>9} "
                     f"{ratio:>7} {peak:>9}  {rate:<22} {goal:<28} {f.note}")
        if f.baseline:
            lines.append(f"{'':<28}   baseline: {f.baseline}")
    return "\n".join(lines)


def details(figs: list[Figure]) -> str:
    out = []
    for f in figs:
        d = f.details
        if f.name == "apply-phases" and d:
            out.append("Where apply's time goes (in-process; warm median, cold first run):")
            for k, v in d["phases"].items():
                out.append(f"  {k:<40} {v * 1000:8.1f} ms {d['cold'].get(k, 0) * 1000:8.1f} ms")
            prof = d["plan_profiled_seconds"]
            out.append(f"  plan under cProfile (warm): {prof * 1000:.1f} ms, by layer:")
            for k, v in d["plan_layers_profiled"].items():
                out.append(f"    {k:<38} {v * 1000:8.1f} ms")
            out.append("  hottest functions of plan (own time under cProfile):")
            for k, v in d["plan_hottest"][:6]:
                out.append(f"    {v * 1000:8.1f} ms  {k}")
        if f.name == "apply-vs-python-floor" and d:
            out.append(f"python -c pass: {d['python_c_pass'] * 1000:.1f} ms; "
                       f"the CLI's imports: {d['import_seconds'] * 1000:.1f} ms")
        if f.name == "replay" and d.get("matrix"):
            out.append("Replay matrix (--build parse):")
            table_part = d["matrix"].split("\n\n")[0]  # the reasons below it are long
            out += ["  " + line for line in table_part.rstrip().splitlines()]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="fewer runs and smaller inputs (under a minute)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--only", action="append", default=[], choices=[g[0] for g in GROUPS],
                   help="run only this group of figures (repeatable)")
    args = p.parse_args(argv)
    runs = 2 if args.quick else 5
    os.chdir(ROOT)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    figs: list[Figure] = []
    t_start = time.perf_counter()
    for name, module, primary in GROUPS:
        if args.only and name not in args.only:
            continue
        log(f"bench: {name} ...")
        t0 = time.perf_counter()
        try:
            got = _run_group(module, runs, args.quick, log)
        except Unavailable as exc:
            got = [Figure(n, unavailable=str(exc)) for n in primary]
        except Exception as exc:  # one broken piece must not hide the other figures
            if os.environ.get("BENCH_DEBUG"):
                traceback.print_exc()
            why = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            got = [Figure(n, unavailable=why) for n in primary]
        log(f"bench: {name} took {time.perf_counter() - t0:.0f}s")
        figs += got
    print(table(figs))
    extra = details(figs)
    if extra:
        print()
        print(extra)
    print(f"\n{'quick' if args.quick else 'full'} run, {runs} runs per median, "
          f"{time.perf_counter() - t_start:.0f}s in all")
    if args.json:
        data = {"machine": machine(), "versions": versions(), "quick": args.quick,
                "runs": runs, "figures": [f.to_json() for f in figs]}
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
