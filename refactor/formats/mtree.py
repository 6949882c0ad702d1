"""Lossless view of an mtree(8) specification such as etc/mtree/BSD.var.dist.

The BSD.*.dist files describe a directory hierarchy: `/set` lines give default
keywords, `.` is the root, every directory entry is followed by its children
and closed by a `..` line, and nesting is shown by indentation (four spaces a
level today, tabs in older files).  This module keeps the byte span of every
entry and of its closing `..`, so a new directory can be inserted as two lines
in sorted place without touching any other byte.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from refactor.edits import Edit, insert
from refactor.formats.lines import Line, split_lines, tab_column


class MtreeError(ValueError):
    """The spec cannot be edited as asked (missing parent, duplicate entry, ...)."""


def _parse_keywords(words: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for w in words:
        key, _, value = w.partition("=")
        out[key] = value
    return out


@dataclass
class MtreeEntry:
    """One entry line; directories also own the span of their closing `..`."""

    name: str
    path: str  # relative to the root: "run/ppp"; the root itself is "."
    keywords: dict[str, str]  # written on the entry's own line, in order
    settings: dict[str, str]  # `/set` defaults in effect at the entry
    indent: str
    start: int = -1  # entry line (first physical line); -1 for an implicit root
    line_end: int = -1  # after the entry line's break
    option_col: int = -1  # offset of the first keyword within the line, or -1
    close_start: int = -1  # the `..` line, for directories
    close_end: int = -1
    parent: MtreeEntry | None = None
    children: list[MtreeEntry] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.keywords.get("type") or self.settings.get("type") or "file"

    @property
    def is_dir(self) -> bool:
        return self.type == "dir"

    @property
    def end(self) -> int:
        """End of everything the entry covers (its `..` line for a directory)."""
        return self.close_end if self.close_end >= 0 else self.line_end

    def effective(self) -> dict[str, str]:
        """Keywords that apply: `/set` defaults overridden by the entry's own."""
        return {**self.settings, **self.keywords}

    def child(self, name: str) -> MtreeEntry | None:
        for c in self.children:
            if c.name == name:
                return c
        return None


