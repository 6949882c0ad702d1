"""Header self-containment: does each touched header still compile on its own?

A FreeBSD header need not be self-contained (many want <sys/types.h> first),
so only a regression is a fault: each touched header is compiled alone, as a
unit holding only `#include "x.h"`, with the flags of a program that sees it,
before and after the commit.  A header that compiled alone before and no longer
does fails the commit, naming it (snapshot.h using `bool` without
<stdbool.h>).  One that did not compile alone before (or is new) is not judged,
and a note says so.  The units go through compile_side, so the UnitCache
reuses a header's result while neither it nor anything it includes changes.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from refactor.buildtest.compile import Job, Toolchain, UnitCache, UnitResult, compile_side
from refactor.buildtest.config import BuildDir
from refactor.buildtest.diagnostics import Diagnostic
from refactor.buildtest.headers import complete_headers
from refactor.buildtest.plan import Plan
from refactor.tree import Tree


@dataclass
class AloneCheck:
    """What the check found: new faults, notes on headers not judged, its log."""

    checked: int = 0
    broken: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


def unit_path(header: str) -> str:
    """The synthetic unit's tree path, beside the header so "x.h" resolves."""
    return f"{header}.alone.c"


def _builds_for(plan: Plan, header: str, side: str) -> list[tuple[str, BuildDir]]:
    """(configuration, BuildDir) of the first planned program that sees `header`,
    in each of its configurations: a header may differ under -DBHYVE_SNAPSHOT."""
    d = posixpath.dirname(header)
    found: dict[str, BuildDir] = {}
    program = None
    for u in plan.units:
        bd = u.before if side == "before" else u.after
        if bd is None or not (u.program == d or d in bd.include_dirs):
            continue
        program = program if program is not None else u.program
        if u.program == program:
            found.setdefault(u.config.label, bd)
    return list(found.items())


def _side(tc: Toolchain, tree: Tree, side: str, headers: list[str], plan: Plan,
          touched: list[str], tmp_root: Path, cache: UnitCache,
          log: list[str]) -> dict[str, list[UnitResult]]:
    jobs = [Job(label, unit_path(h), bd) for h in headers if tree.exists(h)
            for label, bd in _builds_for(plan, h, side)]
    units = {unit_path(h): f'#include "{posixpath.basename(h)}"\n'.encode() for h in headers}
    res = compile_side(tc, tree.with_changes(units), f"alone-{side}", jobs,
                       touched, tmp_root, cache)
    log += res.log
    out: dict[str, list[UnitResult]] = {}
    for r in res.units:
        out.setdefault(r.tu[:-len(".alone.c")], []).append(r)
    return out


def check_headers(tc: Toolchain, before: Tree, after: Tree, touched: list[str], plan: Plan,
                  tmp_root: Path, cache: UnitCache, plain: bool) -> AloneCheck:
    """Compile every touched header alone on both sides and judge the regressions."""
    out = AloneCheck()
    headers = [p for p in dict.fromkeys(touched) if p.endswith(".h") and after.exists(p)]
    if not headers:
        return out
    side_b = {} if plain else _side(tc, before, "before", headers, plan, touched, tmp_root,
                                    cache, out.log)
    side_a = _side(tc, after, "after", headers, plan, touched, tmp_root, cache, out.log)
    for h in headers:
        if h not in side_a:
            out.notes.append(f"{h}: no planned program sees it; not compiled alone")
            continue
        out.checked += 1
        before_ok = {r.config for r in side_b.get(h, []) if r.compiled}
        _judge(h, before.exists(h), side_a[h], before_ok, complete_headers(after), out)
    out.log.append("# headers alone: " + (
        "; ".join(out.notes) if out.notes else f"{out.checked} checked"))
    return out


def _judge(h: str, existed: bool, results: list[UnitResult], before_ok: set[str],
           complete: bool, out: AloneCheck) -> None:
    """A fault for each configuration in which `h` compiled alone before and not after."""
    for a in results:
        if a.config not in before_ok:
            if not a.compiled:
                when = "did not compile alone before" if existed else "is new"
                note = f"{h}: does not compile on its own, but it {when}; " \
                    f"not judged ({a.why_not()})"
                out.notes += [note] if note not in out.notes else []
            continue
        if a.compiled:
            continue
        if not complete and a.why_not().startswith("missing <"):
            # A partial tree may lack a header the full tree has: not a verdict.
            note = f"{h}: not judged alone on a partial tree ({a.why_not()})"
            out.notes += [note] if note not in out.notes else []
            continue
        first = next((d for d in a.diagnostics if d.message.startswith("error")), None)
        line = first.line if first is not None and first.file == h else 0
        cause = (first.message if first.file == h else first.render()) \
            if first is not None else a.why_not()
        cause = cause.removeprefix("error: ")
        out.broken.append(Diagnostic(
            h, line, f"error: {h} no longer compiles on its own (a unit holding only "
            f'#include "{posixpath.basename(h)}"): {cause}', a.config))
