"""The semantic view of a C file: its meaning in one preprocessor configuration.

A file is preprocessed by the host `cpp` (gcc's), but never against the host's
headers: `-nostdinc -undef` keeps /usr/include and Linux macros out, `<...>`
headers that the caller's tree does not hold become stubs (see stubs.py), and
`"..."` headers come from the tree, found the way cpp finds them (the
including file's directory, then the caller's include directories).

Every tree file is copied, headed by a `# 1 "name"` line, into a temporary
directory, so the line markers cpp emits, and therefore
the coordinates pycparser gives every node, name the original file and line.
Stub headers are named `<x/y.h>` in those coordinates, which is how callers
tell a system declaration from a tree one (`is_system_file`).  The copies are
not masked with hints.mask: cpp itself removes `__unused` and friends through
the prelude's defines, and masking also blanks GNU named variadic macro
parameters (`arg...`), which changes what cpp does.

Typedef discovery: pycparser must know every type name.  Type names the
lossless layer sees in type position, and well-known libc names the text
mentions, are declared in a "<discovered>" block ahead of everything, unless
a tree file defines them (their home header, when stubs.SYSTEM_HOMES knows
it, is kept in `discovered_types`).  A parse error at an
unknown name is retried a few times with that name declared as a type, which
catches what the first pass missed.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pycparser import c_ast
from pycparser.c_parser import ParseError

from refactor.c import stubs
from refactor.c.words import C_KEYWORDS
from refactor.c.words import DEFINE_RE as _DEFINED_RE
from refactor.c.words import IDENT_RE as _IDENT_RE
from refactor.parsecache import ParseCache, digest, no_gc

Reader = Callable[[str], "bytes | None"]

CPP = "/usr/bin/cpp"
# FreeBSD's compiler, as it predefines itself on any architecture ...
_CPP_COMMON = [
    "-nostdinc", "-undef", "-x", "c", "-std=gnu99",
    "-D__FreeBSD__=14", "-D__GNUC__=4", "-D__GNUC_MINOR__=2", "-D__CHAR_BIT__=8",
    "-D__ELF__=1", "-D_KERNEL_NOT=1", "-U__linux__", "-U__linux",
]
_LP64 = ["-D__LP64__=1", "-D__SIZEOF_POINTER__=8", "-D__SIZEOF_LONG__=8"]
_ILP32 = ["-D__ILP32__=1", "-D__SIZEOF_POINTER__=4", "-D__SIZEOF_LONG__=4"]
# ... and what it predefines per architecture (MACHINE_CPUARCH), for the
# macros FreeBSD's headers test: a file under sys/arm/ is built for arm only.
ARCH_MACROS: dict[str, list[str]] = {
    "amd64": ["-D__amd64__=1", "-D__amd64=1", "-D__x86_64__=1", "-D__x86_64=1", *_LP64],
    "i386": ["-D__i386__=1", "-D__i386=1", *_ILP32],
    # armv6 (arm1176jzf-s), arm's MACHINE_ARCH when no kernel config says more.
    "arm": ["-D__arm__=1", "-D__ARM_ARCH=6", "-D__ARM_ARCH_6ZK__=1", "-D__ARM_ARCH_6KZ__=1",
            "-D__ARM_EABI__=1", "-D__ARMEL__=1", *_ILP32],
    "armv7": ["-D__arm__=1", "-D__ARM_ARCH=7", "-D__ARM_ARCH_7A__=1", "-D__ARM_EABI__=1",
              "-D__ARMEL__=1", *_ILP32],
    "arm64": ["-D__aarch64__=1", *_LP64],
    "mips": ["-D__mips__=1", "-D__mips=32", "-D__MIPSEB__=1", "-D__MIPSEB=1",
             "-D_MIPS_SZINT=32", "-D_MIPS_SZLONG=32", "-D_MIPS_SZPTR=32",
             "-D__mips_o32=1", *_ILP32],
    "powerpc": ["-D__powerpc__=1", "-D__ppc__=1", "-D__BIG_ENDIAN__=1", *_ILP32],
    "riscv": ["-D__riscv=1", "-D__riscv_xlen=64", "-D__riscv_float_abi_double=1",
              "-D__riscv_flen=64", *_LP64],
    "sparc64": ["-D__sparc64__=1", "-D__sparc_v9__=1", *_LP64],
}
DEFAULT_ARCH = "amd64"
CPP_FLAGS = [*_CPP_COMMON, *ARCH_MACROS[DEFAULT_ARCH]]
DISCOVERED = "<discovered>"
PRELUDE_NAME = "<prelude>"
MAX_RETRIES = 8

_INCLUDE_RE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]', re.M)
# A file-scope statement that can only be a declaration-like macro, such as
# `PCI_EMUL_SET(pci_de_vblk);` or `SYSRES_IO(ELCR_PORT, 2);`.
_DECL_MACRO_RE = re.compile(rb"^([A-Z_][A-Z0-9_]*)[ \t]*\(.*\);[ \t]*$", re.M)


def is_system_file(name: str | None) -> bool:
    """Coordinates in stubs, the prelude or discovered types name `<...>`."""
    return name is not None and name.startswith("<")


def disk_reader(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes() if os.path.isfile(path) else None
    except OSError:
        return None


@dataclass
class Include:
    """One `#include` line of a tree file and where it led."""

    includer: str          # the tree file that has the line
    kind: str              # '<' or '"'
    name: str              # as written: 'sys/types.h'
    resolved: str | None   # tree path it was found at, or None when stubbed

    @property
    def spelled(self) -> str:
        return f"<{self.name}>" if self.kind == "<" else f'"{self.name}"'

    @property
    def target(self) -> str:
        """The file name its declarations carry in coordinates."""
        return self.resolved if self.resolved else f"<{self.name}>"


@dataclass
class SemanticUnit:
    path: str                      # tree path of the main file, as coordinates name it
    defines: dict[str, str]
    ok: bool
    error: str | None              # "file:line: message" when not ok
    ast: c_ast.FileAST | None
    tree_files: dict[str, bytes]   # every tree file of the unit (main + headers), unmasked
    includes: list[Include]
    discovered_types: dict[str, str]   # stubbed type -> its home '<x.h>', or DISCOVERED
    preprocessed: str = ""
    #: The run's parses this unit came from; symbols.py reads lossless views there.
    cache: ParseCache | None = field(default=None, repr=False, compare=False)

    def includes_of(self, path: str) -> list[Include]:
        return [inc for inc in self.includes if inc.includer == path]

    def reaches(self, include: Include) -> set[str]:
        """Every file (tree path or `<stub>`) that `include` brings in, itself too."""
        seen: set[str] = set()
        todo = [include.target]
        while todo:
            cur = todo.pop()
            if cur in seen:
                continue
            seen.add(cur)
            todo.extend(inc.target for inc in self.includes_of(cur))
        return seen


def _lossless(data: bytes, path: str, cache: ParseCache | None):
    """The lossless view of a file, from the run's cache (None if unavailable)."""
    return (cache or ParseCache()).lossless(data, path)


