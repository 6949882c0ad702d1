"""Rename an identifier everywhere the lossless view sees it, as byte-span edits.

Occurrences come from CFile.identifiers, so they include every #if branch,
macro bodies (tokenised from tree-sitter's raw preproc_arg text) and the
arguments of masked macros such as DATA_SET(set, sym).  Strings and comments
are only touched on request, and then only as whole words.  An edit on a line
the parser could not read is still returned: the planner makes its rule a
conflict (plan._into_parse_error) instead of leaving a rename half done.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from refactor.c.lossless import CFile
from refactor.edits import Edit, replace

_TEXT_NODES = {"string_literal": "string", "system_lib_string": "string",
               "char_literal": "string", "comment": "comment"}


def _text_spans(cfile: CFile, want: set[str]) -> list[tuple[int, int]]:
    """Spans of string literals and/or comments in the parse tree."""
    out = []
    stack = [cfile.tree.root_node]
    while stack:
        node = stack.pop()
        kind = _TEXT_NODES.get(node.type)
        if kind is not None:
            if kind in want:
                out.append((node.start_byte, node.end_byte))
            continue
        stack.extend(node.children)
    return out


def rename_edits(cfile: CFile, old: str, new: str, kinds: Iterable[str] = ("ordinary",),
                 rule: str = "", in_strings: bool = False,
                 in_comments: bool = False) -> list[Edit]:
    """Edits that turn every `old` of the given identifier kinds into `new`."""
    if not re.fullmatch(r"[A-Za-z_]\w*", new):
        raise ValueError(f"not a C identifier: {new!r}")
    text = new.encode("ascii")
    spans = {(e.start, e.end) for e in rename_by_kind(
        cfile, cfile.path, {(old, k): new for k in kinds}, rule)}
    want = ({"string"} if in_strings else set()) | ({"comment"} if in_comments else set())
    if want:
        word = re.compile(rb"(?<![A-Za-z0-9_])" + re.escape(old.encode("ascii")) +
                          rb"(?![A-Za-z0-9_])")
        for s, e in _text_spans(cfile, want):
            for m in word.finditer(cfile.data, s, e):
                spans.add((m.start(), m.end()))
    return [Edit(cfile.path, s, e, text, rule) for s, e in sorted(spans)]


def rename_by_kind(cfile: CFile, path: str, renames: Mapping[tuple[str, str], str],
                   rule: str = "", within: tuple[int, int] | None = None,
                   skip: Iterable[tuple[int, int]] = ()) -> list[Edit]:
    """Edits renaming identifiers by (name, kind) -> new name, in every #if branch.

    Only identifiers starting in `within` (when given) and outside the `skip`
    spans are touched: another rule of the same step may own those bytes.
    """
    skip = list(skip)
    out = []
    for ident in cfile.identifiers:
        new = renames.get((ident.name, ident.kind))
        if new is None or new == ident.name:
            continue
        if within is not None and not within[0] <= ident.start < within[1]:
            continue
        if any(lo <= ident.start < hi for lo, hi in skip):
            continue
        out.append(replace(path, ident.start, ident.end, new, rule))
    return out


def rename(cfile: CFile, old: str, new: str, **kw) -> bytes:
    """The file's bytes with the rename applied (for tests and quick checks)."""
    data = cfile.data
    for e in reversed(rename_edits(cfile, old, new, **kw)):
        data = data[: e.start] + e.text + data[e.end :]
    return data
