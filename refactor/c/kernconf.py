"""How the kernel build compiles one file: its `compile-with` line in sys/conf.

Most kernel files compile with ${NORMAL_C}: the INCLUDES of kern.pre.mk and
-D_KERNEL (see inspect.tree_header_dirs).  Some name more in sys/conf/files
or files.<arch>:

    dev/mlx5/mlx5_core/mlx5_rl.c    optional mlx5 pci \\
            compile-with "${OFED_C}"
    dev/ath/ath_hal/ah_eeprom_9287.c optional ath_hal \\
            compile-with "${NORMAL_C} -I$S/dev/ath"

where OFED_C (kern.pre.mk) puts the linuxkpi headers ahead of the usual
ones.  `compile_flags` reads that line, expands the variables kern.pre.mk
sets, and keeps what changes the preprocessing: -I dirs (before or after
the usual ones, as the command line has them) and -D macros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

# What stands for the usual flags (INCLUDES, -D_KERNEL): where it is in the
# expanded command line says whether an extra -I comes before or after them.
_USUAL = "\0usual\0"
_USUAL_VARS = frozenset({"CFLAGS", "NORMAL_C", "NORMAL_C_NOWERROR", "PROFILE_C"})
_ASSIGN = re.compile(r"^([A-Za-z_][\w.]*)[ \t]*([+?:]?=)[ \t]*(.*)$")
_REF = re.compile(r"\$\{([^{}:]+)(:[^{}]*)?\}|\$([A-Za-z])")
_ENTRY_END = re.compile(r"^\S")


@dataclass
class CompileFlags:
    before: list[str] = field(default_factory=list)   # -I dirs ahead of INCLUDES
    after: list[str] = field(default_factory=list)    # -I dirs behind them
    defines: list[str] = field(default_factory=list)  # NAME or NAME=VALUE


def _join_lines(text: str) -> list[str]:
    return re.sub(r"\\\n", " ", text).splitlines()


@lru_cache(maxsize=8)
def _make_vars(root: str) -> dict[str, str]:
    """The plain assignments of sys/conf/kern.pre.mk (conditions not evaluated:
    a variable set twice keeps the first `=` and every `+=`)."""
    try:
        text = Path(root, "sys", "conf", "kern.pre.mk").read_text(encoding="latin-1")
    except OSError:
        return {}
    out: dict[str, str] = {}
    for line in _join_lines(text):
        m = _ASSIGN.match(line)
        if not m or m.group(1) in _USUAL_VARS:
            continue
        name, op, value = m.groups()
        if op == "+=":
            out[name] = (out.get(name, "") + " " + value).strip()
        else:
            out.setdefault(name, value)
    return out


@lru_cache(maxsize=8)
def _compile_lines(root: str) -> dict[str, str]:
    """sys/conf/files*: a file's path (relative to sys/) -> its compile-with text."""
    out: dict[str, str] = {}
    conf = Path(root, "sys", "conf")
    try:
        names = sorted(p.name for p in conf.iterdir() if p.name.startswith("files"))
    except OSError:
        return out
    for name in names:
        try:
            lines = _join_lines((conf / name).read_text(encoding="latin-1"))
        except OSError:
            continue
        for line in lines:
            if not _ENTRY_END.match(line) or line.startswith("#"):
                continue
            m = re.search(r'compile-with[ \t]+"([^"]*)"', line)
            if m:
                out.setdefault(line.split()[0], m.group(1))
    return out


def _expand(value: str, env: dict[str, str], root: str, depth: int = 0) -> str:
    if depth > 10:
        return value

    def sub(m: re.Match) -> str:
        name, mod = (m.group(1) or m.group(3)), m.group(2) or ""
        if name == "S":
            return f"{root}/sys"
        if name == "SRCTOP":
            return root
        if name in _USUAL_VARS:
            return "" if mod.startswith(":N") else f" {_USUAL} "
        return _expand(env.get(name, ""), env, root, depth + 1)

    return _REF.sub(sub, value)


def compile_flags(root: str | Path, rel: str) -> CompileFlags | None:
    """The extra flags the kernel build gives `rel` (a tree path under sys/),
    or None when its compile-with line (if any) adds nothing."""
    root = str(root)
    if not rel.startswith("sys/"):
        return None
    line = _compile_lines(root).get(rel[len("sys/"):])
    if line is None:
        return None
    words = _expand(line, _make_vars(root), root).split()
    flags = CompileFlags()
    seen_usual = False
    for i, w in enumerate(words):
        if w == _USUAL:
            seen_usual = True
            continue
        if w.startswith("-I"):
            d = w[2:] or (words[i + 1] if i + 1 < len(words) else "")
            if d and "$" not in d and Path(d).is_dir():
                d = str(Path(d))
                (flags.after if seen_usual else flags.before).append(d)
        elif w.startswith("-D") and len(w) > 2 and "$" not in w:
            flags.defines.append(w[2:].strip("'\""))
    if not (flags.before or flags.after or flags.defines):
        return None
    return flags