def _strip_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/|//[^\n]*", lambda m: re.sub(r"[^\n]", " ", m.group()),
                  text, flags=re.S)


def typedef_names(data: bytes, path: str = "", cache: ParseCache | None = None) -> set[str]:
    """Type names a tree file defines with `typedef`."""
    cache = cache or ParseCache()

    def find() -> frozenset[str]:
        names: set[str] = set()
        cf = _lossless(data, path, cache)
        if cf is not None:
            try:
                names = set(cf.typedef_names())
            except Exception:
                names = set()
        return frozenset(names | _typedef_names_text(data))

    return set(cache.get("typedefs", (path, digest(data)), find))


def _typedef_names_text(data: bytes) -> set[str]:
    """`typedef ... NAME;` read from the text, braces flattened first."""
    names: set[str] = set()
    text = re.sub(r"__attribute__\s*\(\(.*?\)\)", " ", _strip_comments(data.decode("latin-1")))
    while True:
        flat = re.sub(r"\{[^{}]*\}", " ", text)
        if flat == text:
            break
        text = flat
    for m in re.finditer(r"\btypedef\b([^;]*);", text):
        body = re.sub(r"\[[^\]]*\]", "", m.group(1))
        fp = re.search(r"\(\s*\*\s*(\w+)\s*\)", body) or re.search(r"(\w+)\s*\(", body)
        if fp:
            names.add(fp.group(1))
            continue
        idents = _IDENT_RE.findall(body)
        if idents:
            names.add(idents[-1])
    return names


def used_type_names(data: bytes, path: str = "", cache: ParseCache | None = None) -> set[str]:
    """Names the file uses in type position (all #if branches)."""
    cache = cache or ParseCache()
    return set(cache.get("used-types", (path, digest(data)),
                         lambda: frozenset(_used_type_names(data, path, cache))))


def _used_type_names(data: bytes, path: str, cache: ParseCache) -> set[str]:
    cf = _lossless(data, path, cache)
    names: set[str] = set()
    if cf is not None:
        try:
            # Where tree-sitter found an error, a "type" may be any word.
            names = {i.name for i in cf.idents(kind="type") if not cf.in_error(i.start, i.end)}
        except Exception:
            names = set()
    text = _strip_comments(data.decode("latin-1"))
    # A name that starts a line before `(` is a function being defined
    # (style(9)), whatever its suffix: `cam_sbintime_t(uintptr_t d)`.
    defined_functions = set(_FUNCTION_LINE_RE.findall(text))
    # Well-known system types, and FreeBSD's `*_t` convention, by name.
    for tok in set(_IDENT_RE.findall(text)):
        if tok in stubs.KNOWN_TYPES or (tok.endswith("_t") and not tok.isupper()
                                        and tok not in defined_functions):
            names.add(tok)
    return names - C_KEYWORDS - knr_parameters(text)


