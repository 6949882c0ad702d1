"""Compile planned units to objects with a clang-like compiler, reusing unchanged ones.

Shared by `cross` (zig's clang, FreeBSD target) and `host` (the host's cc).
Each side of a commit gets its own temporary folder holding only what its
units include; units run in parallel, one compiler process each, with
`-c -gline-tables-only` so the link check can read the objects' symbols and
the lines that use them.

A unit's result (its diagnostics and its object's symbols) is kept in a
UnitCache under a key made of the compiler, the flags, and the path and
content of every file the unit can read, with every step of its #include
resolution; the before-side of commit N+1 is the after-side of commit N, so
in a series each unchanged unit is compiled once.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from refactor.buildtest.config import BuildDir
from refactor.buildtest.diagnostics import Diagnostic, parse_compiler_output
from refactor.buildtest.headers import HeaderSearch, Workdir
from refactor.buildtest.link import Symbols, read_symbols
from refactor.sysroot import program_libs
from refactor.tree import Tree

COMPILE_TIMEOUT = 300


@dataclass
class Toolchain:
    """How to invoke one compiler for a unit."""

    name: str
    argv: list[str]  # compiler and fixed flags, up to (not including) include flags
    system_dirs: list[Path]  # the compiler's own header dirs, searched after the tree's
    add_system_dirs: bool = True  # pass system_dirs as -isystem (cross: -nostdinc is set)
    env: dict[str, str] = field(default_factory=dict)

    def short_path(self, printed: str) -> str | None:
        """A compiler header as '<name>/relative/path' so logs stay readable."""
        for d in self.system_dirs:
            try:
                rel = Path(os.path.realpath(printed)).relative_to(os.path.realpath(d))
            except ValueError:
                continue
            return f"<{self.name}>/{rel.as_posix()}"
        return None


@dataclass(frozen=True)
class UnitResult:
    """One unit compiled in one configuration: its diagnostics and, if it built, symbols."""

    tu: str
    config: str
    diagnostics: tuple[Diagnostic, ...]
    symbols: Symbols | None  # None: no object (the unit did not compile)
    reused: bool = False

    @property
    def compiled(self) -> bool:
        return self.symbols is not None

    def why_not(self) -> str:
        """Why the unit gave no object: its missing headers, else its first error."""
        missing = sorted({h for d in self.diagnostics if (h := d.missing_header())})
        if missing:
            return "missing " + ", ".join(f"<{h}>" for h in missing)
        first = next((d for d in self.diagnostics if d.message.startswith("error")), None)
        return first.render() if first else "the compiler gave no object"


class UnitCache:
    """Unit results by content key, for one run (a series, a replay revision)."""

    def __init__(self) -> None:
        self._results: dict[str, tuple[tuple[tuple[str, int, str], ...], Symbols | None]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: str, tu: str, label: str) -> UnitResult | None:
        hit = self._results.get(key)
        if hit is None:
            return None
        self.hits += 1
        diags, syms = hit
        # The same input in another configuration: the same result, under its label.
        return UnitResult(tu, label, tuple(Diagnostic(f, ln, m, label) for f, ln, m in diags),
                          syms, reused=True)

    def put(self, key: str, result: UnitResult) -> None:
        self.misses += 1
        self._results[key] = (tuple((d.file, d.line, d.message) for d in result.diagnostics),
                              result.symbols)


@dataclass
class SideResult:
    units: list[UnitResult] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for u in self.units for d in u.diagnostics]


@dataclass
class Job:
    label: str
    tu: str
    build: BuildDir


def _key(tc: Toolchain, flags: list[str], tu: str, read, files, edges) -> str:
    h = hashlib.sha256()
    for part in [tc.name, *tc.argv[1:], "\0", *flags, "\0", tu]:
        h.update(part.encode() + b"\0")
    for path in sorted(files):
        data = read(path) or b""
        h.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    for edge in sorted(edges, key=repr):
        h.update(repr(edge).encode())
    return h.hexdigest()


def compile_side(tc: Toolchain, tree: Tree, side: str, jobs: list[Job], touched: list[str],
                 tmp_root: Path, cache: UnitCache | None = None) -> SideResult:
    """Compile jobs against one state of the tree; reused results are not compiled."""
    res = SideResult()
    if not jobs:
        return res
    cache = cache if cache is not None else UnitCache()
    work = Workdir(Path(tempfile.mkdtemp(prefix=f"{side}-", dir=tmp_root)))
    objdir = work.root / "obj"
    objdir.mkdir()
    searches: dict[tuple, HeaderSearch] = {}
    todo = []
    done: dict[int, UnitResult] = {}
    for n, job in enumerate(jobs):
        bd = job.build
        libs = tuple(program_libs(bd.libadd, bd.include_dirs))
        skey = (tuple(bd.include_dirs), libs)
        if skey not in searches:
            searches[skey] = HeaderSearch(tree, bd.include_dirs, tc.system_dirs,
                                          frozenset(touched), libs=libs)
        search = searches[skey]
        files, edges = search.closure_edges([job.tu])
        flags = bd.cflags + bd.warn_flags() + \
            [f"-I{d}" if d else "-I." for d in bd.include_dirs]
        key = _key(tc, flags, job.tu, search.read, files, edges)
        hit = cache.get(key, job.tu, job.label)
        if hit is not None:
            done[n] = hit
            res.log.append(f"## {side} [{job.label}] {job.tu}: reused (unchanged input)")
            continue
        work.put(search.read, list(files))
        work.install(search.installed_names(files))
        obj = objdir / f"{n}.o"
        argv = list(tc.argv) + ["-c", "-gline-tables-only", "-o", str(obj)] + flags
        argv += work.system_flags()
        if tc.add_system_dirs:
            for d in tc.system_dirs:
                argv += ["-isystem", str(d)]
        argv.append(job.tu)
        todo.append((n, job, argv, obj, key))

    def tree_path(printed: str) -> str | None:
        return work.to_tree_path(printed) or tc.short_path(printed)

    def run(item):
        n, job, argv, obj, key = item
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv, cwd=work.src, capture_output=True, text=True,
                               errors="replace", timeout=COMPILE_TIMEOUT,
                               env=dict(os.environ, **tc.env))
            out, rc = p.stdout + p.stderr, p.returncode
        except subprocess.TimeoutExpired:
            out, rc = f"{job.tu}:1:1: error: compiler timed out after {COMPILE_TIMEOUT}s\n", -1
        except OSError as exc:
            out, rc = f"{job.tu}:1:1: error: cannot run the compiler: {exc}\n", -1
        symbols = None
        if rc == 0 and obj.exists():
            try:
                symbols = read_symbols(obj, job.tu, tree_path)
            except Exception as exc:  # an unreadable object is reported, not raised
                out += f"{job.tu}:1:1: error: cannot read the object's symbols: {exc}\n"
        return n, job, argv, out, rc, symbols, key, time.monotonic() - t0

    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        for n, job, argv, out, rc, symbols, key, secs in pool.map(run, todo):
            res.log.append(f"## {side} [{job.label}] {job.tu}: exit {rc} in {secs:.2f}s\n"
                           f"$ (cd {work.src} && {shlex.join(argv)})\n{out}")
            unit = UnitResult(job.tu, job.label,
                              tuple(parse_compiler_output(out, tree_path, job.label)), symbols)
            if rc != 0 and symbols is None and not any(
                    d.message.startswith("error") for d in unit.diagnostics):
                unit = UnitResult(job.tu, job.label, unit.diagnostics + (Diagnostic(
                    job.tu, 0, f"error: the compiler exited {rc}", job.label),), None)
            if rc != -1:  # a timeout or a missing compiler says nothing about the input
                cache.put(key, unit)
            done[n] = unit
    res.units = [done[n] for n in range(len(jobs))]
    work.remove()
    return res
