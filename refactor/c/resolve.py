"""Does every name a file uses still resolve where it is used?

pycparser does not check undeclared identifiers, so this walks each unit with
C's scopes (symbols.py) and collects identifiers that no declaration in scope
covers.  The rule for an undeclared identifier:

  It is an ERROR when some tree file of the project defines that name (a
  function, a variable, a macro, a typedef, an enum constant): the project has
  it, so the file must see a declaration of it (a prototype in an included
  header, the macro's header, ...).  Anything no project file defines is
  assumed to come from a system header (socket, bind, EINTR, ...) and is not
  reported, because system headers are stubs here.

The project files are the files checked, every tree header they include, and
any `project_files` the caller names (by default, every .c/.h file in the
directories of the checked files when the tree is a directory on disk, or all
of a mapping's files).  A type name that was stubbed by typedef discovery but
that a project file defines with `typedef` is an error in the same way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from refactor.c.semantic import SemanticUnit, parse_configs, typedef_names
from refactor.c.symbols import symbols
from refactor.c.words import DEFINE_RE as _DEFINE_RE
from refactor.parsecache import ParseCache, digest


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    name: str
    message: str
    defines: tuple = ()

    def __str__(self) -> str:
        cfg = ", ".join(f"{k}={v}" if v else k for k, v in self.defines)
        return f"{self.file}:{self.line}: {self.message}" + (f" [{cfg}]" if cfg else "")


@dataclass
class ConfigResult:
    file: str
    defines: dict[str, str]
    parsed: bool
    error: str | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.parsed and not self.problems


@dataclass
class Resolution:
    results: list[ConfigResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def problems(self) -> list[Problem]:
        seen, out = set(), []
        for r in self.results:
            for p in r.problems:
                if (p.file, p.line, p.name) not in seen:
                    seen.add((p.file, p.line, p.name))
                    out.append(p)
        return out

    def messages(self) -> list[str]:
        out = [f"{r.error} [{_cfg(r.defines)}]" for r in self.results if not r.parsed]
        return out + [str(p) for p in self.problems]


def _cfg(defines: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" if v else k for k, v in sorted(defines.items())) or "default"


@dataclass(frozen=True)
class Definition:
    file: str
    kind: str      # function, variable, macro, typedef, enum_constant
    static: bool


def _reader_and_files(tree, files: Iterable[str]):
    if isinstance(tree, Mapping):
        return (lambda p: tree.get(p)), list(tree.keys())
    listing: list[str] = []
    for d in sorted({os.path.dirname(f) for f in files}):
        listing += [f for f in tree.list(d) if f.endswith((".c", ".h"))]
    # Files the change created or deleted are in tree.changes.
    listing += list(getattr(tree, "changes", {}) or {})
    return tree.read, listing


def project_definitions(read, paths: Iterable[str], include_dirs: list[str],
                        cache: ParseCache | None = None) -> dict[str, list[Definition]]:
    """What the project's files define, by name (all configurations: every
    #define, every function and file-scope object of the default one)."""
    cache = cache or ParseCache()
    out: dict[str, list[Definition]] = {}

    def add(name, d):
        lst = out.setdefault(name, [])
        if d not in lst:
            lst.append(d)

    for p in sorted(set(paths)):
        data = read(p)
        if data is None:
            continue
        for m in _DEFINE_RE.finditer(data):
            add(m.group(1).decode(), Definition(p, "macro", p.endswith(".c")))
        for t in typedef_names(data, p, cache):
            add(t, Definition(p, "typedef", p.endswith(".c")))
        if not p.endswith(".c"):
            continue
        for key, d in _unit_definitions(read, p, data, include_dirs, cache):
            add(key, d)
    return out