_FUNCTION_LINE_RE = re.compile(r"^([A-Za-z_]\w*)[ \t]*\(", re.M)
# A K&R definition: `name(a, b)`, then a line of declarations ending in `;`
# each, then `{`.  Tree-sitter reads the list `(a, b)` as one of types.
_KNR_RE = re.compile(
    r"\b\w+[ \t]*\([ \t]*(\w+(?:[ \t]*,[ \t]*\w+)*)[ \t]*\)[ \t]*\n"
    r"((?:[^;{}#\n]*;[ \t]*\n|[ \t]*\n)+)[ \t]*\{")


def knr_parameters(text: str) -> set[str]:
    """Names of K&R parameter lists that the declarations below them declare."""
    out: set[str] = set()
    for m in _KNR_RE.finditer(text):
        declared = set(_IDENT_RE.findall(m.group(2)))
        out |= {n.strip() for n in m.group(1).split(",")} & declared
    return out


class _Prepared:
    """A main file, the tree headers it reaches and the stubs for the rest.

    Made in two parts: the walk of its includes, which names it (`key`), and
    `analyse()`, the type and macro discovery, done once per key in a run.
    """

    def __init__(self, path: str, data: bytes, reader: Reader, include_dirs: list[str],
                 display: Callable[[str], str], system_dirs: list[str] | None = None,
                 cache: ParseCache | None = None, arch: str = DEFAULT_ARCH):
        self.cache = cache or ParseCache()
        self.path = path
        self.arch = arch
        self.display = display
        self.include_dirs = include_dirs
        self.system_dirs = system_dirs or []     # on disk, read by cpp itself
        self.files: dict[str, bytes] = {}        # tree path -> bytes
        self.includes: list[Include] = []
        self.stubbed: set[str] = set()           # header names to stub
        todo = [(path, data)]
        self._system: list[str] = []             # system headers reached, on disk
        self.system_typedefs: set[str] = set()
        while todo:
            cur, cur_data = todo.pop()
            if cur in self.files:
                continue
            self.files[cur] = cur_data
            for m in _INCLUDE_RE.finditer(cur_data):
                kind, name = m.group(1).decode(), m.group(2).decode("latin-1").strip()
                found = self._resolve(cur, kind, name, reader)
                self.includes.append(Include(display(cur), kind, name,
                                             display(found[0]) if found else None))
                if found:
                    todo.append(found)
                elif (on_disk := self._in_system_dirs(name)) is not None:
                    self._system.append(on_disk)
                else:
                    self.stubbed.add(name)
        self.key = hashlib.sha1(repr((
            sorted((display(p), digest(d)) for p, d in self.files.items()),
            include_dirs, self.system_dirs, arch,
        )).encode()).hexdigest()
        self._reader: Reader | None = reader

    def analyse(self) -> _Prepared:
        """Stubs for what the system headers lack, typedef discovery, macros."""
        if self._reader is not None:
            self._stub_missing_system(self._system, self._reader)
        self._reader = None  # kept in the run's cache: no reference to the first tree
        tree_typedefs: set[str] = set()
        used: set[str] = set()
        for p, d in self.files.items():
            tree_typedefs |= typedef_names(d, p, self.cache)
            used |= used_type_names(d, p, self.cache)
        self.tree_typedefs = tree_typedefs
        # Declaration-like macros that no file we have defines (their header is
        # missing and stubbed) expand to nothing, as a macro hint would.
        defined = {m.group(1) for d in self.files.values() for m in _DEFINED_RE.finditer(d)}
        defined |= {m.group(1) for m in _DEFINED_RE.finditer(stubs.PRELUDE.encode())}
        self.decl_macros = sorted({m.group(1).decode() for d in self.files.values()
                                   for m in _DECL_MACRO_RE.finditer(d)} - {
                                       n.decode() for n in defined})
        # Every discovered type is declared up front, before any header can need
        # it; its home header (when known) is kept as information.
        self.types: dict[str, str] = {}          # type -> '<home.h>' or DISCOVERED
        for name in sorted(used - tree_typedefs - self.system_typedefs):
            home = stubs.SYSTEM_HOMES.get(name)
            self.types[name] = f"<{home}>" if home else DISCOVERED
        return self

    def _kobj_types(self, header: str) -> list[str]:
        """The method types of a kobj interface header (device_if.h) that the
        build makes from the tree's .m file: `device_probe_t`, ..."""
        base = posixpath.basename(header)
        if not base.endswith("_if.h"):
            return []
        for d in self.system_dirs:
            m_file = _interface_files(d, self.cache).get(base[:-2] + ".m")
            if m_file:
                return _kobj_method_types(m_file)
        return []

    def _in_system_dirs(self, name: str) -> str | None:
        for d in self.system_dirs:
            cand = os.path.join(d, name)
            if os.path.isfile(cand):
                return cand
        return None

    def _stub_missing_system(self, todo: list[str], reader: Reader) -> None:
        """Stub what the system headers include but no dir holds (compiler headers
        such as <stdarg.h>, generated ones such as offset.inc)."""
        seen: set[str] = set()
        while todo:
            cur = todo.pop()
            if cur in seen:
                continue
            seen.add(cur)
            includes, typedefs = _system_includes(cur, self.cache)
            self.system_typedefs |= typedefs
            for kind, name in includes:
                own = os.path.join(os.path.dirname(cur), name)
                if kind == '"' and os.path.isfile(own):
                    todo.append(own)
                    continue
                found = self._in_system_dirs(name)
                if found:
                    todo.append(found)
                elif self._resolve(cur, "<", name, reader) is None:
                    self.stubbed.add(name)

    def _resolve(self, includer: str, kind: str, name: str,
                 reader: Reader) -> tuple[str, bytes] | None:
        dirs = list(self.include_dirs)
        if kind == '"':
            dirs.insert(0, posixpath.dirname(includer))
        for d in dirs:
            cand = posixpath.normpath(posixpath.join(d, name)) if d else posixpath.normpath(name)
            if cand.startswith("../"):
                continue
            got = reader(cand)
            if got is not None:
                return cand, got
        return None

    def materialize(self, root: str) -> None:
        """Write masked tree files and stubs under `root` for cpp."""
        for p, d in self.files.items():
            dst = os.path.join(root, "t", p.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(b'# 1 "' + self.display(p).encode("latin-1") + b'"\n')
                f.write(d)
        for name in self.stubbed:
            dst = os.path.join(root, "s", name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "w", encoding="latin-1") as f:
                f.write(f'# 1 "<{name}>"\n' + stubs.stub_header(name, set()))
                f.writelines(stubs.typedef_line(t) + "\n" for t in self._kobj_types(name))
        with open(os.path.join(root, "prelude.h"), "w") as f:
            f.write(f'# 1 "{PRELUDE_NAME}"\n' + stubs.PRELUDE)
            f.writelines(f"#define {name}(...)\n" for name in self.decl_macros)

    def cpp_argv(self, root: str, defines: Mapping[str, str]) -> list[str]:
        argv = [CPP, *_CPP_COMMON, *ARCH_MACROS.get(self.arch, ARCH_MACROS[DEFAULT_ARCH])]
        for name, value in sorted(defines.items()):
            argv.append(f"-D{name}" if value in (None, "") else f"-D{name}={value}")
        for d in self.include_dirs:
            argv += ["-I", os.path.join(root, "t", d.lstrip("/"))]
        for d in self.system_dirs:
            argv += ["-I", d]
        argv += ["-I", os.path.join(root, "s"), "-include", os.path.join(root, "prelude.h")]
        argv.append(os.path.join(root, "t", self.path.lstrip("/")))
        return argv


def _system_includes(path: str, cache: ParseCache
                     ) -> tuple[list[tuple[str, str]], set[str]]:
    """(kind, name) of each #include of a system header, and the types it
    typedefs (read once per run: system headers do not change in a run)."""
    def read() -> tuple[list[tuple[str, str]], set[str]]:
        data = disk_reader(path) or b""
        return ([(m.group(1).decode(), m.group(2).decode("latin-1").strip())
                 for m in _INCLUDE_RE.finditer(data)], _typedef_names_text(data))

    return cache.get("system-includes", path, read)


# One line each: `\s` would let `INTERFACE regnode;` run on into `HEADER {`.
_KOBJ_RE = re.compile(
    r"^[ \t]*(INTERFACE|(?:STATIC)?METHOD)[ \t]+(?:[^\n]*[ \t])?\**(\w+)[ \t]*[;{]", re.M)


def _interface_files(d: str, cache: ParseCache) -> dict[str, str]:
    """kobj interface files (`*_if.m`) under a system dir, by name (found once a run)."""
    def find() -> dict[str, str]:
        got: dict[str, str] = {}
        for dirpath, dirnames, filenames in os.walk(d):
            dirnames[:] = [x for x in dirnames if not x.startswith(".")]
            for f in filenames:
                if f.endswith("_if.m"):
                    got.setdefault(f, os.path.join(dirpath, f))
        return got

    return cache.get("interfaces", d, find)


def _kobj_method_types(m_file: str) -> list[str]:
    text = _strip_comments((disk_reader(m_file) or b"").decode("latin-1"))
    iface, out = None, []
    for m in _KOBJ_RE.finditer(text):
        if m.group(1) == "INTERFACE":
            iface = m.group(2)
        elif iface:
            out.append(f"{iface}_{m.group(2)}_t")
    return out


_local = threading.local()


def _parser():
    # One parser per thread: pycparser keeps per-parse state on the object.
    p = getattr(_local, "parser", None)
    if p is None:
        p = _local.parser = _parser_class()()
    return p


_PARSER_CLASS: list[type] = []


def _parser_class() -> type:
    """pycparserext's GNU parser, plus the one K&R shape pycparser 3 lacks: a
    definition with no return type and a declaration list, `main(argc, argv)
    char **argv; {`, which is C89's implicit int."""
    if _PARSER_CLASS:
        return _PARSER_CLASS[0]
    from pycparserext.ext_c_parser import GnuCParser

    class Parser(GnuCParser):
        def _parse_external_declaration(self):
            tok = self._peek()
            if tok is None or tok.type != "ID" or self._starts_declaration(tok):
                return super()._parse_external_declaration()
            mark = self._mark()
            try:
                decl = self._parse_id_declarator()
                if self._starts_declaration():
                    params = self._parse_declaration_list()
                    if self._peek_type() == "LBRACE":
                        spec = dict(qual=[], alignment=[], storage=[], function=[],
                                    type=[c_ast.IdentifierType(["int"], coord=decl.coord)])
                        return [self._build_function_definition(
                            spec=spec, decl=decl, param_decls=params,
                            body=self._parse_compound_statement())]
            except ParseError:
                pass
            self._reset(mark)
            return super()._parse_external_declaration()

        def _parse_conditional_expression(self):
            # pycparser's own, plus GNU `a ?: b` (a when it is nonzero, else b).
            expr = self._parse_binary_expression()
            if not self._accept("CONDOP"):
                return expr
            if self._accept("COLON"):
                iftrue = expr
            else:
                iftrue = self._parse_expression()
                self._expect("COLON")
            iffalse = self._parse_conditional_expression()
            return c_ast.TernaryOp(expr, iftrue, iffalse, expr.coord)

        def _parse_postfix_expression(self):
            # pycparser 3 ends a compound literal at its `}`: GNU C and C99
            # allow `(struct m[]) { ... }[0]` and `(struct s){ ... }.field`.
            expr = super()._parse_postfix_expression()
            if not isinstance(expr, c_ast.CompoundLiteral) or self._peek_type() not in (
                    "LBRACKET", "PERIOD", "ARROW", "PLUSPLUS", "MINUSMINUS"):
                return expr
            # The postfix loop again, with the literal as its primary expression
            # (once: the subscript's own expressions parse as usual).
            def literal():
                del self._parse_primary_expression
                return expr

            self._parse_primary_expression = literal
            try:
                return super()._parse_postfix_expression()
            finally:
                self.__dict__.pop("_parse_primary_expression", None)

    _PARSER_CLASS.append(Parser)
    return Parser


def _norm_defines(defines) -> dict[str, str]:
    if not defines:
        return {}
    if isinstance(defines, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in defines.items()}
    out = {}
    for d in defines:
        name, _, value = str(d).partition("=")
        out[name] = value
    return out


def _cpp_error(stderr: str, root: str, prep: _Prepared) -> str:
    """The first error cpp reports, with tmp paths turned back into tree names."""
    lines = [ln for ln in stderr.splitlines() if "error" in ln]
    lines = lines or stderr.splitlines() or ["cpp failed"]
    msg = lines[0]
    tdir = os.path.join(root, "t") + "/"
    for p in prep.files:
        msg = msg.replace(tdir + p.lstrip("/"), prep.display(p))
    # A system header on disk: named as its #include names it, <machine/x.h>.
    m = re.match(r"(\S+?):(\d+)", msg)
    if m:
        for d in prep.system_dirs:
            prefix = d.rstrip("/") + "/"
            if m.group(1).startswith(prefix):
                name = os.path.normpath(m.group(1)[len(prefix):])
                msg = f"<{name}>" + msg[len(m.group(1)):]
                break
    return msg.replace(os.path.join(root, "s") + "/", "<stub>/")


def _retry_name(err: ParseError, pre_lines: dict[str, list[str]]) -> str | None:
    """The unknown name a parse error is probably about, to declare as a type."""
    m = re.match(r"(.*?):(\d+):(\d+): before: (.*)$", str(err))
    if not m:
        return _untyped_token()
    file, line, col, tok = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4).strip()
    if _IDENT_RE.fullmatch(tok) and tok not in C_KEYWORDS:
        return tok
    text = pre_lines.get(file)
    if text is None or not 0 < line <= len(text):
        return _untyped_token()
    before = _IDENT_RE.findall(text[line - 1][: max(col - 1, 0)])
    return before[-1] if before and before[-1] not in C_KEYWORDS else None


