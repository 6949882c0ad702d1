"""Dependency closure of functions to be moved out of a file.

Given the functions to move, find what must go with them: the file's static
helpers and static variables they use (transitively), and the macros, types and
tags the file itself defines for them.  Whatever the code that stays uses too
cannot simply move: it is reported as `share` (it needs a header, and a static
must lose its `static`).  The closure is the union over every configuration
given, so code under `#ifdef BHYVE_SNAPSHOT` counts as much as code outside.

Includes: a name the moved code uses is declared either in a tree header (its
declaration's coordinates name that header), in a stub (named `<x.h>`), or
nowhere (a libc name; stubs.SYSTEM_HOMES knows the usual ones).  Each of those
is traced to the `#include` line of the source file that brings it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from refactor.c.semantic import Include, SemanticUnit, is_system_file
from refactor.c.stubs import SYSTEM_HOMES, UBIQUITOUS
from refactor.c.symbols import SymbolTable, symbols


@dataclass
class Closure:
    move: list[str]                 # the requested names and all that goes with them only
    share: list[str]                # needed by moved code and by code that stays
    includes: list[str]             # source-file #include lines the moved code needs: '<pthread.h>'
    external: list[str]             # non-static functions/variables used that are not moved
    system: list[str]               # names from system headers the moved code uses
    unattributed: list[str] = field(default_factory=list)  # system names of unknown header
    called_back: list[str] = field(default_factory=list)   # moved names the staying code uses
    kinds: dict[str, str] = field(default_factory=dict)    # name -> function/variable/macro/...


def _local_defs(table: SymbolTable, path: str) -> dict[str, str]:
    """Names (and 'struct x' tags) defined in the source file itself -> kind."""
    out = {}
    for key, sym in table.defined_in(path).items():
        out[key] = sym.kind
    return out


def _is_static(table: SymbolTable, key: str, path: str) -> bool:
    return any(s.static for s in table.lookup(key) if s.file == path)


def dependency_closure(units: list[SemanticUnit] | SemanticUnit, names: list[str]) -> Closure:
    """What moving `names` out of the units' file drags along.

    `units` are the same file parsed in one or more configurations.
    """
    if isinstance(units, SemanticUnit):
        units = [units]
    units = [u for u in units if u.ok]
    if not units:
        raise ValueError("no configuration of the file parsed")
    path = units[0].path
    table = SymbolTable()
    for u in units:
        table.merge(symbols(u))
    local = _local_defs(table, path)
    missing = [n for n in names if n not in local]
    if missing:
        raise KeyError(f"not defined in {path}: {', '.join(missing)}")

    def deps(owner: str) -> set[str]:
        u = table.uses.get(owner)
        return u.all() - {owner} if u else set()

    def local_deps(owner: str) -> set[str]:
        # Only what the file itself defines can travel with the moved code.
        return {d for d in deps(owner) if d in local}

    def movable(key: str) -> bool:
        kind = local[key]
        if kind in ("function", "variable"):
            return _is_static(table, key, path)
        return True   # macros, types, tags, enum constants of this file

    requested = set(names)
    shared: set[str] = set()
    while True:
        # Everything reachable from the requested names through movable items.
        moving: set[str] = set(requested)
        todo = list(requested)
        while todo:
            cur = todo.pop()
            for d in local_deps(cur):
                if d not in moving and d not in shared and movable(d):
                    moving.add(d)
                    todo.append(d)
        staying = set(local) - moving
        stay_uses: set[str] = set()
        for s in staying:
            stay_uses |= local_deps(s)
        stay_uses |= table.toplevel_uses.all()
        new_shared = {m for m in moving - requested if m in stay_uses}
        if new_shared <= shared:
            break
        shared |= new_shared
    moving -= shared

    used: set[str] = set()
    for m in moving:
        used |= deps(m)
    external = sorted(d for d in used if d in local and d not in moving and d not in shared
                      and local[d] in ("function", "variable"))
    called_back = sorted(n for n in requested if n in stay_uses)
    includes, system, unattributed = _needed_includes(units[0], table, used - set(local))
    return Closure(
        move=sorted(moving), share=sorted(shared), includes=includes, external=external,
        system=sorted(system), unattributed=sorted(unattributed), called_back=called_back,
        kinds={k: local[k] for k in moving | shared},
    )


def _needed_includes(unit: SemanticUnit, table: SymbolTable,
                     names: set[str]) -> tuple[list[str], set[str], set[str]]:
    """The source file's #include lines that declare `names`."""
    top = unit.includes_of(unit.path)
    reach: list[tuple[Include, set[str]]] = [(inc, unit.reaches(inc)) for inc in top]
    needed: list[str] = []
    system: set[str] = set()
    unattributed: set[str] = set()

    def need(target: str) -> bool:
        for inc, files in reach:
            if target in files:
                if inc.spelled not in needed:
                    needed.append(inc.spelled)
                return True
        return False

    for name in sorted(names):
        syms = table.lookup(name)
        decl_files = [s.file for s in syms if s.file != unit.path]
        if decl_files:
            if any(is_system_file(f) for f in decl_files):
                system.add(name)
            if not any(need(f) for f in decl_files if f != "<prelude>"):
                home = SYSTEM_HOMES.get(name.split(" ")[-1])
                if not (home and need(f"<{home}>")) and any(is_system_file(f)
                                                           for f in decl_files):
                    unattributed.add(name)
            continue
        # Declared nowhere: a libc name (resolve.py reports tree names).
        system.add(name)
        if name in UBIQUITOUS:
            continue
        home = SYSTEM_HOMES.get(name.split(" ")[-1])
        if not (home and need(f"<{home}>")):
            unattributed.add(name)
    order = [inc.spelled for inc in top]
    return sorted(needed, key=order.index), system, unattributed
