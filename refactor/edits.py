"""Byte-span edits, collected per file and checked for overlap before anything is applied.

A rule never writes a file: it returns edits.  Spans are byte offsets into the
file as the rule saw it, so every byte outside an edit is kept as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from refactor.errors import EditConflict


@dataclass(frozen=True)
class Edit:
    """Replace bytes [start, end) of `path` with `text`.  start == end inserts."""

    path: str
    start: int
    end: int
    text: bytes
    rule: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span {self.start}..{self.end} in {self.path}")
        if isinstance(self.text, str):
            raise TypeError("Edit.text must be bytes")

    def overlaps(self, other: Edit) -> bool:
        if self.path != other.path:
            return False
        # Two insertions at one point are ambiguous in order: a conflict too.
        if self.start == self.end == other.start == other.end:
            return True
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class NewFile:
    """Create `path` with `content`; it must not exist yet.

    Its lines take the line ending of its source: the file `eol_from`, or else
    the first file the same rule edits in this set (code moved out of it).
    """

    path: str
    content: bytes
    rule: str = ""
    eol_from: str | None = None


@dataclass(frozen=True)
class RemoveFile:
    path: str
    rule: str = ""


Change = Edit | NewFile | RemoveFile


def eol_of(data: bytes | None) -> bytes | None:
    """CRLF or LF when every line of `data` ends so; None when mixed or without any."""
    if not data:
        return None
    lf, crlf = data.count(b"\n"), data.count(b"\r\n")
    if lf == 0 or crlf not in (0, lf):
        return None
    return b"\r\n" if crlf else b"\n"


def with_eol(text: bytes, eol: bytes | None) -> bytes:
    """`text` with every line ending made `eol` (unchanged when eol is None)."""
    if eol is None or b"\n" not in text:
        return text
    text = text.replace(b"\r\n", b"\n")
    return text if eol == b"\n" else text.replace(b"\n", eol)


def replace(path: str, start: int, end: int, text: bytes | str, rule: str = "") -> Edit:
    """Edit from str or bytes; str is encoded as Latin-1 so each char is one byte."""
    if isinstance(text, str):
        text = text.encode("latin-1")
    return Edit(path, start, end, text, rule)


def insert(path: str, at: int, text: bytes | str, rule: str = "") -> Edit:
    return replace(path, at, at, text, rule)


@dataclass
class EditSet:
    """All changes of one step, from any number of rules."""

    changes: list[Change] = field(default_factory=list)

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def extend(self, changes: Iterable[Change]) -> None:
        for c in changes:
            self.add(c)

    def paths(self) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.changes:
            seen.setdefault(c.path, None)
        return list(seen)

    def check(self) -> None:
        """Raise EditConflict naming both rules when two changes touch the same bytes."""
        by_path: dict[str, list[Change]] = {}
        for c in self.changes:
            by_path.setdefault(c.path, []).append(c)
        for path, changes in by_path.items():
            whole = [c for c in changes if not isinstance(c, Edit)]
            if whole and len(changes) > 1:
                a, b = changes[0], changes[1]
                raise EditConflict(
                    f"rules {a.rule or '?'} and {b.rule or '?'} both change {path}",
                    (a.rule, b.rule),
                )
            edits = sorted((c for c in changes if isinstance(c, Edit)), key=lambda e: e.start)
            for a, b in zip(edits, edits[1:], strict=False):
                if a.overlaps(b):
                    raise EditConflict(
                        f"rules {a.rule or '?'} and {b.rule or '?'} overlap in {path} "
                        f"at bytes {b.start}..{max(a.end, b.end)}",
                        (a.rule, b.rule),
                    )

    def apply(self, read: Callable[[str], bytes | None]) -> dict[str, bytes | None]:
        """New contents of every touched file; None means removed.

        `read(path)` gives the current bytes of a file, or None when it does not exist.
        """
        self.check()
        out: dict[str, bytes | None] = {}
        for path in self.paths():
            changes = [c for c in self.changes if c.path == path]
            first = changes[0]
            if isinstance(first, NewFile):
                if read(path) is not None:
                    raise EditConflict(f"rule {first.rule} creates {path}, which exists",
                                       (first.rule,))
                source = first.eol_from or next(
                    (c.path for c in self.changes if isinstance(c, Edit) and c.rule == first.rule),
                    None)
                out[path] = with_eol(first.content, eol_of(read(source)) if source else None)
                continue
            if isinstance(first, RemoveFile):
                out[path] = None
                continue
            data = read(path)
            if data is None:
                raise EditConflict(f"rule {first.rule} edits {path}, which does not exist",
                                   (first.rule,))
            # check() allows a NewFile or RemoveFile only alone, so these are all Edits.
            edits = [c for c in changes if isinstance(c, Edit)]
            # Inserted lines take the line ending of the file they go into.
            eol = eol_of(data)
            backwards = sorted(edits, key=lambda e: e.start, reverse=True)
            for e in backwards:
                if e.end > len(data):
                    raise EditConflict(f"rule {e.rule} edits past the end of {path}", (e.rule,))
            out[path] = _spliced(data, backwards[::-1], eol)
        return out


def _spliced(data: bytes, edits: list[Edit], eol: bytes | None) -> bytes:
    """`edits` (in file order) applied to data in one pass.

    The same bytes as splicing each edit in from the last to the first, which
    costs the file's size per edit (quadratic on a big file); that is still
    what happens when an edit starts inside the one before it.
    """
    parts: list[bytes] = []
    pos = 0
    for e in edits:
        if e.start < pos:
            break
        parts += [data[pos:e.start], with_eol(e.text, eol)]
        pos = e.end
    else:
        parts.append(data[pos:])
        return b"".join(parts)
    for e in reversed(edits):
        data = data[: e.start] + with_eol(e.text, eol) + data[e.end :]
    return data
