"""Compile planned units before and after a commit with a clang-like compiler.

Shared by `cross` (zig's clang, FreeBSD target) and `host` (the host's cc).
Each side gets its own temporary folder holding only what its units include;
units run in parallel, one compiler process each, with -fsyntax-only.
"""

from __future__ import annotations

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
from refactor.buildtest.plan import Plan
from refactor.tree import Tree

COMPILE_TIMEOUT = 300


@dataclass
class Toolchain:
    """How to invoke one compiler for a syntax check."""

    name: str
    argv: list[str]  # compiler and fixed flags, up to (not including) include flags
    system_dirs: list[Path]  # the compiler's own header dirs, searched after the tree's
    add_system_dirs: bool = True  # pass system_dirs as -isystem (cross: -nostdinc is set)
    env: dict[str, str] = field(default_factory=dict)

    def short_path(self, printed: str) -> str | None:
        """A compiler header as '<name>:relative/path' so logs stay readable."""
        for d in self.system_dirs:
            try:
                rel = Path(os.path.realpath(printed)).relative_to(os.path.realpath(d))
            except ValueError:
                continue
            return f"<{self.name}>/{rel.as_posix()}"
        return None


@dataclass
class SideResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    compiles: int = 0


def compile_side(tc: Toolchain, tree: Tree, side: str, jobs: list[tuple[str, str, BuildDir]],
                 touched: list[str], tmp_root: Path) -> SideResult:
    """Compile (config label, tu, build dir) jobs against one state of the tree."""
    res = SideResult()
    if not jobs:
        return res
    work = Workdir(Path(tempfile.mkdtemp(prefix=f"{side}-", dir=tmp_root)))
    commands = []
    searches: dict[tuple[str, ...], HeaderSearch] = {}
    for label, tu, bd in jobs:
        key = tuple(bd.include_dirs)
        if key not in searches:
            searches[key] = HeaderSearch(tree, bd.include_dirs, tc.system_dirs,
                                         frozenset(touched))
        work.put(tree, searches[key].closure([tu]))
        argv = list(tc.argv) + bd.cflags + bd.warn_flags()
        argv += [f"-I{d}" if d else "-I." for d in bd.include_dirs]
        argv += work.system_flags()
        if tc.add_system_dirs:
            for d in tc.system_dirs:
                argv += ["-isystem", str(d)]
        argv.append(tu)
        commands.append((label, tu, argv))

    def run(job):
        label, tu, argv = job
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv, cwd=work.src, capture_output=True, text=True,
                               errors="replace", timeout=COMPILE_TIMEOUT,
                               env=dict(os.environ, **tc.env))
            out, rc = p.stdout + p.stderr, p.returncode
        except subprocess.TimeoutExpired:
            out, rc = f"{tu}:1:1: error: compiler timed out after {COMPILE_TIMEOUT}s\n", -1
        except OSError as exc:
            out, rc = f"{tu}:1:1: error: cannot run the compiler: {exc}\n", -1
        return label, tu, argv, out, rc, time.monotonic() - t0

    def tree_path(printed: str) -> str | None:
        return work.to_tree_path(printed) or tc.short_path(printed)

    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        for label, tu, argv, out, rc, secs in pool.map(run, commands):
            res.compiles += 1
            res.log.append(f"## {side} [{label}] {tu}: exit {rc} in {secs:.2f}s\n"
                           f"$ (cd {work.src} && {shlex.join(argv)})\n{out}")
            res.diagnostics += parse_compiler_output(out, tree_path, label)
    work.remove()
    return res


def compile_plan(tc: Toolchain, before: Tree, after: Tree, plan: Plan, touched: list[str],
                 tmp_root: Path) -> tuple[SideResult, SideResult]:
    jobs_b = [(u.config.label, u.tu, u.before) for u in plan.units if u.before is not None]
    jobs_a = [(u.config.label, u.tu, u.after) for u in plan.units if u.after is not None]
    return (compile_side(tc, before, "before", jobs_b, touched, tmp_root),
            compile_side(tc, after, "after", jobs_a, touched, tmp_root))
