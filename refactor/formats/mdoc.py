"""Lossless view of the nested tag lists of an mdoc(7) page such as hier(7).

hier(7) describes the file system as lists inside list items:

    .It Pa /var/
    multi-purpose log, temporary, transient, and spool files
    .Pp
    .Bl -tag -width "preserve/" -compact
    .It Pa run/
    ...
    .El

This module finds every `.Bl`/`.It`/`.El` with its line span, gives each item a
path ("/var/run/") from the items it sits in, and inserts a new item as whole
lines in sorted place.  Comment lines (`.\\"`) are skipped, so commented-out
items are never matched.
"""

from __future__ import annotations

import datetime
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from refactor.edits import Edit, insert
from refactor.formats.lines import split_lines


class MdocError(ValueError):
    """The page cannot be edited as asked (no such item, item exists, ...)."""


def _macro(text: str) -> tuple[str, str] | None:
    """(macro, rest) of a control line; None for text lines and comments."""
    text = text.rstrip("\r")
    if not text or text[0] not in ".'":
        return None
    body = text[1:].lstrip(" \t")
    if body.startswith('\\"') or not body:
        return None
    name, _, rest = body.partition(" ")
    if "\t" in name:
        name, _, more = name.partition("\t")
        rest = more + (" " + rest if rest else "")
    return name, rest.strip()


def _norm(path: str) -> str:
    return path.rstrip("/") or "/"


# Macros that mark up the head of a hier(7) item ("Pa run/"); old pages use Li.
_HEAD_MACROS = {"Pa", "Li", "Ar", "Cm", "Fa", "Sy", "Nm"}


@dataclass
class MdocItem:
    line: int  # index of the `.It` line
    head: str  # text after `.It`
    macro: str  # "Pa", "Li", ... or "" for a plain head
    name: str  # "run/"
    path: str  # "/var/run/"
    owner: MdocList
    body_end: int = -1  # index of the line after the body (next .It or .El)
    lists: list[MdocList] = field(default_factory=list)


@dataclass
class MdocList:
    line: int  # index of the `.Bl` line
    args: str  # "-tag -width Fl -compact"
    parent: MdocItem | None
    items: list[MdocItem] = field(default_factory=list)
    end_line: int = -1  # index of the `.El` line


def _head_name(head: str) -> tuple[str, str]:
    words = head.split()
    if not words:
        return "", ""
    if words[0] in _HEAD_MACROS and len(words) > 1:
        return words[0], words[1].strip('"')
    return "", words[0].strip('"')


def _key(name: str) -> tuple[str, str]:
    bare = name.rstrip("/")
    return bare.lower(), bare