def _untyped_token() -> str | None:
    """The plain identifier where the parser stopped, when it stands where a type
    would (`{ name field;`, `(name *`): pycparser 3 says only "Invalid specifier
    list" or "Missing type in declaration" there, with no token."""
    try:
        toks = _parser()._tokens
        i = toks._index
        pairs = [(toks.peek(1), toks.peek(2))]
        if 0 < i <= len(toks._buffer):
            pairs.append((toks._buffer[i - 1], toks.peek(1)))
        window = [*toks._buffer[max(0, i - 6):i], toks.peek(1), toks.peek(2)]
    except Exception:  # peeking lexes on, and the lexer can fail further on
        return None
    for tok, nxt in pairs:
        if tok is None or nxt is None or tok.type != "ID":
            continue
        if nxt.type in ("ID", "TYPEID", "TIMES", "LPAREN") or nxt.type in _QUALIFIER_TOKENS:
            return tok.value
    # A cast to a pointer to it, just before: `(name *)`; an unnamed parameter
    # of a prototype: `(SHA_CTX *, size_t)`.
    for a, b, c, d in zip(window, window[1:], window[2:], window[3:], strict=False):
        if None not in (a, b, c, d) and (a.type, b.type, c.type, d.type) == (
                "LPAREN", "ID", "TIMES", "RPAREN"):
            return b.value
    for a, b, c in reversed(list(zip(window, window[1:], window[2:], strict=False))):
        if None not in (a, b, c) and b.type == "ID" and a.type in ("COMMA", "LPAREN") \
                and c.type in ("COMMA", "RPAREN"):
            return b.value
    return None


