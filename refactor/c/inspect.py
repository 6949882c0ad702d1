"""`refactor inspect FILE`: what both C layers see in one file.

Lossless: parse errors and top-level items.  Semantic: whether the file parses
in each interesting configuration, and what each function uses.
"""

from __future__ import annotations

import posixpath
import re
import tempfile
from functools import partial
from pathlib import Path
from typing import NamedTuple

from refactor.c.semantic import parse_configs
from refactor.c.symbols import merged_symbols
from refactor.parsecache import ParseCache

MAX_CONFIGS = 4
# Macros tested by #ifdef that are build options, not include guards or arch.
_OPTION_RE = re.compile(r"^(BHYVE_|WITHOUT_|WITH_|NO_)[A-Z0-9_]+$")
_TESTED_RE = re.compile(
    r"^[ \t]*#[ \t]*(?:ifdef|ifndef)[ \t]+([A-Za-z_]\w*)|defined[ \t]*\(?[ \t]*([A-Za-z_]\w*)",
    re.M)


def option_macros(text: str) -> list[str]:
    """Build options the file tests, in order of first appearance."""
    seen: list[str] = []
    for m in _TESTED_RE.finditer(text):
        name = m.group(1) or m.group(2)
        if _OPTION_RE.match(name) and name not in seen:
            seen.append(name)
    return seen


def default_include_dirs(path: Path) -> tuple[Path | None, list[Path]]:
    """The tree root above `path` (a dir with usr.sbin/ or lib/libvmmapi) and its dirs.

    In a tree, the file's own dir is no -I dir (cpp looks there for "x.h"
    anyway): a local sdp.h that includes <sdp.h> must reach the system one."""
    path = path.resolve()
    for parent in path.parents:
        if (parent / "usr.sbin").is_dir() or (parent / "lib" / "libvmmapi").is_dir():
            dirs = [] if (parent / "include").is_dir() else [path.parent]
            if (parent / "lib" / "libvmmapi").is_dir():
                dirs.append(parent / "lib" / "libvmmapi")
            return parent, dirs
    return None, [path.parent]


ARCH = "amd64"
# Our own: a shared temporary folder may be cleaned by someone else mid-run.
SYSROOT_CACHE = Path(tempfile.gettempdir()) / "refactor-cfront-headers"


# Dirs named for an architecture (MACHINE_CPUARCH): a file under one is only
# built for it (sys/arm/..., lib/libc/aarch64/..., lib/msun/riscv/...).
_ARCH_DIRS = {"amd64": "amd64", "x86": "amd64", "i386": "i386", "arm": "arm",
              "arm64": "arm64", "aarch64": "arm64", "mips": "mips", "powerpc": "powerpc",
              "riscv": "riscv", "sparc64": "sparc64", "powerpc64": "powerpc",
              "mips64": "mips", "armv6": "arm", "armv7": "arm"}


def arch_of(root: Path | None, path: Path) -> str:
    """The architecture the build compiles `path` for: the one its path names
    (when the tree has that sys/<arch>/include), else the default, amd64."""
    if root is None:
        return ARCH
    try:
        parts = path.resolve().relative_to(root.resolve()).parts[:-1]
    except ValueError:
        return ARCH
    for part in parts:
        arch = _ARCH_DIRS.get(part)
        if arch is not None:
            return arch if (root / "sys" / arch / "include").is_dir() else ARCH
    return ARCH


def _staged(root: str, arch: str, cache: ParseCache) -> str:
    """The tree's headers staged as buildworld installs them (refactor.sysroot),
    once a run for each architecture; staged again if the folder went away."""
    from refactor.sysroot import stage_headers
    from refactor.tree import Tree

    got = cache.peek("staged", (root, arch))
    if got is None or not (Path(got) / ".complete").exists():
        got = cache.put("staged", (root, arch),
                        str(stage_headers(Tree.from_dir(root), arch, (), SYSROOT_CACHE)))
    return got


