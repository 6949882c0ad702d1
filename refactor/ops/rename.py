"""rename: a C identifier across files and directories, in every #if branch."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from refactor.c.lossless import CFile, Ident
from refactor.c.rename import rename_edits
from refactor.c.wrap import rewrap
from refactor.edits import Change, Edit
from refactor.errors import UsageError
from refactor.ops import Operation, register
from refactor.ops._headers import DEFAULT_SEARCH, declared, reachable
from refactor.ops._paths import C_SUFFIXES, clean, expand
from refactor.rule import AlreadyApplied, Conflict, Edits, NotApplicable, Outcome
from refactor.tree import Tree

Kind = Literal["function", "variable", "type", "tag", "field", "macro", "any"]

#: Identifier kinds of the lossless layer each rename kind touches.  Functions,
#: variables and typedef names are all "ordinary" where the lexer alone sees
#: them (in #define bodies); "type" is what the parser calls a typedef name.
IDENT_KINDS: dict[str, frozenset[str]] = {
    "function": frozenset({"ordinary"}),
    "variable": frozenset({"ordinary"}),
    "type": frozenset({"type"}),
    "tag": frozenset({"tag"}),
    "field": frozenset({"field"}),
    "macro": frozenset({"macro"}),
    "any": frozenset({"ordinary", "type", "tag", "field", "macro", "label"}),
}
#: C's name spaces: a new name collides with names of the same one.  Macros are
#: seen before any scope, so they collide with every ordinary name.
NAMESPACE: dict[str, frozenset[str]] = {
    "ordinary": frozenset({"ordinary", "type", "macro"}),
    "type": frozenset({"ordinary", "type", "macro"}),
    "macro": frozenset({"ordinary", "type", "macro"}),
    "tag": frozenset({"tag"}),
    "field": frozenset({"field"}),
    "label": frozenset({"label"}),
}
_IDENT = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class RenameOptions:
    old: str
    new: str
    #: Files or directories (every .c and .h under them), relative to the tree root.
    paths: tuple[str, ...] = (".",)
    kind: Kind = "any"
    comments: bool = False
    strings: bool = False
    #: Tree directories `<...>` headers are looked for in, for the collision check.
    include_dirs: tuple[str, ...] = DEFAULT_SEARCH


@register
class Rename(Operation):
    """Rename a C identifier in every .c and .h file under the given paths.

    Definitions, prototypes, calls and every other use are renamed, in every
    `#if` branch and inside `#define` bodies, through the lossless layer: no
    byte outside the identifiers changes, except that a statement the longer
    name pushes past 80 columns is re-wrapped as style(9) asks (broken after
    a comma, continued with four spaces); a line that has no comma to break
    at is named in the reason.  `kind` limits the rename to one
    kind of name (`function`, `variable`, `type`, `tag`, `field`, `macro`);
    `any` renames every identifier spelled `old`.  Comments and string
    literals are left alone unless `comments` or `strings` is true; then
    `old` is replaced there as a whole word.

    A conflict when `new` is not a C identifier, when `old` is declared in
    the paths only as another kind of name than `kind`, or when `new` would
    collide with a name in scope: `new` already declared at file scope in a
    file of the paths (in the same C name space: ordinary names, typedefs and
    macros collide with one another; tags and fields only with their own
    kind), declared in a tree header that a file using `old` includes (a
    quoted header next to the file, a `<...>` one under `include_dirs`,
    and the headers those include), or used in a function that also uses
    `old`.  System headers that are not in the tree are not looked at.
    Already applied when
    no `old` of that kind is left and `new` is there; not applicable when
    neither is.

    When a path is a file, the other .c and .h files of its directory are
    searched too, and the reason names the ones still using `old` (the rename
    left them behind).
    """

    op = "rename"
    Options = RenameOptions

    def __init__(self, options: RenameOptions, **kw) -> None:
        for name in (options.old, options.new):
            if not _IDENT.fullmatch(name):
                raise UsageError(f"rename: {name!r} is not a C identifier")
        if options.old == options.new:
            raise UsageError(f"rename: old and new are both {options.old!r}")
        options = dataclasses.replace(options, paths=clean(options.paths))
        super().__init__(options, **kw)

    def default_id(self) -> str:
        return f"rename-{self.options.old}"

    def describe(self) -> str:
        o = self.options
        what = "" if o.kind == "any" else f"{o.kind} "
        return f"rename {what}{o.old} to {o.new} in {', '.join(o.paths)}"

    def paths(self) -> tuple[str, ...]:
        return self.options.paths

    def plan(self, tree: Tree) -> Outcome:
        o = self.options
        files, missing = expand(tree, o.paths)
        if missing:
            return Conflict(f"{missing[0]} is neither a file nor a directory of the tree")
        kinds = IDENT_KINDS[o.kind]
        old_b, new_b = o.old.encode(), o.new.encode()
        views: dict[str, CFile] = {}
        for p in files:
            data = tree.read(p) or b""
            if old_b in data or new_b in data:
                cf = tree.view(p, CFile)
                if cf is not None:
                    views[p] = cf
        uses = {p: _occurrences(cf, o.old, kinds, o.kind) for p, cf in views.items()}
        uses = {p: u for p, u in uses.items() if u}

        if not uses:
            if any(_occurrences(cf, o.new, kinds, o.kind) for cf in views.values()):
                return AlreadyApplied(f"no {o.old} is left and {o.new} is there")
            return NotApplicable(f"no {self._what()} {o.old} in {', '.join(o.paths)}")

        wrong = self._wrong_kind(views.values())
        if wrong:
            return Conflict(wrong)
        clash = _collision(views, uses, o.new) or self._header_collision(tree, views, uses)
        if clash:
            return Conflict(clash)

        found: set[Edit] = set()
        for p in sorted(uses):
            found.update(Edit(p, i.start, i.end, new_b, self.id) for i in uses[p])
            if o.comments or o.strings:  # whole words in comments and strings: no kinds
                found.update(rename_edits(views[p], o.old, o.new, kinds=(), rule=self.id,
                                          in_comments=o.comments, in_strings=o.strings))
        ordered = sorted(found, key=lambda e: (e.path, e.start))
        sites = len(ordered)
        # A longer name may push a statement past 80 columns: re-flow it (style(9)),
        # and say where that cannot be done.
        flowed, long_lines = rewrap(tree.read, ordered)
        edits: list[Change] = list(flowed)
        reason = f"renames {sites} sites in {len(uses)} files"
        if long_lines:
            reason += f"; over 80 columns after it, with no comma to break at: " \
                      f"{', '.join(long_lines)}"
        left = self._left_behind(tree, files)
        if left:
            reason += f"; {o.old} is still used in {', '.join(left)}, outside the paths"
        return Edits(edits, reason)

    def _what(self) -> str:
        return "identifier" if self.options.kind == "any" else self.options.kind

    def _wrong_kind(self, views: Iterable[CFile]) -> str:
        """Why `old` is not a name of the kind asked for, or ""."""
        o = self.options
        if o.kind not in ("function", "variable"):
            return ""
        declared = {k for cf in views for k in _declared_as(cf, o.old)}
        if declared and o.kind not in declared:
            return f"{o.old} is declared as a {' and a '.join(sorted(declared))} in the " \
                   f"paths, not a {o.kind}"
        return ""

    def _header_collision(self, tree: Tree, views: dict[str, CFile],
                          uses: dict[str, list[Ident]]) -> str:
        """`new` declared in a tree header that a file using `old` includes, or ""."""
        o = self.options
        if o.kind in ("field", "tag"):
            return ""  # separate name spaces; tags collide only with tags, checked in the paths
        for path in sorted(uses):
            for header in reachable(tree, views[path], o.include_dirs):
                if o.new.encode() in (tree.read(header) or b"") and \
                        o.new in declared(tree, header, o.include_dirs):
                    return f"{o.new} is already declared in {header}, which {path} includes"
        return ""

    def _left_behind(self, tree: Tree, files: list[str]) -> list[str]:
        """Files next to the named files (not under a named directory) still using `old`."""
        o = self.options
        named = [p for p in o.paths if p != "." and tree.exists(p)]
        inside = set(files)
        seen: list[str] = []
        for d in dict.fromkeys(p.rsplit("/", 1)[0] if "/" in p else "" for p in named):
            for f in tree.list(d):
                data = tree.read(f) or b""
                if f in inside or not f.endswith(C_SUFFIXES) or o.old.encode() not in data:
                    continue
                if _occurrences(tree.view(f, CFile), o.old, IDENT_KINDS[o.kind], o.kind):
                    seen.append(f)
        return seen


def _occurrences(cf: CFile | None, name: str, kinds: frozenset[str], kind: str) -> list[Ident]:
    if cf is None:
        return []
    found = [i for i in cf.idents(name) if i.kind in kinds]
    if kind == "macro" and not _declared_as(cf, name) - {"macro"}:
        # A macro defined in a header is an ordinary word in the files that use it.
        found += [i for i in cf.idents(name, "ordinary")]
    if kind == "type":
        defines = {it.index for it in cf.items if it.kind == "define"}
        found += [i for i in cf.idents(name, "ordinary") if i.item in defines]
    return found


def _declared_as(cf: CFile, name: str) -> set[str]:
    """What top-level items of `cf` declare `name` as: function, variable, type, tag, macro."""
    out = set()
    for it in cf.items_named(name):
        if it.kind == "function":
            out.add("function")
        elif it.kind == "declaration" and it.node is not None:
            text = cf.data[it.start:it.end]
            # A prototype puts `(` right after the name; a variable does not.
            proto = re.search(rb"\b" + re.escape(name.encode()) + rb"\s*\(", text)
            out.add("function" if proto else "variable")
        elif it.kind == "typedef":
            out.add("type")
        elif it.kind in ("struct", "union"):
            out.add("tag")
        elif it.kind == "enum":
            out.add("tag" if it.name == name else "variable")
        elif it.kind == "define":
            out.add("macro")
    return out


def _collision(views: dict[str, CFile], uses: dict[str, list[Ident]], new: str) -> str:
    """Where `new` would meet a name already in scope, or ""."""
    spaces = set().union(*(NAMESPACE[i.kind] for u in uses.values() for i in u))
    for path, cf in sorted(views.items()):
        for it in cf.items_named(new):
            if it.kind in ("include", "directive", "conditional", "other"):
                continue
            space = {"struct": "tag", "union": "tag"}.get(it.kind, "ordinary")
            if it.kind == "enum" and it.name == new:
                space = "tag"
            if space in spaces:
                line = it.start_line or cf.line_of(it.start)
                return f"{new} is already declared in {path}:{line}"
        # A use of `new` inside an item that uses `old` too: a local or a global in scope.
        holders = {i.item for i in uses.get(path, ()) if i.item is not None}
        for i in cf.idents(new):
            if i.kind in spaces and i.item in holders:
                return f"{new} is already used in {path}:{cf.line_of(i.start)}, " \
                       f"where {uses[path][0].name} is used too"
    return ""
