"""What the user sees: the summary table, coloured diffs, and the JSON report."""

from __future__ import annotations

import os
import sys
from collections import Counter

from refactor.buildtest.diagnostics import BuildResult
from refactor.linediff import opcodes, unified_diff
from refactor.plan import Plan, StepResult
from refactor.rule import Status

COLOURS = {
    Status.APPLIED: "\033[32m",
    Status.ALREADY_APPLIED: "\033[36m",
    Status.NOT_APPLICABLE: "\033[33m",
    Status.CONFLICT: "\033[31;1m",
}
RESET = "\033[0m"


def is_terminal(stream) -> bool:
    """A terminal that understands escape sequences (not TERM=dumb)."""
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"


def use_colour(stream, mode: str = "auto") -> bool:
    """--color: always, never, or auto: a terminal, unless NO_COLOR is set (no-color.org)."""
    if mode in ("always", "never"):
        return mode == "always"
    return not os.environ.get("NO_COLOR") and is_terminal(stream)


def join_words(items) -> str:
    """'a', 'a and b', 'a, b and c': a list as a sentence says it, never as a Python repr."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def summary(plan: Plan, tree: str = "") -> str:
    """One line: how many rules did what, and what to do next."""
    counts = Counter(r.status for r in plan.rule_results())
    line = (f"{counts[Status.APPLIED]} applied, {counts[Status.ALREADY_APPLIED]} already "
            f"applied, {counts[Status.NOT_APPLICABLE]} not applicable, "
            f"{counts[Status.CONFLICT]} conflict{'' if counts[Status.CONFLICT] == 1 else 's'}")
    where = f" --tree {tree}" if tree else ""
    if plan.conflicts:
        skips = " ".join(f"--skip {r.rule.id}" for r in plan.conflicts)
        return f"{line}; fix the tree, or leave the conflicting rules out: {skips}"
    commits = sum(1 for s in plan.steps if s.changes)
    if commits:
        return (f"{line}; `refactor apply{where}` makes {commits} "
                f"commit{'' if commits == 1 else 's'}")
    return f"{line}; nothing to do"


def step_stat(step: StepResult, width: int = 60) -> str:
    """A diffstat of one step, as `git diff --stat` draws it."""
    rows = []
    for path in step.touched:
        old = step.before.read(path)
        new = step.after.read(path)
        a = [] if old is None else old.splitlines()
        b = [] if new is None else new.splitlines()
        plus = minus = 0
        for op, i1, i2, j1, j2 in opcodes(a, b, autojunk=False):
            if op != "equal":
                minus += i2 - i1
                plus += j2 - j1
        rows.append((path, plus, minus))
    if not rows:
        return ""
    name_w = max(len(p) for p, _, _ in rows)
    most = max(p + m for _, p, m in rows) or 1
    bar_w = max(10, width - name_w - 8)
    out = []
    for path, plus, minus in rows:
        scale = min(1.0, bar_w / most)
        bar = "+" * _bar(plus, scale) + "-" * _bar(minus, scale)
        out.append(f" {path.ljust(name_w)} | {plus + minus:4} {bar}")
    plus_all = sum(p for _, p, _ in rows)
    minus_all = sum(m for _, _, m in rows)
    out.append(f" {len(rows)} file{'' if len(rows) == 1 else 's'} changed, "
               f"{plus_all} insertion{'' if plus_all == 1 else 's'}(+), "
               f"{minus_all} deletion{'' if minus_all == 1 else 's'}(-)")
    return "\n".join(out) + "\n"


def status_table(plan: Plan, colour: bool = False, builds: list[BuildResult | None] | None = None,
                 commits=None) -> str:
    rows = []
    for i, step in enumerate(plan.steps):
        commit = (commits[i][:12] if commits and commits[i] else "-")
        build = builds[i] if builds else None
        btxt = build.summary() if build else "-"
        rows.append(f"step {i + 1}: {step.subject}  [commit {commit}, build {btxt}]")
        for r in step.rules:
            st = str(r.status)
            if colour:
                st = f"{COLOURS[r.status]}{st}{RESET}"
            pad = " " * max(0, 16 - len(str(r.status)))
            line = f"  {r.rule.id:<28} {st}{pad}"
            if r.reason:
                line += f" {r.reason}"
            rows.append(line.rstrip())
        if build:
            rows += [f"    new: {d}" for d in build.new]
            rows += [f"    unchecked: {d}" for d in build.unchecked]
            rows += [f"    not judged: {d}" for d in build.notes]
    return "\n".join(rows)


def step_diff(step: StepResult, colour: bool = False) -> str:
    out = []
    for path in step.touched:
        old = step.before.read(path)
        new = step.after.read(path)
        a = [] if old is None else old.decode("latin-1").splitlines(keepends=True)
        b = [] if new is None else new.decode("latin-1").splitlines(keepends=True)
        lines = unified_diff(
            a, b,
            fromfile="/dev/null" if old is None else f"a/{path}",
            tofile="/dev/null" if new is None else f"b/{path}",
        )
        for line in lines:
            if not line.endswith("\n"):
                line += "\n\\ No newline at end of file\n"
            if colour:
                if line.startswith(("+++", "---")):
                    line = f"\033[1m{line.rstrip(chr(10))}{RESET}\n"
                elif line.startswith("+"):
                    line = f"\033[32m{line.rstrip(chr(10))}{RESET}\n"
                elif line.startswith("-"):
                    line = f"\033[31m{line.rstrip(chr(10))}{RESET}\n"
                elif line.startswith("@@"):
                    line = f"\033[36m{line.rstrip(chr(10))}{RESET}\n"
            out.append(line)
    return "".join(out)


def plan_json(plan: Plan) -> dict:
    return {
        "tree": plan.tree.describe(),
        "recipe": plan.recipe.name,
        "steps": [
            {
                "subject": s.subject,
                "files": s.touched,
                "rules": [r.to_json() for r in s.rules],
            }
            for s in plan.steps
        ],
        "conflicts": [r.rule.id for r in plan.conflicts],
    }


def _bar(count: int, scale: float) -> int:
    return max(1, round(count * scale)) if count else 0  # a change never shows as nothing


class Progress:
    """A one-line progress display on a terminal's stderr; silent otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = is_terminal(self.stream)

    def __call__(self, message: str) -> None:
        if self.live:
            self.stream.write(f"\r\033[K{message}")
            self.stream.flush()

    def done(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()
