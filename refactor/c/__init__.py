"""C source: the lossless layer (tree-sitter-c) with macro hints, and renames."""

from refactor.c.hints import DEFAULT_HINTS, mask
from refactor.c.lossless import CFile, Ident, Item, ParseError
from refactor.c.rename import rename_edits

__all__ = ["DEFAULT_HINTS", "CFile", "Ident", "Item", "ParseError", "mask", "rename_edits"]
