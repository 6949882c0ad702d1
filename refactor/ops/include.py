"""include: add an #include in its style(9) group, or remove one that nothing needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from refactor.c.includes import add_include, cut_include, include_verdict
from refactor.c.lossless import CFile
from refactor.edits import Edit
from refactor.errors import UsageError
from refactor.ops import Operation, register
from refactor.ops._headers import DEFAULT_SEARCH
from refactor.rule import AlreadyApplied, Conflict, Edits, NotApplicable, Outcome
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

    A removal is made only when nothing the header brings is still used
    (refactor.c.includes.include_verdict): the header and the tree headers it
    includes are found in the tree (a quoted one next to the file, a `<...>`
    one under `search`, or where a full tree's staged sysroot puts it) and
    judged by every name they declare; a system header the tree lacks is
    judged by the names the tool knows it for, and only when every other name
    the file uses has a known home (else one of the unknown names may come
    from it).  A use is a conflict.  When it cannot be told, the include
    stays and the removal is not applicable, with the reason in one line
    (choice: not a conflict, so a recipe goes on).

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
        verdict = include_verdict(tree, cf, o.header, o.search)
        if verdict.status == "needed":
            return Conflict(verdict.why)
        if verdict.status == "unknown":
            # Choice: not a conflict -- the include stays, the plan says why, the recipe goes on.
            return NotApplicable(f"{o.header} stays in {path}: cannot tell whether it is "
                                 f"still needed: {verdict.why}")
        return Edits([cut_include(cf, path, it, self.id) for it in have],
                     f"removes #include {o.header} from {path}: {verdict.why}")


