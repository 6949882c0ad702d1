"""What the commands write for the user: JSON on stdout, and where output goes by default.

Its own module so that cli.py (which parses arguments) and the commands it
runs do not import each other.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

#: What `--trailer` without a value stands for: the recipe's own trailers.
RECIPE_TRAILERS = "<recipe>"


def dump_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


def default_out(recipe: str, tree: str | None = None) -> Path:
    """./refactor-out/<recipe>/, unless . is inside the tree: then under the tree's git
    directory (a plain tree: next to it), so that the output never lands in the
    checkout as untracked files."""
    here = Path("refactor-out") / recipe
    if tree is None:
        return here
    root, cwd = Path(tree).resolve(), Path.cwd().resolve()
    if cwd != root and root not in cwd.parents:
        return here
    res = subprocess.run(["git", "rev-parse", "--absolute-git-dir"], cwd=root,
                         capture_output=True, text=True)
    if res.returncode == 0 and res.stdout.strip():
        return Path(res.stdout.strip()) / "refactor-out" / recipe
    return root.parent / f"{root.name}-refactor-out" / recipe
