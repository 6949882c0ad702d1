"""Lossless view of the variable assignments of a BSD (bmake) Makefile.

FreeBSD Makefiles list sources in two styles: one word a line, each line
ending in a backslash aligned with tabs (`SRCS=<tab>\\`, `<tab>atkbdc.c<tab><tab>\\`,
..., `<tab>iov.c`), or words separated by spaces (`SRCS+=<tab>pci_uart.c post.c`),
and put optional parts under `.if ${MK_BHYVE_SNAPSHOT} != "no"` ... `.endif`.
This module records every assignment with its operator, its words with exact
byte spans, and the conditions it sits under, and makes byte-span Edits that
add or remove one word in the list's own style, or add one assignment line.
Lines that start with a tab are shell commands of a target and are skipped.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from refactor.edits import Edit, insert, replace
from refactor.formats.lines import split_lines, tab_column


class MakefileError(ValueError):
    """The Makefile cannot be edited as asked (no such list, word missing, ...)."""


def _continued(content: str) -> bool:
    # An odd number of trailing backslashes continues the line.
    return (len(content) - len(content.rstrip("\\"))) % 2 == 1


def _squeeze(s: str) -> str:
    return " ".join(s.split())


_ASSIGN = re.compile(r"(?P<var>[^\s=:!?+#]+)\s*(?P<op>\+=|\?=|:=|!=|=)")
_DIRECTIVE = re.compile(r"\.\s*(?P<name>-?[a-z]+)\b\s*(?P<rest>.*)")
_OPENERS = {"if", "ifdef", "ifndef", "ifmake", "ifnmake", "for"}
_BRANCHES = {"elif", "elifdef", "elifndef", "elifmake", "elifnmake", "else"}
_CLOSERS = {"endif", "endfor"}


@dataclass(frozen=True)
class Condition:
    """One level of `.if`/`.for` nesting as the branch an assignment is in."""

    directive: str  # "if", "ifdef", "elif", "else", "for", ...
    expr: str  # the expression; for "else" the expression of the `.if`
    negated: bool = False  # True in the `.else` branch

    def __str__(self) -> str:
        return f".else (of .if {self.expr})" if self.negated else f".{self.directive} {self.expr}"

    def matches(self, want: str) -> bool:
        """True when `want` (e.g. 'MK_BHYVE_SNAPSHOT') is part of a positive branch."""
        return not self.negated and _squeeze(want) in _squeeze(self.expr)


@dataclass
class Conditional:
    """A `.if` ... `.endif` (or `.for` ... `.endfor`) block, by line indices."""

    directive: str
    expr: str
    line: int
    branch_lines: list[int] = field(default_factory=list)  # .elif / .else lines
    end_line: int = -1
    parent: Conditional | None = None

    def first_branch_end(self) -> int:
        """Index of the line that ends the `.if` branch (.elif, .else or .endif)."""
        return self.branch_lines[0] if self.branch_lines else self.end_line


@dataclass
class Word:
    text: str
    start: int
    end: int
    line: int  # index of the physical line


@dataclass
class Assignment:
    var: str
    op: str
    start: int
    next: int  # after the last line break
    op_end: int  # offset right after the operator
    value_start: int  # first byte of the value (after the blank after the operator)
    lines: list[int]  # physical line indices
    words: list[Word]
    conditions: tuple[Condition, ...]
    block: Conditional | None  # innermost block

    @property
    def values(self) -> list[str]:
        return [w.text for w in self.words]


def _words(text: str, base: int, line: int) -> list[Word]:
    """Whitespace-separated words, keeping `${...}` with blanks inside as one word."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text[i] in " \t":
            i += 1
            continue
        if text[i] == "#":
            break
        j, depth = i, 0
        while j < n and (depth or text[j] not in " \t#"):
            if text[j] == "\\" and j + 1 < n:
                j += 2
                continue
            if text[j] in "({":
                depth += 1
            elif text[j] in ")}" and depth:
                depth -= 1
            j += 1
        out.append(Word(text[i:j], base + i, base + j, line))
        i = j
    return out


def _key(word: str) -> tuple[str, str]:
    return word.lower(), word


def _sorted_place(words: list[str], word: str) -> int:
    """Index to insert `word` at: its sorted place in a sorted list.

    Real lists are only mostly sorted (LIBADD is in link order), so this takes
    the place that leaves the fewest words out of order around the new one,
    the last such place on a tie.
    """
    key = _key(word)
    best, best_cost = 0, None
    for place in range(len(words) + 1):
        cost = sum(_key(w) > key for w in words[:place]) + sum(_key(w) < key for w in words[place:])
        if best_cost is None or cost <= best_cost:
            best, best_cost = place, cost
    return best


