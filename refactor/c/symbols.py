"""Symbol table of a parsed unit: what is declared where, and who uses what.

One walk over the AST with C's scopes (file, function parameters, blocks,
`for` headers) records:
- every file-scope declaration: functions, variables, typedefs, struct/union/
  enum tags and enum constants, with file, line, static-ness, def vs decl;
- for every function defined in the unit, the file-scope names it uses:
  functions it calls, globals, types, tags, enum constants;
- every identifier used but declared nowhere in scope (resolve.py judges
  those).  Struct members, designators, labels and `offsetof` members are not
  identifiers in this sense and are skipped.
Macros are gone after cpp, so they come from the source text: a function uses
a macro when its span names one that the file or its tree headers #define.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pycparser import c_ast

from refactor.c.semantic import SemanticUnit, _lossless, _strip_comments, is_system_file
from refactor.c.stubs import is_stub_name
from refactor.c.words import DEFINE_TEXT_RE as _DEFINE_RE
from refactor.c.words import IDENT_RE as _IDENT_RE

_STRING_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str        # function, variable, typedef, struct, union, enum, enum_constant, macro
    file: str        # tree path, or `<header>` for stubs
    line: int
    static: bool
    definition: bool

    @property
    def system(self) -> bool:
        return is_system_file(self.file)

    @property
    def key(self) -> str:
        """Tags live in their own namespace: 'struct foo'."""
        return f"{self.kind} {self.name}" if self.kind in ("struct", "union", "enum") else self.name


@dataclass(frozen=True)
class Use:
    name: str        # 'foo' or 'struct foo' for tags
    kind: str        # function, variable, typedef, tag, enum_constant, macro, undeclared
    file: str
    line: int


@dataclass
class Uses:
    functions: set[str] = field(default_factory=set)
    variables: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)        # 'struct foo'
    enum_constants: set[str] = field(default_factory=set)
    macros: set[str] = field(default_factory=set)
    undeclared: set[str] = field(default_factory=set)

    def all(self) -> set[str]:
        return (self.functions | self.variables | self.types | self.tags
                | self.enum_constants | self.macros | self.undeclared)

    def update(self, other: Uses) -> None:
        for f in ("functions", "variables", "types", "tags", "enum_constants", "macros",
                  "undeclared"):
            getattr(self, f).update(getattr(other, f))


_USE_FIELD = {"function": "functions", "variable": "variables", "typedef": "types",
              "tag": "tags", "enum_constant": "enum_constants", "macro": "macros",
              "undeclared": "undeclared"}


@dataclass
class SymbolTable:
    symbols: dict[str, list[Symbol]] = field(default_factory=dict)
    # Function, or file-scope variable/typedef/tag ('struct foo') -> what it uses.
    uses: dict[str, Uses] = field(default_factory=dict)
    use_sites: dict[str, list[Use]] = field(default_factory=dict)  # function -> each use
    toplevel_uses: Uses = field(default_factory=Uses)   # uses with no named owner
    undeclared: list[Use] = field(default_factory=list)  # every undeclared identifier use
    function_lines: dict[str, tuple[str, int, int]] = field(default_factory=dict)

    def add(self, sym: Symbol) -> None:
        lst = self.symbols.setdefault(sym.key, [])
        if sym not in lst:
            lst.append(sym)

    def lookup(self, key: str) -> list[Symbol]:
        return self.symbols.get(key, [])

    def defined_in(self, path: str) -> dict[str, Symbol]:
        """Names declared (preferably defined) in `path`: the best symbol each."""
        out: dict[str, Symbol] = {}
        for key, syms in self.symbols.items():
            mine = [s for s in syms if s.file == path]
            if mine:
                out[key] = max(mine, key=lambda s: s.definition)
        return out

    def merge(self, other: SymbolTable) -> None:
        for syms in other.symbols.values():
            for s in syms:
                self.add(s)
        for fn, u in other.uses.items():
            self.uses.setdefault(fn, Uses()).update(u)
        for fn, sites in other.use_sites.items():
            self.use_sites.setdefault(fn, []).extend(sites)
        self.toplevel_uses.update(other.toplevel_uses)
        self.undeclared.extend(other.undeclared)
        for fn, span in other.function_lines.items():
            self.function_lines.setdefault(fn, span)


def _coord(node) -> tuple[str, int]:
    c = getattr(node, "coord", None)
    if c is None:
        return "", 0
    return (c.file or ""), (c.line or 0)


# Names the compiler itself provides.
_PREDEFINED = frozenset({"__func__", "__FUNCTION__", "__PRETTY_FUNCTION__"})


def _owner(ext) -> str | None:
    """The name a file-scope item is known by: 'foo', or 'struct foo'."""
    name = getattr(ext, "name", None)
    if isinstance(name, str) and name:
        return name
    t = getattr(ext, "type", None)
    if isinstance(t, (c_ast.Struct, c_ast.Union, c_ast.Enum)) and t.name:
        kind = {"Enum": "enum", "Union": "union"}.get(type(t).__name__, "struct")
        return f"{kind} {t.name}"
    return None


class _Walker:
    def __init__(self, table: SymbolTable):
        self.t = table
        self.scopes: list[dict[str, str]] = [{}]      # name -> kind ('local' below file scope)
        self.tag_scopes: list[set[str]] = [set()]
        self.func: str | None = None

    # -- recording ---------------------------------------------------------
    def use(self, name: str, kind: str, node) -> None:
        file, line = _coord(node)
        u = Use(name, kind, file, line)
        if kind == "undeclared":
            self.t.undeclared.append(u)
        if self.func is None:
            getattr(self.t.toplevel_uses, _USE_FIELD[kind]).add(name)
            return
        getattr(self.t.uses.setdefault(self.func, Uses()), _USE_FIELD[kind]).add(name)
        self.t.use_sites.setdefault(self.func, []).append(u)

    def declare(self, name: str, kind: str) -> None:
        self.scopes[-1][name] = kind if len(self.scopes) == 1 else "local"

    def lookup(self, name: str) -> str | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    # -- walking -------------------------------------------------------------
    def walk_file(self, ast: c_ast.FileAST) -> None:
        for ext in ast.ext:
            if isinstance(ext, c_ast.FuncDef):
                self.funcdef(ext)
                continue
            # A file-scope declaration owns what its type and initializer use.
            self.func = _owner(ext)
            if self.func is not None:
                self.t.uses.setdefault(self.func, Uses())
            if isinstance(ext, c_ast.Decl):
                self.decl(ext, toplevel=True)
            else:
                self.visit(ext)
            self.func = None

    def funcdef(self, fd: c_ast.FuncDef) -> None:
        decl = fd.decl
        name = decl.name
        self.func = name
        self.t.uses.setdefault(name, Uses())
        self.decl(decl, toplevel=True, definition=True)
        file, line = _coord(fd)
        self.t.function_lines.setdefault(name, (file, line, line))
        self.scopes.append({})
        self.tag_scopes.append(set())
        fdecl = decl.type
        while fdecl is not None and not hasattr(fdecl, "args"):
            fdecl = getattr(fdecl, "type", None)
        for p in getattr(getattr(fdecl, "args", None), "params", None) or []:
            if isinstance(p, c_ast.Decl) and p.name:
                self.declare(p.name, "local")
        for d in fd.param_decls or []:      # K&R parameters
            self.decl(d)
        self.visit(fd.body, new_scope=False)
        self.scopes.pop()
        self.tag_scopes.pop()
        self.func = None

    def decl(self, d: c_ast.Decl, toplevel: bool = False, definition: bool = False) -> None:
        storage = d.storage or []
        t = d.type
        if d.name is None and len(self.scopes) == 1 and isinstance(
                t, (c_ast.Struct, c_ast.Union, c_ast.Enum)) and t.name and \
                (t.values if isinstance(t, c_ast.Enum) else t.decls) is None:
            # `struct vmctx;`: a forward declaration of the tag.
            kind = {"Enum": "enum", "Union": "union"}.get(type(t).__name__, "struct")
            file, line = _coord(d)
            self.t.add(Symbol(t.name, kind, file, line, False, False))
        if d.name:
            is_func = self._is_function_type(d.type)
            if "typedef" in storage:
                kind = "typedef"
            elif is_func:
                kind = "function"
            else:
                kind = "variable"
            if len(self.scopes) == 1 and toplevel:
                file, line = _coord(d)
                is_def = definition or (kind == "variable" and "extern" not in storage)
                if kind == "typedef":
                    is_def = True
                self.t.add(Symbol(d.name, kind, file, line, "static" in storage, is_def))
            self.declare(d.name, kind)
        self.type_node(d.type, declaring_params=False)
        if d.init is not None:
            self.visit(d.init)
        if d.bitsize is not None:
            self.visit(d.bitsize)

    @staticmethod
    def _is_function_type(t) -> bool:
        while isinstance(t, c_ast.Node):
            if type(t).__name__ in ("FuncDecl", "FuncDeclExt"):
                return True
            if isinstance(t, (c_ast.PtrDecl, c_ast.ArrayDecl, c_ast.TypeDecl)) or \
                    type(t).__name__ in ("TypeDeclExt", "ArrayDeclExt"):
                return False
            t = getattr(t, "type", None)
        return False

    def type_node(self, t, declaring_params: bool = False) -> None:
        """Record the types and tags a declarator uses; visit array sizes."""
        if t is None:
            return
        if isinstance(t, c_ast.IdentifierType):
            for n in t.names:
                kind = self.lookup(n)
                if kind == "typedef":
                    self.use(n, "typedef", t)
            return
        if isinstance(t, (c_ast.Struct, c_ast.Union, c_ast.Enum)):
            self.tag(t)
            return
        name = type(t).__name__
        if name in ("FuncDecl", "FuncDeclExt"):
            # A prototype's parameters live in their own scope.
            self.scopes.append({})
            for p in getattr(t.args, "params", None) or []:
                if isinstance(p, c_ast.Decl):
                    self.type_node(p.type)
                elif isinstance(p, c_ast.Typename):
                    self.type_node(p.type)
            self.scopes.pop()
            self.type_node(t.type)
            return
        if name in ("ArrayDecl", "ArrayDeclExt"):
            if t.dim is not None:
                self.visit(t.dim)
            self.type_node(t.type)
            return
        if name in ("TypeOfExpression", "TypeOfDeclaration"):
            for _, child in t.children():
                self.visit(child)
            return
        if hasattr(t, "type"):
            self.type_node(t.type)

    def tag(self, s) -> None:
        kind = {"Enum": "enum", "Union": "union"}.get(type(s).__name__, "struct")
        if type(s).__name__ == "StructExt":
            kind = "struct"
        members = s.values if kind == "enum" else s.decls
        if s.name:
            key = f"{kind} {s.name}"
            if members is not None:
                file, line = _coord(s)
                if len(self.scopes) == 1:
                    self.t.add(Symbol(s.name, kind, file, line, False, True))
                self.tag_scopes[-1].add(key)
            self.use(key, "tag", s)
        if members is None:
            return
        if kind == "enum":
            for e in members.enumerators or []:
                if e.value is not None:
                    self.visit(e.value)
                if len(self.scopes) == 1:
                    file, line = _coord(e)
                    self.t.add(Symbol(e.name, "enum_constant", file, line, False, True))
                self.declare(e.name, "enum_constant")
            return
        for m in members:
            # Members are not identifiers of any scope: only their types count.
            if isinstance(m, c_ast.Decl):
                self.type_node(m.type)
                if m.bitsize is not None:
                    self.visit(m.bitsize)
            else:
                self.visit(m)

    def visit(self, node, new_scope: bool = True) -> None:
        if node is None:
            return
        if isinstance(node, c_ast.ID):
            kind = self.lookup(node.name)
            if kind is None:
                if not is_stub_name(node.name) and node.name not in _PREDEFINED \
                        and not node.name.startswith("__builtin_"):
                    self.use(node.name, "undeclared", node)
            elif kind != "local":
                self.use(node.name, kind, node)
            return
        if isinstance(node, c_ast.Decl):
            self.decl(node)
            return
        if isinstance(node, c_ast.FuncDef):
            self.funcdef(node)
            return
        if isinstance(node, (c_ast.Typename,)):
            self.type_node(node.type)
            return
        if isinstance(node, c_ast.Cast):
            self.type_node(node.to_type.type if node.to_type else None)
            self.visit(node.expr)
            return
        if isinstance(node, (c_ast.Struct, c_ast.Union, c_ast.Enum)):
            self.tag(node)
            return
        if isinstance(node, c_ast.StructRef):
            self.visit(node.name)     # node.field is a member name
            return
        if isinstance(node, c_ast.NamedInitializer):
            for n in node.name:
                if not isinstance(n, c_ast.ID):   # [index] designators are expressions
                    self.visit(n)
            self.visit(node.expr)
            return
        if isinstance(node, (c_ast.Goto,)):
            return
        if isinstance(node, c_ast.Label):
            self.visit(node.stmt)
            return
        if isinstance(node, c_ast.FuncCall):
            if isinstance(node.name, c_ast.ID) and node.name.name in ("offsetof",
                                                                      "__builtin_offsetof"):
                args = node.args.exprs if node.args else []
                if args:
                    self.visit(args[0])
                return
            self.visit(node.name)
            self.visit(node.args)
            return
        if isinstance(node, c_ast.Compound) or isinstance(node, c_ast.For):
            if new_scope:
                self.scopes.append({})
                self.tag_scopes.append(set())
            for _, child in node.children():
                self.visit(child)
            if new_scope:
                self.scopes.pop()
                self.tag_scopes.pop()
            return
        if isinstance(node, c_ast.Typedef):
            self.type_node(node.type)
            if len(self.scopes) == 1:
                file, line = _coord(node)
                self.t.add(Symbol(node.name, "typedef", file, line, False, True))
            self.declare(node.name, "typedef")
            return
        if type(node).__name__ in ("AttributeSpecifier", "Asm", "PreprocessorLine"):
            return
        for _, child in node.children():
            self.visit(child)


def _macro_uses(unit: SemanticUnit, table: SymbolTable, macros: dict[str, tuple[str, int]]):
    """Per function: identifiers in its span that name a #define of the unit."""
    main = unit.tree_files.get(unit.path)
    if main is None or not macros:
        return
    cf = _lossless(main, unit.path, unit.cache)
    spans: dict[str, list[tuple[int, int]]] = {}
    if cf is not None:
        try:
            for it in cf.items:
                if it.kind == "function" and it.name in table.uses:
                    spans.setdefault(it.name, []).append((it.start, it.end))
        except Exception:
            spans = {}
    if spans:
        try:
            for ident in cf.idents():
                if ident.name not in macros:
                    continue
                for fn, sp in spans.items():
                    if any(a <= ident.start < b for a, b in sp):
                        table.uses[fn].macros.add(ident.name)
            return
        except Exception:
            pass
    # Without the lossless layer: a function runs from its line to the next one's.
    text = _STRING_RE.sub('""', _strip_comments(main.decode("latin-1"))).split("\n")
    starts = sorted((line, fn) for fn, (file, line, _) in table.function_lines.items()
                    if file == unit.path)
    for i, (line, fn) in enumerate(starts):
        end = starts[i + 1][0] - 1 if i + 1 < len(starts) else len(text)
        # Include the return-type line above a FreeBSD-style definition.
        for ln in text[max(line - 1, 0):end]:
            if ln.lstrip().startswith("#"):
                continue
            for tok in _IDENT_RE.findall(ln):
                if tok in macros:
                    table.uses[fn].macros.add(tok)


