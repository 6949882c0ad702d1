"""Header search as FreeBSD's build sees it, over a Tree, and materialisation.

Files are not on disk in the state a commit makes (plans are made against git
blobs), so a compile gets a temporary folder holding only the translation
units and the headers they include, transitively, that exist in the tree.  The
cost follows the files compiled: nothing else of the tree is read.

Installed names.  A FreeBSD build compiles against /usr/include, which
buildworld's "includes" stage fills from the tree; refactor.sysroot says
which tree file each installed name is (<md5.h> is lib/libmd/md5.h).  A
Workdir lays out only the installed headers a unit reaches, as links in inc/
to their tree copies in src/, so the compiler sees /usr/include's shape and
its messages still name tree paths.  After inc/ come the compiler's own
system dirs (zig's FreeBSD libc headers for `cross`).

Partial trees.  A fixture or a sparse checkout has a few kernel headers but not
the rest; mixing such a `sys/sys/param.h` with a complete libc breaks the libc.
So unless the tree has a complete header set (`include/stdio.h` and
`sys/sys/param.h`), a libc or kernel header (one whose home is `include/` or
`sys/`) that the compiler also ships comes from the compiler, except when the
commit touched it.  Library headers (lib/, contrib/) always come from the tree.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from refactor.sysroot import Sysroot, sysroot_for
from refactor.tree import Tree

_LIBC_HOMES = ("include/", "sys/")
_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]', re.M)


def includes_of(data: bytes) -> list[tuple[str, str]]:
    """(kind, name) of every #include, in all #if branches: '"' or '<'."""
    return [(m.group(1).decode(), m.group(2).decode("latin-1").strip())
            for m in _INCLUDE.finditer(data)]


def complete_headers(tree: Tree) -> bool:
    return tree.exists("include/stdio.h") and tree.exists("sys/sys/param.h")


@dataclass
class HeaderSearch:
    """Resolves #include names to tree paths (or to the compiler's own headers)."""

    tree: Tree
    include_dirs: list[str]  # tree dirs from the Makefile's -I, in order
    compiler_dirs: list[Path]  # the compiler's system dirs on disk
    touched: frozenset[str] = frozenset()
    complete: bool | None = None
    libs: tuple[str, ...] = ()  # the program's libraries (LIBADD names)
    sysroot: Sysroot | None = None
    #: installed name -> tree path, for every header reached through /usr/include
    installed: dict[str, str] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict)
    _installed_as: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.complete is None:
            self.complete = complete_headers(self.tree)
        if self.sysroot is None:
            self.sysroot = sysroot_for(self.tree, "amd64", self.libs)

    def _compiler_has(self, name: str) -> bool:
        return any((d / name).is_file() for d in self.compiler_dirs)

    def read(self, path: str) -> bytes | None:
        """A tree file, or a header the build generates (opensslconf.h)."""
        assert self.sysroot is not None
        try:
            return self.sysroot.file(path)
        except ValueError:  # a path that leaves the tree
            return None

    def _tree_ok(self, path: str, name: str) -> bool:
        if self.read(path) is None:
            return False
        if self.complete or path in self.touched or not path.startswith(_LIBC_HOMES):
            return True
        return not self._compiler_has(name)

    def resolve(self, kind: str, name: str, includer: str | None) -> str | None:
        """The tree path `name` resolves to, or None (compiler header or missing)."""
        key = (kind, name, posixpath.dirname(includer) if includer else None)
        if key in self._cache:
            return self._cache[key]
        found = None
        candidates: list[str] = []
        if kind == '"' and includer is not None:
            if includer in self._installed_as:
                # An installed header's "x.h" is looked up next to its installed name.
                sibling = posixpath.join(posixpath.dirname(self._installed_as[includer]), name)
                found = self._installed(sibling)
            if found is None:
                candidates.append(posixpath.join(posixpath.dirname(includer), name))
        if found is None:
            candidates += [posixpath.join(d, name) if d else name for d in self.include_dirs]
            for path in candidates:
                path = posixpath.normpath(path)
                if not path.startswith("..") and self._tree_ok(path, name):
                    found = path
                    break
        if found is None:
            found = self._installed(name)
        self._cache[key] = found
        return found

    def _installed(self, name: str) -> str | None:
        name = posixpath.normpath(name)
        assert self.sysroot is not None
        path = self.sysroot.resolve(name)
        if path is None or not self._tree_ok(path, name):
            return None
        self.installed.setdefault(name, path)
        self._installed_as.setdefault(path, name)
        return path

    def closure(self, roots: list[str]) -> list[str]:
        """The roots plus every tree header they include, transitively."""
        return list(self.closure_edges(roots)[0])

    def closure_edges(self, roots: list[str]) -> tuple[dict[str, None], list[tuple]]:
        """closure() and every (includer, kind, name, resolved) step taken: what a
        cache key must hold, since a new file can change where a name resolves."""
        seen: dict[str, None] = {}
        edges: list[tuple] = []
        todo = list(roots)
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            data = self.read(path)
            if data is None:
                continue
            seen[path] = None
            for kind, name in includes_of(data):
                hit = self.resolve(kind, name, path)
                edges.append((path, kind, name, hit))
                if hit is not None and hit not in seen:
                    todo.append(hit)
        return seen, edges

    def installed_names(self, paths) -> dict[str, str]:
        """The installed names (-> tree path) among the headers `paths` reached."""
        wanted = set(paths)
        return {n: p for n, p in self.installed.items() if p in wanted}


class Workdir:
    """A temporary folder with tree files at their tree paths under src/, and
    inc/ holding the installed-name links (inc/md5.h -> src/lib/libmd/md5.h)."""

    def __init__(self, root: Path):
        self.root = root
        self.src = root / "src"
        self.inc = root / "inc"
        self.src.mkdir(parents=True, exist_ok=True)
        self.inc.mkdir(parents=True, exist_ok=True)
        self.written: set[str] = set()
        self.linked: set[str] = set()

    def install(self, names: dict[str, str]) -> None:
        """inc/<installed name> -> src/<tree path>, for headers already put()."""
        for name, path in names.items():
            if name in self.linked:
                continue
            link = self.inc / name
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.exists() and not link.is_symlink():
                link.symlink_to(os.path.relpath(self.src / path, link.parent))
            self.linked.add(name)

    def put(self, tree: Tree | Callable[[str], bytes | None], paths: list[str]) -> None:
        """Write `paths` as `tree` (or a reader such as HeaderSearch.read) has them."""
        read = tree.read if isinstance(tree, Tree) else tree
        for path in paths:
            if path in self.written:
                continue
            data = read(path)
            if data is None:
                continue
            dest = self.src / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            self.written.add(path)

    def system_flags(self) -> list[str]:
        """-isystem for the staged /usr/include."""
        return ["-isystem", str(self.inc)]

    def to_tree_path(self, printed: str) -> str | None:
        """Map a path the compiler printed back to its tree path."""
        try:
            # Compilers run in src/, so relative paths are relative to it.
            real = Path(os.path.realpath(printed if os.path.isabs(printed)
                                         else self.src / printed))
            return real.relative_to(os.path.realpath(self.src)).as_posix()
        except ValueError:
            return None

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