class BsdMakefile:
    """Assignments and conditional blocks of a bmake Makefile."""

    def __init__(self, data: bytes, path: str = ""):
        self.data = data
        self.path = path
        self.text = data.decode("latin-1")
        self.lines = split_lines(self.text)
        self.all_assignments: list[Assignment] = []
        self.conditionals: list[Conditional] = []
        self.includes: list[tuple[int, str]] = []  # (line index, what follows .include)
        self.problems: list[str] = []
        self._parse()

    @classmethod
    def parse(cls, data: bytes, path: str = "") -> BsdMakefile:
        return cls(data, path)

    def _parse(self) -> None:
        stack: list[tuple[Conditional, Condition]] = []
        i = 0
        while i < len(self.lines):
            first = i
            while _continued(self.lines[i].content) and i + 1 < len(self.lines):
                i += 1
            group = list(range(first, i + 1))
            i += 1
            line = self.lines[first]
            content = line.content
            if content.startswith("\t") or not content.strip():
                continue
            stripped = content.lstrip(" ")
            if stripped.startswith("#"):
                continue
            d = _DIRECTIVE.match(stripped)
            if d:
                self._directive(d["name"], d["rest"], first, stack)
                continue
            m = _ASSIGN.match(stripped)
            if m:
                self._assignment(m, group, line.start + len(content) - len(stripped), stack)

    def _directive(self, name: str, rest: str, index: int, stack) -> None:
        rest = rest.split("#", 1)[0].strip() if name != "include" else rest.strip()
        if name in _OPENERS:
            block = Conditional(name, rest, index, parent=stack[-1][0] if stack else None)
            self.conditionals.append(block)
            stack.append((block, Condition(name, rest)))
        elif name in _BRANCHES:
            if not stack:
                self.problems.append(f"line {index + 1}: .{name} outside .if")
                return
            block, _ = stack.pop()
            block.branch_lines.append(index)
            cond = Condition("else", block.expr, True) if name == "else" else Condition(name, rest)
            stack.append((block, cond))
        elif name in _CLOSERS:
            if not stack:
                self.problems.append(f"line {index + 1}: .{name} without opener")
                return
            block, _ = stack.pop()
            block.end_line = index
        elif name in ("include", "sinclude", "-include", "dinclude"):
            self.includes.append((index, rest))

    def _assignment(self, m: re.Match, group: list[int], base: int, stack) -> None:
        first = self.lines[group[0]]
        op_end = base + m.end()
        value_start = op_end
        while value_start < first.start + len(first.content) and self.text[value_start] in " \t":
            value_start += 1
        words: list[Word] = []
        for idx in group:
            ln = self.lines[idx]
            seg_start = value_start if idx == group[0] else ln.start
            seg = self.text[seg_start:ln.start + len(ln.content)]
            if _continued(seg):
                seg = seg[:-1]
            words.extend(_words(seg, seg_start, idx))
        self.all_assignments.append(Assignment(
            var=m["var"], op=m["op"], start=first.start, next=self.lines[group[-1]].next,
            op_end=op_end, value_start=value_start, lines=group, words=words,
            conditions=tuple(c for _, c in stack), block=stack[-1][0] if stack else None,
        ))

    # -- queries ----------------------------------------------------------

    def assignments(self, var: str | None = None) -> list[Assignment]:
        return [a for a in self.all_assignments if var is None or a.var == var]

    def _candidates(self, var: str, condition: str | None) -> list[Assignment]:
        if condition is None:
            return [a for a in self.assignments(var) if not a.conditions]
        return [a for a in self.assignments(var) if any(c.matches(condition) for c in a.conditions)]

    def has_word(self, var: str, word: str, condition: str | None = None) -> bool:
        """Is `word` in any assignment of `var` (under `condition` when given)?"""
        pool = self.assignments(var) if condition is None else self._candidates(var, condition)
        return any(word in a.values for a in pool)

    def blocks(self, condition: str) -> list[Conditional]:
        """`.if` blocks whose own expression contains `condition`."""
        want = _squeeze(condition)
        return [b for b in self.conditionals if b.directive != "for" and want in _squeeze(b.expr)]

    # -- edits: words -----------------------------------------------------

    def _eol(self) -> str:
        return next((ln.eol for ln in self.lines if ln.next > ln.end), "\n")

    def _one_per_line(self, a: Assignment) -> bool:
        if len(a.lines) < 2:
            return False
        per_line = Counter(w.line for w in a.words)
        return per_line[a.lines[0]] <= 1 and all(per_line[i] <= 1 for i in a.lines[1:])

    def _backslash_pad(self, a: Assignment, col: int) -> str:
        """Blank space from column `col` to the list's backslash column."""
        cols, tabbed = [], False
        for w in a.words:
            ln = self.lines[w.line]
            content = ln.content
            if _continued(content):
                gap = content[w.end - ln.start:-1]
                if gap.strip():
                    continue  # a comment or a second word: no alignment to learn
                cols.append(tab_column(content[:-1]))
                tabbed = tabbed or "\t" in gap
        if not cols:
            return " "
        target = Counter(cols).most_common(1)[0][0]
        if tabbed:
            pad = "\t"
            while tab_column(pad, col) < target:
                pad += "\t"
            return pad
        return " " * max(1, target - col)

    def add_word(self, var: str, word: str, condition: str | None = None, rule: str = "") -> Edit:
        """Add `word` to the longest `var` list at top level, or under `condition`."""
        candidates = self._candidates(var, condition)
        if not candidates:
            where = f"under {condition}" if condition else "outside conditionals"
            raise MakefileError(f"{self.path or 'Makefile'}: no {var} assignment {where}")
        best = max(candidates, key=lambda a: len(a.words))
        return self.insert_word(best, word, rule)

    def insert_word(self, a: Assignment, word: str, rule: str = "") -> Edit:
        """Add `word` to assignment `a`, before the first word that sorts after it."""
        if word in a.values:
            raise MakefileError(f"{self.path or 'Makefile'}: {a.var} already has {word}")
        k = _sorted_place([w.text for w in a.words], word)
        before = a.words[k] if k < len(a.words) else None
        if self._one_per_line(a) and (before is None or before.line != a.lines[0]):
            return self._insert_own_line(a, word, before, rule)
        if before is not None:
            return insert(self.path, before.start, f"{word} ", rule)
        if a.words:
            return insert(self.path, a.words[-1].end, f" {word}", rule)
        first = self.lines[a.lines[0]]
        at = first.start + len(first.content)
        sep = "" if a.value_start > a.op_end else "\t"
        return insert(self.path, at, sep + word, rule)

    def _insert_own_line(self, a: Assignment, word: str, before: Word | None, rule: str) -> Edit:
        eol = self._eol()
        ref = before or a.words[-1]
        ref_line = self.lines[ref.line]
        indent = self.text[ref_line.start:ref.start]
        if indent.strip() or ref.line == a.lines[0]:
            indent = "\t"
        if before is not None:
            line = indent + word
            text = line + self._backslash_pad(a, tab_column(line)) + "\\" + eol
            return insert(self.path, ref_line.start, text, rule)
        # Append after the last word: it gains a backslash, the new word ends the list.
        last_line = self.text[ref_line.start:ref.end]
        pad = self._backslash_pad(a, tab_column(last_line))
        return insert(self.path, ref.end, f"{pad}\\{eol}{indent}{word}", rule)

    def remove_word(self, var: str, word: str, condition: str | None = None,
                    rule: str = "") -> Edit:
        """Remove `word` from the first `var` list that has it (under `condition` if given)."""
        pool = self.assignments(var) if condition is None else self._candidates(var, condition)
        a = next((a for a in pool if word in a.values), None)
        if a is None:
            raise MakefileError(f"{self.path or 'Makefile'}: {var} has no {word}")
        k = a.values.index(word)
        w = a.words[k]
        if len(a.words) == 1:
            return replace(self.path, a.start, a.next, b"", rule)
        ln = self.lines[w.line]
        alone = all(x is w or x.line != w.line for x in a.words)
        own_line = alone and w.line != a.lines[0]
        if own_line and w.line != a.lines[-1]:
            return replace(self.path, ln.start, ln.next, b"", rule)
        if own_line:
            # The last word goes: the word before it loses its backslash.
            return replace(self.path, a.words[k - 1].end, w.end, b"", rule)
        nxt = a.words[k + 1] if k + 1 < len(a.words) else None
        if nxt is not None and nxt.line == w.line:
            return replace(self.path, w.start, nxt.start, b"", rule)
        prev = a.words[k - 1] if k else None
        if prev is not None and prev.line == w.line:
            return replace(self.path, prev.end, w.end, b"", rule)
        return replace(self.path, w.start, w.end, b"", rule)

    # -- edits: lines -----------------------------------------------------

    def add_assignment(self, var: str, op: str, value: str, condition: str | None = None,
                       rule: str = "") -> Edit:
        """Add the line `VAR<op> value`.

        With `condition`, it goes into the `.if` branch of the first block whose
        expression contains it: after the branch's last `var` assignment, or
        else right before the line that ends the branch.  Without, it goes after
        the last top-level `var` assignment, or before `.include <bsd.*.mk>`.
        The blank after the operator is copied from a nearby `var` assignment.
        """
        eol = self._eol()
        same = self.assignments(var)
        if condition is not None:
            blocks = self.blocks(condition)
            if not blocks:
                raise MakefileError(f"{self.path or 'Makefile'}: no .if block with {condition}")
            # The block that already sets `var` there (the last one), else the first.
            def inside_of(b: Conditional) -> list[Assignment]:
                return [a for a in same if a.block is b and a.lines[-1] < b.first_branch_end()]

            block = next((b for b in reversed(blocks) if inside_of(b)), blocks[0])
            branch_end = block.first_branch_end()
            inside = inside_of(block)
            near = inside or same
            at = inside[-1].next if inside else self.lines[branch_end].start
        else:
            top = [a for a in same if not a.conditions]
            near = top or same
            if top:
                at = top[-1].next
            else:
                mk = [i for i, what in self.includes if re.match(r"<bsd\.\w+\.mk>", what)]
                at = self.lines[mk[0]].start if mk else len(self.data)
        ref = near[-1] if near else None
        sep = self.text[ref.op_end:ref.value_start] if ref else " "
        text = f"{var}{op}{sep}{value}{eol}"
        if at == len(self.data) and self.data and not self.text.endswith("\n"):
            text = eol + text
        return insert(self.path, at, text, rule)
