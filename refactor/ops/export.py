"""export: make a static function extern and declare it in a header."""

from __future__ import annotations

import re
from dataclasses import dataclass

from refactor.c.includes import need_include, resolve_include
from refactor.c.lossless import CFile
from refactor.c.protos import add_prototype, drop_static
from refactor.edits import Change, Edit
from refactor.ops import Operation, register
from refactor.ops.move import quoted
from refactor.rule import AlreadyApplied, Conflict, Edits, NotApplicable, Outcome
from refactor.tree import Tree, norm


@dataclass(frozen=True)
class ExportOptions:
    #: The function to export.
    function: str
    #: The .c file that defines it, and the header that is to declare it.
    file: str
    header: str


@register
class Export(Operation):
    """Make a static function extern and declare it in a header.

    `static` goes from the function's definition (and from a static
    prototype, if the file has one).  The header gets the prototype, made
    from the definition's own return type and parameter list, in the
    header's prototype style (a space or a tab between type and name, as its
    other prototypes have), wrapped at 80 columns with a 4-space
    continuation as style(9) wants.  Choice: it goes after the header's last
    function prototype.  The file gets `#include "header"` in its group if
    it lacks it, so that the definition sees its prototype.  When the
    prototype names a type of a standard header (`bool`: <stdbool.h>) that
    the header does not include, the header gets that include too, so that a
    header which compiled on its own still does.

    Already applied when the function is not static and the header declares
    it.  Not applicable when the file no longer defines the function.  A
    conflict when the file or the header is missing, or the header declares
    no functions to go after.
    """

    op = "export"
    Options = ExportOptions

    def default_id(self) -> str:
        return f"export-{self.options.function}"

    def describe(self) -> str:
        o = self.options
        return f"make {o.function}() extern and declare it in {o.header}"

    def paths(self) -> tuple[str, ...]:
        return (norm(self.options.file), norm(self.options.header))

    def plan(self, tree: Tree) -> Outcome:
        o = self.options
        path, hpath = norm(o.file), norm(o.header)
        cf = tree.view(path, CFile)
        h = tree.view(hpath, CFile)
        if cf is None or h is None:
            return Conflict(f"{path if cf is None else hpath} does not exist")
        fn = cf.function(o.function)
        if fn is None:
            return NotApplicable(f"{path} no longer defines {o.function}()")
        stop = self.not_applicable(tree, cf)
        if stop is not None:
            return stop
        changes: list[Change] = list(drop_static(cf, path, o.function, self.id))
        if not h.items_named(o.function, "declaration"):
            proto = add_prototype(h, hpath, cf, fn, self.id)
            if isinstance(proto, str):
                return Conflict(proto)
            changes.append(proto)
            changes += _type_headers(h, hpath, proto.text, self.id)
        sees = any(resolve_include(tree, i.name, path) == hpath for i in cf.includes())
        if changes and not sees:
            problem = need_include(changes, cf, path, quoted(path, hpath), self.id)
            if problem:
                return Conflict(problem)
        if not changes:
            return AlreadyApplied(f"{o.function}() is not static and "
                                  f"{hpath.rsplit('/', 1)[-1]} declares it")
        added = [c.text.strip().decode() for c in changes if isinstance(c, Edit)
                 and c.path == hpath and c.text.strip().startswith(b"#include")]
        return Edits(changes, f"exports {o.function}() through {hpath.rsplit('/', 1)[-1]}"
                     + (f" (which now has {', '.join(added)})" if added else ""))

    def not_applicable(self, tree: Tree, cf: CFile) -> Outcome | None:
        """A hook for rules built on this operation: why the export is not wanted here."""
        return None


#: Types a prototype may name whose header a C file has to include itself.
TYPE_HEADERS = {"bool": "<stdbool.h>"}


def _type_headers(h: CFile, hpath: str, proto: bytes, rule: str) -> list[Change]:
    """The includes the new prototype's types need that the header lacks."""
    words = set(re.findall(rb"[A-Za-z_]\w*", proto))
    incs = h.includes()
    have = {i.name for i in incs}
    out: list[Change] = []
    for name, spelled in TYPE_HEADERS.items():
        if name.encode() in words and spelled not in have and not h.items_named(name):
            # Among the header's own includes, inside its include guard.
            need_include(out, h, hpath, spelled, rule, near=incs[0].name if incs else None)
    return out
