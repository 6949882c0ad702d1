"""Which translation units a commit asks to compile, in which configurations.

- A touched .c is compiled by the Makefile of its directory, in each
  configuration whose SRCS lists it (a new file counts once SRCS has it).
- A touched .h makes the build dirs that can see it compile the SRCS that
  include it, transitively: its own directory, sibling directories whose
  Makefile adds its directory with -I (bhyvectl's -I${.CURDIR}/../bhyve), and
  the directories of the commit's touched .c files.  A header used only through
  an installed name elsewhere (<vmmapi.h> in a directory the commit did not
  touch) is not searched for: that would walk the tree.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from refactor.buildtest.config import BuildDir, Config, configurations, evaluate
from refactor.buildtest.diagnostics import Diagnostic
from refactor.buildtest.headers import HeaderSearch
from refactor.tree import Tree


@dataclass
class Unit:
    config: Config
    tu: str
    before: BuildDir | None  # the Makefile's view before the commit, if it builds tu
    after: BuildDir | None


@dataclass
class Plan:
    configs: list[Config] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: (side, configuration, Makefile, source) for SRCS entries the tree lacks.
    missing: list[tuple[str, Config, str, str]] = field(default_factory=list)

    def missing_diagnostics(self, side: str) -> list[Diagnostic]:
        return [Diagnostic(mk, 0, f"error: SRCS lists {posixpath.basename(tu)}, "
                               "which does not exist", cfg.label)
                for s, cfg, mk, tu in self.missing if s == side]


def list_subdirs(tree: Tree, dir: str) -> list[str]:
    """Names of the subdirectories of `dir` (one directory listing, no walk)."""
    return tree.subdirs(dir)


def _has_makefile(tree: Tree, dir: str) -> bool:
    return tree.exists(posixpath.join(dir, "Makefile") if dir else "Makefile")


def consumer_dirs(tree: Tree, header_dir: str) -> list[str]:
    """Sibling build dirs whose Makefile puts `header_dir` on the include path."""
    parent = posixpath.dirname(header_dir)
    out = []
    for name in list_subdirs(tree, parent):
        sib = posixpath.join(parent, name) if parent else name
        if sib == header_dir or not _has_makefile(tree, sib):
            continue
        bd = evaluate(tree, sib, Config())
        if bd is not None and header_dir in bd.include_dirs:
            out.append(sib)
    return out


def plan_units(before: Tree, after: Tree, touched: list[str],
               compiler_dirs: list[Path]) -> Plan:
    plan = Plan()
    touched_c = [p for p in touched if p.endswith(".c")]
    touched_h = [p for p in touched if p.endswith(".h")]
    dirs: dict[str, None] = {}
    for p in touched_c:
        d = posixpath.dirname(p)
        if _has_makefile(after, d) or _has_makefile(before, d):
            dirs[d] = None
        else:
            plan.notes.append(f"{p}: no Makefile in its directory builds it; not compiled")
    touched_mk = [p for p in touched if posixpath.basename(p) == "Makefile"]
    for mk in touched_mk:
        dirs[posixpath.dirname(mk)] = None
    for h in touched_h:
        d = posixpath.dirname(h)
        if _has_makefile(after, d):
            dirs[d] = None
        for c in consumer_dirs(after, d):
            dirs[c] = None
    plan.dirs = list(dirs)
    texts = [t for d in plan.dirs for tree in (before, after)
             if (t := tree.text(posixpath.join(d, "Makefile") if d else "Makefile"))]
    plan.configs = configurations(texts)
    headers = set(touched_h)
    for cfg in plan.configs:
        for d in plan.dirs:
            bd_a = evaluate(after, d, cfg)
            bd_b = evaluate(before, d, cfg)
            for bd in (bd_a, bd_b):
                if bd is not None:
                    plan.notes += [f"{d}/Makefile: {n}" for n in bd.notes
                                   if f"{d}/Makefile: {n}" not in plan.notes]
            srcs_a = bd_a.srcs if bd_a else []
            srcs_b = bd_b.srcs if bd_b else []
            mk = posixpath.join(d, "Makefile") if d else "Makefile"
            if mk in touched_mk:
                plan.missing += [("after", cfg, mk, tu) for tu in srcs_a if not after.exists(tu)]
                plan.missing += [("before", cfg, mk, tu) for tu in srcs_b
                                 if not before.exists(tu)]
            gained = set(srcs_a) - set(srcs_b) if mk in touched_mk else set()
            wanted: dict[str, None] = {}
            for tu in dict.fromkeys(srcs_a + srcs_b):
                if tu in touched_c or tu in gained:
                    wanted[tu] = None
                elif headers and _includes_any(tu, headers, before, after, bd_a, bd_b,
                                               compiler_dirs, touched):
                    wanted[tu] = None
            for tu in wanted:
                plan.units.append(Unit(
                    cfg, tu,
                    bd_b if tu in srcs_b and before.exists(tu) else None,
                    bd_a if tu in srcs_a and after.exists(tu) else None))
    for p in touched_c:
        if posixpath.dirname(p) in dirs and not any(u.tu == p for u in plan.units):
            plan.notes.append(f"{p}: not in SRCS in any configuration; not compiled")
    return plan


def _includes_any(tu: str, headers: set[str], before: Tree, after: Tree,
                  bd_a: BuildDir | None, bd_b: BuildDir | None,
                  compiler_dirs: list[Path], touched: list[str]) -> bool:
    for tree, bd in ((after, bd_a), (before, bd_b)):
        if bd is None or tu not in bd.srcs:
            continue
        search = HeaderSearch(tree, bd.include_dirs, compiler_dirs, frozenset(touched))
        if headers & set(search.closure([tu])):
            return True
    return False
