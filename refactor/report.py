"""What the user sees: the summary table, coloured diffs, and the JSON report."""

from __future__ import annotations

import difflib
import sys

from refactor.buildtest.diagnostics import BuildResult
from refactor.plan import Plan, StepResult
from refactor.rule import Status

COLOURS = {
    Status.APPLIED: "\033[32m",
    Status.ALREADY_APPLIED: "\033[36m",
    Status.NOT_APPLICABLE: "\033[33m",
    Status.CONFLICT: "\033[31;1m",
}
RESET = "\033[0m"


def use_colour(stream) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


def status_table(plan: Plan, colour: bool = False, builds: list[BuildResult | None] | None = None,
                 commits=None) -> str:
    rows = []
    for i, step in enumerate(plan.steps):
        commit = (commits[i][:12] if commits and commits[i] else "-")
        build = builds[i] if builds else None
        btxt = build.summary() if build else "-"
        rows.append(f"step {i + 1}: {step.step.subject}  [commit {commit}, build {btxt}]")
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
    return "\n".join(rows)


def step_diff(step: StepResult, colour: bool = False) -> str:
    out = []
    for path in step.touched:
        old = step.before.read(path)
        new = step.after.read(path)
        a = [] if old is None else old.decode("latin-1").splitlines(keepends=True)
        b = [] if new is None else new.decode("latin-1").splitlines(keepends=True)
        lines = difflib.unified_diff(
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
                "subject": s.step.subject,
                "files": s.touched,
                "rules": [r.to_json() for r in s.rules],
            }
            for s in plan.steps
        ],
        "conflicts": [r.rule.id for r in plan.conflicts],
    }


class Progress:
    """A one-line progress display on a terminal's stderr; silent otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = use_colour(self.stream)

    def __call__(self, message: str) -> None:
        if self.live:
            self.stream.write(f"\r\033[K{message}")
            self.stream.flush()

    def done(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()