def _typed_call_before(names: set[str]) -> str | None:
    """A name of `names` (types made up by discovery) that the last tokens
    before the error use as `name (` (not `name (*`, a declarator): a
    function, not a type."""
    try:
        toks = _parser()._tokens
        buf, i = toks._buffer, toks._index
    except Exception:
        return None
    window = [*buf[max(0, i - 16):i + 1], None]
    for tok, nxt, after in reversed(list(zip(window, window[1:], window[2:], strict=False))):
        if tok is not None and nxt is not None and tok.type == "TYPEID" \
                and nxt.type == "LPAREN" and tok.value in names \
                and (after is None or after.type not in ("TIMES", "XOR")):
            return tok.value
    return None


_QUALIFIER_TOKENS = frozenset({"CONST", "VOLATILE", "RESTRICT", "__CONST", "__RESTRICT"})
# pycparser's complaint when a name made a type is declared as a variable.
_NOT_A_TYPE = re.compile(r"Non-typedef '(\w+)' previously declared as typedef")
# ... or the parser stops right at it (an enumerator, a macro argument that
# tree-sitter read as a parameter type: `__in_ecount(NSTATS)`).
_BEFORE_NAME = re.compile(r": before: (\w+)\s*$")


def _located(err: ParseError) -> str:
    """pycparser 3 leaves some errors without a line: take the current token's."""
    msg = str(err)
    if re.match(r".*?:\d+(:\d+)?: ", msg):
        return msg
    p = _parser()
    try:
        toks = p._tokens
        tok = toks._buffer[min(toks._index, len(toks._buffer)) - 1]
        return f"{p.clex.filename}:{tok.lineno}: {msg.split(': ', 1)[-1]}"
    except Exception:
        return msg


