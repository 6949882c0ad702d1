"""The `host` strategy's compiler: the host's own cc, with the tree's headers first.

Meant for trees whose headers are complete (a full /usr/src).  On a partial
tree, headers the tree lacks come from the host's libc, which is not FreeBSD's,
so pre-existing errors are expected there; the differential verdict keeps
them from failing a commit.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

from refactor.buildtest.compile import Toolchain


def host_compiler() -> str | None:
    """$CC if it names a program, else clang, else cc, else gcc."""
    for name in os.environ.get("CC", "").split()[:1] + ["clang", "cc", "gcc"]:
        if path := shutil.which(name):
            return path
    return None


@functools.lru_cache(maxsize=4)
def host_toolchain(cc: str | None = None) -> Toolchain:
    cc = cc or host_compiler()
    if cc is None:
        raise RuntimeError("no host C compiler (clang, cc or gcc) on PATH")
    # The compiler's own search list, to know which headers it ships.
    p = subprocess.run([cc, "-E", "-v", "-x", "c", "/dev/null", "-o", "/dev/null"],
                       capture_output=True, text=True, timeout=60)
    dirs, inside = [], False
    for line in p.stderr.splitlines():
        if line.startswith("#include <...> search starts here"):
            inside = True
        elif line.startswith("End of search list"):
            inside = False
        elif inside:
            d = Path(re.sub(r"\s*\(framework directory\)$", "", line.strip()))
            if d.is_dir():
                dirs.append(d)
    argv = [cc]
    if "clang" in Path(cc).name or "clang" in p.stderr:
        argv += ["-fno-color-diagnostics", "-fno-caret-diagnostics", "-ferror-limit=0"]
    else:
        argv += ["-fno-diagnostics-color", "-fno-diagnostics-show-caret"]
    # The compiler searches its own dirs anyway: they are listed only to know them.
    return Toolchain("host", argv, dirs, add_system_dirs=False)
