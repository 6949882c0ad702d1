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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from refactor.c.lossless import CFile, Item
from refactor.c.nodes import walk
from refactor.c.semantic import Include, SemanticUnit, is_system_file
from refactor.c.spans import idents_between
from refactor.c.stubs import SYSTEM_HOMES, UBIQUITOUS
from refactor.c.symbols import SymbolTable, symbols

T = TypeVar("T")


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


def grow(start: Iterable[T], deps: Callable[[T], Iterable[T]], movable: Callable[[T], bool],
         held_back: Callable[[set[T]], set[T]]) -> tuple[set[T], set[T]]:
    """The closure of `start` under deps through movable nodes, less what stays shared.

    held_back(moving) names the moving nodes that code staying behind still
    uses: they are shared (they go to a header, or are a conflict) and the
    closure is grown again without going through them, until nothing changes.
    Returns (moving, shared).  One algorithm for the semantic closure (nodes are
    names) and the lossless one (nodes are items).
    """
    first = set(start)
    shared: set[T] = set()
    while True:
        moving = set(first)
        todo = list(moving)
        while todo:
            cur = todo.pop()
            for d in deps(cur):
                if d not in moving and d not in shared and movable(d):
                    moving.add(d)
                    todo.append(d)
        new = held_back(moving)
        if new <= shared:
            return moving - shared, shared
        shared |= new


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
    last_stay: set[str] = set()

    def held_back(moving: set[str]) -> set[str]:
        stay_uses: set[str] = set()
        for s in set(local) - moving:
            stay_uses |= local_deps(s)
        stay_uses |= table.toplevel_uses.all()
        last_stay.clear()
        last_stay.update(stay_uses)
        return {m for m in moving - requested if m in stay_uses}

    moving, shared = grow(requested, local_deps, movable, held_back)
    stay_uses = last_stay

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


# ----- the same closure on the lossless view (a file the semantic layer cannot parse) -----


def item_names(cf: CFile, it: Item) -> set[str]:
    """The names an item defines, with `struct x` for the tags it defines."""
    names = set(it.names)
    if it.kind in ("struct", "union", "enum") and it.name:
        names.add(f"{it.kind} {it.name}")
    if it.kind == "declaration" and it.node is not None:
        t = it.node.child_by_field_name("type")
        if t is not None and t.type in ("struct_specifier", "union_specifier",
                                        "enum_specifier") and t.child_by_field_name("body"):
            tag = t.child_by_field_name("name")
            if tag is not None:
                names.add(f"{t.type.split('_')[0]} {cf.data[tag.start_byte:tag.end_byte].decode()}")
    return names


def item_uses(cf: CFile, it: Item) -> set[str]:
    """The names an item uses (tags as `struct x`, `union x` and `enum x`), less its own."""
    out = set()
    if it.node is not None and any(n.type in ("true", "false") for n in walk(it.node)):
        out.add("false")  # <stdbool.h>, though tree-sitter has no identifier for it
    for i in idents_between(cf, it.start, it.end):
        if i.kind == "tag":
            out |= {f"struct {i.name}", f"union {i.name}", f"enum {i.name}"}
        elif i.kind != "field":
            out.add(i.name)
    return out - item_names(cf, it) if it.kind != "function" else out - {it.name}


def macro_used(cf: CFile, name: str) -> bool:
    """Whether a macro is used anywhere but on its own #define line(s)."""
    defs = [it for it in cf.items if it.kind == "define" and it.name == name]
    return any(i.kind in ("ordinary", "macro") and not any(d.start <= i.start < d.end
                                                             for d in defs)
               for i in cf.idents(name))


def toplevel_items(cf: CFile) -> list[Item]:
    """The items that can move: top-level definitions, declarations, macros and types."""
    return [it for it in cf.items if it.parent is None and it.kind not in (
        "include", "comment", "conditional", "other", "directive")]


def lossless_closure(cf: CFile, requested: set[str]) -> tuple[set[int], set[int]]:
    """Indexes of top-level items moving with `requested`, and of those shared."""
    top = toplevel_items(cf)
    defs: dict[str, Item] = {}
    for it in top:
        for n in item_names(cf, it):
            defs.setdefault(n, it)
    uses = {it.index: item_uses(cf, it) for it in top}
    dead = {it.index for it in top if it.kind == "define" and not macro_used(cf, it.name)}

    def deps(index: int) -> set[int]:
        return {defs[n].index for n in uses[index] if n in defs}

    def movable(index: int) -> bool:
        it = cf.items[index]
        if it.kind == "function":
            return it.storage == "static" or any(n in requested for n in it.names)
        if it.kind == "declaration" and it.is_definition:
            return True  # a global only the moved code uses goes with it
        return it.kind in ("define", "struct", "union", "enum", "typedef", "declaration")

    def held_back(moving: set[int]) -> set[int]:
        # A macro nothing uses any more (the path change's) holds nothing back.
        staying: set[str] = set()
        for it in top:
            if it.index not in moving and it.index not in dead:
                staying |= uses[it.index]
        return {i for i in moving if not set(cf.items[i].names) & requested
                and item_names(cf, cf.items[i]) & staying}

    start = {defs[n].index for n in requested if n in defs}
    return grow(start, deps, movable, held_back)