_ASM_START = re.compile(r"\b(?:__asm__|__asm)\b(?:\s|\bvolatile\b|\binline\b|\bgoto\b)*\(")
_ASM_TOKENS = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|[()]')


def _drop_asm_statements(text: str) -> str:
    """`__asm volatile (... [rt] "=d" (reg) ...)` -> blanks, newlines kept.

    The prelude's `__asm(...)` takes only the form whose `(` follows at once;
    with a qualifier between, the statement reaches pycparserext, which does
    not read named operands (`[rt]`).  What the asm does is no C anyway.
    """
    if "__asm" not in text:
        return text
    out, last = [], 0
    for m in _ASM_START.finditer(text):
        if m.start() < last:
            continue
        depth, end = 1, None
        for t in _ASM_TOKENS.finditer(text, m.end()):
            if t.group() == "(":
                depth += 1
            elif t.group() == ")":
                depth -= 1
                if depth == 0:
                    end = t.end()
                    break
        if end is None:
            break
        out.append(text[last:m.start()])
        out.append(re.sub(r"[^\n]", " ", text[m.start():end]))
        last = end
    out.append(text[last:])
    return "".join(out)


_STRING_LITERAL = re.compile(r'"(?:\\.|[^"\\\n])*"')
_ESCAPE = re.compile(r"\\(.)", re.S)
_VALID_ESCAPES = frozenset("'\"?\\abfnrtv01234567xuUe\n")


