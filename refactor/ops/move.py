"""move: named top-level items from one C file to another, with what only they use."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from refactor.c.closure import (
    item_names,
    item_uses,
    toplevel_items,
)
from refactor.c.includes import (
    add_include,
    header_provides,
    include_group,
    need_include,
    resolve_include,
)
from refactor.c.lossless import CFile, Item
from refactor.c.protos import (
    add_definitions,
    drop_static,
    forward_declarations,
    function_prototypes,
    header_anchor,
    new_file_text,
    new_header,
    prototype_from,
    take_prototypes,
)
from refactor.c.selection import Selection, select
from refactor.c.spans import (
    delete_items,
    join_items,
    licence_block,
    splice,
)
from refactor.edits import Change, Edit, NewFile, insert
from refactor.errors import UsageError
from refactor.formats.makefile import BsdMakefile, MakefileError
from refactor.ops import Operation, register
from refactor.rule import AlreadyApplied, Conflict, Edits, NotApplicable, Outcome
from refactor.tree import Tree, norm

#: Item kinds a name may be asked for.
MOVABLE_KINDS = ("function", "declaration", "define", "struct", "union", "enum", "typedef")


@dataclass(frozen=True)
class MoveOptions:
    #: Top-level names to move: functions, file-scope variables, macros, types (`struct x`).
    names: list[str]
    #: The file they are in and the file they go to (made when it does not exist).
    source: str
    dest: str
    #: The header that declares what is now called across the two files (default:
    #: dest with .h); made, in the style of the source's own header, when missing.
    header: str = ""
    #: Tree directories searched for <...> headers (a "..." one is first looked
    #: for next to the file).
    include_dirs: list[str] = field(default_factory=list)
    #: The configurations (NAME or NAME=VALUE defines) in which the dependency
    #: closure is computed; it is the union over all of them.
    configs: list[list[str]] = field(default_factory=lambda: [[]])
    #: Static functions or variables that stay but that the moved code uses:
    #: they lose `static` and are declared in the header.  Any other shared
    #: static is a conflict.
    export: list[str] = field(default_factory=list)
    #: A new destination file joins the Makefile SRCS list (of the source's
    #: directory) that holds the source, so that it is built where the source is.
    srcs: bool = True


def quoted(from_file: str, header: str) -> str:
    """How from_file spells an #include of header: relative when in another directory."""
    rel = posixpath.relpath(header, posixpath.dirname(from_file) or ".")
    return f'"{rel}"'


@register
class Move(Operation):
    """Move named top-level items of a C file into another file, new or existing.

    The items named (functions, file-scope variables, macros, types) move
    whole and verbatim, each with the comment above it, in their order, and
    so does their dependency closure: the static helpers, static and
    file-scope variables, macros and types of the source that only the moved
    code uses.  The closure comes from the semantic layer, as the union over
    the `configs` given (so code under `#ifdef` counts in every branch); when
    the file does not parse, the same closure is computed on the lossless
    view.

    What the moved code and the staying code both use: a macro or a type
    goes, verbatim, into `header`; a static function or variable is a
    conflict unless it is named in `export`, when it stays, loses `static`
    and gets a prototype in `header`.  A moved function that the staying
    code still calls loses `static` and gets a prototype in `header`, which
    the source then includes.

    A new destination file gets the source's licence comment (with its SPDX
    line), its `#include <sys/cdefs.h>` and `__FBSDID()` lines, and the
    source's #include lines that the moved code needs, verbatim, in style(9)
    order (<sys/...>, other <...>, then "..." sorted; an #include under #if
    comes with its #if), plus the header when the moved code needs it, and
    joins the SRCS list of the directory's Makefile that holds the source
    (unless `srcs` is false).  An existing destination gets the items at its
    end and the includes it lacks, each in its group.  A new header takes the
    licence, include guard and prototype style of the source's own header
    (foo.c's "foo.h"), if it has one, and forward-declares the struct tags
    its prototypes name.  A moved extern function's prototype leaves the
    source's headers for `header`, and the other files of the source's
    directory that call it include `header`.

    Already applied when the source defines none of the names and the
    destination defines them all.  Not applicable when neither file defines
    them.  A conflict when a name is defined in both files, only some of
    them are in the source, a name is defined only under an `#if`, or the
    destination already defines something that moves.
    """

    op = "move"
    Options = MoveOptions

    def __init__(self, options: MoveOptions, **kw) -> None:
        if not options.names:
            raise UsageError("move: give at least one name to move")
        if norm(options.source) == norm(options.dest):
            raise UsageError("move: source and dest are the same file")
        super().__init__(options, **kw)

    def default_id(self) -> str:
        return f"move-{'-'.join(self.options.names[:2])}"

    def describe(self) -> str:
        o = self.options
        return f"move {', '.join(o.names)} from {o.source} to {o.dest}"

    def paths(self) -> tuple[str, ...]:
        # The source's directory too: its files that call a moved function get the header.
        source = norm(self.options.source)
        return (source, norm(self.options.dest), self.header_path(),
                posixpath.dirname(source) or ".")

    def header_path(self) -> str:
        o = self.options
        return norm(o.header) if o.header else norm(o.dest).rsplit(".", 1)[0] + ".h"

    def plan(self, tree: Tree) -> Outcome:
        o = self.options
        source, dest, header = norm(o.source), norm(o.dest), self.header_path()
        src = tree.view(source, CFile)
        dst = tree.view(dest, CFile)

        def defined(cf: CFile | None, name: str) -> bool:
            return cf is not None and any(it.kind in MOVABLE_KINDS and it.is_definition
                                          or it.kind == "define"
                                          for it in _named(cf, name))

        in_src = [n for n in o.names if defined(src, n)]
        in_dst = [n for n in o.names if defined(dst, n)]
        both = sorted(set(in_src) & set(in_dst))
        if both:
            return Conflict(f"{both[0]} is defined in both {source} and {dest}")
        if not in_src:
            if len(in_dst) == len(o.names):
                return AlreadyApplied(f"{dest} defines {', '.join(o.names)} and {source} "
                                      "none of them")
            if not in_dst:
                return NotApplicable(f"neither {source} nor {dest} defines "
                                     f"{', '.join(o.names)}")
        missing = [n for n in o.names if n not in in_src]
        if missing:
            return Conflict(f"{source} does not define {', '.join(missing)}")
        assert src is not None
        for n in o.names:
            if all(it.parent is not None for it in _named(src, n)):
                return Conflict(f"{n} is inside an #if in {source}; cannot move it whole")
        configs = [list(c) for c in o.configs] or [[]]
        sel = select(tree, src, list(o.names), configs, o.include_dirs)
        if isinstance(sel, str):
            return Conflict(sel)
        return _Planner(self, tree, src, dst, sel, header).plan()


