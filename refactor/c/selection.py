"""What moves with named items of a C file: their dependency closure, and what it needs.

The closure is the semantic layer's (refactor.c.closure.dependency_closure) in
the configurations given, or the same algorithm on the lossless view when the
file does not parse; either way it is mapped back to the file's top-level items,
so that what moves is byte spans of the source.
"""

from __future__ import annotations

from dataclasses import dataclass

from refactor.c.closure import (
    Closure,
    dependency_closure,
    item_names,
    item_uses,
    lossless_closure,
    toplevel_items,
)
from refactor.c.includes import includes_declaring, unknown_includes
from refactor.c.lossless import CFile, Item
from refactor.c.semantic import parse_configs
from refactor.c.spans import uses_between
from refactor.tree import Tree


@dataclass
class Selection:
    """What moves: the items of the source, and what they need."""

    move: list[Item]            # items of the source file that go, in file order
    share: list[Item]           # macros and types both sides use: to the header
    includes: list[str]         # the source's #include lines the moved code needs
    called_back: list[str]      # moved functions the staying code still calls
    how: str                    # "semantic" or "lossless"


def select(tree: Tree, cf: CFile, names: list[str], configs, include_dirs,
           all_system_when_unsure: bool = True) -> Selection | str:
    """The dependency closure of `names` in cf: semantic when the file parses in some
    configuration, else the same closure on the lossless view (which, when it cannot
    tell where a name is declared, keeps every <...> include unless told not to)."""
    tops: dict[str, list[Item]] = {}
    for it in toplevel_items(cf):
        for n in item_names(cf, it):
            tops.setdefault(n, []).append(it)
    sem = semantic_closure(tree, cf, names, configs, include_dirs)
    if sem is not None:
        move_names, share_names = set(sem.move), set(sem.share)
        called_back = list(sem.called_back)
        includes = list(sem.includes)
        if sem.unattributed:
            includes += [i for i in unknown_includes(tree, cf, include_dirs) if i not in includes]
        how = "semantic"
    else:
        mv, sh = lossless_closure(cf, set(names))
        move_names = {n for i in mv for n in item_names(cf, cf.items[i])}
        share_names = {n for i in sh for n in item_names(cf, cf.items[i])}
        staying = [it for it in toplevel_items(cf) if it.index not in mv]
        used_by_staying = set().union(*(item_uses(cf, it) for it in staying)) if staying \
            else set()
        called_back = [n for n in names if n in used_by_staying]
        used = set().union(*(item_uses(cf, cf.items[i]) for i in mv)) if mv else set()
        local = {n for it in cf.items for n in item_names(cf, it)}
        includes = includes_declaring(tree, cf, used, local, include_dirs,
                                      all_system_when_unsure)
        how = "lossless"
    under_if = sorted(n for n in move_names | share_names if n not in tops
                      and not n.startswith(("struct ", "union ", "enum ")))
    if under_if:
        return f"{under_if[0]} is defined only under an #if in {cf.path}; cannot move it whole"
    move = sorted({it.index for n in move_names for it in tops.get(n, ())})
    share = sorted({it.index for n in share_names for it in tops.get(n, ())} - set(move))
    # style(9): <sys/types.h> or <sys/param.h> comes first and is kept with the code.
    base = next((i.name for i in cf.includes() if i.parent is None
                 and i.name in ("<sys/param.h>", "<sys/types.h>")), None)
    if base is not None and base not in includes:
        includes.append(base)
    return Selection([cf.items[i] for i in move], [cf.items[i] for i in share],
                     [i for i in includes if i != "<sys/cdefs.h>"], called_back, how)


def semantic_closure(tree: Tree, cf: CFile, names: list[str], configs,
                     include_dirs) -> Closure | None:
    """dependency_closure() of names in cf, or None when no configuration parses.

    A file-scope variable that only the moved code uses goes along too, even
    when it is not static: nothing else can be using it.
    """
    try:
        units = parse_configs(cf.data, configs, list(include_dirs), path=cf.path,
                              reader=tree.read, cache=tree.parses)
        if not any(u.ok for u in units):
            return None
        c = dependency_closure(units, names)
        variables = {n for it in cf.items if it.parent is None and it.kind == "declaration"
                     and it.is_definition for n in it.names}
        staying = [it for it in cf.items if it.kind == "function" and it.name not in c.move]
        extra = [n for n in c.external if n in variables and not any(
            uses_between(cf, n, it.start, it.end) for it in staying)]
        return dependency_closure(units, names + extra) if extra else c
    except Exception:  # noqa: BLE001 - the lossless closure stands in
        return None