def _kernel_links(root: str, arch: str, cache: ParseCache) -> str:
    """A dir whose machine/ (and x86/ on x86) point into the tree, as config(8)'s
    objdir has."""
    import hashlib

    key = root if arch == ARCH else root + "\0" + arch
    d = SYSROOT_CACHE / ("kernel-" + hashlib.sha1(key.encode()).hexdigest()[:12])
    d.mkdir(parents=True, exist_ok=True)
    links = [("machine", f"sys/{arch}/include")]
    if arch in ("amd64", "i386"):
        links.append(("x86", "sys/x86/include"))
    for name, target in links:
        link = d / name
        if not link.is_symlink() and (Path(root) / target).is_dir():
            link.symlink_to(Path(root) / target)
    # config(8) writes the option headers of the kernel config into the same
    # objdir: opt_inet.h says `#define INET 1` when GENERIC has `options INET`.
    from refactor.c.kernconf import kernel_options

    opts = kernel_options(root, arch, cache)
    for header, text in (opts.headers.items() if opts else ()):
        f = d / header
        body = f"/* {header}: options of GENERIC, made as config(8) would */\n{text}"
        if not f.is_file() or f.read_text() != body:
            tmp = d / f".{header}.tmp"
            tmp.write_text(body)
            tmp.rename(f)
    return str(d)


def _kernel_defines(root: str, arch: str, cache: ParseCache) -> list[str]:
    """-D_KERNEL and what kern.pre.mk's CFLAGS add: -DHAVE_KERNEL_OPTION_HEADERS
    and `-include opt_global.h` (its options, as defines)."""
    from refactor.c.kernconf import kernel_options

    opts = kernel_options(root, arch, cache)
    if opts is None:
        return ["_KERNEL"]
    return ["_KERNEL", "HAVE_KERNEL_OPTION_HEADERS", *opts.global_defines]


def tree_header_dirs(root: Path | None, path: Path, arch: str | None = None,
                     cache: ParseCache | None = None) -> tuple[list[str], list[str]]:
    """(system include dirs, defines) with which the tree's own build compiles `path`.

    A kernel file (under sys/) sees the dirs of INCLUDES in
    sys/conf/kern.pre.mk (sys/ itself, contrib/ck/include, ...), machine/ and
    x86/, with _KERNEL defined; anything else sees the headers buildworld installs,
    staged by refactor.sysroot.  A tree without include/ and sys/sys (a
    partial tree) gets none: its system headers are stubbed.
    """
    if root is None or not (root / "include").is_dir() or not (root / "sys" / "sys").is_dir():
        return [], []
    cache = cache or ParseCache()
    arch = arch or arch_of(root, path)
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    if rel.startswith("sys/"):
        from refactor.c.kernconf import compile_flags

        kernel = cache.get("kernel-includes", str(root), lambda: _kernel_includes(str(root)))
        usual = [*kernel, _kernel_links(str(root), arch, cache)]
        defines = _kernel_defines(str(root), arch, cache)
        extra = compile_flags(root.resolve(), rel, cache)
        if extra is None:
            return usual, defines
        dirs = [*extra.before, *[d for d in usual if d not in extra.before]]
        dirs += [d for d in extra.after if d not in dirs]
        return dirs, [*defines, *[d for d in extra.defines if d not in defines]]
    return [_staged(str(root), arch, cache)], []


_KERNEL_I = re.compile(r"-I\$S(/[^\s]*)?")


def _kernel_includes(root: str) -> tuple[str, ...]:
    """The -I$S... dirs of the kernel's INCLUDES in sys/conf/kern.pre.mk (just $S
    when it is missing)."""
    dirs = [f"{root}/sys"]
    try:
        text = Path(root, "sys", "conf", "kern.pre.mk").read_text(encoding="latin-1")
    except OSError:
        return tuple(dirs)
    for line in text.splitlines():
        if re.match(r"INCLUDES\+?=", line):
            for m in _KERNEL_I.finditer(line):
                d = f"{root}/sys{m.group(1) or ''}".rstrip("/")
                if d not in dirs and Path(d).is_dir():
                    dirs.append(d)
    return tuple(dirs)


