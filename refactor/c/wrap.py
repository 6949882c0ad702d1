"""style(9) line wrapping: break after a comma, continue with four more spaces.

`wrap()` breaks one logical line.  `rewrap()` takes the edits a rule made to a
file and re-flows each statement that an edit pushed past 80 columns -- only
those, so lines that were long before stay as they were.  What cannot be
broken (no comma outside strings and comments) is reported, not hidden.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable

from refactor.edits import Edit

WIDTH = 80
CONTINUATION = b"    "


def width(line: bytes) -> int:
    return len(line.expandtabs(8))


def _breaks(line: bytes) -> list[int]:
    """Offsets just after each `, ` that is outside string, character literals and comments."""
    out, quote, i, n = [], 0, 0, len(line)
    while i < n:
        c = line[i]
        if quote:
            if c == 0x5C:  # backslash
                i += 1
            elif c == quote:
                quote = 0
        elif c in (0x22, 0x27):
            quote = c
        elif line.startswith(b"/*", i):
            end = line.find(b"*/", i + 2)
            i = n if end < 0 else end + 1
        elif line.startswith(b"//", i):
            break
        elif c == 0x2C and line.startswith(b" ", i + 1):
            out.append(i + 1)
        i += 1
    return out


def wrap(line: bytes, limit: int = WIDTH, indent: bytes | None = None) -> bytes:
    """`line` (no newline) broken after commas so each part fits `limit` when it can.

    Continuation lines get the line's own indent plus four spaces (`indent`
    when given).
    """
    if width(line) <= limit:
        return line
    if indent is None:
        indent = line[: len(line) - len(line.lstrip(b" \t"))] + CONTINUATION
    cuts = [0, *_breaks(line), len(line)]
    pieces = [line[lo:hi].strip(b" ") for lo, hi in zip(cuts, cuts[1:], strict=False)]
    out, cur = [], line[: cuts[1]].rstrip(b" ")
    for part in pieces[1:]:
        cand = cur + b" " + part
        if width(cand) > limit:
            out.append(cur)
            cur = indent + part
        else:
            cur = cand
    out.append(cur)
    return b"\n".join(out)


def _lines(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each line, end before its newline."""
    spans, at = [], 0
    while at < len(data):
        nl = data.find(b"\n", at)
        nl = len(data) if nl < 0 else nl
        spans.append((at, nl))
        at = nl + 1
    return spans


def _indent(line: bytes) -> bytes:
    return line[: len(line) - len(line.lstrip(b" \t"))]


def _continues(prev: bytes, line: bytes) -> bool:
    """style(9): a line indented with four spaces after its tabs continues the one before,
    unless that one ended a statement, a block or a comment."""
    return _indent(line).endswith(CONTINUATION) and bool(line.strip()) and \
        bool(prev.strip()) and not prev.rstrip().endswith((b";", b"{", b"}", b"*/", b":"))


def _statement(data: bytes, lines: list[tuple[int, int]], k: int) -> tuple[int, int, bytes]:
    """First and last line index of the statement holding line k, and the indent its
    continuation lines have (or would have: the head's indent and four spaces)."""
    text = [data[lo:hi] for lo, hi in lines]
    head = k
    while head > 0 and _continues(text[head - 1], text[head]):
        head -= 1
    last = head
    while last + 1 < len(text) and _continues(text[last], text[last + 1]):
        last += 1
    cont = _indent(text[head + 1]) if last > head else _indent(text[head]) + CONTINUATION
    return head, last, cont


def _apply(data: bytes, edits: Iterable[Edit]) -> bytes:
    out, at = [], 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out += [data[at : e.start], e.text]
        at = e.end
    return b"".join(out) + data[at:]


def rewrap(read: Callable[[str], bytes | None], edits: list[Edit],
           limit: int = WIDTH) -> tuple[list[Edit], list[str]]:
    """The edits with each statement they pushed past `limit` re-flowed, and a note
    ("path:line is N columns") for each such line that could not be brought back."""
    out: list[Edit] = []
    notes: list[str] = []
    by_path: dict[str, list[Edit]] = {}
    for e in edits:
        by_path.setdefault(e.path, []).append(e)
    for path, mine in by_path.items():
        data = read(path)
        if data is None:
            out += mine  # a new file is laid out by its rule
            continue
        lines = _lines(data)
        starts = [lo for lo, _ in lines]
        done: set[int] = set()
        taken: list[Edit] = []
        for e in sorted(mine, key=lambda e: e.start):
            k = max(bisect_right(starts, e.start) - 1, 0)
            if k in done or not lines:
                continue
            head, last, cont = _statement(data, lines, k)
            done.update(range(head, last + 1))
            lo, hi = lines[head][0], lines[last][1]
            near = [x for x in mine if x.start < hi and lo < x.end or lo <= x.start <= hi]
            # Edits that add or remove lines, or reach past the statement, keep their layout.
            if any(x.start < lo or x.end > hi or b"\n" in x.text or b"\n" in data[x.start:x.end]
                   for x in near):
                continue
            before = data[lo:hi]
            after = _apply(before, [Edit(path, x.start - lo, x.end - lo, x.text) for x in near])
            if all(width(ln) <= limit for ln in after.split(b"\n")) or \
                    any(width(ln) > limit for ln in before.split(b"\n")):
                continue
            flowed = wrap(_join(after, cont), limit, cont)
            for n, ln in enumerate(flowed.split(b"\n")):
                if width(ln) > limit:
                    notes.append(f"{path}:{head + n + 1} is {width(ln)} columns")
            taken += near
            out.append(Edit(path, lo, hi, flowed, near[0].rule))
        out += [x for x in mine if x not in taken]
    return out, notes


def _join(text: bytes, cont: bytes) -> bytes:
    """A statement's lines as one line: each continuation joined with one space
    (none after an opening parenthesis or bracket)."""
    parts = text.split(b"\n")
    out = parts[0].rstrip(b" \t")
    for p in parts[1:]:
        p = p[len(cont):] if p.startswith(cont) else p
        out += (b"" if out.endswith((b"(", b"[")) else b" ") + p.strip(b" \t")
    return out
