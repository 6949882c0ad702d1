"""Lossless views of the non-C files a recipe touches.

Each view parses one format, keeps the exact byte span of everything it
understands, and answers questions or makes byte-span Edits.  None of them
ever re-serialises a whole file, so every byte outside an edit is kept.

- mtree.MtreeSpec: mtree(8) specifications such as etc/mtree/BSD.var.dist
- mdoc.MdocPage: mdoc(7) manual pages such as share/man/man7/hier.7
- makefile.BsdMakefile: bmake Makefiles such as usr.sbin/bhyve/Makefile
"""

from refactor.formats.makefile import Assignment, BsdMakefile, Conditional
from refactor.formats.mdoc import MdocItem, MdocList, MdocPage
from refactor.formats.mtree import MtreeEntry, MtreeSpec

__all__ = [
    "Assignment",
    "BsdMakefile",
    "Conditional",
    "MdocItem",
    "MdocList",
    "MdocPage",
    "MtreeEntry",
    "MtreeSpec",
]