def makefile_flags(root: Path | None, path: Path, cache: ParseCache | None = None
                   ) -> tuple[list[Path], list[str]]:
    """(-I dirs, -D macros) of the Makefile that builds a userland `path`: the
    nearest one at or above its directory (lib/libc/Makefile for
    lib/libc/stdtime/*.c), evaluated in the default build configuration.
    Kernel files take theirs from sys/conf (tree_header_dirs)."""
    if root is None:
        return [], []
    root = root.resolve()
    rel = path.resolve().relative_to(root).parent.as_posix()
    if rel == "sys" or rel.startswith("sys/"):
        return [], []
    while rel not in ("", "."):
        if (root / rel / "Makefile").is_file():
            return (cache or ParseCache()).get(
                "makefile-flags", (str(root), rel), partial(_makefile_flags, str(root), rel))
        rel = posixpath.dirname(rel)
    return [], []


def _makefile_flags(root: str, rel: str) -> tuple[list[Path], list[str]]:
    from refactor.buildtest.config import Config, evaluate
    from refactor.tree import Tree

    try:
        bd = evaluate(Tree.from_dir(root), rel, Config())
    except Exception:  # a Makefile the small evaluator cannot read adds nothing
        bd = None
    if bd is None:
        return [], []
    # -I$S and -I$SRCTOP/include are what the staged headers stand for: reading
    # them as tree dirs would name every system header as a tree file.
    dirs = [Path(root, d) for d in bd.include_dirs
            if d not in ("", "sys", "include") and Path(root, d).is_dir()]
    defines = [f[2:] for f in bd.cflags if f.startswith("-D") and len(f) > 2]
    return dirs, defines


class DefaultConfig(NamedTuple):
    """How the tree's own build would preprocess a file."""

    root: Path | None
    dirs: list[Path]       # -I tree dirs
    system: list[str]      # system include dirs on disk
    defines: list[str]
    arch: str              # semantic.ARCH_MACROS key: arm, armv7, amd64, ...


def default_config(path: Path, cache: ParseCache | None = None) -> DefaultConfig:
    path = Path(path)
    cache = cache or ParseCache()
    root, dirs = default_include_dirs(path)
    arch = arch_of(root, path)
    system, defines = tree_header_dirs(root, path, arch, cache)
    mk_dirs, mk_defines = makefile_flags(root, path, cache)
    dirs = [*dirs, *(d for d in mk_dirs if d not in dirs)]
    return DefaultConfig(root, dirs, system,
                         [*defines, *(d for d in mk_defines if d not in defines)],
                         _compiler_arch(root, arch, cache))


def _compiler_arch(root: Path | None, arch: str, cache: ParseCache) -> str:
    """Which of semantic.ARCH_MACROS the compiler predefines for `arch`: the
    MACHINE_ARCH of its GENERIC (`machine arm armv7`) when that has its own."""
    from refactor.c.kernconf import kernel_options
    from refactor.c.semantic import ARCH_MACROS

    opts = kernel_options(str(root), arch, cache) if root is not None else None
    if opts is not None and opts.machine_arch in ARCH_MACROS:
        return opts.machine_arch
    return arch


def semantic_default(path: Path, cache: ParseCache | None = None):
    """The semantic parse of `path` in the default configuration (`cache`: the run's)."""
    path = Path(path)
    cache = cache or ParseCache()
    cfg = default_config(path, cache)
    return parse_configs(path.resolve(), [cfg.defines], [d.resolve() for d in cfg.dirs],
                         cfg.root, system_dirs=cfg.system, cache=cache, arch=cfg.arch)[0]


def inspect_file(path: Path, defines: list[str] | None = None, include_dirs=(),
                 cache: ParseCache | None = None) -> dict:
    path = Path(path)
    cache = cache or ParseCache()
    data = path.read_bytes()
    root, dirs, system, base, arch = default_config(path, cache)
    dirs = [*map(Path, include_dirs), *dirs]
    result: dict = {"file": str(path), "lossless_errors": [], "items": [], "configs": [],
                    "uses": {}}
    try:
        from refactor.c.lossless import CFile
        cf = cache.view(CFile, str(path), data)
        result["lossless_errors"] = [{"line": e.line, "text": e.text} for e in cf.errors]
        result["items"] = [{"kind": it.kind, "name": it.name, "start_line": it.start_line,
                            "end_line": it.end_line, "conditions": list(it.conditions)}
                           for it in cf.items]
    except ImportError:
        pass
    if defines:
        configs = [[d] for d in defines]
    else:
        configs = [[]] + [[name] for name in option_macros(data.decode("latin-1"))]
        configs = configs[:MAX_CONFIGS]
    units = parse_configs(path.resolve(), [[*base, *c] for c in configs],
                          [d.resolve() for d in dirs], root, system_dirs=system, cache=cache,
                          arch=arch)
    for cfg, unit in zip(configs, units, strict=True):
        result["configs"].append({"defines": cfg, "ok": unit.ok, "error": unit.error,
                                  "message": plain_error(unit) if not unit.ok else None})
    name = path.name
    failed = [f"{name}:{e['line']}: cannot parse near {e['text'].strip()[:80]}"
              for e in result["lossless_errors"]]
    failed += [c["message"] for c in result["configs"] if c["message"]]
    result["ok"] = not failed
    result["errors"] = failed
    table = merged_symbols(units)
    for fn, (file, _line, _) in sorted(table.function_lines.items(), key=lambda kv: kv[1][1]):
        if file == units[0].path:
            result["uses"][fn] = sorted(table.uses[fn].all() - {fn})
    return result


