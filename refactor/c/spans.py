"""Byte spans of C source: lines, items with their comments and blank lines, cuts.

Everything here works on the bytes of a file and the items of its lossless view
(refactor.c.lossless), so that what an edit cuts or copies is the source byte for
byte: an item comes with the comment above it, and a cut keeps the blank lines
between paragraphs right.
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_left
from collections.abc import Iterable

from refactor.c.lossless import CFile, Ident, Item
from refactor.edits import Edit, replace
from refactor.formats.lines import tab_column

Span = tuple[int, int]


def line_start(data: bytes, pos: int) -> int:
    return data.rfind(b"\n", 0, pos) + 1


def line_end(data: bytes, pos: int) -> int:
    """Just past the line break of the line holding pos - 1 (pos itself if it ends a line)."""
    if pos > 0 and data[pos - 1 : pos] == b"\n":
        return pos
    i = data.find(b"\n", pos)
    return len(data) if i < 0 else i + 1


def line_of(data: bytes, pos: int) -> Span:
    """The whole line holding pos, with its line break."""
    lo = data.rfind(b"\n", 0, pos) + 1
    nl = data.find(b"\n", pos)
    return lo, len(data) if nl < 0 else nl + 1


def has_blank_line(gap: bytes, at_line_start: bool = True) -> bool:
    """Whether whitespace between two spans holds an empty line.

    A gap that starts mid-line (just after a token) first ends that line.
    """
    lines = gap.split(b"\n")[:-1]
    if not at_line_start:
        lines = lines[1:]
    return any(not ln.strip() for ln in lines)


def inside(pos: int, spans: Iterable[Span]) -> bool:
    return any(lo <= pos < hi for lo, hi in spans)


def splice(data: bytes, lo: int, hi: int, edits: Iterable[tuple[int, int, bytes]]) -> bytes:
    """data[lo:hi] with edits (absolute, disjoint spans) applied."""
    out = data[lo:hi]
    for s, e, t in sorted(edits, reverse=True):
        if lo <= s <= e <= hi:
            out = out[: s - lo] + t + out[e - lo :]
    return out


def whole_lines(data: bytes, start: int, end: int) -> Span:
    """[start, end) grown to whole lines when nothing else shares those lines."""
    lo = data.rfind(b"\n", 0, start) + 1
    if end > start and data[end - 1 : end] == b"\n":
        hi = end  # the span ends with its own line break
    else:
        nl = data.find(b"\n", end)
        hi = len(data) if nl < 0 else nl + 1
    if data[lo:start].strip() or data[end:hi].strip():
        return start, end
    return lo, hi


def trailing_comment_end(data: bytes, end: int) -> int:
    """End of a `/* ... */` comment that follows `end` on the same line, else end."""
    m = re.match(rb"[ \t]*/\*.*?\*/", data[end : data.find(b"\n", end) % (len(data) + 1)])
    return end + m.end() if m else end


def column(data: bytes, pos: int) -> int:
    """Display column of `pos`, with 8-column tabs."""
    return tab_column(data[data.rfind(b"\n", 0, pos) + 1 : pos].decode("latin-1"))


def indent_of(data: bytes, pos: int) -> str:
    """The blanks that start the line holding pos."""
    lo = data.rfind(b"\n", 0, pos) + 1
    hi = lo
    while hi < len(data) and data[hi] in (9, 32):
        hi += 1
    return data[lo:hi].decode("latin-1")


def indent_before(data: bytes, pos: int) -> bytes:
    """What precedes pos on its line when that is only blanks, else one tab."""
    ls = line_start(data, pos)
    return data[ls:pos] if not data[ls:pos].strip() else b"\t"


def idents_between(cf: CFile, lo: int, hi: int) -> list[Ident]:
    """The identifiers starting in [lo, hi), found by bisection: linear work over a
    file however many spans are asked about."""
    idents, starts = _by_start(cf)
    return idents[bisect_left(starts, lo) : bisect_left(starts, hi)]


_BY_START: weakref.WeakKeyDictionary[CFile, tuple[list[Ident], list[int]]] = \
    weakref.WeakKeyDictionary()


def _by_start(cf: CFile) -> tuple[list[Ident], list[int]]:
    hit = _BY_START.get(cf)
    if hit is None:
        idents = sorted(cf.identifiers, key=lambda i: i.start)
        hit = (idents, [i.start for i in idents])
        _BY_START[cf] = hit
    return hit


def names_between(cf: CFile, lo: int, hi: int, kinds: tuple[str, ...] = ("ordinary",)) -> set[str]:
    return {i.name for i in idents_between(cf, lo, hi) if i.kind in kinds}


def delete_lines(cf: CFile, path: str, start: int, end: int, rule: str) -> Edit:
    """Cut [start, end) and a comment after it on its line, as whole lines when alone there."""
    lo, hi = whole_lines(cf.data, start, trailing_comment_end(cf.data, end))
    return replace(path, lo, hi, b"", rule)


def delete_span(cf: CFile, path: str, start: int, end: int, rule: str) -> Edit:
    """Cut a statement's lines, and a blank line that would be left doubled or before a '}'."""
    data = cf.data
    lo, hi = whole_lines(data, start, end)
    if (lo, hi) == (start, end) and data[lo - 1 : lo] not in (b"", b"\n"):
        return replace(path, lo, hi, b"", rule)  # shares its line: just the statement
    prev_lo, _ = line_of(data, lo - 1) if lo > 0 else (0, 0)
    prev = data[prev_lo:lo].strip()
    nxt = data[hi : line_of(data, hi)[1]].strip() if hi < len(data) else b""
    if lo > 0 and not prev and (not nxt or nxt.startswith(b"}")):
        lo = prev_lo
    return replace(path, lo, hi, b"", rule)