def unit_macros(unit: SemanticUnit) -> dict[str, tuple[str, int]]:
    """#defines of the unit's tree files: name -> (file, line)."""
    out: dict[str, tuple[str, int]] = {}
    for path, data in unit.tree_files.items():
        cf = _lossless(data, path, unit.cache)
        found: dict[str, tuple[str, int]] = {}
        if cf is not None:
            try:
                found = {name: (path, item.start_line) for name, item in cf.macros().items()}
            except Exception:
                found = {}
        # The text scan also sees defines a grammar may fold into other items.
        text = data.decode("latin-1")
        for m in _DEFINE_RE.finditer(text):
            found.setdefault(m.group(1), (path, text.count("\n", 0, m.start()) + 1))
        for name, where in found.items():
            out.setdefault(name, where)
    return out


def symbols(unit: SemanticUnit) -> SymbolTable:
    """The symbol table of one parsed unit (empty if it did not parse)."""
    table = SymbolTable()
    if not unit.ok or unit.ast is None:
        return table
    _Walker(table).walk_file(unit.ast)
    macros = unit_macros(unit)
    for name, (file, line) in macros.items():
        table.add(Symbol(name, "macro", file, line, file.endswith(".c"), True))
    _macro_uses(unit, table, macros)
    return table


def merged_symbols(units: list[SemanticUnit]) -> SymbolTable:
    """One table over several configurations (or files): the union of all."""
    table = SymbolTable()
    for u in units:
        table.merge(symbols(u))
    return table
