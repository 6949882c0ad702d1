"""Rename a function and its calls in every .c and .h file of a directory, in place.

The bench's "our side" of the Coccinelle comparison, usable in-process
(`rename_dir`) or as a process (`python -m bench.rename_run DIR OLD NEW`), so it
can be timed like `spatch`, which is a process too.
"""

from __future__ import annotations

import sys
from pathlib import Path


def rename_dir(root: Path, old: str, new: str) -> int:
    """Rename in place through the lossless layer; returns the number of files changed."""
    from refactor.c.lossless import CFile
    from refactor.c.rename import rename_edits
    from refactor.edits import EditSet

    changed = 0
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".c", ".h")):
        data = path.read_bytes()
        edits = rename_edits(CFile(data, str(path)), old, new, kinds={"ordinary"})
        if not edits:
            continue
        es = EditSet()
        es.extend(edits)
        path.write_bytes(es.apply(lambda _p, d=data: d)[str(path)])
        changed += 1
    return changed


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: python -m bench.rename_run DIR OLD NEW")
    print(rename_dir(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
