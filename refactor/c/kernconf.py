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
from functools import partial
from pathlib import Path

from refactor.parsecache import ParseCache

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


def compile_flags(root: str | Path, rel: str, cache: ParseCache) -> CompileFlags | None:
    """The extra flags the kernel build gives `rel` (a tree path under sys/),
    or None when its compile-with line (if any) adds nothing.  sys/conf is read
    once a run (`cache`)."""
    root = str(root)
    if not rel.startswith("sys/"):
        return None
    line = cache.get("kernel-compile-lines", root, partial(_compile_lines, root)).get(
        rel[len("sys/"):])
    if line is None:
        return None
    env = cache.get("kernel-make-vars", root, partial(_make_vars, root))
    words = _expand(line, env, root).split()
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


# The kernel configuration a build uses when none is named: GENERIC.
DEFAULT_KERNCONF = "GENERIC"
_CONF_WORD = re.compile(
    r"^[ \t]*(options|nooptions|cpu|device|nodevice|include|machine)[ \t]+(.*)$")


@dataclass
class KernelOptions:
    """What config(8) makes of a kernel configuration for the compiler."""

    global_defines: list[str] = field(default_factory=list)   # opt_global.h, -include'd
    headers: dict[str, str] = field(default_factory=dict)     # opt_inet.h -> its text
    machine_arch: str | None = None   # `machine arm armv7`: MACHINE_ARCH, when it says


def _conf_lines(conf_dir: Path, name: str, depth: int = 0) -> list[tuple[str, str]]:
    """(keyword, rest) of a kernel config file and the files it includes."""
    try:
        text = (conf_dir / name).read_text(encoding="latin-1")
    except OSError:
        return []
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        m = _CONF_WORD.match(line.split("#", 1)[0])
        if not m:
            continue
        kw, rest = m.group(1), m.group(2).strip()
        if kw == "include":
            if depth < 5:
                out += _conf_lines(conf_dir, rest.strip('"'), depth + 1)
        else:
            out.append((kw, rest))
    return out


def _option_homes(root: str, arch: str) -> dict[str, str]:
    """sys/conf/options and options.<arch>: option -> its opt_*.h header."""
    homes: dict[str, str] = {}
    for name in ("options", f"options.{arch}"):
        try:
            text = Path(root, "sys", "conf", name).read_text(encoding="latin-1")
        except OSError:
            continue
        for line in text.splitlines():
            words = line.split("#", 1)[0].split()
            if not words or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", words[0]):
                continue
            header = words[1] if len(words) > 1 and words[1].endswith(".h") else \
                f"opt_{words[0].lower()}.h"
            homes.setdefault(words[0], header)
    return homes


def kernel_options(root: str | Path, arch: str, cache: ParseCache,
                   kernconf: str = DEFAULT_KERNCONF) -> KernelOptions | None:
    """The opt_*.h headers config(8) writes for sys/<arch>/conf/<kernconf>, and
    the options of opt_global.h (the build's `-include opt_global.h`); None
    when the tree has no such config.  Read once a run (`cache`)."""
    root = str(root)
    return cache.get("kernel-options", (root, arch, kernconf),
                     partial(_kernel_options, root, arch, kernconf))


def _kernel_options(root: str, arch: str, kernconf: str) -> KernelOptions | None:
    conf_dir = Path(root, "sys", arch, "conf")
    lines = _conf_lines(conf_dir, kernconf)
    if not lines:
        return None
    homes = _option_homes(root, arch)
    chosen: dict[str, str] = {}
    machine_arch = None
    for kw, rest in lines:
        if kw == "machine":
            words = rest.split()
            machine_arch = words[1] if len(words) > 1 else machine_arch
            continue
        for word in (w.strip() for w in rest.split(",")):
            name, _, value = word.partition("=")
            name = name.strip()
            if not name:
                continue
            if kw in ("options", "cpu"):
                chosen[name] = value.strip().strip('"') or "1"
            elif kw == "nooptions":
                chosen.pop(name, None)
            elif kw in ("device", "nodevice"):
                dev = "DEV_" + name.split()[0].upper()
                if dev in homes:
                    if kw == "device":
                        chosen[dev] = "1"
                    else:
                        chosen.pop(dev, None)
    got = KernelOptions(machine_arch=machine_arch)
    for header in set(homes.values()):
        if header != "opt_global.h":
            got.headers[header] = ""
    for name, value in chosen.items():
        home = homes.get(name)
        if home is None:
            continue
        define = name if value == "1" else f"{name}={value}"
        if home == "opt_global.h":
            got.global_defines.append(define)
        else:
            got.headers[home] += f"#define {name} {value}\n"
    return got
