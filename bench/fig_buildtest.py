"""Figure: the whole-program build test (`cross`) on a real FreeBSD tree.

The tree is $BENCH_FREEBSD_SRC (a full /usr/src; FreeBSD 12.1 was used), read
in place: the series' commits are in-memory states of it, as `apply` builds
them, so nothing is copied or written into it.

- `buildtest-real-tree`: `refactor build-test --tree SRC --build cross`, the
  bhyve programs as they are: every unit compiled in every configuration and
  linked.  Goal: zero errors, verdict pass.
- `buildtest-series`: a four-commit series on usr.sbin/bhyve shaped like the
  bhyve IPC split (1: a function moves to a new ipc.c, added to SRCS, with
  ipc.h; 2: a header three units include changes; 3: bhyverun.c calls the new
  function; 4: the man page), build-tested commit by commit with one strategy
  object, against the baseline of one whole-program compile of bhyve (all
  configurations, fresh).  Goal: ratio <= 1.5 (unchanged units reused).
- `buildtest-series-wide-header`: the same with commit 2 editing bhyverun.h,
  which 25 units include: what a widely included header costs.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.common import Figure, Unavailable

DEFAULT_TREE = Path("/work/trees/fbsd12")
BHYVE = "usr.sbin/bhyve"


def _tree_dir() -> Path:
    d = Path(os.environ.get("BENCH_FREEBSD_SRC", DEFAULT_TREE))
    if not (d / BHYVE / "Makefile").is_file() or not (d / "include/stdio.h").is_file():
        raise Unavailable(f"no full FreeBSD tree at {d} (set BENCH_FREEBSD_SRC)")
    return d


def _strategy():
    from refactor.buildtest import BuildStrategy, available

    ok, why = available("cross")
    if not ok:
        raise Unavailable(why)
    return BuildStrategy.choose("cross")


def series(tree, wide_header: bool):
    """[(tree before, tree after, touched)] x 4, each commit on the previous one."""
    def edit(t, path: str, old: bytes, new: bytes):
        data = t.read(path)
        if data is None or old not in data:
            raise Unavailable(f"{path} lacks {old[:40]!r}: not the tree this figure expects")
        return {path: data.replace(old, new, 1)}

    mk = f"{BHYVE}/Makefile"
    steps = []
    t0 = tree
    # 1: a new unit with a function, in SRCS, and its header.
    c1 = edit(t0, mk, b"\tiov.c\n", b"\tiov.c\t\t\t\\\n\tipc.c\n")
    c1[f"{BHYVE}/ipc.h"] = b"#ifndef _IPC_H_\n#define _IPC_H_\nint\tipc_hello(void);\n#endif\n"
    c1[f"{BHYVE}/ipc.c"] = (b'#include <sys/types.h>\n\n#include "ipc.h"\n\nint\n'
                            b"ipc_hello(void)\n{\n\n\treturn (0);\n}\n")
    t1 = t0.with_changes(c1)
    steps.append((t0, t1, sorted(c1)))
    # 2: a header change (a comment and a new prototype's neighbour).
    hdr = f"{BHYVE}/bhyverun.h" if wide_header else f"{BHYVE}/iov.h"
    c2 = edit(t1, hdr, b"#define", b"/* build-test bench */\n#define")
    t2 = t1.with_changes(c2)
    steps.append((t1, t2, sorted(c2)))
    # 3: bhyverun.c includes ipc.h and calls the function.
    run = f"{BHYVE}/bhyverun.c"
    c3 = edit(t2, run, b'#include "bhyverun.h"\n', b'#include "bhyverun.h"\n#include "ipc.h"\n')
    data = c3[run]
    at = data.find(b"\tinit_mem();")
    if at < 0:
        raise Unavailable(f"{run} lacks init_mem(): not the tree this figure expects")
    c3[run] = data[:at] + b"\t(void)ipc_hello();\n" + data[at:]
    t3 = t2.with_changes(c3)
    steps.append((t2, t3, sorted(c3)))
    # 4: the manual page.
    c4 = edit(t3, f"{BHYVE}/bhyve.8", b".Sh SEE ALSO", b'.\\" build-test bench\n.Sh SEE ALSO')
    t4 = t3.with_changes(c4)
    steps.append((t3, t4, sorted(c4)))
    return steps


def measure(runs: int, quick: bool, log=print) -> list[Figure]:
    from refactor.buildtest import build_test_command
    from refactor.tree import Tree

    src = _tree_dir()
    _strategy()
    figs = []
    with tempfile.TemporaryDirectory(prefix="bench-buildtest-") as tmp:
        logs = Path(tmp)
        # The real tree as it is.
        t0 = time.perf_counter()
        results = build_test_command(src, _strategy(), None, logs / "plain", "bhyve-ipc")
        secs = time.perf_counter() - t0
        r = results[0]
        errors = [d for d in r.new if ": error:" in d]
        figs.append(Figure(
            "buildtest-real-tree", seconds=secs, goal="0 errors, pass",
            met=r.verdict == "pass" and not errors,
            note=f"{r.summary()}; programs {', '.join(r.programs)}; {len(errors)} errors, "
                 f"{len(r.unchecked)} unchecked, {len(r.preexisting)} warnings shown",
            details={"result": r.to_json()}))
        log(f"bench: buildtest real tree {secs:.1f}s: {r.summary()}")

        tree = Tree.from_dir(src)
        # Baseline: one whole-program compile of bhyve, every configuration, fresh.
        t0 = time.perf_counter()
        base = _strategy().run(None, tree, [f"{BHYVE}/Makefile"], logs / "base")
        baseline = time.perf_counter() - t0
        log(f"bench: one whole-program compile of bhyve {baseline:.1f}s: {base.summary()}")
        for name, wide in (("buildtest-series", False), ("buildtest-series-wide-header", True)):
            if quick and wide:
                continue
            strategy = _strategy()
            steps = series(tree, wide)
            t0 = time.perf_counter()
            got = [strategy.run(b, a, touched, logs / name / str(i))
                   for i, (b, a, touched) in enumerate(steps, 1)]
            secs = time.perf_counter() - t0
            per = "; ".join(f"{i}: {g.summary()}" for i, g in enumerate(got, 1))
            log(f"bench: {name} {secs:.1f}s: {per}")
            figs.append(Figure(
                name, seconds=secs, baseline_seconds=baseline,
                baseline=f"one whole-program compile of {BHYVE} ({base.summary()})",
                goal="ratio <= 1.5" if not wide else "", met=(secs / baseline <= 1.5)
                if not wide else None,
                note=f"verdicts {', '.join(g.verdict for g in got)}; "
                     f"compiler runs {'+'.join(str(g.compiled) for g in got)} vs "
                     f"{base.compiled} (x{sum(g.compiled for g in got) / base.compiled:.2f}, "
                     "the part no machine load changes)",
                details={"steps": [g.to_json() for g in got], "baseline": base.to_json()}))
    return figs
