"""One operation from the command line as a one-step recipe, and its commit subject."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import Any

from refactor.ops import get_op
from refactor.recipe import Recipe, Step

#: Top-level directories whose next component names the program or library.
_UNIT_PARENTS = frozenset("bin sbin usr.bin usr.sbin lib libexec cddl gnu krb5 secure "
                          "stand tests share".split())
#: Step.subject placeholder, replaced by the area of the files the plan touches.
AREA = "{area}"


def op_recipe(op: str, options: dict[str, Any], what: str) -> Recipe:
    """A recipe of one step holding the operation `op`; its subject is `<area>: <what>`."""
    where = f"refactor {op}"
    rule = get_op(op, where).from_mapping(options, where)
    body = f"{what[0].upper()}{what[1:]}, made mechanically by `refactor {op}`.\n"
    step = Step(f"{AREA}: {what}", body, [rule])
    return Recipe(rule.id, rule.summary, [step])


def area(paths: Iterable[str]) -> str:
    """The area a commit subject names for these files: bhyve for usr.sbin/bhyve/..."""
    units = sorted({_unit(p) for p in paths})
    if not units:
        return "tree"
    if len(units) <= 2:
        return ", ".join(units)
    common = posixpath.commonpath([posixpath.dirname(p) for p in paths])
    return posixpath.basename(common) or "tree"


def _unit(path: str) -> str:
    parts = path.split("/")
    if len(parts) > 2 and parts[0] in _UNIT_PARENTS:
        return parts[1]
    if len(parts) > 2 and parts[0] == "usr" and parts[1] in ("bin", "sbin"):
        return parts[2]
    unit = parts[-2] if len(parts) > 1 else ""
    return unit if unit not in ("", ".") else "tree"


def name_steps(plan) -> None:
    """Fill in the area of subjects written with AREA, from the files each step changes."""
    for s in plan.steps:
        if AREA in s.step.subject:
            # Without changes, the operation's own paths (directories: anything under them).
            touched = list(s.changes) or [f"{p}/-" for p in s.step.rules[0].files]
            s.step.subject = s.step.subject.replace(AREA, area(touched))
