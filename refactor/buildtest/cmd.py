"""The `cmd:...` strategy: a user's shell command, whose exit status is the verdict.

It runs in the caller's worktree when one is given.  Otherwise it runs in a
temporary folder holding the after-state of the touched files and the tree
headers they include (the same materialisation the compilers get), with
$BUILDTEST_FILES naming the touched files.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from refactor.buildtest.headers import HeaderSearch, Workdir
from refactor.tree import Tree

CMD_TIMEOUT = 3600


def run_command(command: str, after: Tree, touched: list[str], worktree: Path | None
                ) -> tuple[int, str, str]:
    """(exit status, output, where it ran)."""
    tmp = None
    if worktree is not None:
        cwd = Path(worktree)
    else:
        tmp = Workdir(Path(tempfile.mkdtemp(prefix="buildtest-cmd-")))
        search = HeaderSearch(after, [], [], frozenset(touched), complete=True)
        tmp.put(after, search.closure([p for p in touched if after.exists(p)]))
        cwd = tmp.src
    env = dict(os.environ, BUILDTEST_FILES=" ".join(touched))
    try:
        p = subprocess.run(command, shell=True, cwd=cwd, capture_output=True, text=True,
                           errors="replace", timeout=CMD_TIMEOUT, env=env)
        rc, out = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        rc, out = -1, f"timed out after {CMD_TIMEOUT}s\n"
    finally:
        if tmp is not None:
            tmp.remove()
    return rc, out, str(cwd)
