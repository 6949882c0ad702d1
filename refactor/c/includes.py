"""#include lines: which a piece of code needs, and where a new one goes (style(9)).

style(9) orders includes in groups: <sys/...> first (after <sys/cdefs.h> and
<sys/types.h> or <sys/param.h>), then the other <...> headers, then the
program's own "..." headers, a blank line between groups.  A block copied from a
file keeps that file's order and its blank lines inside a group; new quoted
headers take their sorted place.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from refactor.c.lossless import CFile, Item
from refactor.c.spans import has_blank_line, line_end, line_start
from refactor.c.stubs import SYSTEM_HOMES
from refactor.c.words import LANGUAGE_WORDS
from refactor.edits import Edit, insert, replace
from refactor.tree import Tree

#: <x.h> spellings of the headers stubs.SYSTEM_HOMES knows the names of.
KNOWN_SYSTEM = frozenset(f"<{h}>" for h in SYSTEM_HOMES.values())


#: style(9)'s include groups, in file order.
SYS, NET, SYSTEM, LOCAL = 0, 1, 2, 3
#: What opens the <sys/...> group, unsorted, before the rest.
LEADING = ("<sys/cdefs.h>", "<sys/param.h>", "<sys/types.h>")
_NET = ("net/", "netinet/", "netinet6/", "netgraph/", "netpfil/", "protocols/")


def include_group(spelled: str) -> int:
    """SYS for <sys/...>, NET for the network headers (<net/...>, <netinet/...>),
    SYSTEM for other <...>, LOCAL for "..."."""
    if spelled.startswith('"'):
        return LOCAL
    name = spelled[1:]
    if name.startswith("sys/"):
        return SYS
    return NET if name.startswith(_NET) else SYSTEM


def include_line(spelled: str) -> bytes:
    return b"#include " + spelled.encode() + b"\n"


def include_block(cf: CFile, needed: Sequence[str], extra_quoted: Sequence[str] = ()) -> bytes:
    """The needed #include lines of cf, verbatim and in its order, plus new quoted ones.

    Lines under an #if (such as <sys/capsicum.h> under WITHOUT_CAPSICUM) come
    with their #if and #endif lines.
    """
    data = cf.data
    chosen = []   # (spelled, text, start)
    done_conditionals = set()
    for inc in cf.includes():
        if inc.name not in needed:
            continue
        parent = inc.parent
        if parent is not None and parent.kind == "conditional":
            if parent.index in done_conditionals:
                continue
            done_conditionals.add(parent.index)
            kids = [k for k in parent.children if k.kind == "include"]
            if all(k.name in needed for k in kids) and len(kids) == len(parent.children):
                chosen.append((inc.name, data[parent.start : parent.end], parent.start))
                continue
            first = data[parent.start : line_end(data, parent.start + 1)]
            last_ls = line_start(data, parent.end - 1)
            inner = b"".join(data[k.start : k.end] for k in kids if k.name in needed)
            chosen.append((inc.name, first + inner + data[last_ls : parent.end], parent.start))
            continue
        chosen.append((inc.name, data[inc.start : inc.end], inc.start))
    for q in extra_quoted:
        if q not in [c[0] for c in chosen]:
            chosen.append((q, include_line(q), -1))
    # style(9): <sys/...> first, then other <...>, then "..."; quoted ones sorted.
    chosen.sort(key=lambda c: (include_group(c[0]),
                               c[0] if include_group(c[0]) == LOCAL else "",
                               c[2] if c[2] >= 0 else 1 << 60))
    out = b""
    prev = None
    for spelled, text, start in chosen:
        if prev is not None:
            pspelled, pstart = prev
            if include_group(spelled) != include_group(pspelled):
                out += b"\n"
            elif start >= 0 and pstart >= 0 and has_blank_line(
                    data[line_end(data, pstart + 1) : start]):
                out += b"\n"
        out += text
        prev = (spelled, start)
    return out


#: Where `<...>` headers are looked for in a FreeBSD tree when nothing else is said:
#: include/, the kernel's sys/ (for <sys/...>, <net/...>), and each library's own
#: directory (lib/libvmmapi/vmmapi.h is installed as <vmmapi.h>).
DEFAULT_SEARCH = ("include", "sys", "lib/*")
_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*([<"][^<>"\s]+[>"])', re.MULTILINE)
_NOT_DECLARATIONS = ("include", "conditional", "other", "comment", "directive")


def resolve_include(tree: Tree, spelled: str, includer: str,
                    include_dirs: Iterable[str] = ()) -> str | None:
    """The tree path an #include names: "x.h" next to the includer first, then the -I
    dirs (a pattern such as lib/* means the first of those directories that has it)."""
    name = spelled[1:-1]
    dirs = [posixpath.dirname(includer)] if spelled.startswith('"') else []
    for d in [*dirs, *include_dirs]:
        if "*" in d or "?" in d:
            first = next(iter(tree.glob(f"{d}/{name}")), None)
            if first is not None:
                return first
            continue
        p = posixpath.normpath(posixpath.join(d, name)) if d else name
        if tree.exists(p):
            return p
    return None


def declared(tree: Tree, header: str, search: tuple[str, ...],
             seen: set[str] | None = None) -> set[str]:
    """Names the header's top-level items declare, with those of the tree headers it
    includes (header_provides() is the header's own definitions only)."""
    seen = set() if seen is None else seen
    seen.add(header)
    cf = tree.view(header, CFile)
    if cf is None:
        return set()
    names = {n for it in cf.items if it.kind not in _NOT_DECLARATIONS for n in it.names if n}
    for inc in cf.includes():
        sub = resolve_include(tree, inc.name, header, search)
        if sub is not None and sub not in seen:
            names |= declared(tree, sub, search, seen)
    return names


def reachable(tree: Tree, cf: CFile, search: tuple[str, ...]) -> list[str]:
    """Every tree header `cf` includes, directly or not, in include order."""
    out: list[str] = []
    todo = [(cf.path, it.name) for it in cf.includes()]
    while todo:
        includer, spelled = todo.pop(0)
        h = resolve_include(tree, spelled, includer, search)
        if h is None or h in out or h == cf.path:
            continue
        out.append(h)
        # Headers are only scanned for their #include lines here, not parsed.
        todo += [(h, m.group(1).decode("latin-1"))
                 for m in _INCLUDE.finditer(tree.read(h) or b"")]
    return out


def header_provides(tree: Tree, path: str) -> set[str]:
    """The names a tree header defines or declares (a forward `struct x;` provides nothing)."""
    cf = tree.view(path, CFile)
    if cf is None:
        return set()
    return {n for it in cf.items for n in it.names if n
            and not (it.kind in ("struct", "union", "enum") and not it.is_definition)}


def provides(tree: Tree, cf: CFile, inc: Item, include_dirs: Iterable[str]) -> set[str] | None:
    """What one #include of cf brings in: a tree header by its items, a system header by
    the names stubs.SYSTEM_HOMES knows of it; None when nothing is known of it."""
    path = resolve_include(tree, inc.name, cf.path, include_dirs)
    if path is not None:
        return header_provides(tree, path)
    known = {n for n, h in SYSTEM_HOMES.items() if f"<{h}>" == inc.name}
    return known or (set() if inc.name == "<sys/cdefs.h>" else None)


def unknown_includes(tree: Tree, cf: CFile, include_dirs: Iterable[str]) -> list[str]:
    """The includes of cf nothing is known about (neither a tree header nor a known one):
    kept with moved code whose names no known header declares, rather than break it."""
    dirs = list(include_dirs)
    return [inc.name for inc in cf.includes() if provides(tree, cf, inc, dirs) is None]


def includes_declaring(tree: Tree, cf: CFile, names: set[str], local: set[str],
                       include_dirs: Iterable[str], all_system_when_unsure: bool = False
                       ) -> list[str]:
    """Which of cf's includes declare `names` (lossless: tree headers by their items,
    system ones by name).  `local` is what cf itself defines.  When some name is
    declared nowhere known, the includes nothing is known about are kept too (and,
    with all_system_when_unsure, every <...> include: one of them declares it)."""
    dirs = list(include_dirs)
    names = names | {n.split(" ")[-1] for n in names}
    out: list[str] = []
    attributed = set(local)
    unknown = []
    for inc in cf.includes():
        got = provides(tree, cf, inc, dirs)
        if got is None:
            unknown.append(inc.name)
            continue
        attributed |= got
        if names & got and inc.name not in out:
            out.append(inc.name)
    if names - attributed - LANGUAGE_WORDS:
        out += [u for u in unknown if u not in out]
        if all_system_when_unsure:
            out += [i.name for i in cf.includes() if i.name.startswith("<") and i.name not in out]
    return out


def add_include(cf: CFile, path: str, spelled: str, rule: str,
                near: str | None = None) -> Edit | None | str:
    """The edit adding `#include spelled` in its style(9) place.

    Its group is the includes of the same kind (include_group) under the same
    #if as the include `near` (or at top level).  Within the group it takes
    its sorted place when the group is sorted (past the LEADING headers, which
    open the <sys/...> group: a LEADING one goes right after <sys/cdefs.h>),
    else it goes at the group's end.  A group of its own goes after the groups
    before it, else before those after it, a blank line between.  None when cf
    has it already; a string saying why when there is no place for it.
    """
    incs = cf.includes()
    if any(i.name == spelled for i in incs):
        return None
    parent = None
    if near is not None:
        anchor = next((i for i in incs if i.name == near), None)
        if anchor is None:
            return f"{path} does not include {near}; cannot place {spelled} next to it"
        parent = anchor.parent
    level = [i for i in incs if i.parent is parent]
    if not level:
        return f"{path} has no #include to place {spelled} among"
    group = include_group(spelled)
    text = include_line(spelled)
    same = [i for i in level if include_group(i.name) == group]
    if same:
        lead = 0
        while lead < len(same) and same[lead].name in LEADING:
            lead += 1
        if spelled in LEADING:
            after_cdefs = [i for i in same[:lead] if i.name == "<sys/cdefs.h>"]
            if after_cdefs:
                return insert(path, after_cdefs[0].end, text, rule)
            return insert(path, same[0].lead_start, text, rule)
        rest = [i.name for i in same[lead:]]
        if rest == sorted(rest):
            later = [i for i in same[lead:] if i.name > spelled]
            if later:
                return insert(path, later[0].lead_start, text, rule)
        return insert(path, same[-1].end, text, rule)
    before = [i for i in level if include_group(i.name) < group]
    if before:
        return insert(path, before[-1].end, b"\n" + text, rule)
    return insert(path, level[0].lead_start, text + b"\n", rule)


def need_include(changes: list, cf: CFile, path: str, spelled: str, rule: str,
                 near: str | None = None) -> str:
    """Append to `changes` the edit that adds `#include spelled` (add_include) when cf
    lacks it; "" when done or not needed, else why it cannot be placed."""
    edit = add_include(cf, path, spelled, rule, near)
    if isinstance(edit, str):
        return edit
    if edit is not None:
        changes.append(edit)
    return ""


# ----- is an #include still needed? ------------------------------------------------

#: Names C gives every function, which no header declares.
_PREDEFINED = frozenset({"__func__", "__FILE__", "__LINE__", "__DATE__", "__TIME__"})
_DIRECTIVE_TEST = re.compile(rb"[ \t]*#[ \t]*(?:if|ifdef|ifndef|elif)\b")


@dataclass(frozen=True)
class IncludeVerdict:
    """Whether a file still needs an #include: "needed", "unused" or "unknown"
    (cannot tell -- the include stays), and why, in one line."""

    status: str
    why: str


def _used_names(cf: CFile) -> dict[str, int]:
    """Names the file uses that some declaration outside it must provide, with the
    offset of a first use: not its own top-level names, locals or parameters, fields,
    labels, or macros only tested by #if (configuration switches)."""
    from refactor.c.nodes import local_declarations, param_names

    own = {n for it in cf.items if it.kind not in ("include", "conditional")
           for n in it.names if n}
    for fn in cf.items:
        if fn.kind == "function":
            own |= set(local_declarations(cf, fn)) | param_names(cf, fn)
    out: dict[str, int] = {}
    for i in cf.identifiers:
        if i.kind in ("field", "label") or i.name in own or i.name in out or \
                i.name in LANGUAGE_WORDS or i.name in _PREDEFINED:
            continue
        if _DIRECTIVE_TEST.match(cf.data, line_start(cf.data, i.start)):
            continue
        out[i.name] = i.start
    return out


def _closure(tree: Tree, includer: str, spelled: list[str], search: tuple[str, ...]
             ) -> tuple[list[str], set[str]]:
    """The tree headers the #includes `spelled` of `includer` bring in, directly or
    not, and the <...> headers among them that the tree does not have."""
    paths: list[str] = []
    outside: set[str] = set()
    todo = [(includer, s) for s in spelled]
    while todo:
        at, name = todo.pop(0)
        p = resolve_include(tree, name, at, search)
        if p is None and name.startswith("<") and tree.exists("include/Makefile"):
            from refactor.sysroot import sysroot_for  # a full tree: staging reads Makefiles

            p = sysroot_for(tree).resolve(name[1:-1])
        if p is None:
            outside.add(name)
        elif p not in paths:
            paths.append(p)
            todo += [(p, m.group(1).decode("latin-1"))
                     for m in _INCLUDE.finditer(tree.read(p) or b"")]
    return paths, outside


def _brought(tree: Tree, paths: list[str], outside: set[str], search: tuple[str, ...],
             surely: bool = False) -> set[str]:
    """What the headers may declare (in any #if branch), or with `surely`, what they
    declare whatever the configuration (_surely_declared)."""
    names: set[str] = set()
    for p in paths:
        names |= _surely_declared(tree, p) if surely else declared(tree, p, search)
    return names | {n for n, h in SYSTEM_HOMES.items() if f"<{h}>" in outside}


_NOT_DEFINED = re.compile(r"!defined\(([A-Za-z_]\w*)\)")


def _guarding(it: Item) -> bool:
    """Whether a conditional only guards against a second declaration: `#ifndef X`
    that defines X first (an include guard, __bool_true_false_are_defined), of a
    _DECLARED macro, or of __cplusplus -- true for every C compilation."""
    m = _NOT_DEFINED.fullmatch(it.name or "")
    if m is None:
        return False
    name = m.group(1)
    first = next((k for k in it.children if k.kind not in ("comment",)), None)
    return name == "__cplusplus" or name.endswith("_DECLARED") or (
        first is not None and first.kind == "define" and first.name == name)


def _surely_declared(tree: Tree, path: str) -> set[str]:
    """The names a tree header declares outside any #if but its guards: what any
    configuration sees (not, say, sys/types.h's `bool`, which is _KERNEL only)."""
    cf = tree.view(path, CFile)
    if cf is None:
        return set()
    out = set()
    for it in cf.items:
        if it.kind in _NOT_DECLARATIONS:
            continue  # (a forward `struct x;` counts: it declares the tag)
        up = it.parent
        while up is not None and up.kind == "conditional" and _guarding(up):
            up = up.parent
        if up is None:
            out |= {n for n in it.names if n}
    return out


def include_verdict(tree: Tree, cf: CFile, spelled: str,
                    search: tuple[str, ...] = DEFAULT_SEARCH) -> IncludeVerdict:
    """Does `cf` still use anything `#include spelled` brings?

    What the include brings: the names declared by the header and the tree
    headers it includes, directly or not (found next to the file, under
    `search`, or where a full tree's staged sysroot puts them), and for the
    <...> headers among them that the tree does not have, the names
    stubs.SYSTEM_HOMES knows them for.  A use of one of those that no other
    include of the file declares itself: "needed".  When every header
    involved is in the tree and parses, no such use: "unused".  When some are
    not in the tree (or do not parse), what is known of them is not all they
    declare: "unused" only when every other name the file uses has a home
    among its other includes (else one of the unknown names may come from
    this header: "unknown", and it stays).
    """
    names = _used_names(cf)
    paths, outside = _closure(tree, cf.path, [spelled], search)
    brought = _brought(tree, paths, outside, search)
    # A name another include of the file declares itself (size_t, which many headers
    # declare) does not keep this one; one it only brings from further down does
    # (the file keeps including what it uses).
    others = [i.name for i in cf.includes() if i.name != spelled]
    accounted = _brought(tree, *_closure(tree, cf.path, others, search), search, surely=True)
    direct: set[str] = set()
    for other in others:
        p = resolve_include(tree, other, cf.path, search)
        direct |= _surely_declared(tree, p) if p is not None else {
            n for n, h in SYSTEM_HOMES.items() if f"<{h}>" == other}
    hit = sorted((n for n in names if n in brought and n not in direct),
                 key=lambda n: names[n])
    if hit:
        return IncludeVerdict("needed", f"{cf.path}:{cf.line_of(names[hit[0]])} still uses "
                              f"{hit[0]} from {spelled}" + (f" ({paths[0]})" if paths else ""))
    # A header the lossless layer cannot fully parse may declare more than it shows.
    broken = [p for p in paths if (v := tree.view(p, CFile)) is None or v.errors]
    if not outside and not broken:
        return IncludeVerdict("unused", f"nothing {spelled} declares is used"
                              + (" that the other includes do not declare too"
                                 if any(n in brought for n in names) else ""))
    if not (brought - LANGUAGE_WORDS) and not paths and spelled != "<sys/cdefs.h>":
        return IncludeVerdict("unknown", f"{spelled} is neither in the tree nor a header "
                              "whose names the tool knows")
    unknown = sorted((n for n in names if n not in accounted), key=lambda n: names[n])
    if unknown:
        more = f" and {len(unknown) - 1} more names" if len(unknown) > 1 else ""
        return IncludeVerdict("unknown", f"{unknown[0]} ({cf.path}:"
                              f"{cf.line_of(names[unknown[0]])}){more} "
                              f"come{'s' if not more else ''} from no header the tool "
                              "knows, and could come from this one")
    return IncludeVerdict("unused", f"none of the names {spelled} is known for is used, and "
                          "every other name has a known home")


def cut_include(cf: CFile, path: str, it: Item, rule: str) -> Edit:
    """Remove an #include line; an #if block holding only it goes with it."""
    parent = it.parent
    if parent is not None and parent.kind == "conditional" and parent.children == [it]:
        it = parent
    return replace(path, it.full_start, it.full_end, b"", rule)
