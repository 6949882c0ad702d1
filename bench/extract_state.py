"""`python -m bench.extract_state N...`: ipc-extract's snapshot_state on a large snapshot.c.

The fixture's snapshot.c is grown by N filler functions; snapshot_state (which
looks identifiers up by bisection) is timed against the old full scan of the
file's identifiers for every function, the baseline, measured in the same run.
The old scan was quadratic in the file's size.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from refactor.c.lossless import CFile, Item
from refactor.c.nodes import functions
from refactor_rules.bhyve_ipc.extract import _Extraction, find_socket_code

SNAPSHOT_C = Path(__file__).resolve().parent.parent / \
    "fixtures/trees/bhyve-2021/usr.sbin/bhyve/snapshot.c"
FILLER = (b"\nstatic int\nfiller_%d(int x)\n{\n\tint y = x + vcpus_active;\n\n"
          b"\ty += filler_helper(x);\n\treturn (y * 2 + x);\n}\n")


def old_scan(cf: CFile, skip: set[int]) -> set[str]:
    used: set[str] = set()
    for f in functions(cf):
        if f.index not in skip:
            used |= {i.name for i in cf.identifiers if f.start <= i.start < f.end}
    return used


def statics(cf: CFile) -> set[str]:
    def is_state(it: Item) -> bool:
        return it.kind == "declaration" and it.storage == "static" and it.is_definition \
            and it.parent is None
    return {n for it in cf.items if is_state(it) for n in it.names}


def measure(n: int) -> str:
    data = SNAPSHOT_C.read_bytes() + b"static int filler_helper(int);\n" + \
        b"".join(FILLER % i for i in range(n))
    t0 = time.perf_counter()
    cf = CFile(data, "usr.sbin/bhyve/snapshot.c")
    parse = time.perf_counter() - t0
    code = find_socket_code(cf)
    assert not isinstance(code, str), code
    skip = {code.init.index, code.thread.index, *(h.index for h in code.handlers)}
    t0 = time.perf_counter()
    new = _Extraction(None, cf, code, "bench").snapshot_state()  # type: ignore[arg-type]
    t_new = time.perf_counter() - t0
    t0 = time.perf_counter()
    old = old_scan(cf, skip)
    t_old = time.perf_counter() - t0
    assert new == statics(cf) & old
    return (f"{len(data) / 1e6:.2f} MB, {len(functions(cf))} functions, "
            f"{len(cf.identifiers)} identifiers: parse {parse:.2f}s; old scan {t_old:.2f}s; "
            f"bisection {t_new:.3f}s; ratio {t_old / t_new:.0f}x")


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["500", "2000"]:
        print(measure(int(arg)))