def _named(cf: CFile, name: str) -> list[Item]:
    return [it for it in cf.items if name in item_names(cf, it)]


class _Planner:
    def __init__(self, op: Move, tree: Tree, src: CFile, dst: CFile | None, sel: Selection,
                 header: str) -> None:
        self.op, self.tree, self.src, self.dst, self.sel = op, tree, src, dst, sel
        self.header = header
        self.rule = op.id
        self.source, self.dest = src.path, norm(op.options.dest)

    def plan(self) -> Outcome:
        o, src, sel = self.op.options, self.src, self.sel
        shared_code = [it for it in sel.share
                       if it.kind == "function" or (it.kind == "declaration" and it.is_definition)]
        exported = [it for it in shared_code if it.name in o.export]
        unexported = [it for it in shared_code if it.name not in o.export]
        if unexported:
            it = unexported[0]
            return Conflict(f"{it.name} is used both by the moved code and by code staying in "
                            f"{self.source}; move it too, or export it (option export)")
        if self.dst is not None:
            moved = {n for it in sel.move for n in item_names(src, it)}
            clash = sorted(moved & {n for it in toplevel_items(self.dst)
                                    for n in item_names(self.dst, it)})
            if clash:
                return Conflict(f"{self.dest} already defines {clash[0]}, which would move")
        shared_types = [it for it in sel.share if it not in shared_code]
        # Functions now called across the two files, with the file defining them.
        crossing = [(it, self.dest) for it in sel.move if it.kind == "function"
                    and it.is_definition and it.name in sel.called_back]
        crossing += [(it, self.source) for it in exported if it.kind == "function"]
        # Non-static staying functions the moved code calls, that no header declares.
        crossing += [(it, self.source) for it in self.undeclared_externals()]
        # The source's own prototypes of those functions become the header's.
        crossing_names = {it.name for it, _ in crossing}
        self.protos = {it.name: it for it in sel.move if it.kind == "declaration"
                       and not it.is_definition and it.name in crossing_names}
        changes: list[Change] = []
        changes += delete_items(src, sorted(sel.move + shared_types, key=lambda i: i.start),
                                self.source, self.rule)
        for it in exported:
            changes += drop_static(src, self.source, it.name, self.rule)
        # Moved functions called from the source lose `static` (definition and prototypes).
        unstatic = [(e.start, e.end, e.text) for it, where in crossing if where == self.dest
                    for e in drop_static(src, self.source, it.name, self.rule)]
        kept = [it for it in sel.move if it not in self.protos.values()]
        moved_text = join_items(src.data, kept, unstatic)
        cuts, self.carried, carried_names = self.carry_prototypes()
        crossing = [(it, where) for it, where in crossing if it.name not in carried_names]
        need_header = bool(crossing or shared_types or carried_names)
        hdr_edits = self.header_changes(crossing, shared_types) if need_header else []
        if isinstance(hdr_edits, str):
            return Conflict(hdr_edits)
        changes += [*cuts, *hdr_edits, *self.caller_includes(carried_names)]
        extra = [quoted(self.dest, self.header)] if need_header else []
        if self.dst is None:
            changes.append(NewFile(self.dest, new_file_text(src, sel.includes, extra,
                                                            moved_text), self.rule))
        else:
            changes += self.existing_dest(extra, moved_text)
        if any(where == self.dest for _, where in crossing) or shared_types or \
                carried_names & set(sel.called_back):
            problem = need_include(changes, src, self.source, quoted(self.source, self.header),
                                   self.rule)
            if problem:
                return Conflict(problem)
        if self.dst is None and o.srcs:
            mk = srcs_next_to(self.tree, self.source, self.dest, self.rule)
            if isinstance(mk, str):
                return Conflict(mk)
            changes += mk
        fns = [it.name for it in sel.move if it.kind == "function" and it.is_definition]
        reason = (f"moves {', '.join(fns) or ', '.join(it.name for it in sel.move)} to "
                  f"{self.dest} ({sel.how} closure)")
        if crossing:
            reason += f"; declares {', '.join(it.name for it, _ in crossing)} in {self.header}"
        return Edits(changes, reason)

    def undeclared_externals(self) -> list[Item]:
        """Extern functions of the source that moved code calls and no included header declares."""
        src, sel = self.src, self.sel
        used = set().union(*(item_uses(src, it) for it in sel.move)) if sel.move else set()
        moving = {id(it) for it in sel.move}
        declared: set[str] = set()
        for inc in src.includes():
            path = resolve_include(self.tree, inc.name, self.source, self.op.options.include_dirs)
            if path is not None:
                declared |= header_provides(self.tree, path)
        out = []
        for it in src.items:
            if it.kind == "function" and it.is_definition and it.parent is None and \
                    it.storage != "static" and id(it) not in moving and it.name in used and \
                    it.name not in declared:
                out.append(it)
        return out

    def carry_prototypes(self) -> tuple[list[Edit], bytes, set[str]]:
        """Prototypes of moved extern functions in the source's own headers: cut there,
        for the header.  Returns the cuts, their text and the names carried."""
        names = [it.name for it in self.sel.move if it.kind == "function"
                 and it.is_definition and it.storage != "static"]
        edits: list[Edit] = []
        text, carried = b"", set()
        for inc in self.src.includes():
            path = resolve_include(self.tree, inc.name, self.source) \
                if inc.name.startswith('"') else None
            h = self.tree.view(path, CFile) if path and path != self.header else None
            if h is None or path is None:
                continue
            cut, got = take_prototypes(h, path, names, self.rule)
            edits += cut
            text += got
            carried |= {n for n in names if h.items_named(n, "declaration")}
        return edits, text, carried

    def caller_includes(self, names: set[str]) -> list[Edit]:
        """`#include` of the header in the other files of the source's directory that
        call a function whose prototype moved there."""
        folder = posixpath.dirname(self.source)
        out: list[Edit] = []
        for f in self.tree.list(folder):
            if f in (self.source, self.dest, self.header) or not f.endswith((".c", ".h")):
                continue
            cf = self.tree.view(f, CFile)
            if cf is not None and any(cf.idents(n, "ordinary") for n in names):
                need_include(out, cf, f, quoted(f, self.header), self.rule)  # best effort
        return out

    def header_changes(self, crossing: list[tuple[Item, str]],
                       shared: list[Item]) -> list[Change] | str:
        src, tree, path = self.src, self.tree, self.header
        h = tree.view(path, CFile)
        if h is not None:
            declared = {it.name for it in function_prototypes(h)}
            edits: list[Change] = []
            protos = function_prototypes(h)
            style = h.data[protos[-1].start : protos[-1].end] if protos else b""
            text = self.carried + b"".join(self.prototype(it, style) for it, _ in crossing
                                           if it.name not in declared)
            if text:
                at = protos[-1].end if protos else header_anchor(h)
                if at is None:
                    return f"{path} has no include guard or prototype to add to"
                edits.append(insert(path, at, text if protos else text + b"\n", self.rule))
            if shared:
                body = b"".join(src.data[it.lead_start : it.end] for it in shared)
                add = add_definitions(h, path, body, shared[0].name, self.rule)
                if isinstance(add, str):
                    return add
                edits.append(add)
            return edits
        model = self.model_header()
        types = b"".join(src.data[it.lead_start : it.end] for it in shared)
        model_protos = function_prototypes(model) if model is not None else []
        style = b"void\tf("  # style(9): a tab between type and name
        if model is not None and model_protos:
            style = model.data[model_protos[-1].start : model_protos[-1].end]
        protos_text = self.carried + b"".join(self.prototype(it, style) for it, _ in crossing)
        body = types + (b"\n" if types and protos_text else b"") + protos_text
        body = forward_declarations(body) + body
        if model is not None:
            return [NewFile(path, new_header(model, path, body), self.rule)]
        guard = posixpath.basename(path).upper().replace(".", "_").encode()
        text = (licence_block(src.data) + b"\n#ifndef _" + guard + b"_\n#define\t_" + guard +
                b"_\n\n" + body + b"\n#endif\n")
        return [NewFile(path, text, self.rule)]

    def prototype(self, fn: Item, style: bytes) -> bytes:
        """fn's prototype for the header: the source's own (less `static`), else one made
        from the definition in the header's style."""
        own = self.protos.get(fn.name)
        if own is None:
            return prototype_from(self.src, fn, style)
        cut = [(e.start, e.end, e.text) for e in drop_static(self.src, "", fn.name, "")]
        text = splice(self.src.data, own.lead_start, own.end, cut)
        return text if text.endswith(b"\n") else text + b"\n"

    def model_header(self) -> CFile | None:
        """The source's own header (foo.h for foo.c), else the first quoted one it includes."""
        own = self.source.rsplit(".", 1)[0] + ".h"
        cands = [own] + [p for inc in self.src.includes() if inc.name.startswith('"')
                         and (p := resolve_include(self.tree, inc.name, self.source)) is not None]
        for p in cands:
            h = self.tree.view(p, CFile)
            if h is not None:
                return h
        return None

    def existing_dest(self, extra: list[str], moved_text: bytes) -> list[Edit]:
        dst = self.dst
        assert dst is not None
        # New includes that land at one place are one insertion (a new group once
        # set apart by its blank line).
        at: dict[int, tuple[int, bytes]] = {}
        for spelled in [*self.sel.includes, *extra]:
            e = add_include(dst, self.dest, spelled, self.rule)
            if not isinstance(e, Edit):
                continue
            grp = include_group(spelled)
            if e.start in at:
                prev_grp, text = at[e.start]
                new = e.text[1:] if prev_grp == grp and e.text.startswith(b"\n") else e.text
                at[e.start] = (grp, text + new)
            else:
                at[e.start] = (grp, e.text)
        edits: list[Edit] = [insert(self.dest, pos, text, self.rule)
                             for pos, (_, text) in sorted(at.items())]
        data = dst.data
        tail = b"" if data.endswith(b"\n") or not data else b"\n"
        edits.append(insert(self.dest, len(data), tail + moved_text, self.rule))
        return edits


