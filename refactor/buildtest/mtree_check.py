"""Check a touched mtree spec by making the hierarchy it describes.

The after-state spec is parsed (refactor.formats.mtree.MtreeSpec) and its
hierarchy is made under a temporary folder.  The check fails when the spec has
structural problems the before-state did not have (an unbalanced `..`), when a
directory the commit added is not in the made hierarchy, or when a directory
the spec made before is no longer made (a misplaced `..` moves every later
entry under the wrong parent).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from refactor.buildtest.diagnostics import Diagnostic
from refactor.formats.mtree import MtreeSpec
from refactor.tree import Tree

MTREE_SPEC = re.compile(r"(^|/)etc/mtree/[^/]+\.dist$|\.mtree$")


def is_mtree_spec(path: str) -> bool:
    return bool(MTREE_SPEC.search(path))


def _line(spec: MtreeSpec, rel: str) -> int:
    entry = spec.find(rel)
    return spec.text.count("\n", 0, entry.start) + 1 if entry and entry.start >= 0 else 0


def check(before: Tree, after: Tree, path: str) -> tuple[list[Diagnostic], str]:
    """New faults (a spec check is differential by construction) and a log."""
    data = after.read(path)
    if data is None:
        return [], f"{path}: removed by the commit; nothing to check\n"
    spec = MtreeSpec(data, path)
    old_data = before.read(path)
    old = MtreeSpec(old_data, path) if old_data is not None else None
    old_dirs = set(old.directories()) if old else set()
    diags = []
    for problem in spec.problems:
        if old is None or problem not in old.problems:
            m = re.match(r"line (\d+): (.*)", problem)
            diags.append(Diagnostic(path, int(m.group(1)) if m else 0,
                                    f"mtree: {m.group(2) if m else problem}", "mtree"))
    with tempfile.TemporaryDirectory(prefix="mtree-") as tmp:
        made = {p.relative_to(tmp).as_posix() for p in spec.make_hierarchy(Path(tmp))
                if p.is_dir()}
        added = sorted(set(spec.directories()) - old_dirs)
        log = [f"{path}: made {len(made)} directories in a temporary folder; "
               f"the commit adds {len(added)}: {', '.join(added) or '-'}"]
        for rel in added:
            if not (Path(tmp) / rel).is_dir():
                diags.append(Diagnostic(path, _line(spec, rel),
                                        f"mtree: added directory {rel} was not made", "mtree"))
        for rel in sorted(old_dirs - made):
            diags.append(Diagnostic(path, 0, f"mtree: directory {rel} is no longer made",
                                    "mtree"))
    return diags, "\n".join(log) + "\n"
