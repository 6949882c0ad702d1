"""The files an operation's `paths` option names: files as they are, directories walked."""

from __future__ import annotations

from collections.abc import Iterable

from refactor.tree import Tree, norm

C_SUFFIXES = (".c", ".h")


def clean(paths: Iterable[str]) -> tuple[str, ...]:
    """Tree-relative, '/'-separated, no trailing slash; "." is the whole tree."""
    return tuple(dict.fromkeys(norm(p.rstrip("/") or ".") for p in paths))


def expand(tree: Tree, paths: Iterable[str], suffixes: tuple[str, ...] = C_SUFFIXES
           ) -> tuple[list[str], list[str]]:
    """(files with one of `suffixes` under `paths`, paths that name nothing in the tree).

    A path naming a file is taken whatever its suffix; a directory is walked.
    """
    files: dict[str, None] = {}
    missing: list[str] = []
    for p in paths:
        root = "" if p == "." else p
        if root and tree.exists(root):
            files.setdefault(root, None)
            continue
        found = [f for f in tree.walk(root) if f.endswith(suffixes)]
        if not found and not (tree.list(root) or tree.subdirs(root)):
            missing.append(p)
        for f in found:
            files.setdefault(f, None)
    return list(files), missing
