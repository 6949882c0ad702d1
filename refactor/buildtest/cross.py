"""The `cross` strategy's compiler: zig's clang for x86_64-freebsd (PyPI `ziglang`).

`zig cc -target x86_64-freebsd -fsyntax-only` fails in zig 0.17 (it still tries
to rename an object file that -fsyntax-only never wrote), and `zig cc` caches
successful compiles, so a second run of an unchanged file prints none of its
warnings.  Both break a differential check.  So `zig cc -###` is asked once for
the target triple, the FreeBSD libc header dirs and the predefined
__FreeBSD_version, and each file is then checked by `zig clang` (the same
clang, without zig's cache) with exactly those settings and -nostdinc, which
also lets the tree's headers be placed before zig's.
"""

from __future__ import annotations

import functools
import importlib.util
import shlex
import subprocess
import sys
from pathlib import Path

from refactor.buildtest.compile import Toolchain

TARGET = "x86_64-freebsd"


def zig_available() -> bool:
    return importlib.util.find_spec("ziglang") is not None


def zig_argv() -> list[str]:
    return [sys.executable, "-m", "ziglang"]


@functools.lru_cache(maxsize=1)
def zig_toolchain() -> Toolchain:
    """Probe zig once per process; raises RuntimeError when zig cannot run."""
    if not zig_available():
        raise RuntimeError("ziglang is not installed (pip install ziglang)")
    probe = zig_argv() + ["cc", "-target", TARGET, "-###", "-c", "-x", "c", "/dev/null",
                          "-o", "/dev/null"]
    cwd = Path.cwd()
    try:
        p = subprocess.run(probe, capture_output=True, text=True, timeout=120, cwd=cwd)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"cannot run zig: {exc}") from exc
    cc1 = next((line for line in (p.stderr + p.stdout).splitlines() if '"-cc1"' in line), None)
    if cc1 is None:
        raise RuntimeError(f"zig cc -### printed no compiler command: {p.stderr.strip()[:300]}")
    words = shlex.split(cc1)
    triple, dirs, defines = None, [], []
    for i, w in enumerate(words[:-1]):
        nxt = words[i + 1]
        if w == "-triple":
            triple = nxt
        elif w in ("-isystem", "-internal-isystem", "-internal-externc-isystem"):
            d = (cwd / nxt).resolve()  # zig may print them relative to its cwd
            if d.is_dir():
                dirs.append(d)
        elif w == "-D" and nxt.startswith("__FreeBSD"):
            defines.append("-D" + nxt)
    if triple is None or not dirs:
        raise RuntimeError("zig cc -### gave no target triple or header dirs")
    argv = zig_argv() + ["clang", "-target", triple, "-nostdinc",
                         "-fno-color-diagnostics", "-fno-caret-diagnostics",
                         "-ferror-limit=0", *defines]
    return Toolchain("zig", argv, dirs, add_system_dirs=True)
