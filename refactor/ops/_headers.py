"""Tree headers a C file includes, and the names they declare (for rename and include).

The lookups live in refactor/c/includes.py with the rest of the C toolkit's
#include handling; this module keeps the names the operations import.
"""

from __future__ import annotations

from refactor.c.includes import DEFAULT_SEARCH, declared, reachable, resolve_include
from refactor.tree import Tree

__all__ = ["DEFAULT_SEARCH", "declared", "reachable", "resolve"]


def resolve(tree: Tree, includer: str, spelled: str, search: tuple[str, ...]) -> str | None:
    """The tree path of `#include <x.h>` or `"x.h"` in `includer`, None when not in the tree."""
    return resolve_include(tree, spelled, includer, search)
