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

from refactor.c.lossless import CFile, Item
from refactor.c.spans import has_blank_line, line_end, line_start
from refactor.c.stubs import SYSTEM_HOMES
from refactor.c.words import LANGUAGE_WORDS
from refactor.edits import Edit, insert
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
