"""The differential link check: a program's undefined symbols against its own objects.

Each object's symbol table (pyelftools) says what it defines and what it
needs; its line table (objects are built with -gline-tables-only) says on
which line of which file each reference is.  A program links when every
symbol one of its objects needs is defined by another, or comes from outside
(LIBADD, libc).  Outside symbols cannot be judged without the libraries, so
the check is differential: a symbol the program defined before the commit,
and that an object still needs but no object defines after it, would not
link.  That covers a source dropped from SRCS, a function deleted while an
untouched file still calls it, and a definition that moved out of the program.
"""

from __future__ import annotations

import bisect
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Reference:
    """One use of an undefined symbol: where (tree path and line), if known."""

    symbol: str
    file: str  # tree path of the source line, or the unit's path when unknown
    line: int
    unit: str = ""  # the translation unit whose object needs the symbol

    @property
    def object(self) -> str:
        return posixpath.splitext(posixpath.basename(self.unit))[0] + ".o"


@dataclass
class Symbols:
    """What one object defines and needs."""

    defined: frozenset[str] = frozenset()
    needed: tuple[Reference, ...] = ()


def read_symbols(obj: Path, tu: str, to_tree_path: Callable[[str], str | None]) -> Symbols:
    """The global symbols `obj` (compiled from `tu`) defines, and each one it needs,
    with the first line that uses it."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.relocation import RelocationSection

    with open(obj, "rb") as fh:
        elf = ELFFile(fh)
        symtab = elf.get_section_by_name(".symtab")
        if symtab is None:
            return Symbols()
        defined, undefined = set(), set()
        for sym in symtab.iter_symbols():
            bind = sym["st_info"]["bind"]
            if not sym.name or bind not in ("STB_GLOBAL", "STB_WEAK"):
                continue
            if sym["st_shndx"] == "SHN_UNDEF":
                if bind == "STB_GLOBAL":  # a weak reference may stay unresolved
                    undefined.add(sym.name)
            else:
                defined.add(sym.name)
        lines = _line_tables(elf, to_tree_path)
        first: dict[str, Reference] = {}
        for sec in elf.iter_sections():
            if not isinstance(sec, RelocationSection) or sec["sh_info"] == 0:
                continue
            target = elf.get_section(sec["sh_info"])
            if not target.name.startswith(".text"):
                continue
            for rel in sec.iter_relocations():
                name = symtab.get_symbol(rel["r_info_sym"]).name
                if name in undefined and name not in first:
                    file, line = _lookup(lines, rel["r_offset"]) or (tu, 0)
                    first[name] = Reference(name, file, line, tu)
        for name in undefined - set(first):  # referenced from data, not code
            first[name] = Reference(name, tu, 0, tu)
    return Symbols(frozenset(defined), tuple(sorted(first.values(), key=lambda r: r.symbol)))


def _line_tables(elf, to_tree_path) -> tuple[list[int], list[tuple[str, int]]]:
    """(sorted .text addresses, (tree path, line) at each) from the DWARF line program."""
    if not elf.has_dwarf_info():
        return [], []
    dwarf = elf.get_dwarf_info()
    rows: list[tuple[int, str, int]] = []
    for cu in dwarf.iter_CUs():
        lp = dwarf.line_program_for_CU(cu)
        if lp is None:
            continue
        version = lp.header["version"]
        files = lp["file_entry"]
        dirs = lp["include_directory"]
        comp_dir = cu.get_top_DIE().attributes.get("DW_AT_comp_dir")
        comp = comp_dir.value.decode("utf-8", "replace") if comp_dir else ""

        for entry in lp.get_entries():
            st = entry.state
            if st is None or st.end_sequence:
                continue
            path = _file_name(version, files, dirs, comp, st.file)
            rows.append((st.address, to_tree_path(path) or path, st.line))
    rows.sort(key=lambda r: r[0])
    return [r[0] for r in rows], [(r[1], r[2]) for r in rows]


def _file_name(version: int, files, dirs, comp: str, index: int) -> str:
    """The path of file `index` of a line program (1-based before DWARF 5)."""
    i = index if version >= 5 else index - 1
    if not 0 <= i < len(files):
        return ""
    fe = files[i]
    d = fe.dir_index if version >= 5 else fe.dir_index - 1
    base = dirs[d].decode("utf-8", "replace") if 0 <= d < len(dirs) else comp
    if not posixpath.isabs(base):
        base = posixpath.join(comp, base)
    return posixpath.join(base, fe.name.decode("utf-8", "replace"))


def _lookup(lines, offset: int) -> tuple[str, int] | None:
    addrs, where = lines
    i = bisect.bisect_right(addrs, offset) - 1
    return where[i] if i >= 0 else None


@dataclass
class LinkResult:
    """One program in one configuration on one side of a commit."""

    objects: int = 0
    defined: frozenset[str] = frozenset()
    unresolved: dict[str, list[Reference]] = field(default_factory=dict)  # needed, not defined


def link(objects: dict[str, Symbols]) -> LinkResult:
    """Resolve every object's needs against all objects (unit path -> Symbols)."""
    defined = frozenset().union(*(s.defined for s in objects.values())) if objects \
        else frozenset()
    unresolved: dict[str, list[Reference]] = {}
    for _tu, syms in sorted(objects.items()):
        for ref in syms.needed:
            if ref.symbol not in defined:
                unresolved.setdefault(ref.symbol, []).append(ref)
    return LinkResult(len(objects), defined, unresolved)


def broken_links(before: LinkResult | None, after: LinkResult) -> list[Reference]:
    """References that resolved inside the program before and no longer do."""
    if before is None:
        return []
    out = []
    for sym, refs in sorted(after.unresolved.items()):
        if sym in before.defined:
            out += refs
    return out