class MdocPage:
    """The lists and items of an mdoc page.  `problems` lists unbalanced `.Bl`/`.El`."""

    def __init__(self, data: bytes, path: str = ""):
        self.data = data
        self.path = path
        self.text = data.decode("latin-1")
        self.lines = split_lines(self.text)
        self.lists: list[MdocList] = []
        self.items: list[MdocItem] = []
        self.problems: list[str] = []
        self._parse()

    @classmethod
    def parse(cls, data: bytes, path: str = "") -> MdocPage:
        return cls(data, path)

    def _parse(self) -> None:
        stack: list[MdocList] = []
        for i, line in enumerate(self.lines):
            m = _macro(line.text)
            if m is None:
                continue
            name, rest = m
            if name == "Bl":
                parent = stack[-1].items[-1] if stack and stack[-1].items else None
                lst = MdocList(i, rest, parent)
                if parent is not None:
                    parent.lists.append(lst)
                self.lists.append(lst)
                stack.append(lst)
            elif name == "It":
                if not stack:
                    self.problems.append(f"line {i + 1}: .It outside a list")
                    continue
                owner = stack[-1]
                if owner.items:
                    owner.items[-1].body_end = i
                macro, item_name = _head_name(rest)
                base = owner.parent.path if owner.parent else ""
                path = item_name if item_name.startswith("/") or not base else (
                    base.rstrip("/") + "/" + item_name
                )
                item = MdocItem(i, rest, macro, item_name, path, owner)
                owner.items.append(item)
                self.items.append(item)
            elif name == "El":
                if not stack:
                    self.problems.append(f"line {i + 1}: .El without .Bl")
                    continue
                lst = stack.pop()
                lst.end_line = i
                if lst.items:
                    lst.items[-1].body_end = i
        for lst in stack:
            self.problems.append(f"line {lst.line + 1}: .Bl is never closed by .El")

    # -- queries ----------------------------------------------------------

    def find_item(self, path: str) -> MdocItem | None:
        """The item for `path` ("/var/run/" or "/var/run"), outside comments."""
        want = _norm(path)
        return next((it for it in self.items if _norm(it.path) == want), None)

    def children(self, path: str) -> list[MdocItem]:
        """Items of the lists in the body of the item at `path`."""
        item = self.find_item(path)
        return [c for lst in item.lists for c in lst.items] if item else []

    def has_item(self, parent_path: str, name: str) -> bool:
        want = _norm(name)
        return any(_norm(c.name) == want for c in self.children(parent_path))

    # -- edits ------------------------------------------------------------

    def _eol(self) -> str:
        return next((ln.eol for ln in self.lines if ln.next > ln.end), "\n")

    def _offset(self, line_index: int) -> int:
        return self.lines[line_index].start if line_index < len(self.lines) else len(self.data)

    def _is_pp(self, index: int) -> bool:
        m = _macro(self.lines[index].text) if 0 <= index < len(self.lines) else None
        return m is not None and m[0] == "Pp"

    def _new_list_style(self, parent: MdocItem) -> tuple[str, bool]:
        """(`.Bl` line, whether a `.Pp` precedes it) as the parent's siblings write them."""
        near = [lst for it in parent.owner.items for lst in it.lists[:1]]
        if not near:
            near = [lst for lst in self.lists if lst.parent is not None and "-compact" in lst.args]
        if not near:
            return ".Bl -tag -width Fl -compact", False
        bl = Counter(self.lines[lst.line].text.rstrip("\r").rstrip() for lst in near)
        with_pp = sum(1 for lst in near if self._is_pp(lst.line - 1))
        return bl.most_common(1)[0][0], with_pp * 2 > len(near)

    def add_item(self, parent_path: str, name: str, description: str, rule: str = "") -> Edit:
        """An Edit adding `.It Pa name` with `description` under the item at `parent_path`.

        The item goes before the first sibling that sorts after it (ignoring
        case and a trailing slash), with the sibling's head macro.  When the
        parent has no list yet, one is made after its text, in the style its
        own siblings use for their lists.
        """
        parent = self.find_item(parent_path)
        if parent is None:
            raise MdocError(f"{self.path or 'page'}: no item {parent_path!r}")
        if self.has_item(parent_path, name):
            raise MdocError(f"{self.path or 'page'}: {parent_path} already lists {name}")
        eol = self._eol()
        desc = [ln.rstrip() for ln in description.strip("\n").split("\n")]
        if parent.lists:
            lst = parent.lists[0]
            later = [s for s in lst.items if _key(s.name) > _key(name)]
            at = self._offset(later[0].line if later else lst.end_line)
            macros = Counter(s.macro for s in lst.items)
            macro = macros.most_common(1)[0][0] if macros else "Pa"
            new = [f".It {macro} {name}" if macro else f".It {name}", *desc]
        else:
            # After the last line of the parent's text, before trailing .Pp lines.
            last = parent.body_end - 1
            while last > parent.line and (
                self._is_pp(last) or not self.lines[last].text.strip()
            ):
                last -= 1
            at = self.lines[last].next
            bl, pp = self._new_list_style(parent)
            macro = parent.macro or "Pa"
            new = [*([".Pp"] if pp else []), bl, f".It {macro} {name}", *desc, ".El"]
        text = "".join(ln + eol for ln in new)
        if at == len(self.data) and self.data and not self.text.endswith("\n"):
            text = eol + text
        return insert(self.path, at, text, rule)


# -- the page's date ------------------------------------------------------

_MAN_PAGE = re.compile(r"\.[1-9][a-z]*$")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def mdoc_date(day: datetime.date) -> str:
    """`.Dd`'s form, as FreeBSD writes it: "January 5, 2021"."""
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def commit_date() -> datetime.date:
    """The date a commit made now gets: SOURCE_DATE_EPOCH (UTC) when set, so a
    run can be reproduced, else today in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    when = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC) \
        if epoch.isdigit() else datetime.datetime.now(datetime.UTC)
    return when.date()


def set_date(data: bytes, day: datetime.date) -> bytes | None:
    """The page with its `.Dd` line saying `day`; None when it has no `.Dd`
    (a man(7) page, or not a page at all).  Only that line changes."""
    for line in split_lines(data.decode("latin-1")):
        m = _macro(line.text)
        if m is not None and m[0] == "Dd":
            end = line.start + len(line.text.rstrip("\r"))
            return data[:line.start] + f".Dd {mdoc_date(day)}".encode() + data[end:]
    return None


def is_man_page(path: str) -> bool:
    """A manual page by its name: foo.8, hier.7, vmm.4, foo.3lua."""
    return bool(_MAN_PAGE.search(PurePosixPath(path).name))


def date_changed_pages(old_read, changes: dict[str, bytes | None],
                       day: datetime.date) -> dict[str, bytes]:
    """The changed mdoc pages of `changes` whose content, besides `.Dd`, changed,
    with `.Dd` set to `day`: a page's date says when it last changed."""
    out = {}
    for path, data in changes.items():
        old = old_read(path)
        if data is None or old is None or not is_man_page(path):
            continue
        dated, was = set_date(data, day), set_date(old, day)
        if dated is not None and dated != was:
            out[path] = dated
    return out
