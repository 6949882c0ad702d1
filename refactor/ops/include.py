"""include: add an #include in its style(9) group, or remove one that nothing needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from refactor.c.includes import add_include
from refactor.c.lossless import CFile, Item
from refactor.edits import Edit, replace
from refactor.errors import UsageError
from refactor.ops import Operation, register
from refactor.ops._headers import DEFAULT_SEARCH, declared, resolve
from refactor.rule import AlreadyApplied, Conflict, Edits, Outcome
from refactor.tree import Tree, norm

_SPELLED = re.compile(r'<[^<>"\s]+>|"[^<>"\s]+"')


@dataclass(frozen=True)
class IncludeOptions:
    file: str
    #: As written after #include: `<sys/socket.h>` or `"ipc.h"`.
    header: str
    action: Literal["add", "remove"] = "add"
    #: Tree directories that <...> headers are looked up in, for a removal.
    search: tuple[str, ...] = DEFAULT_SEARCH


@register
class Include(Operation):
    """Add an `#include` to a C file in its style(9) group, or remove one.

    style(9)'s groups are kept: `<sys/...>` first, then the network headers
    (`<net/...>`, `<netinet/...>`), then other `<...>` headers, then local
    `"..."` ones, a blank line between groups.  A new line goes in sorted
    place within its group when the group is sorted (else at its end;
    `<sys/cdefs.h>` and `<sys/param.h>` or `<sys/types.h>` stay first); a
    group of its own goes after the previous group (or before the next one)
    with a blank line between.

    A removal is made only when nothing the header declares is still used:
    the header is found in the tree (a quoted one next to the file, a `<...>`
    one under `search`), its names (and those of the tree headers it
    includes) are taken from its top-level items, and the file must use none
    of them that it does not declare itself.  When the header is not in the
    tree (a system header the tree does not have), there is no telling, and
    the removal is a conflict that says so.

    Already applied when the file has the include (add) or has not (remove);
    a conflict when the file is missing, or has no #include to place a new
    one among.
    """

    op = "include"
    Options = IncludeOptions

    def __init__(self, options: IncludeOptions, **kw) -> None:
        if not _SPELLED.fullmatch(options.header):
            raise UsageError(f"include: header {options.header!r} must be written "
                             f"<name.h> or \"name.h\"")
        super().__init__(options, **kw)

    def default_id(self) -> str:
        o = self.options
        return f"include-{o.action}-{o.header[1:-1]}"

    def describe(self) -> str:
        o = self.options
        return f"{o.action} #include {o.header} {'to' if o.action == 'add' else 'from'} {o.file}"

    def paths(self) -> tuple[str, ...]:
        return (norm(self.options.file),)

    def plan(self, tree: Tree) -> Outcome:
        o = self.options
        path = norm(o.file)
        cf = tree.view(path, CFile)
        if cf is None:
            return Conflict(f"{path} does not exist")
        have = [it for it in cf.includes() if it.name == o.header]
        if o.action == "add":
            if have:
                return AlreadyApplied(f"{path} includes {o.header}")
            edit = add_include(cf, path, o.header, self.id)
            if not isinstance(edit, Edit):
                return Conflict(edit or f"{path} includes {o.header}")
            return Edits([edit], f"adds #include {o.header} to {path}")
        if not have:
            return AlreadyApplied(f"{path} does not include {o.header}")
        why = self._still_needed(tree, cf)
        if why:
            return Conflict(why)
        return Edits([_cut(cf, it, self.id) for it in have],
                     f"removes #include {o.header} from {path}: nothing of it is used")

    def _still_needed(self, tree: Tree, cf: CFile) -> str:
        o = self.options
        header = resolve(tree, cf.path, o.header, o.search)
        if header is None:
            return (f"cannot tell whether {cf.path} still needs {o.header}: the header is "
                    f"not in the tree (searched {', '.join(o.search)})")
        provided = declared(tree, header, o.search)
        own = {n for it in cf.items if it.kind not in ("include", "conditional")
               for n in it.names if n}
        for ident in cf.identifiers:
            if ident.name in provided and ident.name not in own:
                return (f"{cf.path}:{cf.line_of(ident.start)} still uses {ident.name} "
                        f"from {o.header} ({header})")
        return ""


def _cut(cf: CFile, it: Item, rule: str) -> Edit:
    """Remove the include; an #if block holding only it goes with it."""
    parent = it.parent
    if parent is not None and parent.kind == "conditional" and parent.children == [it]:
        it = parent
    return replace(cf.path, it.full_start, it.full_end, b"", rule)
