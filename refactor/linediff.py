"""Line diffs whose cost grows with the file, for the patches a plan shows.

difflib's SequenceMatcher is quadratic in the worst case and close to it on a
large generated file with many similar lines: the unified diff of a rename in
a 5 MB file took most of the plan's time.  Files of up to EXACT_UP_TO lines are
diffed by difflib as they always were (the same hunks, byte for byte); longer
ones window by window: difflib on the next WINDOW lines of each side, kept up
to the last run of equal lines, then the next window from there.  A change
spread over less than a window gives the hunks difflib would; the result is a
correct diff in any case.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence

#: Files of up to this many lines are diffed by difflib itself, as before.
EXACT_UP_TO = 2000
#: Lines of each side per window for longer files: small, since difflib is
#: quadratic inside one (a 5 MB rename: 1.3 s at 250 lines, 3.8 s at 1000).
WINDOW = 400
Opcode = tuple[str, int, int, int, int]


def opcodes(a: Sequence, b: Sequence, window: int = WINDOW,
            autojunk: bool = True) -> list[Opcode]:
    """(tag, i1, i2, j1, j2) turning a into b, as SequenceMatcher.get_opcodes gives."""
    if len(a) <= EXACT_UP_TO and len(b) <= EXACT_UP_TO:
        return list(difflib.SequenceMatcher(None, a, b, autojunk=autojunk).get_opcodes())
    out: list[Opcode] = []
    i = j = 0
    while i < len(a) or j < len(b):
        wa, wb = a[i:i + window], b[j:j + window]
        got: list[Opcode] = list(
            difflib.SequenceMatcher(None, wa, wb, autojunk=autojunk).get_opcodes())
        if i + len(wa) >= len(a) and j + len(wb) >= len(b):
            keep = got  # the last window: everything
        else:
            last = max((n for n, op in enumerate(got) if op[0] == "equal" and op[2] > 0),
                       default=None)
            if last is None:
                keep = [("replace", 0, len(wa), 0, len(wb))]  # nothing in common
            else:
                keep = got[:last + 1]
        for tag, i1, i2, j1, j2 in keep:
            if i1 == i2 and j1 == j2:
                continue
            if out and out[-1][0] == tag:  # windows meet inside a run: one opcode
                prev = out.pop()
                out.append((tag, prev[1], i + i2, prev[3], j + j2))
            else:
                out.append((tag, i + i1, i + i2, j + j1, j + j2))
        i += keep[-1][2]
        j += keep[-1][4]
    return out


class _Matcher(difflib.SequenceMatcher):
    """A SequenceMatcher whose opcodes are given, for its grouping into hunks."""

    def __init__(self, ops: list[Opcode]):
        super().__init__(None, [], [])
        self._ops = ops

    def get_opcodes(self):
        return list(self._ops)


def unified_diff(a: list[str], b: list[str], fromfile: str, tofile: str,
                 n: int = 3) -> Iterator[str]:
    """difflib.unified_diff's lines, from opcodes() (the same for short files)."""
    if len(a) <= EXACT_UP_TO and len(b) <= EXACT_UP_TO:
        yield from difflib.unified_diff(a, b, fromfile=fromfile, tofile=tofile, n=n)
        return
    started = False
    for group in _Matcher(opcodes(a, b)).get_grouped_opcodes(n):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield (f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    yield " " + line
                continue
            if tag in ("replace", "delete"):
                for line in a[i1:i2]:
                    yield "-" + line
            if tag in ("replace", "insert"):
                for line in b[j1:j2]:
                    yield "+" + line


def _range(start: int, stop: int) -> str:
    """A hunk range as unified diff writes it (difflib's _format_range_unified)."""
    beginning = start + 1
    length = stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"