_LOCATED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+)(?::\d+)?: (?P<msg>.*)$")
_CALL = re.compile(r"\b([A-Z_][A-Z0-9_]*)\s*\(")


def plain_error(unit) -> str:
    """A semantic failure in plain words: `FILE:LINE: what failed near <source text>`,
    and for a macro on that line, the header that defines it."""
    err = unit.error or "unknown error"
    m = _LOCATED.match(err)
    if not m:
        return err
    file, line, msg = m.group("file"), int(m.group("line")), m.group("msg")
    # A system header keeps its <sys/x.h> name: a bare x.h could be anyone's.
    short = file if file.startswith("<") else file.rsplit("/", 1)[-1]
    data = unit.tree_files.get(file)
    if data is not None:
        lines = data.decode("latin-1").splitlines()
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    else:
        # Not a tree file (a system header read from disk): the line as cpp
        # left it is what there is to show.
        text = _preprocessed_line(unit, file, line)
    if msg.startswith(("before:", "Invalid", "Missing type")):
        what = "cannot parse"
    else:
        what = msg.replace("error: ", "")
    if what.startswith("#error") and text.startswith("#"):
        text = ""  # the directive is the message already
    if len(text) > 80:
        text = text[:77] + "..."
    out = f"{short}:{line}: {what} near {text}" if text else f"{short}:{line}: {what}"
    for name in _CALL.findall(text):
        home = _macro_home(unit, name)
        if home:
            return f"{short}:{line}: {what} {name}(...) (macro from {home}) near {text}"
    return out


_LINE_MARKER = re.compile(r'^# (\d+) "([^"]*)"')


def _preprocessed_line(unit, file: str, line: int) -> str:
    """Line `line` of `file` in the unit's preprocessed text ('' if absent)."""
    cur, n = None, 0
    for text in (unit.preprocessed or "").splitlines():
        m = _LINE_MARKER.match(text)
        if m:
            cur, n = m.group(2), int(m.group(1))
            continue
        if cur == file and n == line:
            return text.strip()
        n += 1
    return ""


def _macro_home(unit, name: str) -> str | None:
    pat = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+" + re.escape(name.encode()) + rb"\b", re.M)
    for file, data in unit.tree_files.items():
        if pat.search(data):
            return file.rsplit("/", 1)[-1]
    return None


def format_text(result: dict) -> str:
    out = [result["file"]]
    for e in result.get("errors", []):
        out.append(f"error: {e}")
    errs = result["lossless_errors"]
    out.append(f"lossless: {len(result['items'])} items, {len(errs)} parse errors")
    for e in errs:
        out.append(f"  line {e['line']}: {e['text']}")
    for it in result["items"]:
        cond = f"  [{' && '.join(it['conditions'])}]" if it["conditions"] else ""
        out.append(f"  {it['start_line']:>5}-{it['end_line']:<5} {it['kind']:<11} "
                   f"{it['name']}{cond}")
    out.append("semantic:")
    for c in result["configs"]:
        name = " ".join(f"-D{d}" for d in c["defines"]) or "(no defines)"
        out.append(f"  {name}: " + ("ok" if c["ok"] else f"FAILED: {c['error']}"))
    out.append("uses:")
    for fn, names in result["uses"].items():
        out.append(f"  {fn}: {', '.join(names)}")
    return "\n".join(out) + "\n"
