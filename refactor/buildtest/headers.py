"""Header search as FreeBSD's build sees it, over a Tree, and materialisation.

Files are not on disk in the state a commit makes (plans are made against git
blobs), so a compile gets a temporary folder holding only the translation
units and the headers they include, transitively, that exist in the tree.  The
cost follows the files touched: nothing else of the tree is read.

Installed names.  A FreeBSD build compiles against /usr/include, which
`make includes` fills from the tree.  These tree dirs stand for it, in order,
when they exist: `include/` (libc), `sys/` (<sys/..>, <net/..>, <dev/..>),
`sys/amd64/include` as <machine/..>, `sys/x86/include` as <x86/..>, and the
homes of library headers (`lib/libvmmapi` for <vmmapi.h>, `contrib/libucl/include`
for <ucl.h>, `contrib/libxo` for <libxo/xo.h>, ...).  After them come the
compiler's own system dirs (zig's FreeBSD libc headers for `cross`).

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
from dataclasses import dataclass, field
from pathlib import Path

from refactor.tree import Tree

# (installed prefix, tree dir).  A prefix maps <prefix/x.h> to tree_dir/x.h.
SYSTEM_HOMES: list[tuple[str, str]] = [
    ("", "include"),
    ("machine/", "sys/amd64/include"),
    ("x86/", "sys/x86/include"),
    ("", "sys"),
    ("", "lib/libvmmapi"),
    ("", "lib/libutil"),
    ("", "lib/libcasper"),
    ("", "lib/libnv"),
    ("", "contrib/libucl/include"),
    ("", "contrib/libxo"),
    ("", "contrib/lib9p"),
]
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
    _cache: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.complete is None:
            self.complete = complete_headers(self.tree)

    def _compiler_has(self, name: str) -> bool:
        return any((d / name).is_file() for d in self.compiler_dirs)

    def _tree_ok(self, path: str, name: str) -> bool:
        if not self.tree.exists(path):
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
            candidates.append(posixpath.join(posixpath.dirname(includer), name))
        candidates += [posixpath.join(d, name) if d else name for d in self.include_dirs]
        for path in candidates:
            path = posixpath.normpath(path)
            if not path.startswith("..") and self._tree_ok(path, name):
                found = path
                break
        if found is None:
            for prefix, home in SYSTEM_HOMES:
                if prefix and not name.startswith(prefix):
                    continue
                path = posixpath.normpath(posixpath.join(home, name[len(prefix):]))
                if self._tree_ok(path, name):
                    found = path
                    break
        self._cache[key] = found
        return found

    def closure(self, roots: list[str]) -> list[str]:
        """The roots plus every tree header they include, transitively."""
        seen: dict[str, None] = {}
        todo = list(roots)
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            data = self.tree.read(path)
            if data is None:
                continue
            seen[path] = None
            for kind, name in includes_of(data):
                hit = self.resolve(kind, name, path)
                if hit is not None and hit not in seen:
                    todo.append(hit)
        return list(seen)


class Workdir:
    """A temporary folder with tree files at their tree paths under src/, and
    inc/ holding the installed-name links (machine -> src/sys/amd64/include)."""

    def __init__(self, root: Path):
        self.root = root
        self.src = root / "src"
        self.inc = root / "inc"
        self.src.mkdir(parents=True, exist_ok=True)
        self.inc.mkdir(parents=True, exist_ok=True)
        for prefix, home in SYSTEM_HOMES:
            if prefix:
                link = self.inc / prefix.rstrip("/")
                if not link.exists():
                    link.symlink_to(os.path.relpath(self.src / home, self.inc))
        self.written: set[str] = set()

    def put(self, tree: Tree, paths: list[str]) -> None:
        for path in paths:
            if path in self.written:
                continue
            data = tree.read(path)
            if data is None:
                continue
            dest = self.src / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            self.written.add(path)

    def system_flags(self) -> list[str]:
        """-isystem flags for the tree's installed-name homes, in search order."""
        flags = ["-isystem", str(self.inc)]
        for prefix, home in SYSTEM_HOMES:
            if not prefix:
                flags += ["-isystem", str(self.src / home)]
        return flags

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
