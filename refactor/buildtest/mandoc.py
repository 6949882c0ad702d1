"""`mandoc -Tlint` on every touched man page, before and after the commit.

Any message the page did not have before fails the check.  "referenced manual
not found" is ignored: it says which pages the host has installed, not
whether the page is right.  Each side is linted under its own file name, since
mandoc compares the name with the page's .Dt.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from refactor.buildtest.diagnostics import Diagnostic
from refactor.tree import Tree

_LINE = re.compile(r"^mandoc: (?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")
_IGNORED = ("referenced manual not found",)


def mandoc_path() -> str | None:
    return shutil.which("mandoc")


def lint(tree: Tree, path: str, config: str = "mandoc") -> tuple[list[Diagnostic], str]:
    """Diagnostics of `mandoc -Tlint` for one page of `tree`, and the raw output."""
    data = tree.read(path)
    if data is None:
        return [], ""
    with tempfile.TemporaryDirectory(prefix="mandoc-") as tmp:
        page = Path(tmp) / PurePosixPath(path).name
        page.write_bytes(data)
        p = subprocess.run([mandoc_path() or "mandoc", "-Tlint", "-Wstyle", page.name],
                           cwd=tmp, capture_output=True, text=True, errors="replace",
                           timeout=120)
    out = p.stdout + p.stderr
    diags = []
    for raw in out.splitlines():
        m = _LINE.match(raw)
        if not m or any(s in m.group("msg") for s in _IGNORED):
            continue
        msg = re.sub(r" \(\d+ times\)$", "", m.group("msg").strip())
        diags.append(Diagnostic(path, int(m.group("line")), f"mandoc: {msg}", config))
    return diags, out
