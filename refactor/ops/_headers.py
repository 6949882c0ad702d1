"""Tree headers a C file includes, and the names they declare (for rename and include)."""

from __future__ import annotations

import posixpath
import re

from refactor.c.lossless import CFile
from refactor.tree import Tree, norm

#: Where `<...>` headers are looked for in a FreeBSD tree when nothing else is said:
#: include/, the kernel's sys/ (for <sys/...>, <net/...>), and each library's own
#: directory (lib/libvmmapi/vmmapi.h is installed as <vmmapi.h>).
DEFAULT_SEARCH = ("include", "sys", "lib/*")
_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*([<"][^<>"\s]+[>"])', re.MULTILINE)
_NOT_DECLARATIONS = ("include", "conditional", "other", "comment", "directive")


def resolve(tree: Tree, includer: str, spelled: str, search: tuple[str, ...]) -> str | None:
    """The tree path of `#include <x.h>` or `"x.h"` in `includer`, None when not in the tree."""
    name = spelled[1:-1]
    here = [posixpath.dirname(includer)] if spelled.startswith('"') else []
    for d in here + list(search):
        if "*" in d or "?" in d:  # a pattern of directories: the first that has it
            first = next(iter(tree.glob(f"{d}/{name}")), None)
            if first is not None:
                return first
            continue
        p = norm(f"{d}/{name}" if d else name)
        if tree.exists(p):
            return p
    return None


def declared(tree: Tree, header: str, search: tuple[str, ...],
             seen: set[str] | None = None) -> set[str]:
    """Names the header's top-level items declare, with those of the tree headers it includes."""
    seen = set() if seen is None else seen
    seen.add(header)
    cf = tree.view(header, CFile)
    if cf is None:
        return set()
    names = {n for it in cf.items if it.kind not in _NOT_DECLARATIONS for n in it.names if n}
    for inc in cf.includes():
        sub = resolve(tree, header, inc.name, search)
        if sub is not None and sub not in seen:
            names |= declared(tree, sub, search, seen)
    return names


def reachable(tree: Tree, cf: CFile, search: tuple[str, ...]) -> list[str]:
    """Every tree header `cf` includes, directly or not, in include order."""
    out: list[str] = []
    todo = [(cf.path, it.name) for it in cf.includes()]
    while todo:
        includer, spelled = todo.pop(0)
        h = resolve(tree, includer, spelled, search)
        if h is None or h in out or h == cf.path:
            continue
        out.append(h)
        # Headers are only scanned for their #include lines here, not parsed.
        todo += [(h, m.group(1).decode("latin-1"))
                 for m in _INCLUDE.finditer(tree.read(h) or b"")]
    return out
