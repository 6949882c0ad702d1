"""Rename a function and its calls in every .c and .h file of a directory, in place.

The bench's "our side" of the Coccinelle comparison, usable in-process
(`rename_dir`) or as a process (`python -m bench.rename_run DIR OLD NEW`), so it
can be timed like `spatch`, which is a process too.  It is the `rename`
operation through the real planner (collision check and re-parse included),
with the planned files written back in place, as `spatch --in-place` does.
"""

from __future__ import annotations

import sys
from pathlib import Path


def rename_dir(root: Path, old: str, new: str, kind: str = "function") -> int:
    """Rename in place through the rename operation; returns the number of files changed."""
    from refactor.ops import get_op
    from refactor.plan import plan_recipe
    from refactor.recipe import Recipe, Step
    from refactor.tree import Tree

    op = get_op("rename", "bench").from_mapping(
        {"old": old, "new": new, "paths": ["."], "kind": kind}, "bench")
    plan = plan_recipe(Recipe("bench-rename", op.summary, [Step("bench", "", [op])]),
                       Tree.from_dir(root))
    if plan.conflicts:
        raise RuntimeError(f"rename conflicts: {plan.conflicts[0].reason}")
    changed = 0
    for step in plan.steps:
        for path, data in step.changes.items():
            assert data is not None  # a rename never removes a file
            (root / path).write_bytes(data)
            changed += 1
    return changed


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: python -m bench.rename_run DIR OLD NEW")
    print(rename_dir(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
