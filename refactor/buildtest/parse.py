"""The `parse` strategy: the project's own C front end, needing only Python.

Each unit the compilers would build (plan.plan_units) is checked, before and
after, in every configuration its Makefile builds (its -D and -I flags):
1. the lossless layer (tree-sitter): `CFile(data, path).errors`, once per file;
   (every parse is the run's, from the trees' shared `Tree.parses`)
2. the semantic layer (cpp + pycparser) in each configuration: a file that
   does not preprocess or parse gives its error;
3. the resolution check (refactor.c.resolve.check_resolution): a name the
   unit uses with no declaration in scope, although a project file defines it
   (a dropped prototype, a macro whose header is no longer included).
"""

from __future__ import annotations

import re

from refactor.buildtest.diagnostics import Diagnostic
from refactor.buildtest.plan import plan_units
from refactor.tree import Tree

# Library header homes, as -I dirs for the semantic layer (refactor.sysroot has
# the installed names; the C front end takes tree dirs).
_LIBRARY_HOMES = ["lib/libvmmapi", "lib/libutil", "lib/libcasper", "lib/libnv",
                  "contrib/libucl/include", "contrib/libxo", "contrib/lib9p"]


def _reader(tree: Tree):
    def read(path: str) -> bytes | None:
        try:
            return tree.read(path)
        except ValueError:  # a path that leaves the tree
            return None
    return read


def lossless_errors(tree: Tree, path: str, labels: list[str]) -> list[Diagnostic]:
    """tree-sitter's errors, once per file, repeated for each configuration label."""
    from refactor.c.lossless import CFile

    cf = tree.view(path, CFile)
    if cf is None:
        return []
    return [Diagnostic(path, e.line, f"parse error: {e.text.strip()}", label)
            for e in cf.errors for label in labels]


def check_units(tree: Tree, files: list[str], label: str, defines: list[str],
                include_dirs: list[str], project: list[str], log: list[str]
                ) -> list[Diagnostic]:
    """Semantic parse and resolution check of .c files sharing one set of flags."""
    from refactor.c.resolve import check_resolution

    files = [f for f in files if tree.exists(f)]
    if not files:
        return []
    dirs = list(dict.fromkeys(include_dirs + _LIBRARY_HOMES))
    try:
        res = check_resolution(tree, files, [defines], dirs,
                               project_files=[p for p in project if tree.exists(p)])
    except Exception as exc:  # the front end's own failure is reported, not raised
        return [Diagnostic(f, 0, f"parse error: front end failed: {exc}", label) for f in files]
    out = []
    for r in res.results:
        log.append(f"{r.file} [{label}] -D{' -D'.join(defines) if defines else ' none'}: "
                   f"{'parsed' if r.parsed else r.error}, {len(r.problems)} unresolved")
        if not r.parsed:
            m = re.match(r"^(.*?):(\d+):(?:\d+:)?\s*(.*)$", r.error or "")
            file, line, msg = (m.group(1), int(m.group(2)), m.group(3)) if m else \
                (r.file, 0, r.error or "does not parse")
            out.append(Diagnostic(file, line, f"parse error: {msg}", label))
        out += [Diagnostic(p.file, p.line, f"error: {p.message}", label) for p in r.problems]
    return out


def check_plan(before: Tree, after: Tree, touched: list[str], log: list[str]):
    """(units checked, before diagnostics, after diagnostics, configuration labels).

    The .c units are those the compilers would build (plan.plan_units), each
    with its Makefile's -D and -I in each configuration; a touched header is
    also checked on its own (lossless layer) so a header no unit includes is
    still looked at.
    """
    plan = plan_units(before, after, touched, [])
    log += [f"# note: {n}" for n in plan.notes]
    labels = [c.label for c in plan.configs]
    b: list[Diagnostic] = plan.missing_diagnostics("before")
    a: list[Diagnostic] = plan.missing_diagnostics("after")
    for p in dict.fromkeys(p for p in touched if p.endswith((".c", ".h"))):
        b += lossless_errors(before, p, labels)
        a += lossless_errors(after, p, labels)
    # What the project defines: every unit of the plan and every touched file,
    # so bhyvectl.c sees that bhyve's util.c defines a function it calls.
    project = list(dict.fromkeys([u.tu for u in plan.units] + touched))
    for side, tree, sink in (("before", before, b), ("after", after, a)):
        log.append(f"## {side}")
        groups: dict[tuple, list[str]] = {}
        for u in plan.units:
            bd = u.before if side == "before" else u.after
            if bd is None:
                continue
            defines = tuple(f[2:] for f in bd.cflags if f.startswith("-D"))
            groups.setdefault((u.config.label, defines, tuple(bd.include_dirs)), []).append(u.tu)
        for (label, defines, dirs), files in groups.items():
            sink += check_units(tree, files, label, list(defines), list(dirs), project, log)
    return len(plan.units) + len(touched), b, a, labels
