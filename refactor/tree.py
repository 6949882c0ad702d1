"""Lazy, byte-exact views of a source tree.

A Tree reads only the files that rules ask for, so its cost follows the files a
recipe touches, not the size of /usr/src.  Contents are bytes and are never
decoded for storage: Latin-1 files, CRLF and a missing final newline survive.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class Source:
    """Where the bytes of an unchanged file come from."""

    def read(self, path: str) -> bytes | None:
        raise NotImplementedError

    def describe(self) -> str:
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


class GitSource(Source):
    """Blobs of one commit, read through GitPython without any checkout.

    Planning against the commit (not the working tree) is what makes the
    emitted commits exact: they are built on that same commit.
    """

    def __init__(self, repo, commit: str):
        self.repo = repo
        self.commit = repo.commit(commit)

    def read(self, path: str) -> bytes | None:
        try:
            obj = self.commit.tree[path]
        except KeyError:
            return None
        if obj.type != "blob":
            return None
        return obj.data_stream.read()

    def describe(self) -> str:
        return f"{self.repo.working_tree_dir}@{self.commit.hexsha[:12]}"


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

    def view(self, path: str, factory: Callable[[bytes, str], T]) -> T | None:
        """A parsed view of a file, cached by its exact contents.

        `factory(data, path)` builds it, for example a CFile or an MtreeSpec.
        """
        data = self.read(path)
        if data is None:
            return None
        key = ("view", factory, path, hash(data), len(data))
        if key not in self._cache:
            self._cache[key] = factory(data, path)
        return self._cache[key]

    def with_changes(self, changes: Mapping[str, bytes | None]) -> Tree:
        merged = dict(self.changes)
        merged.update({norm(k): v for k, v in changes.items()})
        return Tree(self.source, merged, self._cache)

    def original(self, path: str) -> bytes | None:
        """The file as the source has it, before any change."""
        return Tree(self.source, None, self._cache).read(path)

    def describe(self) -> str:
        return self.source.describe()
