"""`refactor inspect FILE`: what both C layers see in one file.

Lossless: parse errors and top-level items.  Semantic: whether the file parses
in each interesting configuration, and what each function uses.
"""

from __future__ import annotations

import re
from pathlib import Path

from refactor.c.semantic import parse_configs
from refactor.c.symbols import merged_symbols

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
    """The tree root above `path` (a dir with usr.sbin/ or lib/libvmmapi) and its dirs."""
    path = path.resolve()
    for parent in path.parents:
        if (parent / "usr.sbin").is_dir() or (parent / "lib" / "libvmmapi").is_dir():
            dirs = [path.parent]
            if (parent / "lib" / "libvmmapi").is_dir():
                dirs.append(parent / "lib" / "libvmmapi")
            return parent, dirs
    return None, [path.parent]


def semantic_default(path: Path):
    """The semantic parse of `path` in the default configuration (no defines)."""
    path = Path(path)
    root, dirs = default_include_dirs(path)
    return parse_configs(path.resolve(), [[]], [d.resolve() for d in dirs], root)[0]


def inspect_file(path: Path, defines: list[str] | None = None, include_dirs=()) -> dict:
    path = Path(path)
    data = path.read_bytes()
    root, dirs = default_include_dirs(path)
    dirs = [*map(Path, include_dirs), *dirs]
    result: dict = {"file": str(path), "lossless_errors": [], "items": [], "configs": [],
                    "uses": {}}
    try:
        from refactor.c.lossless import CFile
        cf = CFile(data, str(path))
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
    units = parse_configs(path.resolve(), configs, [d.resolve() for d in dirs],
                          root)
    for cfg, unit in zip(configs, units, strict=True):
        result["configs"].append({"defines": cfg, "ok": unit.ok, "error": unit.error})
    table = merged_symbols(units)
    for fn, (file, _line, _) in sorted(table.function_lines.items(), key=lambda kv: kv[1][1]):
        if file == units[0].path:
            result["uses"][fn] = sorted(table.uses[fn].all() - {fn})
    return result


def format_text(result: dict) -> str:
    out = [result["file"]]
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
