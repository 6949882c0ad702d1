"""Which programs a commit affects, and every unit of them, in every configuration.

A program is a directory whose Makefile builds something (bhyve, bhyvectl,
libvmmapi).  A commit affects:
- the program of each touched .c's directory;
- the program of each touched Makefile;
- for a touched .h: the program of its own directory and sibling programs
  whose Makefile adds its directory with -I (bhyvectl's -I${.CURDIR}/../bhyve).
  A header used only through an installed name elsewhere (<vmmapi.h> in a
  directory the commit did not touch) is not searched for: that would walk
  the tree.
Every SRCS entry of an affected program is a unit, before and after, in each
configuration the Makefiles give (config.configurations): the whole program
is compiled, so a header change is checked against every file that sees it,
and the objects can be linked.  Units unchanged by the commit cost nothing
twice: compile.UnitCache reuses their results.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from refactor.buildtest.config import BuildDir, Config, configurations, evaluate
from refactor.buildtest.diagnostics import Diagnostic
from refactor.tree import Tree


@dataclass
class Unit:
    config: Config
    tu: str
    before: BuildDir | None  # the Makefile's view before the commit, if it builds tu
    after: BuildDir | None
    program: str = ""  # the directory of the Makefile that builds it


@dataclass
class Plan:
    configs: list[Config] = field(default_factory=list)  # of all programs, in order
    program_configs: dict[str, list[Config]] = field(default_factory=dict)
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


def program_dirs(before: Tree, after: Tree, touched: list[str]) -> tuple[list[str], list[str]]:
    """(the program dirs a commit affects, notes)."""
    dirs: dict[str, None] = {}
    notes: list[str] = []
    for p in touched:
        d = posixpath.dirname(p)
        if p.endswith(".c"):
            if _has_makefile(after, d) or _has_makefile(before, d):
                dirs[d] = None
            else:
                notes.append(f"{p}: no Makefile in its directory builds it; not compiled")
        elif posixpath.basename(p) == "Makefile":
            dirs[d] = None
        elif p.endswith(".h"):
            if _has_makefile(after, d):
                dirs[d] = None
            for c in consumer_dirs(after, d):
                dirs[c] = None
    return list(dirs), notes


def plan_units(before: Tree, after: Tree, touched: list[str],
               compiler_dirs: list[Path] | None = None) -> Plan:
    """Every unit of every affected program, both sides, every configuration."""
    plan = Plan()
    plan.dirs, plan.notes = program_dirs(before, after, touched)
    for d in plan.dirs:
        # Each program in the configurations its own Makefile gives (before or after).
        texts = [t for tree in (before, after)
                 if (t := tree.text(posixpath.join(d, "Makefile") if d else "Makefile"))]
        plan.program_configs[d] = configurations(texts)
        plan.configs += [c for c in plan.program_configs[d] if c not in plan.configs]
        for cfg in plan.program_configs[d]:
            bd_a = evaluate(after, d, cfg)
            bd_b = evaluate(before, d, cfg)
            for bd in (bd_a, bd_b):
                if bd is not None:
                    plan.notes += [f"{d}/Makefile: {n}" for n in bd.notes
                                   if f"{d}/Makefile: {n}" not in plan.notes]
            srcs_a = bd_a.srcs if bd_a else []
            srcs_b = bd_b.srcs if bd_b else []
            mk = posixpath.join(d, "Makefile") if d else "Makefile"
            plan.missing += [("after", cfg, mk, tu) for tu in srcs_a if not after.exists(tu)]
            plan.missing += [("before", cfg, mk, tu) for tu in srcs_b if not before.exists(tu)]
            for tu in dict.fromkeys(srcs_a + srcs_b):
                plan.units.append(Unit(
                    cfg, tu,
                    bd_b if tu in srcs_b and before.exists(tu) else None,
                    bd_a if tu in srcs_a and after.exists(tu) else None, d))
    for p in touched:
        if p.endswith(".c") and posixpath.dirname(p) in plan.dirs and \
                not any(u.tu == p for u in plan.units):
            plan.notes.append(f"{p}: not in SRCS in any configuration; not compiled")
    return plan