class MtreeSpec:
    """A parsed mtree spec.  `problems` lists structural faults (unbalanced `..`)."""

    def __init__(self, data: bytes, path: str = ""):
        self.data = data
        self.path = path
        self.text = data.decode("latin-1")
        self.lines = split_lines(self.text)
        self.root = MtreeEntry(".", ".", {}, {}, "")
        self.problems: list[str] = []
        # (offset after a /set or /unset line, settings from there on)
        self._set_points: list[tuple[int, dict[str, str]]] = [(0, {})]
        self._parse()

    @classmethod
    def parse(cls, data: bytes, path: str = "") -> MtreeSpec:
        return cls(data, path)

    # -- parsing ----------------------------------------------------------

    def _logical_lines(self) -> Iterator[tuple[Line, int, str]]:
        """(first physical line, end after the last line break, joined text)."""
        i = 0
        while i < len(self.lines):
            first = self.lines[i]
            parts = [first.text.rstrip("\r")]
            while parts[-1].endswith("\\") and i + 1 < len(self.lines):
                parts[-1] = parts[-1][:-1]
                i += 1
                parts.append(self.lines[i].text.rstrip("\r"))
            yield first, self.lines[i].next, " ".join(parts)
            i += 1

    def _parse(self) -> None:
        settings: dict[str, str] = {}
        stack: list[MtreeEntry] = [self.root]
        for line, end, text in self._logical_lines():
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            words = stripped.split()
            lineno = self.text.count("\n", 0, line.start) + 1
            if words[0] == "/set":
                settings = {**settings, **_parse_keywords(words[1:])}
                self._set_points.append((end, settings))
                continue
            if words[0] == "/unset":
                settings = {} if "all" in words[1:] else {
                    k: v for k, v in settings.items() if k not in words[1:]
                }
                self._set_points.append((end, settings))
                continue
            if words == [".."]:
                if len(stack) == 1 and stack[0].close_start >= 0:
                    self.problems.append(f"line {lineno}: `..` with no open directory")
                    continue
                top = stack[0] if len(stack) == 1 else stack.pop()
                top.close_start, top.close_end = line.start, end
                continue
            indent = text[: len(text) - len(text.lstrip())]
            name = words[0]
            col = text.find(words[1], len(indent) + len(name)) if len(words) > 1 else -1
            entry = MtreeEntry(
                name=name, path="", keywords=_parse_keywords(words[1:]),
                settings=dict(settings), indent=indent, start=line.start, line_end=end,
                option_col=col,
            )
            if name == "." and len(stack) == 1 and self.root.start < 0:
                # The explicit root takes the place of the implicit one.
                entry.path, entry.children = ".", self.root.children
                self.root = stack[0] = entry
                continue
            parent = stack[-1]
            if parent.close_start >= 0:
                self.problems.append(f"line {lineno}: entry {name} after the root was closed")
            entry.parent = parent
            entry.path = name if parent.path == "." else f"{parent.path}/{name}"
            parent.children.append(entry)
            if entry.is_dir:
                stack.append(entry)
        for open_dir in stack:
            if open_dir.start >= 0 and open_dir.close_start < 0:
                self.problems.append(f"directory {open_dir.path} is never closed by `..`")

    # -- queries ----------------------------------------------------------

    def find(self, path: str) -> MtreeEntry | None:
        """The entry at `path` relative to the root ("run", "./run/ppp", "." for the root)."""
        parts = [p for p in path.strip("/").split("/") if p not in ("", ".")]
        node: MtreeEntry | None = self.root
        for part in parts:
            node = node.child(part) if node else None
        return node

    def directories(self) -> Iterator[str]:
        """Every directory path below the root, parents before children."""

        def walk(entry: MtreeEntry) -> Iterator[str]:
            for c in entry.children:
                if c.is_dir:
                    yield c.path
                    yield from walk(c)

        yield from walk(self.root)

    def make_hierarchy(self, root: Path) -> list[Path]:
        """Create every directory of the spec under `root` (modes and owners are not set)."""
        made = []
        for rel in self.directories():
            p = Path(root) / rel
            p.mkdir(parents=True, exist_ok=True)
            made.append(p)
        return made

    def settings_at(self, offset: int) -> dict[str, str]:
        """The `/set` defaults in effect for a line starting at `offset`."""
        i = bisect.bisect_right([p for p, _ in self._set_points], offset) - 1
        return self._set_points[i][1]

    # -- edits ------------------------------------------------------------

    def _indent_unit(self) -> str:
        def walk(entry: MtreeEntry) -> str | None:
            for c in entry.children:
                if entry.start >= 0 and len(c.indent) > len(entry.indent):
                    return c.indent[len(entry.indent):]
                found = walk(c)
                if found:
                    return found
            return None

        return walk(self.root) or "    "

    def _eol(self) -> str:
        for line in self.lines:
            if line.next > line.end:
                return line.eol
        return "\n"

    def _separator(self, name: str, near: list[MtreeEntry]) -> str:
        """Blank space between a name and its keywords, in the style of `near` entries.

        BSD.var.dist puts keywords at a fixed column counted from the entry's
        indent; older specs put a single tab.
        """
        ref = next((e for e in near if e.option_col >= 0), None)
        if ref is None:
            ref = next((e for e in self._all_entries() if e.option_col >= 0), None)
        if ref is None:
            return " "
        line = self.text[ref.start:ref.line_end]
        gap = line[len(ref.indent) + len(ref.name):ref.option_col]
        if "\t" in gap:
            return "\t"
        width = tab_column(line[:ref.option_col]) - tab_column(ref.indent)
        return " " * max(1, width - len(name))

    def _all_entries(self) -> Iterator[MtreeEntry]:
        def walk(entry: MtreeEntry) -> Iterator[MtreeEntry]:
            for c in entry.children:
                yield c
                yield from walk(c)

        yield from walk(self.root)

    def add_dir(self, parent_path: str, name: str, options: str = "", rule: str = "") -> Edit:
        """An Edit adding directory `name` under `parent_path` in sorted place.

        It is written as the file writes leaf directories: the entry line and
        a `..` line at the same indent.  It goes right after the sibling that
        sorts before it (or right before the first sibling), so it falls under
        the same `/set` defaults as its neighbours.
        """
        parent = self.find(parent_path)
        if parent is None or not parent.is_dir:
            raise MtreeError(f"{self.path or 'spec'}: no directory {parent_path!r}")
        if parent.child(name) is not None:
            raise MtreeError(f"{self.path or 'spec'}: {parent_path}/{name} exists already")
        siblings = parent.children
        after = [s for s in siblings if (s.name.lower(), s.name) < (name.lower(), name)]
        if after:
            at = after[-1].end
        elif siblings:
            at = siblings[0].start
        elif parent.close_start >= 0:
            at = parent.close_start
        else:
            at = len(self.data)
        if siblings:
            indent = siblings[0].indent
        else:
            indent = (parent.indent if parent.start >= 0 else "") + self._indent_unit()
        opts = options.strip()
        if self.settings_at(at).get("type") != "dir" and "type=dir" not in opts.split():
            opts = f"type=dir {opts}".strip()
        eol = self._eol()
        entry = indent + name
        if opts:
            entry += self._separator(name, siblings) + opts
        text = f"{entry}{eol}{indent}..{eol}"
        if at == len(self.data) and self.data and not self.text.endswith("\n"):
            text = eol + text
        return insert(self.path, at, text, rule)
