"""Diagnostics, the differential verdict, and the result of one build test.

A build test compiles the touched files before and after a commit.  Only what
the commit introduced may fail it, so diagnostics are compared, not counted.
Line numbers shift when a commit edits a file, so a diagnostic is matched in
three passes: at the same line once lines are mapped through a diff of the
file, then by (file, message) as a multiset, then by message alone against
diagnostics that vanished elsewhere (code the commit moved, with its old fault,
to another file).  What is left after the three passes is new.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# clang and gcc: "path:line:col: severity: message"; column optional.
_COMPILER_LINE = re.compile(
    r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)?\s*"
    r"(?P<sev>fatal error|error|warning):\s*(?P<msg>.*)$"
)
# "'foo.h' file not found" (clang) or "foo.h: No such file or directory" (gcc).
_NOT_FOUND = re.compile(r"'([^']+)' file not found|^([^:]+): No such file or directory")


@dataclass(frozen=True)
class Diagnostic:
    """One message about one line of one tree file (or of a compiler header)."""

    file: str
    line: int
    message: str  # "error: ..." / "warning: ..." / "parse error: ..."
    config: str = "default"

    def render(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"

    def missing_header(self) -> str | None:
        """The header name of a "file not found" error, else None."""
        m = _NOT_FOUND.search(self.message)
        return (m.group(1) or m.group(2)) if m else None


def parse_compiler_output(text: str, to_tree_path: Callable[[str], str | None],
                          config: str = "default") -> list[Diagnostic]:
    """Errors and warnings from clang/gcc output; notes and context lines dropped.

    `to_tree_path` maps a path the compiler printed back to the tree path it
    came from (None keeps the printed path, e.g. a compiler header).
    """
    out: list[Diagnostic] = []
    for raw in text.splitlines():
        m = _COMPILER_LINE.match(raw.strip())
        if not m:
            continue
        printed = m.group("file")
        path = to_tree_path(printed) or printed
        sev = "error" if m.group("sev") == "fatal error" else m.group("sev")
        out.append(Diagnostic(path, int(m.group("line")), f"{sev}: {m.group('msg').strip()}",
                              config))
    return out


def line_map(before: bytes | None, after: bytes | None) -> dict[int, int]:
    """Before-line -> after-line for every line the edit left unchanged (1-based)."""
    if before is None or after is None:
        return {}
    if before == after:
        n = before.count(b"\n") + 1
        return {i: i for i in range(1, n + 1)}
    a = before.split(b"\n")
    b = after.split(b"\n")
    mapping: dict[int, int] = {}
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, _j2 in sm.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                mapping[i1 + k + 1] = j1 + k + 1
    return mapping


@dataclass
class Differential:
    new: list[Diagnostic] = field(default_factory=list)
    preexisting: list[Diagnostic] = field(default_factory=list)
    fixed: list[Diagnostic] = field(default_factory=list)


def compare(before: Iterable[Diagnostic], after: Iterable[Diagnostic],
            read_before: Callable[[str], bytes | None],
            read_after: Callable[[str], bytes | None]) -> Differential:
    """Split `after` into new and pre-existing diagnostics (see module doc).

    Both sides are deduplicated first: a header's warning is printed once per
    translation unit that includes it but is one fault.  Configurations are
    compared separately, since a diagnostic may exist in one only.
    """
    result = Differential()
    b_by_cfg: dict[str, list[Diagnostic]] = defaultdict(list)
    a_by_cfg: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in dict.fromkeys(before):
        b_by_cfg[d.config].append(d)
    for d in dict.fromkeys(after):
        a_by_cfg[d.config].append(d)
    missing_before = {d.missing_header() for d in dict.fromkeys(before)} - {None}
    maps: dict[str, dict[int, int]] = {}

    def mapped(file: str) -> dict[int, int]:
        if file not in maps:
            maps[file] = line_map(read_before(file), read_after(file))
        return maps[file]

    for cfg in sorted(set(b_by_cfg) | set(a_by_cfg)):
        left_b = list(b_by_cfg.get(cfg, []))
        left_a = list(a_by_cfg.get(cfg, []))
        pre: list[Diagnostic] = []
        # Pass 1: same message at the same (mapped) line.
        at_line = defaultdict(list)
        for d in left_b:
            at_line[(d.file, mapped(d.file).get(d.line), d.message)].append(d)
        rest_a = []
        for d in left_a:
            bucket = at_line.get((d.file, d.line, d.message))
            if bucket:
                left_b.remove(bucket.pop())
                pre.append(d)
            else:
                rest_a.append(d)
        # Pass 2: same file and message (the line was edited or moved in the file).
        # Pass 3: same message anywhere (the code moved to another file).
        for key in (lambda d: (d.file, d.message), lambda d: d.message):
            pool = defaultdict(list)
            for d in left_b:
                pool[key(d)].append(d)
            still = []
            for d in rest_a:
                bucket = pool.get(key(d))
                if bucket:
                    left_b.remove(bucket.pop())
                    pre.append(d)
                else:
                    still.append(d)
            rest_a = still
        seen_before = {d.message for d in b_by_cfg.get(cfg, [])}
        for d in rest_a:
            # A header the tree lacked before as well is a gap of the tree, not of the
            # commit; so is a fault that a new file repeats from the old ones (the
            # license block's __FBSDID where the tree has no <sys/cdefs.h>).
            carried = read_before(d.file) is None and d.message in seen_before
            if d.missing_header() in missing_before or carried:
                pre.append(d)
            else:
                result.new.append(d)
        result.preexisting.extend(pre)
        result.fixed.extend(left_b)
    return result


def render_all(diags: Iterable[Diagnostic], configs: Iterable[str] = ()) -> list[str]:
    """Unique "file:line: message" lines; a configuration is named when the
    diagnostic is not in every one of them."""
    configs = set(configs)
    where: dict[tuple[str, int, str], set[str]] = {}
    for d in diags:
        where.setdefault((d.file, d.line, d.message), set()).add(d.config)
    lines = []
    for (file, line, msg), cfgs in where.items():
        text = f"{file}:{line}: {msg}"
        if configs and len(configs) > 1 and cfgs != configs:
            text += f" [{', '.join(sorted(cfgs))}]"
        lines.append(text)
    return lines


VERDICTS = ("pass", "fail", "inconclusive", "skipped")


@dataclass
class BuildResult:
    """The build test of one commit, as the emitter, the replay and the report see it.

    `verdict`: pass (every unit of the affected programs compiled before and
    after, and they link as before), fail (the commit introduced a diagnostic
    or an unresolved symbol), inconclusive (no new fault, but some unit could
    not be compiled; `unchecked` says which and why), skipped (nothing to check).
    """

    strategy: str
    verdict: str
    new: list[str] = field(default_factory=list)
    preexisting: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log: str = ""
    why: str = ""
    fixed: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # "tu [config]: why", inconclusive
    notes: list[str] = field(default_factory=list)  # checks not judged, and why (no fault)
    programs: list[str] = field(default_factory=list)  # the program dirs built
    units: int = 0  # units of the after-state compiled to objects (reused ones included)
    compiled: int = 0  # compiler runs this commit took (both sides)
    reused: int = 0  # unit results reused from earlier in the run
    linked: int = 0  # objects of the after-state that went into a link check

    def to_json(self) -> dict:
        return {
            "strategy": self.strategy,
            "verdict": self.verdict,
            "new": list(self.new),
            "preexisting": list(self.preexisting),
            "fixed": list(self.fixed),
            "unchecked": list(self.unchecked),
            "notes": list(self.notes),
            "programs": list(self.programs),
            "units": self.units,
            "compiled": self.compiled,
            "reused": self.reused,
            "linked": self.linked,
            "seconds": round(self.seconds, 3),
            "log": self.log,
            "why": self.why,
        }

    @classmethod
    def from_json(cls, data: dict) -> BuildResult:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def summary(self) -> str:
        """`cross: pass, 57 units compiled, 57 linked (12 compiler runs, 45 reused)`."""
        text = f"{self.strategy}: {self.verdict}"
        if self.units or self.linked or self.compiled:
            text += (f", {self.units} units compiled, {self.linked} linked "
                     f"({self.compiled} compiler runs, {self.reused} reused)")
        if self.unchecked:
            n = len(self.unchecked)
            text += f", {n} unit{'s' if n != 1 else ''} could not be compiled"
        return text