def _unit_definitions(read, p: str, data: bytes, include_dirs: list[str],
                      cache: ParseCache) -> list[tuple[str, Definition]]:
    """Functions, file-scope objects and enum constants that the .c file `p` defines.

    Kept in the run's cache by (path, bytes, include dirs), with the tree files
    the parse read: a recipe's build-test asks for the same files at every
    step, before and after, and only a changed header makes it parse again.
    """
    key = (p, digest(data), tuple(include_dirs))
    hit = cache.peek("unit-defs", key)
    if hit is not None and all(read(f) == d for f, d in hit[0].items()):
        return hit[1]
    unit = parse_configs(data, [{}], include_dirs, path=p, reader=read, cache=cache)[0]
    found: list[tuple[str, Definition]] = []
    if unit.ok:
        for name, syms in symbols(unit).symbols.items():
            found += [(name, Definition(p, s.kind, s.static)) for s in syms
                      if s.file == p and s.definition
                      and s.kind in ("function", "variable", "enum_constant")]
    cache.put("unit-defs", key, ({f: d for f, d in unit.tree_files.items() if f != p}, found))
    return found


def _explain(name: str, defs: list[Definition], here: str) -> str:
    other = [d for d in defs if d.file != here] or defs
    d = other[0]
    if d.kind == "macro":
        return f"'{name}' is used but not defined (it is a macro in {d.file}, not included)"
    if d.kind == "typedef":
        return f"type '{name}' is used but not declared (it is defined in {d.file})"
    if d.static and d.file != here:
        return f"'{name}' is used but not declared (it is static in {d.file})"
    what = "no prototype is in scope" if d.kind == "function" else "no declaration is in scope"
    return f"'{name}' is used but not declared (it is defined in {d.file}; {what})"


def check_unit(unit: SemanticUnit, defs: Mapping[str, list[Definition]]) -> ConfigResult:
    res = ConfigResult(unit.path, unit.defines, unit.ok, unit.error)
    if not unit.ok:
        return res
    cfg = tuple(sorted(unit.defines.items()))
    seen: set[tuple[str, int]] = set()
    for use in symbols(unit).undeclared:
        if use.name in defs and (use.name, use.line) not in seen:
            seen.add((use.name, use.line))
            res.problems.append(Problem(use.file, use.line, use.name,
                                        _explain(use.name, defs[use.name], unit.path), cfg))
    tdefs = {n for n, ds in defs.items() if any(d.kind == "typedef" for d in ds)}
    for name in sorted(set(unit.discovered_types) & tdefs):
        line = _first_line(unit.tree_files.get(unit.path, b""), name)
        res.problems.append(Problem(unit.path, line, name,
                                    _explain(name, [d for d in defs[name]
                                                    if d.kind == "typedef"], unit.path), cfg))
    return res


def _first_line(data: bytes, name: str) -> int:
    m = re.search(rb"\b" + re.escape(name.encode()) + rb"\b", data)
    return data.count(b"\n", 0, m.start()) + 1 if m else 0


def check_resolution(tree, files: Iterable[str], configs: Iterable = ({},),
                     include_dirs: Iterable[str] = (),
                     project_files: Iterable[str] | None = None,
                     cache: ParseCache | None = None) -> Resolution:
    """Check each of `files` (tree paths of .c files) in each configuration.

    `tree` is a refactor.tree.Tree (its current state, changes included) or a
    mapping path -> bytes.  `include_dirs` are tree paths, e.g. lib/libvmmapi.
    The parses are the run's: `cache`, else the Tree's (`Tree.parses`).
    """
    if cache is None:
        cache = getattr(tree, "parses", None) or ParseCache()
    files = list(files)
    configs = list(configs)
    include_dirs = [str(d) for d in include_dirs]
    read, listing = _reader_and_files(tree, files)
    paths = set(project_files) if project_files is not None else set(listing)
    paths |= set(files)
    results: list[ConfigResult] = []
    units_by_file = {}
    for f in files:
        data = read(f)
        if data is None:
            raise FileNotFoundError(f)
        units_by_file[f] = parse_configs(data, configs, include_dirs, path=f, reader=read,
                                         cache=cache)
        for u in units_by_file[f]:
            paths |= {p for p in u.tree_files}
    defs = project_definitions(read, paths, include_dirs, cache)
    for f in files:
        for u in units_by_file[f]:
            results.append(check_unit(u, defs))
    return Resolution(results)