def _fix_string_escapes(text: str) -> str:
    """`"\\%d"` -> `"%d"`: compilers warn about an unknown escape and keep the
    character; pycparser's lexer refuses the whole file."""
    if "\\" not in text:
        return text
    # Pairs from the left, so `"\\*"` stays a backslash and a star.
    return _STRING_LITERAL.sub(lambda m: _ESCAPE.sub(
        lambda e: e.group() if e.group(1) in _VALID_ESCAPES else e.group(1), m.group()), text)


_IDENT_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(?:ident|sccs)\b.*$", re.M)
_MARKER = re.compile(r'^(# \d+ )"([^"]*)"', re.M)


def _system_markers(text: str, system_dirs: list[str]) -> str:
    """Line markers of headers read from a system dir name them `<sys/x.h>`, like stubs."""
    if not system_dirs:
        return text
    prefixes = [d.rstrip("/") + "/" for d in system_dirs]

    def fix(m: re.Match) -> str:
        for p in prefixes:
            if m.group(2).startswith(p):
                return f'{m.group(1)}"<{os.path.normpath(m.group(2)[len(p):])}>"'
        return m.group()

    return _MARKER.sub(fix, text)


_STMT_EXPR_TOKENS = re.compile(
    r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|\(\s*\{|\{|\}\s*\)|\}')


def _wrap_statement_expressions(text: str) -> str:
    """`({ ... })` -> `(({ ... }))`.

    pycparserext cannot read a GNU statement expression that starts an
    operand followed by an operator, `({ ... }) == 0` (as <sys/bitset.h>'s
    CPU_CMP expands); in parentheses it can.  Lines do not change.
    """
    if "{" not in text:
        return text
    inserts: list[tuple[int, str]] = []
    stack: list[int | None] = []  # per open brace: where its `(` is, for `({`
    for m in _STMT_EXPR_TOKENS.finditer(text):
        tok = m.group()
        c = tok[0]
        if c in "\"'":
            continue
        if c == "(":
            stack.append(m.start())
        elif c == "{":
            stack.append(None)
        elif stack:
            opened = stack.pop()
            if opened is not None and tok.endswith(")"):
                inserts += [(opened, "("), (m.end(), ")")]
    if not inserts:
        return text
    parts, last = [], 0
    for pos, ch in sorted(inserts):
        parts.append(text[last:pos])
        parts.append(ch)
        last = pos
    parts.append(text[last:])
    return "".join(parts)


def _parse(prep: _Prepared, defines: dict[str, str], root: str) -> SemanticUnit:
    display_main = prep.display(prep.path)
    tree_files = {prep.display(p): d for p, d in prep.files.items()}

    def unit(ok, error, ast=None, text="", discovered=None):
        return SemanticUnit(display_main, defines, ok, error, ast, tree_files, prep.includes,
                            discovered if discovered is not None else dict(prep.types), text,
                            prep.cache)

    prep.cache.count("cpp", display_main)
    res = subprocess.run(prep.cpp_argv(root, defines), capture_output=True, text=True,
                         encoding="latin-1")
    if res.returncode != 0:
        return unit(False, _cpp_error(res.stderr, root, prep))
    # Not a macro of the prelude: <sys/types.h> defines offsetof through
    # __offsetof and cdefs.h __offsetof through this, a cycle cpp would stop.
    text = _wrap_statement_expressions(_system_markers(res.stdout, prep.system_dirs).replace(
        "__builtin_offsetof", "offsetof"))
    # cpp passes `#ident "..."` (an SCCS id of old files) through; pycparser
    # knows no such directive.  Blanked, so lines stay.
    text = _fix_string_escapes(_drop_asm_statements(_IDENT_DIRECTIVE.sub("", text)))
    # The same text (a define that changes nothing) gets the same, shared AST.
    text_key = prep.key + digest(text.encode("latin-1", "replace"))
    ok, error, ast, discovered = prep.cache.get(
        "ast", text_key, lambda: _parse_text(prep, text, display_main), weight=len(text),
        label=display_main)
    return unit(ok, error, ast, text, dict(discovered))


def _parse_text(prep: _Prepared, text: str, display_main: str):
    """(ok, error, ast, discovered types) for preprocessed text."""
    discovered = dict(prep.types)
    pre_lines = {prep.display(p): d.decode("latin-1").splitlines() for p, d in prep.files.items()}
    tried: set[str] = set()
    for _ in range(MAX_RETRIES + 1):
        extra = [stubs.typedef_line(t) for t in sorted(discovered)]
        full = f'# 1 "{DISCOVERED}"\n' + "\n".join(extra) + "\n" + text
        prep.cache.count("pycparser", display_main)
        try:
            with no_gc():
                ast = _parser().parse(full, filename=display_main)
        except ParseError as e:
            # A name discovery made a type is a variable after all (a K&R
            # parameter list reads like one of types): it is no type.
            wrong = _NOT_A_TYPE.search(str(e)) or _BEFORE_NAME.search(str(e))
            if wrong and wrong.group(1) in discovered and ("-" + wrong.group(1)) not in tried:
                tried.add("-" + wrong.group(1))
                del discovered[wrong.group(1)]
                continue
            # ... or one a header defines as a function: `name(args) {`.
            called = _typed_call_before({n for n, home in discovered.items()
                                         if home == DISCOVERED})
            if called and ("-" + called) not in tried:
                tried.add("-" + called)
                del discovered[called]
                continue
            name = _retry_name(e, pre_lines)
            if name is None or name in tried or name in prep.tree_typedefs:
                return False, _located(e), None, discovered
            tried.add(name)
            discovered[name] = DISCOVERED
            continue
        except Exception as e:  # pycparser can raise plain errors on odd input
            return False, f"{display_main}: {type(e).__name__}: {e}", None, discovered
        return True, None, ast, discovered
    return (False, f"{display_main}: gave up after {MAX_RETRIES} unknown type names", None,
            discovered)


def parse_configs(source: str | Path | bytes, configs: Iterable = ({},),
                  include_dirs: Iterable[str | Path] = (), tree_root: str | Path | None = None,
                  *, path: str | None = None, reader: Reader | None = None,
                  system_dirs: Iterable[str | Path] = (),
                  cache: ParseCache | None = None,
                  arch: str = DEFAULT_ARCH) -> list[SemanticUnit]:
    """Parse one file in each configuration (a dict or a list of NAME[=VALUE]).

    `source` is a file on disk, or its bytes (then `path` names it, and
    `reader(path)` reads the headers, e.g. `Tree.read` with tree paths).
    Coordinates name files relative to `tree_root` when it is given.
    `system_dirs` are directories on disk laid out as /usr/include (the tree's
    own headers, see inspect.tree_header_dirs): cpp reads them after the
    include dirs, headers found there are not stubbed, and their coordinates
    name them `<sys/x.h>`, as system files.
    `cache` is the run's (Tree.parses): a file and configuration already
    parsed in it is not parsed again.  Without one, nothing is kept.
    `arch` picks the compiler's predefined macros (ARCH_MACROS); the caller gives
    the matching machine/.
    """
    cache = cache or ParseCache()
    if isinstance(source, bytes):
        if path is None:
            raise ValueError("parse of bytes needs path=")
        data, main = source, str(path)
    else:
        main = str(source)
        read = (reader or disk_reader)(main)
        if read is None:
            raise FileNotFoundError(main)
        data = read
    reader = reader or disk_reader
    root_s = str(tree_root).rstrip("/") + "/" if tree_root else None

    def display(p: str) -> str:
        if root_s and p.startswith(root_s):
            return p[len(root_s):]
        return p

    dirs = [str(d) for d in include_dirs]
    walked = _Prepared(main, data, reader, dirs, display, [str(d) for d in system_dirs], cache,
                       arch)
    prep = cache.get("prep", walked.key, walked.analyse, label=display(main))
    wanted = [_norm_defines(c) for c in configs]
    keys = [(prep.key, tuple(sorted(d.items()))) for d in wanted]
    got = {k: u for k in keys if (u := cache.peek("unit", k)) is not None}
    todo = [(k, d) for k, d in zip(keys, wanted, strict=True) if k not in got]
    if todo:
        with tempfile.TemporaryDirectory(prefix="refactor-sem-") as root:
            prep.materialize(root)
            for k, d in todo:
                if k not in got:
                    unit = got[k] = _parse(prep, d, root)
                    cache.put("unit", k, unit, weight=len(unit.preprocessed))
    return [got[k] for k in keys]


def parse_config(source: str | Path | bytes, defines=None,
                 include_dirs: Iterable[str | Path] = (), tree_root: str | Path | None = None,
                 *, path: str | None = None, reader: Reader | None = None,
                 system_dirs: Iterable[str | Path] = (),
                 cache: ParseCache | None = None) -> SemanticUnit:
    """Parse one file in one configuration; see parse_configs."""
    return parse_configs(source, [defines or {}], include_dirs, tree_root,
                         path=path, reader=reader, system_dirs=system_dirs, cache=cache)[0]

