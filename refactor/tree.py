"""Lazy, byte-exact views of a source tree.

A Tree reads only the files that rules ask for, so its cost follows the files a
recipe touches, not the size of /usr/src.  Contents are bytes and are never
decoded for storage: Latin-1 files, CRLF and a missing final newline survive.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from refactor.parsecache import ParseCache

T = TypeVar("T")
#: Tree-relative paths.  (Inside class Tree, `list` is its method, so the
#: annotations there use this name.)
Paths = list[str]


class Source:
    """Where the bytes of an unchanged file come from."""

    def read(self, path: str) -> bytes | None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def listdir(self, dir: str) -> tuple[list[str], list[str]] | None:
        """(files, subdirectories) directly in `dir` ("" is the root), None when no such dir."""
        raise NotImplementedError


class DirSource(Source):
    """Files on disk under `root`."""

    def __init__(self, root: Path):
        self.root = root

    def read(self, path: str) -> bytes | None:
        p = self.root / path
        try:
            return p.read_bytes() if p.is_file() else None
        except OSError:
            return None

    def describe(self) -> str:
        return str(self.root)

    def listdir(self, dir: str) -> tuple[list[str], list[str]] | None:
        base = self.root / dir if dir else self.root
        files: list[str] = []
        dirs: list[str] = []
        try:
            with os.scandir(base) as it:
                for entry in it:
                    if entry.name == ".git":
                        continue
                    try:
                        if entry.is_dir():
                            dirs.append(entry.name)
                        elif entry.is_file():
                            files.append(entry.name)
                    except OSError:
                        continue
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError:
            return None
        return files, dirs


class GitSource(Source):
    """Blobs of one commit, read through GitPython without any checkout.

    Planning against the commit (not the working tree) is what makes the
    emitted commits exact: they are built on that same commit.
    """

    def __init__(self, repo, commit: str):
        self.repo = repo
        self.commit = repo.commit(commit)
        # Directory tree objects by path: `commit.tree["a/b/c.h"]` would load
        # "a" and "a/b" from git again for every file read.
        self._dirs: dict[str, object | None] = {"": self.commit.tree}

    def _dir(self, dir: str):
        if dir not in self._dirs:
            parent, _, name = dir.rpartition("/")
            up = self._dir(parent)
            try:
                obj = up[name] if up is not None else None
            except KeyError:
                obj = None
            self._dirs[dir] = obj if obj is not None and obj.type == "tree" else None
        return self._dirs[dir]

    def _entry(self, path: str):
        dir, _, name = path.rpartition("/")
        d = self._dir(dir)
        if d is None:
            return None
        try:
            return d[name]
        except KeyError:
            return None

    def read(self, path: str) -> bytes | None:
        obj = self._entry(path)
        if obj is None or obj.type != "blob":
            return None
        return obj.data_stream.read()

    def describe(self) -> str:
        return f"{self.repo.working_tree_dir}@{self.commit.hexsha[:12]}"

    def listdir(self, dir: str) -> tuple[list[str], list[str]] | None:
        obj = self._dir(dir)
        if obj is None:
            return None
        return [b.name for b in obj.blobs], [t.name for t in obj.trees]


def norm(path: str) -> str:
    """Tree-relative paths always use '/' and no leading './'."""
    p = os.path.normpath(path).replace(os.sep, "/")
    if p.startswith("../") or p == ".." or os.path.isabs(p):
        raise ValueError(f"path escapes the tree: {path}")
    return p


class Tree:
    """A source plus the changes made so far (later steps see earlier ones)."""

    def __init__(self, source: Source, changes: Mapping[str, bytes | None] | None = None,
                 _cache: dict | None = None):
        self.source = source
        self.changes: dict[str, bytes | None] = dict(changes or {})
        # Shared with derived trees: unchanged files are read from the source once.
        self._cache: dict = _cache if _cache is not None else {}

    @classmethod
    def from_dir(cls, root: str | Path) -> Tree:
        return cls(DirSource(Path(root)))

    def read(self, path: str) -> bytes | None:
        path = norm(path)
        if path in self.changes:
            return self.changes[path]
        key = ("bytes", path)
        if key not in self._cache:
            self._cache[key] = self.source.read(path)
        return self._cache[key]

    def exists(self, path: str) -> bool:
        return self.read(path) is not None

    def text(self, path: str) -> str | None:
        """Latin-1 text: one char per byte, so str offsets are byte offsets."""
        data = self.read(path)
        return None if data is None else data.decode("latin-1")

    @property
    def parses(self) -> ParseCache:
        """The run's parse cache, shared with every tree derived from this one."""
        got = self._cache.get("parses")
        if got is None:
            got = self._cache["parses"] = ParseCache()
        return got

    def view(self, path: str, factory: Callable[[bytes, str], T]) -> T | None:
        """A parsed view of a file, cached by its exact contents (in `parses`).

        `factory(data, path)` builds it, for example a CFile or an MtreeSpec.
        """
        data = self.read(path)
        if data is None:
            return None
        return self.parses.view(factory, norm(path), data)

    def with_changes(self, changes: Mapping[str, bytes | None]) -> Tree:
        merged = dict(self.changes)
        merged.update({norm(k): v for k, v in changes.items()})
        return Tree(self.source, merged, self._cache)

    def original(self, path: str) -> bytes | None:
        """The file as the source has it, before any change."""
        return Tree(self.source, None, self._cache).read(path)

    def describe(self) -> str:
        return self.source.describe()

    def list(self, dir: str = "") -> Paths:
        """Tree-relative paths of the files directly in `dir`, changes included, sorted.

        Subdirectories are not listed; `subdirs()` names them.
        """
        files, _ = self._listing(dir)
        return files

    def subdirs(self, dir: str = "") -> Paths:
        """Names of the subdirectories of `dir` (one listing, no walk), changes included."""
        _, dirs = self._listing(dir)
        return dirs

    def walk(self, dir: str = "") -> Iterator[str]:
        """Every file under `dir`, depth first, in sorted order."""
        files, dirs = self._listing(dir)
        yield from files
        for d in dirs:
            yield from self.walk(f"{dir}/{d}" if dir else d)

    def glob(self, pattern: str) -> Paths:
        """Files matching a tree-relative pattern: `*` and `?` stay within one path
        component, `**` matches any number of directories (`usr.sbin/**/*.c`)."""
        parts = norm(pattern).split("/")
        found: Paths = []
        self._glob("", parts, found)
        return sorted(set(found))

    def _glob(self, dir: str, parts: Paths, found: Paths) -> None:
        head, rest = parts[0], parts[1:]
        join = (lambda n: f"{dir}/{n}" if dir else n)  # noqa: E731
        if head == "**":
            if rest:
                self._glob(dir, rest, found)
            else:
                found.extend(self.walk(dir))
            for d in self.subdirs(dir):
                self._glob(join(d), parts, found)
            return
        files, dirs = self._listing(dir)
        if not rest:
            found.extend(f for f in files if fnmatch.fnmatchcase(posixpath.basename(f), head))
            return
        for d in dirs:
            if fnmatch.fnmatchcase(d, head):
                self._glob(join(d), rest, found)

    def _listing(self, dir: str) -> tuple[Paths, Paths]:
        dir = "" if dir in ("", ".") else norm(dir)
        key = ("listdir", dir)
        if key not in self._cache:
            self._cache[key] = self.source.listdir(dir)
        listed = self._cache[key]
        files, dirs = (set(listed[0]), set(listed[1])) if listed else (set(), set())
        prefix = dir + "/" if dir else ""
        for path, data in self.changes.items():
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix):]
            if "/" in rest:
                if data is not None:
                    dirs.add(rest.split("/", 1)[0])
            elif data is None:
                files.discard(rest)
            else:
                files.add(rest)
        return sorted(prefix + f for f in files), sorted(dirs)
