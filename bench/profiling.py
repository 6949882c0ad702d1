"""Where the time of an in-process run goes: phase timers and cProfile by layer."""

from __future__ import annotations

import cProfile
import pstats

# Layers of the code, by the path of the file a function is defined in.
LAYERS = {
    "parsing": ("/refactor/c/", "/refactor/formats/", "tree_sitter", "pycparser"),
    "git": ("/refactor/gitutil.py", "/site-packages/git/", "/site-packages/gitdb/"),
}


def layer_of(filename: str) -> str | None:
    for layer, marks in LAYERS.items():
        if any(m in filename for m in marks):
            return layer
    return None


def layer_seconds(profile: cProfile.Profile) -> dict[str, float]:
    """Cumulative seconds spent inside each layer.

    The sum, over every call edge from the project's own code outside a layer
    (rules, planner, emitter) into that layer, of the edge's cumulative time.
    Edges from built-ins and the standard library (sorted() calling a
    generator, a dataclass __init__ calling __post_init__) are inside some
    outer call already and are not counted again.
    """
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total: dict[str, float] = {layer: 0.0 for layer in LAYERS}
    for (filename, _line, func), (_cc, _nc, _tt, _ct, callers) in stats.items():
        layer = layer_of(filename) or _builtin_layer(func)
        if layer is None:
            continue
        for (cfile, _cl, _cfunc), edge in callers.items():
            if _is_project(cfile) and layer_of(cfile) != layer:
                total[layer] += edge[3]
    return total


def _is_project(filename: str) -> bool:
    return ("/refactor/" in filename or "/rules/" in filename) and "/site-packages/" not in filename


def _builtin_layer(func: str) -> str | None:
    # Built-ins show up as "<method 'parse' of 'tree_sitter.Parser' objects>".
    if "tree_sitter" in func:
        return "parsing"
    return None


def hottest(profile: cProfile.Profile, n: int = 8, under: str = "") -> list[tuple[str, float]]:
    """The `n` functions with the most own time (tottime), as 'file:line(func)'."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    rows = []
    for (filename, line, func), (_cc, _nc, tt, _ct, _callers) in stats.items():
        if under and under not in filename:
            continue
        short = filename.split("/site-packages/")[-1].split("/work/main/")[-1]
        rows.append((f"{short}:{line}({func})", tt))
    rows.sort(key=lambda r: -r[1])
    return rows[:n]


def cumulative(profile: cProfile.Profile, n: int = 8, under: str = "") -> list[tuple[str, float]]:
    """The `n` functions with the most cumulative time, optionally only those under a path."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    rows = []
    for (filename, line, func), (_cc, _nc, _tt, ct, _callers) in stats.items():
        if under and under not in filename:
            continue
        short = filename.split("/site-packages/")[-1].split("/work/main/")[-1]
        rows.append((f"{short}:{line}({func})", ct))
    rows.sort(key=lambda r: -r[1])
    return rows[:n]


class PhaseTimers:
    """Wall time spent inside chosen functions, patched for the life of a `with` block.

    Patching the function objects where they are defined (class methods, module
    globals that callers look up at call time) reaches every caller.  Timers are
    exclusive by nesting: while one timed call runs, inner timed calls are part
    of it, so nothing is counted twice.
    """

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._patches: list[tuple[object, str, object]] = []
        self._depth = 0

    def wrap(self, owner: object, attr: str, label: str) -> None:
        import functools
        import time

        fn = getattr(owner, attr, None)
        if fn is None:
            return

        @functools.wraps(fn)
        def timed(*a, **k):
            if self._depth:
                return fn(*a, **k)
            self._depth += 1
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self._depth -= 1
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - t0

        self._patches.append((owner, attr, fn))
        setattr(owner, attr, timed)

    def __enter__(self) -> PhaseTimers:
        return self

    def __exit__(self, *exc) -> None:
        for owner, attr, fn in reversed(self._patches):
            setattr(owner, attr, fn)
        self._patches.clear()


def parse_and_git_timers(timers: PhaseTimers) -> None:
    """Time the parsers, git reads and the emitter's halves of a planning/emitting run."""
    import importlib

    def mod(name):
        try:
            return importlib.import_module(name)
        except ImportError:
            return None

    if (m := mod("refactor.c.lossless")) is not None:
        timers.wrap(m.CFile, "__init__", "parse: C lossless (tree-sitter)")
    if (m := mod("refactor.c.semantic")) is not None:
        timers.wrap(m, "_parse", "parse: C semantic (cpp + pycparser)")
        timers.wrap(m._Prepared, "__init__", "parse: C semantic (cpp + pycparser)")
        timers.wrap(m._Prepared, "materialize", "parse: C semantic (cpp + pycparser)")
    for name, cls in (("refactor.formats.makefile", "BsdMakefile"),
                      ("refactor.formats.mdoc", "MdocPage"),
                      ("refactor.formats.mtree", "MtreeSpec")):
        if (m := mod(name)) is not None and hasattr(m, cls):
            timers.wrap(getattr(m, cls), "__init__", "parse: Makefile, mdoc, mtree")
    if (m := mod("refactor.plan")) is not None:  # plan.py calls it by its own global name
        timers.wrap(m, "new_problems", "validate: re-parse touched files")
    if (m := mod("refactor.tree")) is not None:
        timers.wrap(m.GitSource, "read", "git: read blobs")
    if (m := mod("refactor.gitutil")) is not None:
        timers.wrap(m, "make_commits", "git: commits (fast-import)")
    if (m := mod("refactor.emit")) is not None:
        timers.wrap(m, "_write_outputs", "git+write: format-patch, full diff")
        timers.wrap(m, "write_report", "write: report")