def delete_items(cf: CFile, doomed: list[Item], path: str, rule: str) -> list[Edit]:
    """Edits cutting out items, with the blank lines between paragraphs kept right.

    Consecutive doomed items (siblings under the same #if, or at top level) form
    a run.  A run that was a paragraph of its own goes with the blank line above
    it; a run at the top of a paragraph whose rest stays leaves that blank line
    to the rest.
    """
    def parent_of(it: Item) -> int:
        return it.parent.index if it.parent is not None else -1

    doomed_ids = {id(d) for d in doomed}
    edits = []
    for parent_index in dict.fromkeys(parent_of(it) for it in doomed):
        sibs = [it for it in cf.items if parent_of(it) == parent_index]
        i = 0
        while i < len(sibs):
            if id(sibs[i]) not in doomed_ids:
                i += 1
                continue
            j = i
            while j + 1 < len(sibs) and id(sibs[j + 1]) in doomed_ids:
                j += 1
            first, last = sibs[i], sibs[j]
            nxt = sibs[j + 1] if j + 1 < len(sibs) else None
            start = first.full_start
            if nxt is not None and nxt.full_start == nxt.lead_start:
                start = first.lead_start
            edits.append(replace(path, start, last.end, b"", rule))
            i = j + 1
    return edits


def join_items(data: bytes, items: list[Item], edits: Iterable[tuple[int, int, bytes]] = ()
               ) -> bytes:
    """The items' text (with their comments) in order, each paragraph after a blank line;
    items that were on consecutive lines stay so.  `edits` (absolute spans) apply inside."""
    edits = list(edits)
    out = b""
    prev = None
    for it in items:
        if prev is None or has_blank_line(data[prev.end : it.lead_start]):
            out += b"\n"
        out += splice(data, it.lead_start, it.end, edits)
        prev = it
    return out


def licence_block(data: bytes) -> bytes:
    """The comment that opens a file (its licence), with its line break."""
    m = re.match(rb"/\*.*?\*/[ \t]*\r?\n", data, re.S)
    return m.group(0) if m else b""


def cdefs_lines(data: bytes) -> bytes:
    """A file's `#include <sys/cdefs.h>` and `__FBSDID(...)` lines, in that order."""
    m = re.search(rb"^#include[ \t]*<sys/cdefs\.h>[^\n]*\n", data, re.M)
    f = re.search(rb"^__FBSDID\([^\n]*\n", data, re.M)
    return (m.group(0) if m else b"") + (f.group(0) if f else b"")


def uses_between(cf: CFile, name: str, lo: int = 0, hi: int | None = None) -> list[Ident]:
    """Uses of `name` as a variable, function or macro in [lo, hi)."""
    hi = len(cf.data) if hi is None else hi
    return [i for i in idents_between(cf, lo, hi) if i.name == name
            and i.kind in ("ordinary", "macro")]
