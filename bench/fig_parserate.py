"""Figure: parse rate of both C layers on a real FreeBSD tree.

A seeded random sample of N `.c` files (default 500; PARSE_RATE_N changes it,
PARSE_RATE_SEED the seed)
of the tree named by FREEBSD_SRC, outside vendor code (contrib/, crypto/,
gnu/, ...).  Each file goes through the lossless layer (CFile) and the
semantic layer in its default configuration, as `refactor inspect` runs it.
Reported: files without a lossless error node, files whose semantic parse
succeeds, crashes (an exception from either layer), and files per second.

`python -m bench.fig_parserate [N] [--seed S] [--lossless-only]` runs it alone
and prints every failure; --lossless-only leaves the (slow) semantic layer out,
for iterating on the lossless one.
"""

from __future__ import annotations

import os
import random
import sys
import time
import traceback
from pathlib import Path

from bench.common import Figure, Unavailable

# PARSE_RATE_SEED draws another sample, to check that a gain is no fit to this one.
SEED = int(os.environ.get("PARSE_RATE_SEED", "20261202"))
DEFAULT_N = 500
# Path components that hold code FreeBSD imports from elsewhere.
VENDOR_DIRS = frozenset({"contrib", "crypto", "gnu", "external", "dist", "cddl"})


def candidates(root: Path) -> list[str]:
    """Every `.c` file of the tree outside vendor directories, sorted, relative."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in VENDOR_DIRS and not d.startswith("."))
        rel = os.path.relpath(dirpath, root)
        for f in filenames:
            if f.endswith(".c"):
                out.append(f if rel == "." else f"{rel}/{f}")
    return sorted(out)


def sample(root: Path, n: int, seed: int = SEED) -> list[str]:
    files = candidates(root)
    return sorted(random.Random(seed).sample(files, min(n, len(files))))


def check_file(root: Path, rel: str, semantic: bool = True, cache=None) -> dict:
    """Both layers on one file (the lossless one alone when not `semantic`):
    what each saw, and any crash.

    `cache` is the run's ParseCache: the staged headers, the system headers'
    includes and the main file's lossless view are made once for the run.
    """
    from refactor.c.inspect import semantic_default
    from refactor.c.lossless import CFile
    from refactor.parsecache import ParseCache

    cache = cache or ParseCache()
    path = root / rel
    row: dict = {"file": rel, "lossless_errors": None, "semantic_error": None, "crash": None}
    try:
        # The path semantic_default reads it by, so the two layers share the view.
        cf = cache.view(CFile, str(path.resolve()), path.read_bytes())
        row["lossless_errors"] = [e.line for e in cf.errors]
    except Exception:
        row["crash"] = "lossless: " + traceback.format_exc().strip().splitlines()[-1]
        return row
    if not semantic:
        return row
    try:
        unit = semantic_default(path, cache)
        row["semantic_ok"] = unit.ok
        row["semantic_error"] = unit.error
    except Exception:
        row["crash"] = "semantic: " + traceback.format_exc().strip().splitlines()[-1]
    return row


def run(root: Path, n: int, log=print, seed: int = SEED, semantic: bool = True) -> dict:
    from refactor.parsecache import ParseCache

    files = sample(root, n, seed)
    rows = []
    cache = ParseCache()  # one run, as one `refactor` process would have
    t0 = time.perf_counter()
    for i, rel in enumerate(files):
        rows.append(check_file(root, rel, semantic, cache))
        if log and (i + 1) % 50 == 0:
            log(f"parse-rate: {i + 1}/{len(files)}")
    seconds = time.perf_counter() - t0
    return {
        "tree": str(root), "n": len(files), "seed": seed, "seconds": seconds,
        "lossless_clean": sum(1 for r in rows if r["lossless_errors"] == []),
        "semantic_ok": sum(1 for r in rows if r.get("semantic_ok")),
        "crashes": sum(1 for r in rows if r["crash"]),
        "rows": rows,
    }


def measure(runs: int, quick: bool, log=print) -> list[Figure]:
    src = os.environ.get("FREEBSD_SRC")
    if not src:
        raise Unavailable("FREEBSD_SRC is not set (a FreeBSD source tree)")
    root = Path(src)
    if not root.is_dir():
        raise Unavailable(f"FREEBSD_SRC={src} is not a directory")
    n = int(os.environ.get("PARSE_RATE_N", 50 if quick else DEFAULT_N))
    got = run(root, n, log)
    k = got["n"]
    fails = [r for r in got["rows"] if r["crash"] or r["lossless_errors"]
             or not r.get("semantic_ok")]
    return [Figure(
        "parse-rate", got["seconds"], unit="files/s", rate=k / got["seconds"],
        goal="lossless >= 99%, semantic >= 95%, 0 crashes",
        met=(got["lossless_clean"] >= 0.99 * k and got["semantic_ok"] >= 0.95 * k
             and got["crashes"] == 0),
        note=f"{root.name}: {k} files (seed {SEED}): lossless clean {got['lossless_clean']}, "
             f"semantic ok {got['semantic_ok']}, crashes {got['crashes']}",
        details={"failures": fails, **{x: got[x] for x in (
            "tree", "n", "seed", "lossless_clean", "semantic_ok", "crashes")}},
    )]


def main(argv: list[str]) -> int:
    """`python -m bench.fig_parserate [N] [--seed S] [--lossless-only]`"""
    src = os.environ.get("FREEBSD_SRC")
    if not src:
        print("FREEBSD_SRC is not set", file=sys.stderr)
        return 2
    semantic = "--lossless-only" not in argv
    args = [a for a in argv if a != "--lossless-only"]
    seed = SEED
    if "--seed" in args:
        k = args.index("--seed")
        try:
            seed = int(args[k + 1])
        except (IndexError, ValueError):
            print("--seed wants a number", file=sys.stderr)
            return 2
        del args[k : k + 2]
    try:
        n = int(args[0]) if args else DEFAULT_N
    except ValueError:
        print(f"not a number of files: {args[0]}", file=sys.stderr)
        return 2
    got = run(Path(src), n, log=lambda m: print(m, file=sys.stderr, flush=True), seed=seed,
              semantic=semantic)
    for r in got["rows"]:
        if r["crash"]:
            print(f"CRASH {r['file']}: {r['crash']}")
        if r["lossless_errors"]:
            print(f"LOSSLESS {r['file']}: {len(r['lossless_errors'])} error lines, "
                  f"first at {r['lossless_errors'][:5]}")
        if semantic and r["crash"] is None and not r.get("semantic_ok"):
            print(f"SEMANTIC {r['file']}: {r['semantic_error']}")
    k = got["n"]
    sem = (f"semantic ok {got['semantic_ok']} ({100 * got['semantic_ok'] / k:.1f}%)"
           if semantic else "semantic not run")
    print(f"{got['tree']}: {k} files, seed {seed}: lossless clean {got['lossless_clean']} "
          f"({100 * got['lossless_clean'] / k:.1f}%), {sem}, crashes {got['crashes']}, "
          f"{got['seconds']:.1f}s, {k / got['seconds']:.2f} files/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