def srcs_next_to(tree: Tree, neighbour: str, new: str, rule: str,
                 prefer: str | None = None) -> list[Change] | str:
    """The edit adding `new` to the SRCS list of its directory's Makefile that holds
    `neighbour` (under an `.if` with `prefer` when several do), in sorted place and
    the list's own style.  Nothing when the directory has no Makefile or SRCS
    names neither file (a program built from PROG alone); a string saying why not
    when the Makefile cannot be read."""
    folder = posixpath.dirname(new)
    path = posixpath.join(folder, "Makefile") if folder else "Makefile"
    data = tree.read(path)
    if data is None:
        return []
    try:
        mk = BsdMakefile.parse(data, path)
    except MakefileError as exc:
        return f"{path}: {exc}"
    if mk.has_word("SRCS", posixpath.basename(new)):
        return []
    holders = [a for a in mk.assignments("SRCS") if posixpath.basename(neighbour) in a.values]
    prog = [a for a in mk.assignments("PROG") if not a.conditions]
    if not mk.assignments("SRCS") and prog and \
            prog[0].values == [posixpath.basename(neighbour).removesuffix(".c")]:
        # bsd.prog.mk builds ${PROG}.c when SRCS is not set: now it must be.
        words = " ".join(sorted([posixpath.basename(neighbour), posixpath.basename(new)]))
        return [insert(path, prog[0].next, f"SRCS=\t{words}\n", rule)]
    if not holders:
        return []
    target = next((a for a in holders if prefer is not None and
                   any(c.matches(prefer) for c in a.conditions)), holders[0])
    return [mk.insert_word(target, posixpath.basename(new), rule=rule)]
