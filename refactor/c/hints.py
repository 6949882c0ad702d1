"""Macro hints: FreeBSD's attribute- and declaration-like macros, hidden before parsing.

No C grammar knows `__unused`, `__dead2` or `__FBSDID("...")`; they are macros
from <sys/cdefs.h>.  Like Coccinelle's standard.h, we tell the parser what they
are.  Every rewrite keeps the length of the text and its newlines, so byte
offsets and line numbers in the parse tree are those of the real file:

- attribute-like (`__unused`, `__aligned(8)`, `__printflike(1, 2)`, ...): the
  name and its parenthesised arguments become spaces;
- declaration-like (`__FBSDID("$FreeBSD$")`, `SET_DECLARE(set, type)`,
  `DATA_SET(set, sym)`, `__BEGIN_DECLS`): the same, and the lossless layer
  turns the region into an item of kind "other";
- type-argument macros (`__DECONST(char *, p)`, `__containerof(p, struct s, f)`):
  only the type argument becomes `0`, so the call still parses as a call;
- queue(3) loops (`TAILQ_FOREACH(v, head, f) {`): the name becomes `while`,
  which makes `while (v, head, f) {` -- a valid loop with a comma expression;
- queue(3) heads (`TAILQ_HEAD(name, type)`): become `struct name`, the type it
  declares (`struct{}` for an unnamed head).

Preprocessor lines, comments and strings are never rewritten: `#define __unused`
in a header must stay a definition.  The identifiers hidden inside masked
arguments are reported in each Region, so renames still reach them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from refactor.c.words import C_KEYWORDS, TAG_KEYWORDS

# Attributes that never take arguments: a following "(" belongs to something else.
_BARE_ATTRIBUTES = frozenset({
    "__unused", "__dead2", "__dead", "__packed", "__pure", "__pure2", "__used",
    "__weak_symbol", "__noinline", "__always_inline", "__result_use_check",
    "__returns_twice", "__diagused", "__exclusive_cache_line", "__read_mostly",
    "__nodiscard", "__malloc_like", "__NO_TLS", "__restrict", "__inline",
    "__hidden", "__exported", "__dso_public", "__dso_hidden", "__noreturn",
    "__lockable", "__no_lock_analysis", "__nonnull_all", "__nosanitizeaddress",
    "__nosanitizememory", "__nosanitizethread", "__nosanitizecoverage",
    "_Nonnull", "_Nullable", "_Null_unspecified", "__writeonly",
})

# Attributes that take arguments.
_ARG_ATTRIBUTES = frozenset({
    "__aligned", "__printflike", "__printf0like", "__scanflike", "__format_arg",
    "__nonnull", "__section", "__alloc_size", "__alloc_size2", "__alloc_align",
    "__min_size", "__guarded_by", "__pt_guarded_by", "__locks_exclusive",
    "__locks_shared", "__trylocks_exclusive", "__trylocks_shared", "__unlocks",
    "__asserts_exclusive", "__asserts_shared", "__requires_exclusive",
    "__requires_shared", "__requires_unlocked", "__deprecated1", "__deprecated2",
    "__attribute_format", "__acquires", "__releases", "__must_hold",
})

# Whole declarations: masked, then listed by the lossless layer as items "other".
DECLARATION_HINTS = frozenset({
    "__FBSDID", "__RCSID", "__SCCSID", "__COPYRIGHT", "__IDSTRING",
    "__weak_reference", "__strong_reference", "__warn_references", "__sym_compat",
    "__sym_default", "__GLOBL", "__WEAK", "SET_DECLARE", "DATA_SET", "TEXT_SET",
    "BSS_SET", "ABS_SET", "DATA_WSET", "__BEGIN_DECLS", "__END_DECLS",
    "__NULLABILITY_PRAGMA_PUSH", "__NULLABILITY_PRAGMA_POP",
})

# Expression macros with a type among their arguments: position of that argument.
TYPE_ARGUMENT_HINTS: dict[str, int] = {
    "__DECONST": 0, "__DEVOLATILE": 0, "__DEQUALIFY": 0, "__offsetof": 0,
    "__rangeof": 0, "__containerof": 1, "va_arg": 1, "__builtin_va_arg": 1,
}

# cdefs.h spellings of C keywords that tree-sitter-c does not know: the keyword
# itself, padded with spaces, takes their place (`__asm __volatile(...)`).
KEYWORD_SPELLINGS: dict[str, bytes] = {
    "__volatile": b"volatile", "__const": b"const", "__signed": b"signed",
    "_Thread_local": b"__thread",
}

ATTRIBUTE_HINTS: frozenset[str] = _BARE_ATTRIBUTES | _ARG_ATTRIBUTES | {"__attribute__",
                                                                        "__attribute"}
DEFAULT_HINTS: frozenset[str] = (
    _BARE_ATTRIBUTES | _ARG_ATTRIBUTES | DECLARATION_HINTS | frozenset(TYPE_ARGUMENT_HINTS)
)

# queue(3), tree(3) and cpuset(9) loop macros: NAME(...) followed by a statement.
_LOOP_NAME = re.compile(rb"[A-Z][A-Z0-9_]*_FOR_?EACH(?:_[A-Z0-9_]+)?")
_QUEUE_HEAD = re.compile(rb"(?:S?LIST|S?TAILQ|RB|SPLAY|ARB)_HEAD")
# Other heads in the same shape, known by an empty or plain name first:
# `CK_LIST_HEAD(, owner) owners;`, `_HASH_HEAD(, mapper, SIZE) cache;`.
_OTHER_HEAD = re.compile(rb"[A-Z_][A-Z0-9_]*_HEAD")
_NAME_ARG = re.compile(rb"\s*(?:[A-Za-z_]\w*)?\s*")  # a plain name, or nothing
_DECLARATOR_START = re.compile(rb"[A-Za-z_*]")


# One lexical token of C.  Directives (only at a line start), comments, strings and
# character constants are swallowed whole, so their insides are never rewritten.
TOKEN = re.compile(
    rb"(?P<dir>^[ \t]*\#(?:\\\r?\n|/\*[\s\S]*?\*/|[^\n])*)"
    rb"|(?P<com>/\*[\s\S]*?(?:\*/|\Z)|//[^\n]*)"
    rb"|(?P<str>\"(?:\\[\s\S]|[^\"\\\n])*\"?)"
    rb"|(?P<chr>'(?:\\[\s\S]|[^'\\\n])*'?)"
    rb"|(?P<id>[A-Za-z_]\w*)"
    rb"|(?P<num>\.?\d(?:[eEpP][+-]|[\w.])*)"
    rb"|(?P<op>->|[.(),;{}\[\]])"
    rb"|(?P<punct>\S)",
    re.MULTILINE,
)
_DIRECTIVE = re.compile(rb"[ \t]*#[ \t]*(\w*)")
# A GNU named variadic parameter, `fmt, args...)`, in a #define: tree-sitter wants `...` alone.
_EMPTY_DEFINE = re.compile(rb"[ \t]*#[ \t]*define[ \t]+(\w+)(?:\([^)\n]*\))?[ \t]+")
_NAMED_VARIADIC = re.compile(rb"[ \t]*#[ \t]*define[ \t]+\w+\([^)]*?\w[ \t]*(\.\.\.)\s*\)")


@dataclass(frozen=True)
class Word:
    """An identifier found by the lexer: `ctx` is "tag" after struct/union/enum,
    "field" after `.` or `->`, "label" after goto, else ""."""

    start: int
    end: int
    name: str
    ctx: str = ""


@dataclass(frozen=True)
class Region:
    """One rewritten macro use: [start, end) of the original text."""

    start: int
    end: int
    name: str
    kind: str  # attribute, declaration, type-argument, loop, queue-head, header, keyword,
    # hidden-branch, function, placeholder (a name the mask made up)
    words: tuple[Word, ...] = field(default=())  # identifiers in the hidden text


def words(data: bytes, start: int = 0, end: int | None = None,
          directives: bool = False) -> list[Word]:
    """Identifiers of data[start:end], outside comments, strings and numbers.

    Keywords are left out.  With directives=False, text from a line-start '#' is
    skipped as a preprocessor line (use True for a macro body).
    """
    end = len(data) if end is None else end
    out: list[Word] = []
    prev = b""
    pos = start
    while pos < end:
        m = TOKEN.search(data, pos, end)
        if m is None:
            break
        pos = m.end() if m.end() > m.start() else m.start() + 1
        kind = m.lastgroup
        if kind == "dir":
            if not directives:
                prev = b""
                continue
            # In a macro body a leading '#' is stringification: look inside.
            pos = m.start() + m.group().index(b"#") + 1
            prev = b"#"
            continue
        if kind == "id":
            tok = m.group()
            name = tok.decode("ascii")
            if name not in C_KEYWORDS:
                ctx = "tag" if prev in TAG_KEYWORDS else "field" if prev in (b".", b"->") \
                    else "label" if prev == b"goto" else ""
                out.append(Word(m.start(), m.end(), name, ctx))
            prev = tok
        elif kind in ("op", "num", "str", "chr", "punct"):
            prev = m.group()
        # comments do not change what the previous token was
    return out


def _skip_space(data: bytes, i: int) -> int:
    """Index of the next byte that is not whitespace or part of a comment."""
    n = len(data)
    while i < n:
        c = data[i : i + 1]
        if c in b" \t\r\n\f\v":
            i += 1
        elif data.startswith(b"/*", i):
            j = data.find(b"*/", i + 2)
            i = n if j < 0 else j + 2
        elif data.startswith(b"\\\n", i) or data.startswith(b"\\\r\n", i):
            i += 2 if data[i + 1 : i + 2] == b"\n" else 3
        else:
            break
    return i


def _balanced(data: bytes, open_at: int) -> tuple[int, list[tuple[int, int]]] | None:
    """Given '(' at open_at: the end of the matching ')' and the spans of the
    top-level comma-separated arguments.  None when it never closes."""
    depth = 0
    args: list[tuple[int, int]] = []
    arg_start = open_at + 1
    pos = open_at
    n = len(data)
    while pos < n:
        m = TOKEN.match(data, pos)
        if m is None or m.lastgroup == "dir":
            pos += 1
            continue
        pos = m.end()
        tok = m.group()
        if m.lastgroup != "op":
            continue
        if tok in (b"(", b"[", b"{"):
            depth += 1
        elif tok in (b")", b"]", b"}"):
            depth -= 1
            if depth == 0:
                args.append((arg_start, m.start()))
                return pos, args
        elif tok == b"," and depth == 1:
            args.append((arg_start, m.start()))
            arg_start = pos
    return None


def _blank(buf: bytearray, start: int, end: int) -> None:
    """Spaces over [start, end), keeping line breaks so lines still count."""
    for i in range(start, end):
        if buf[i] not in (10, 13):
            buf[i] = 32


_CONTINUATION = re.compile(rb"\\\r?\n")


def _zero(buf: bytearray, start: int, end: int) -> None:
    """A type argument [start, end) becomes `0` and spaces: the `0` where its
    text begins, so a leading line break stays."""
    lead = start
    while lead < end - 1 and buf[lead] in b" \t\r\n":
        lead += 1
    _blank(buf, start, end)
    buf[lead] = ord("0")


def _blank_continued_comments(data: bytes, buf: bytearray, start: int, end: int) -> None:
    """In a directive continued over lines, blank its one-line block comments.

    tree-sitter-c loses a #define at `/* why */ \\` before a line continuation;
    a comment is not code, so spaces of the same length change nothing else.
    A comment over lines becomes spaces and a `\\` before each line break, so
    the directive still ends where it did.  On one line, only a comment with
    code after it goes (`sprintf/**/x`, the old way of pasting tokens): one at
    the end of the line is left as it is.
    """
    continued = _CONTINUATION.search(data, start, end) is not None
    if not continued and data.find(b"/*", start, end) < 0:
        return
    pos = data.index(b"#", start) + 1
    d = _DIRECTIVE.match(data, start)
    is_define = d is not None and d.group(1) == b"define"  # (`#endif \` trips tree-sitter)
    while pos < end:
        m = TOKEN.match(data, pos, end)
        if m is None or m.end() == m.start():
            pos += 1
            continue
        if m.lastgroup == "com" and data.startswith(b"/*", m.start()) and \
                b"\n" not in m.group() and (continued or data[m.end():end].strip()):
            _blank(buf, m.start(), m.end())
        elif m.lastgroup == "com" and is_define and data.startswith(b"/*", m.start()) and \
                b"\n" in m.group() and b"\r" not in m.group() and \
                b"\n\n" not in m.group():
            # A comment over lines in a `do { ... } while (0)` body: spaces, with
            # a `\` ending each of its lines, so the directive still goes on.
            _blank(buf, m.start(), m.end())
            k = data.find(b"\n", m.start(), m.end())
            while k >= 0:
                buf[k - 1] = ord("\\")
                k = data.find(b"\n", k + 1, m.end())
        pos = m.end() if m.lastgroup != "dir" else m.start() + 1


# An argument that can only be a type: a type keyword first, or a '*' last.
_TYPE_ARG = re.compile(
    rb"\s*(?:(?:struct|union|enum|const|volatile|signed|unsigned|char|short|int|long|float|"
    rb"double|void|_Bool)\b[\s\S]*|[\s\S]*\*\s*)")
_OPERATOR_ARG = re.compile(rb"\s*(?:[<>=!]=|<<|>>|&&|\|\||[<>+\-*/%&|^])\s*")
_DECLARATOR_BEFORE = re.compile(
    rb"\b(?:void|char|short|int|long|float|double|signed|unsigned|_Bool|[a-z]\w*_t)[\s*]*\Z")
# What an operand may follow (a prefix macro elsewhere is left alone).
_OPERAND_BEFORE = re.compile(rb"(?:[-(,=?:!&|^~+*/%<>\[{;]|\breturn)\s*$")
# What a statement may follow (a statement macro elsewhere is left alone).
_STATEMENT_BEFORE = re.compile(rb"(?:[;{}:)]|\belse|\bdo)\s*$")
_STORAGE_BEFORE = re.compile(rb"(?:\b(?:static|extern)[ \t]+)+$")


def scan(data: bytes, extra: Iterable[str] = (),
         table: Mapping[str, tuple[str, tuple[int, ...]]] | None = None,
         ) -> tuple[bytes, list[Region]]:
    """The masked text (same length, same newlines) and the regions rewritten.

    `table` holds the hints learned from the tree's #defines (see hinttable):
    name -> (kind, type-argument positions).
    """
    extra_names = frozenset(extra) - DEFAULT_HINTS
    table = table or {}
    buf = bytearray(data)
    regions: list[Region] = []
    pos = 0
    n = len(data)
    while pos < n:
        m = TOKEN.search(data, pos)
        if m is None:
            break
        pos = m.end() if m.end() > m.start() else m.start() + 1
        if m.lastgroup == "dir":
            v = _NAMED_VARIADIC.match(data, m.start())
            if v is not None and v.end() <= m.end():
                _blank(buf, v.start(1), v.end(1))
                regions.append(Region(v.start(1), v.end(1), "...", "attribute"))
            _blank_continued_comments(data, buf, m.start(), m.end())
            empty = _EMPTY_DEFINE.match(data, m.start(), m.end())
            if empty is not None and empty.end() == m.end():
                # `#define X ` with a blank before the line break: tree-sitter-c
                # would read the next line as its body.  A placeholder body ends it.
                buf[m.end() - 1] = ord(";")
                regions.append(Region(m.end() - 1, m.end(), empty.group(1).decode(),
                                      "placeholder"))
            if not m.group().strip(b" \t#"):
                _blank(buf, m.start(), m.end())  # `#` alone: the null directive
                regions.append(Region(m.start(), m.end(), "#", "keyword"))
            continue
        if m.lastgroup != "id":
            continue
        name = m.group().decode("ascii")
        start = m.start()
        if name in KEYWORD_SPELLINGS:
            buf[start : m.end()] = KEYWORD_SPELLINGS[name].ljust(m.end() - start)
            regions.append(Region(start, m.end(), name, "keyword"))
            continue
        after = _skip_space(data, m.end())
        has_args = data[after : after + 1] == b"("
        call = _balanced(data, after) if has_args else None
        # `daddr_t (*)(int)`, `struct quirk (*)[]`: an abstract declarator, no call.
        pointer = call is not None and data[after + 1:call[0] - 1].strip() == b"*"
        if call is not None and name not in C_KEYWORDS and not pointer:
            # `timespeccmp(a, b, <)`, `ASSERT3U(x, ==, y)`: an operator passed to a
            # macro cannot parse as an argument; `0` in its place can.
            for a, b in call[1]:
                if len(call[1]) > 1 and b == a and data[a - 1 : a] == b",":
                    buf[a - 1] = 32  # `CHECK(m, off, len,)`: an empty argument with no room
                    regions.append(Region(a - 1, a, name, "operator-argument"))
                elif len(call[1]) > 1 and b > a and not data[a:b].strip():
                    buf[a] = ord("0")  # `SDT_PROBE1(proc, , , exit, r)`: an empty argument
                    regions.append(Region(a, b, name, "operator-argument"))
                elif _OPERATOR_ARG.fullmatch(data, a, b):
                    _zero(buf, a, b)
                    regions.append(Region(a, b, name, "operator-argument"))

        learned = table.get(name, ("", ())) if name not in DEFAULT_HINTS and not \
            _QUEUE_HEAD.fullmatch(m.group()) else ("", ())
        if learned[0] == "attribute" and has_args:
            learned = ("", ())
        elif learned[0] in ("declaration", "header", "loop", "type-argument") and has_args and \
                _DECLARATOR_BEFORE.search(
                data, max(0, start - 80), start):
            # `static void\nmodule_init(void *arg)`: a function of the same name as
            # some other program's macro is declared here, not the macro used.
            learned = ("", ())
        if learned[0] == "prefix" and _OPERAND_BEFORE.search(data, max(0, start - 40), start) \
                and data[after : after + 1] not in (b";", b",", b")", b"]", b"=", b""):
            # `outb(port, BYTE v)`: the operand stands alone.
            _blank(buf, start, m.end())
            regions.append(Region(start, m.end(), name, "attribute"))
            continue
        if learned[0] == "statement" and _STATEMENT_BEFORE.search(
                data, max(0, start - 40), start):
            # `if (bad) FAIL`, `YY_BREAK` after a statement: an empty statement.
            _blank(buf, start, m.end())
            buf[start] = ord(";")
            regions.append(Region(start, m.end(), name, "statement"))
            continue
        if name in _BARE_ATTRIBUTES or (name in DEFAULT_HINTS and not has_args) or (
            name in extra_names and call is None
        ) or learned[0] == "attribute":
            kind = "declaration" if name in DECLARATION_HINTS else "attribute"
            _blank(buf, start, m.end())
            regions.append(Region(start, m.end(), name, kind))
        elif call is None:
            if _LOOP_NAME.fullmatch(m.group()) and has_args:
                pass  # an unclosed loop macro: leave it for the parser to report
            continue
        elif name in TYPE_ARGUMENT_HINTS:
            close, args = call
            which = TYPE_ARGUMENT_HINTS[name]
            if which < len(args):
                a, b = args[which]
                arg_words = words(data, a, b)
                _zero(buf, a, b)
                types = tuple(Word(w.start, w.end, w.name, w.ctx or "type") for w in arg_words)
                regions.append(Region(start, close, name, "type-argument", types))
            # the other arguments stay and are parsed as expressions
        elif name in DEFAULT_HINTS or name in extra_names or learned[0] == "declaration":
            close, _args = call
            kind = "declaration" if name in DECLARATION_HINTS or learned[0] else "attribute"
            if kind == "declaration":
                # `static MALLOC_DEFINE(...);`: the storage class goes with the macro.
                line_start = data.rfind(b"\n", 0, start) + 1
                st = _STORAGE_BEFORE.search(data, line_start, start)
                if st is not None and not data[line_start : st.start()].strip():
                    start = st.start()
            ws = tuple(words(data, after + 1, close - 1))
            _blank(buf, start, close)
            regions.append(Region(start, close, name, kind, ws))
            pos = close
        elif learned[0] == "typed-name" and len(call[1]) == 2:
            # `VNET_DEFINE(int, x) = 1;` -> `            int  x  = 1;`
            close, args = call
            _blank(buf, start, after + 1)
            buf[args[0][1]] = 32
            buf[close - 1] = 32
            regions.append(Region(start, close, name, "typed-name"))
        elif learned[0] == "wrapper" and len(call[1]) == 1:
            # `f __P((int))` -> `f    (int) `: the argument stands alone.
            close, _args = call
            _blank(buf, start, after + 1)
            buf[close - 1] = 32
            regions.append(Region(start, close, name, "wrapper"))
        elif learned[0] == "type-argument":
            close, args = call
            found: list[Word] = []
            for which in learned[1]:
                if which < len(args) and _TYPE_ARG.fullmatch(data, *args[which]):
                    a, b = args[which]
                    found += [Word(w.start, w.end, w.name, w.ctx or "type")
                              for w in words(data, a, b)]
                    _zero(buf, a, b)
            if found:
                regions.append(Region(start, close, name, "type-argument", tuple(found)))
        elif learned[0] == "header" and len(call[1]) >= 2 and \
                data[_skip_space(data, call[0]) : _skip_space(data, call[0]) + 1] == b"{":
            # `M(name, arg) {` -> `M name( arg) {`: a function definition whose
            # type is M, every identifier where it was.
            close, args = call
            buf[after] = 32
            buf[args[0][1]] = ord("(")
            regions.append(Region(start, close, name, "header"))
        elif _LOOP_NAME.fullmatch(m.group()) or (learned[0] == "loop" and len(name) >= 5):
            # `FOR_EACH_ENTRY(e, head, link, struct elem) stmt` -> `while(e, head, link, 0)`
            buf[start : m.end()] = b"while".ljust(m.end() - start)
            loop_types: tuple[Word, ...] = ()
            for a, b in call[1]:
                if _TYPE_ARG.fullmatch(data, a, b):
                    loop_types += tuple(Word(w.start, w.end, w.name, w.ctx or "type")
                                        for w in words(data, a, b))
                    _zero(buf, a, b)
            regions.append(Region(start, call[0], name, "loop", loop_types))
        elif _QUEUE_HEAD.fullmatch(m.group()) and len(call[1]) == 1 and \
                _NAME_ARG.fullmatch(data, *call[1][0]) and data[slice(*call[1][0])].strip():
            # Linux's `static LIST_HEAD(name);` defines a list named `name`.
            close, args = call
            _blank(buf, start, args[0][0])
            buf[start : start + 3] = b"int"
            _blank(buf, args[0][1], close)
            regions.append(Region(start, close, name, "queue-head"))
            pos = close
        elif _QUEUE_HEAD.fullmatch(m.group()) or _OTHER_HEAD.fullmatch(m.group()) and \
                len(call[1]) >= 2 and _NAME_ARG.fullmatch(data, *call[1][0]) and \
                _DECLARATOR_START.match(data, _skip_space(data, call[0])):
            close, args = call
            head = data[args[0][0] : args[0][1]].strip()
            ws = tuple(
                Word(w.start, w.end, w.name, "tag")
                for w in words(data, args[-1][0], args[-1][1])
            ) if len(args) > 1 else ()
            if head and re.fullmatch(rb"[A-Za-z_]\w*", head):
                # NAME(head, type) -> "struct     head         "
                _blank(buf, start, close)
                buf[start : start + 6] = b"struct"
                hs = data.index(head, args[0][0])
                buf[hs : hs + len(head)] = head
            else:
                _blank(buf, start, close)
                buf[start : start + 8] = b"struct{}"
            regions.append(Region(start, close, name, "queue-head", ws))
            pos = close
    return bytes(buf), regions


def mask(data: bytes, extra: Iterable[str] = ()) -> bytes:
    """`data` with the hinted macros hidden; same length and same line breaks."""
    return scan(data, extra)[0]


@dataclass
class Group:
    """One #if ... #endif group found by scanning lines (not by the parser).

    `directives` holds (keyword, condition text, start, end of line) for #if,
    each #elif/#else and the #endif.  `inline` is true when the group sits inside
    an expression or initializer (the code before it does not end a statement),
    where C grammars cannot follow it.
    """

    directives: list[tuple[str, str, int, int]]
    inline: bool = False

    @property
    def start(self) -> int:
        return self.directives[0][2]

    @property
    def end(self) -> int:
        return self.directives[-1][3]


# (`else` and `do` are not: an #if right after one is its body, cut by the #if.)
_STATEMENT_END = frozenset({b";", b"{", b"}", b":"})
_CONTROL = frozenset({b"if", b"while", b"for", b"switch"})
_DECL_PREFIX = frozenset({b"static", b"extern", b"const", b"volatile", b"inline", b"register"})


def conditional_groups(data: bytes) -> list[Group]:
    """Every complete #if group, outer groups before the groups inside them.

    A group is inline when the code before it does not end a statement, or when
    a branch begins or ends with `else` (an #if cutting an if/else chain, as in
    `} else` / `#endif` / `{`), or ends with the head of a statement whose body
    comes after the `#endif` (`if (error == 0)` / `#endif` / `f();`), or
    opens or closes more braces than it closes or opens (`#ifdef X` / `} else {`
    / `#endif`), or ends at file scope in a `)` (a function head in each branch,
    one body after the `#endif`): no C grammar can follow these shapes.
    """
    groups: list[Group] = []
    stack: list[Group] = []
    last: bytes | None = None  # last token that is not a comment or directive
    opened: list[Group] = []  # groups whose current branch has no token yet
    closed: list[Group] = []  # groups just ended, with no token since their #endif
    parens: list[bool] = []  # per open '(': does it hold an if/while/for/switch condition?
    braces = questions = 0
    inits: list[bool] = []  # per open brace: an initializer's?
    depth_at: dict[int, int] = {}  # id(group) -> brace depth where its current branch began
    pos, n = 0, len(data)
    while pos < n:
        m = TOKEN.search(data, pos)
        if m is None:
            break
        pos = m.end() if m.end() > m.start() else m.start() + 1
        kind = m.lastgroup
        if kind == "com":
            continue
        if kind != "dir":
            tok = m.group()
            if tok == b"{":
                braces += 1
                inits.append(last == b"=" or (bool(inits) and inits[-1] and last in (b",", b"{=")))
                if inits[-1]:
                    tok = b"{="  # an initializer's brace: its rows are no statements
            elif tok == b"}":
                braces -= 1
                if inits and inits.pop() and inits and inits[-1]:
                    tok = b"}="
                for g in stack:  # `} else {` in a branch: below where it began
                    if braces < depth_at.get(id(g), braces):
                        g.inline = True
            if tok == b"?":
                questions += 1
            elif tok == b":" and questions:
                questions -= 1
                tok = b"?:"  # a conditional expression goes on after this colon
            elif tok in (b";", b"{", b"}", b"{=", b"}="):
                questions = 0
            if tok == b"(":
                parens.append(last in _CONTROL)
            elif tok == b")" and parens and parens.pop():
                tok = b"if()"  # the head of a statement whose body is still to come
            last = tok
            if last == b"else":
                for g in opened + closed:  # `#endif` / `else`: the if is inside the group
                    g.inline = True
            opened, closed = [], []
            continue
        d = _DIRECTIVE.match(m.group())
        word = d.group(1).decode("ascii", "replace") if d else ""
        rest = m.group()[d.end():].decode("latin-1") if d else ""
        end = m.end() + 1 if data[m.end() : m.end() + 1] == b"\n" else m.end()
        entry = (word, rest, m.start(), end)
        if word in ("if", "ifdef", "ifndef"):
            g = Group([entry], inline=last is not None and last not in _STATEMENT_END)
            groups.append(g)
            stack.append(g)
            opened.append(g)
            depth_at[id(g)] = braces
        elif word in ("elif", "else", "elifdef", "elifndef", "endif") and stack:
            g = stack[-1] if word != "endif" else stack.pop()
            if (last in (b"else", b"if()") or last in _DECL_PREFIX) and g not in opened:
                # a branch that ends in a dangling `else`, `if (...)` or `static`
                g.inline = True
            if braces != depth_at.get(id(g), braces):
                g.inline = True  # `} else {` or a lone `}` in a branch: braces cut by #if
            if last == b")" and braces == 0 and g not in opened:
                g.inline = True  # a function head per branch, one body after #endif
            depth_at[id(g)] = braces
            g.directives.append(entry)
            if word != "endif":
                opened.append(g)
            else:
                closed.append(g)
    return [g for g in groups if g.directives[-1][0] == "endif"]


def _comment_free(text: str) -> str:
    return re.sub(r"/\*.*?\*/|//.*", " ", text).strip()


def flatten_inline_groups(data: bytes, masked: bytes,
                          groups: list[Group]) -> tuple[bytes, list[Region], list[Group]]:
    """Blank the directive lines of inline groups, and the bodies of their
    #elif/#else branches, so the first branch reads as plain code (for `#if 0`,
    the #else branch, or none).

    The hidden branches' identifiers come back as Regions, so they are still
    listed and renamed.
    """
    buf = bytearray(masked)
    regions: list[Region] = []
    hidden: list[tuple[int, int]] = []
    applied: list[Group] = []
    # Braces the first branches of each condition's groups leave open, together
    # (`#ifdef V6` / `if (a) {` / `#else` ... and a later `#ifdef V6` / `} else {`
    # / `}` / `#endif` balance; `#ifdef WIP` / `while (p) {` alone does not).
    balance = {id(g): _brace_balance(masked, g.directives[0][3], g.directives[1][2])
               for g in groups if g.inline}
    open_by_condition: dict[tuple[str, str], int] = {}
    for g in groups:
        if g.inline:
            key = (g.directives[0][0], _comment_free(g.directives[0][1]))
            open_by_condition[key] = open_by_condition.get(key, 0) + balance[id(g)]
    for g in groups:
        if not g.inline or any(a <= g.start < b for a, b in hidden):
            continue
        applied.append(g)
        ds = g.directives
        for _word, _rest, s, e in ds:
            _blank(buf, s, e)
        # `#if 0` keeps its #else branch (or nothing) as the one that is read;
        # so does a lone branch that opens or closes a brace no group of its
        # condition matches (`#ifdef WIP` / `while (p) {` / `#endif`): read, it
        # would unbalance the rest of the file.
        keep = 1 if ds[0][0] == "if" and _comment_free(ds[0][1]).strip("() \t") == "0" \
            else 0
        if len(ds) == 2 and balance[id(g)] != 0 and \
                open_by_condition[(ds[0][0], _comment_free(ds[0][1]))] != 0:
            keep = 1
        for i in range(len(ds) - 1):  # bodies of the branches not read
            if i == keep:
                continue
            body_start, body_end = ds[i][3], ds[i + 1][2]
            ws = tuple(words(data, body_start, body_end))
            _blank(buf, body_start, body_end)
            hidden.append((body_start, body_end))
            regions.append(Region(body_start, body_end, ds[i][0], "hidden-branch", ws))
    return bytes(buf), regions, applied


def _brace_balance(masked: bytes, start: int, end: int) -> int:
    """Braces opened minus braces closed in code of masked[start:end]."""
    n = 0
    for _kind, s, _e in _code_tokens(masked, start, end):
        n += (masked[s] == 123) - (masked[s] == 125)
    return n


_INCLUDE_PATH = re.compile(rb"^[ \t]*#[ \t]*include[ \t]*[<\"]([\w/.]+)[>\"]", re.M)
# BSD's words for code kept but never built: no tree defines them.
_NEVER_DEFINED = frozenset({"notyet", "notdef", "NOTYET", "NOTDEF"})


def dead_branches(data: bytes, masked: bytes) -> tuple[bytes, list[Region]]:
    """The first branch of an `#if 0` (or `#if(0)`), `#ifdef notyet` or `#ifndef`
    of an included header's guard, which no compiler reads and which may hold
    prose or a half-written draft, becomes spaces.  Its words come back as
    Regions, as for the branches flatten_inline_groups hides, so a rename still
    sees code kept there."""
    buf = bytearray(masked)
    regions: list[Region] = []
    # (offset, guard) of each #include above: `<sys/sysproto.h>` defines
    # _SYS_SYSPROTO_H_ (the tree's naming), so `#ifndef _SYS_SYSPROTO_H_` after it
    # holds a stand-in no build reads.
    guards = [(m.start(), "_" + re.sub(r"\W", "_", m.group(1).decode("latin-1").upper()))
              for m in _INCLUDE_PATH.finditer(data)]
    for g in conditional_groups(data):
        first = g.directives[0]
        cond = _comment_free(first[1])
        if not (first[0] == "if" and cond.strip("() \t") == "0") and not (
                first[0] == "ifdef" and cond in _NEVER_DEFINED) and not (
                first[0] == "ifndef" and any(at < g.start and cond in (guard, guard + "_")
                                             for at, guard in guards)):
            continue
        body_start, body_end = first[3], g.directives[1][2]
        if not masked[body_start:body_end].strip() or \
                any(r.start <= body_start < r.end for r in regions):
            continue  # already hidden, by another repair or an outer #if 0
        regions.append(Region(body_start, body_end, "if", "hidden-branch",
                              tuple(words(data, body_start, body_end))))
        _blank(buf, body_start, body_end)
    return bytes(buf), regions


def inline_defines(data: bytes, masked: bytes) -> tuple[bytes, list[Region]]:
    """Blank `#define`/`#undef` lines that sit inside an initializer or parentheses,
    and `#include` lines there (rows of a table kept in another file).

    C grammars take a directive only between statements; a table with a
    `#define` among its rows is still fine C.  The names stay listed (Region words).
    """
    buf = bytearray(masked)
    regions: list[Region] = []
    stack: list[bool] = []  # per open bracket: is it an initializer or parentheses?
    last = b""
    pos, n = 0, len(data)
    while pos < n:
        m = TOKEN.search(data, pos)
        if m is None:
            break
        pos = m.end() if m.end() > m.start() else m.start() + 1
        kind, tok = m.lastgroup, m.group()
        if kind == "com":
            continue
        if kind == "dir":
            d = _DIRECTIVE.match(tok)
            # (or between the declarators of one declaration: `a = X(1),` / #define)
            if d and d.group(1) in (b"define", b"undef", b"include") and (
                    (stack and stack[-1]) or (d.group(1) != b"include" and last == b",")):
                _blank(buf, m.start(), m.end())
                regions.append(Region(m.start(), m.end(), d.group(1).decode(), "hidden-branch",
                                      tuple(words(data, m.start() + d.end(), m.end(),
                                                  directives=True))))
            continue
        if tok in (b"(", b"["):
            stack.append(True)
        elif tok == b"{":
            stack.append(last in (b"=", b",", b"{") and (not stack or stack[-1] or last == b"="))
        elif tok in (b")", b"]", b"}") and stack:
            stack.pop()
        last = tok
    return bytes(buf), regions


# Names a C grammar reads itself when called: never a statement macro.
_GRAMMAR_CALLS = frozenset({
    "sizeof", "typeof", "__typeof", "__typeof__", "_Alignas", "alignas", "_Alignof",
    "__alignof", "__alignof__", "__attribute__", "__attribute", "__asm", "__asm__", "asm",
    "__declspec", "defined", "_Static_assert", "static_assert", "__extension__", "offsetof",
    "__builtin_offsetof", "_Generic",
})
# After these a macro call starts a statement, a row or an item.
_DECLARATOR_END = frozenset({b";", b",", b"=", b"[", b")", b":"})
_ROW_BEFORE = frozenset({b";", b"{", b"}", b",", b":", b")", b"else", b"do"})


def _code_tokens(data: bytes, pos: int = 0, end: int | None = None):
    """(kind, start, end) of each code token of data[pos:end]: comments and
    directives left out."""
    n = len(data) if end is None else end
    while pos < n:
        m = TOKEN.search(data, pos, n)
        if m is None:
            return
        pos = m.end() if m.end() > m.start() else m.start() + 1
        if m.lastgroup not in ("com", "dir"):
            yield m.lastgroup, m.start(), m.end()


def bare_macro_calls(data: bytes, masked: bytes) -> tuple[bytes, list[Region]]:
    """Hide macro calls used as a whole statement, row or item without the `;` or
    `,` C would need: `X(A, "a")` rows of a table, `FOREACH_THING(p, h) {` loops
    nobody defined as a loop, `EMIT_OPS(4, uint32_t)` at file scope.

    A call counts when it starts a statement or row (after `;`, a brace, `,`,
    `:`, `)`, `else`) and what follows it cannot follow an expression: a word,
    `{`, a string or a number, or `}` closing a block.  The call's text becomes
    spaces; its identifiers are kept (Region words), so renames still see them.
    """
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))
    # Per open brace: is it a block (statements) rather than an initializer?
    blocks: list[bool] = []
    prev = b""
    i, n = 0, len(toks)
    while i < n:
        kind, s, e = toks[i]
        tok = masked[s:e]
        if tok == b"{":
            blocks.append(prev not in (b"=", b",", b"{") or (bool(blocks) and blocks[-1]
                                                             and prev != b"="))
        elif tok == b"}" and blocks:
            blocks.pop()
        if kind == "id" and i + 1 < n and masked[toks[i + 1][1]:toks[i + 1][2]] == b"(" and \
                (prev in _ROW_BEFORE or prev in (b"", b"(") or
                 (prev == b"static" and not blocks)) and tok.decode("ascii") not in C_KEYWORDS \
                and tok.decode("ascii") not in _GRAMMAR_CALLS:
            call = _balanced(masked, toks[i + 1][1])
            if call is not None:
                close = call[0]
                j = i + 2
                while j < n and toks[j][1] < close:
                    j += 1
                nxt = masked[toks[j][1]:toks[j][2]] if j < n else b""
                nkind = toks[j][0] if j < n else ""
                at_top = not blocks
                # `VNET_PCPUSTAT_DEFINE(struct s, n);`: no expression stands at file scope.
                # `DECL(long double, f, g)` closing the file: nothing follows.
                # (`static void f(entry *),` / `g(user *);`: after a `,` at file scope,
                # a declarator)
                bad_next = nkind in ("id", "str", "num") or (
                    nxt in (b";", b"") and at_top and prev != b",") or (
                    nxt == b"{" and not at_top) or (nxt == b"}" and bool(blocks) and blocks[-1])
                after = masked[toks[j + 1][1]:toks[j + 1][2]] if j + 1 < n else b""
                # `TAILQ_ENTRY(foo) link;`, `T(x) const *p`: a type macro's declaration.
                # (never as an if's body: `if (x)` / `M(a, b)` / `next = x;`)
                # (nor `Debug(LOAD, ("%s", n))` / `next = x;`: a type macro takes names
                # and types)
                declares = nkind == "id" and (nxt in (b"const", b"volatile", b"restrict") or (
                    nxt.decode("ascii") not in C_KEYWORDS and after in _DECLARATOR_END)) and \
                    not (prev in (b")", b"else") and blocks) and \
                    all(_NAME_ARG.fullmatch(masked, a, b) or _TYPE_ARG.fullmatch(masked, a, b)
                        or masked[a:b].strip().isdigit() for a, b in call[1])
                # `(__in_bcount(size) caddr_t tag,`, `, __in_ecount(n) const T *p`: an
                # annotation before a parameter.
                annotates = prev in (b"(", b",") and nkind == "id" and (((
                    toks[j + 1][0] == "id" if j + 1 < n else False) and
                    nxt.decode("ascii") not in C_KEYWORDS) or nxt in (b"const", b"volatile"))
                if prev == b"static":  # `static RB_PROTOTYPE(h, t, f, cmp);`
                    bad_next = nxt == b";"
                    if bad_next:
                        s = toks[i - 1][1]
                if (bad_next and not declares) or annotates:
                    regions.append(Region(s, close, tok.decode("ascii"), "declaration",
                                          tuple(words(data, s, close))))
                    _blank(buf, s, close)
                    if prev in (b")", b"else") and blocks:
                        buf[s] = ord(";")  # `if (x)` / `M(a, b)` / `else`: the if's body
                    elif nxt == b"else" and blocks and close - s >= 6:
                        buf[s:s + 6] = b"if(0);"  # `CHECK(return (-1))` / `else if`: an if
                    i = j
                    continue  # prev stays what came before the call
        if kind == "id" and blocks and _statement_word(masked, toks, i, prev, blocks[-1]):
            name = tok.decode("ascii")
            regions.append(Region(s, e, name, "declaration", (Word(s, e, name),)))
            _blank(buf, s, e)
            i += 1
            continue
        prev = tok
        i += 1
    return bytes(buf), regions


def _statement_word(masked: bytes, toks: list, i: int, prev: bytes, in_block: bool) -> bool:
    """Is toks[i] an object-like macro standing for a statement (`PRIV_END`,
    `DBG_ENTER`, `YY_RULE_SETUP`) or a row (`DEV_TABLE` before `{ 0 }`)?

    It starts its line after a statement's end, and the next token begins a
    line of its own or is `{`, and is one that cannot follow an expression.
    A word before a declarator (`uint32_t` / `x;`) is a type, never this.
    """
    kind, s, e = toks[i]
    n = len(toks)
    if masked[s:e].decode("ascii") in C_KEYWORDS or prev not in (b";", b"{", b"}", b":") or \
            i + 1 >= n:
        return False
    nkind, ns, ne = toks[i + 1]
    nxt = masked[ns:ne]
    if not in_block and prev in (b"{", b"}") and nxt == b"{":
        return True  # `{ SHMINFO_XVEC { .sysctl = NULL } }`: no C word stands before `{`
    if i and b"\n" not in masked[toks[i - 1][2]:s]:
        return False
    if nxt != b"{" and b"\n" not in masked[e:ns]:
        return False
    if not in_block:  # an initializer's rows: `TABLE` / `{ 0, 0 }`
        return nxt == b"{"
    after = masked[toks[i + 2][1]:toks[i + 2][2]] if i + 2 < n else b""
    if nkind == "id":
        return nxt.decode("ascii") in C_KEYWORDS or after not in (b";", b",", b"[")
    return nkind in ("str", "num") or nxt in (b"{", b"}", b"*")


def trailing_attributes(data: bytes, masked: bytes) -> tuple[bytes, list[Region]]:
    """`int x __attribute__((weak));`, `} tag __attribute__((section(S))) = {`:
    tree-sitter-c takes GNU attributes after a function's declarator only.
    After a name or `]` they become spaces, their words kept (Region words);
    so does `_Noreturn` after a function's parameters."""
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))
    for i in range(1, len(toks) - 1):
        kind, s, e = toks[i]
        prev = toks[i - 1]
        if masked[s:e] == b"_Noreturn" and masked[prev[1]:prev[2]] == b")":
            _blank(buf, s, e)  # `void usage(void) _Noreturn;`
            regions.append(Region(s, e, "_Noreturn", "keyword"))
            continue
        if masked[s:e] not in (b"__attribute__", b"__attribute") or \
                masked[toks[i + 1][1]:toks[i + 1][2]] != b"(" or \
                not (prev[0] == "id" or masked[prev[1]:prev[2]] == b"]"):
            continue
        call = _balanced(masked, toks[i + 1][1])
        if call is None:
            continue
        regions.append(Region(s, call[0], "__attribute__", "attribute",
                              tuple(words(data, s, call[0]))))
        _blank(buf, s, call[0])
    return bytes(buf), regions


_PARENTHESIZED = re.compile(rb"\s*\([\s\S]*\)\s*")
_PLAIN_NAME = re.compile(rb"\s*[A-Za-z_]\w*\s*")


def macro_function_heads(data: bytes, masked: bytes) -> tuple[bytes, list[Region]]:
    """`DEFINE_IFUNC(, int, fubyte, (const void *), static)` before a `{` at file
    scope: a macro making a function's head from a type, a name and a
    parenthesised parameter list among its arguments.  All but those three
    become spaces (`int fubyte (const void *)`); every word stays listed."""
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))
    depth = 0
    for i in range(len(toks) - 1):
        kind, s, e = toks[i]
        tok = masked[s:e]
        depth += (tok == b"{") - (tok == b"}")
        if depth or kind != "id" or masked[toks[i + 1][1]:toks[i + 1][2]] != b"(" or \
                (i and masked[toks[i - 1][1]:toks[i - 1][2]] not in (b";", b"}", b")")):
            continue
        call = _balanced(masked, toks[i + 1][1])
        body = _skip_space(masked, call[0]) if call else 0
        if call is None or masked[body:body + 1] != b"{":
            continue
        close, args = call
        heads = [k for k in range(2, len(args)) if _PARENTHESIZED.fullmatch(masked, *args[k])
                 and _PLAIN_NAME.fullmatch(masked, *args[k - 1])
                 and masked[slice(*args[k - 2])].strip()]
        if len(heads) != 1:
            continue
        k = heads[0]
        # the words of what becomes spaces: the macro's name and its other arguments
        hidden = words(data, s, args[k - 2][0]) + words(data, args[k][1], close)
        regions.append(Region(s, close, tok.decode("ascii"), "header", tuple(hidden)))
        _blank(buf, s, args[k - 2][0])
        _blank(buf, args[k - 2][1], args[k - 2][1] + 1)
        _blank(buf, args[k - 1][1], args[k - 1][1] + 1)
        _blank(buf, args[k][1], close)
    return bytes(buf), regions


_BIT_TYPE_WORDS = frozenset(b"char short int long signed unsigned _Bool".split())


def _member_lists(masked: bytes, toks: list[tuple[str, int, int]]) -> list[bool]:
    """Per token: is the innermost brace open there a struct's or union's body
    (`struct s {`, `union {`: the tag word within two tokens before it)?"""
    bodies: list[bool] = []
    out: list[bool] = []
    for i, (_kind, s, e) in enumerate(toks):
        tok = masked[s:e]
        if tok == b"{":
            before = [masked[t[1]:t[2]] for t in toks[max(0, i - 2):i]]
            bodies.append(any(b in (b"struct", b"union") for b in before))
        elif tok == b"}" and bodies:
            bodies.pop()
        out.append(bool(bodies) and bodies[-1])
    return out


def empty_members(masked: bytes) -> tuple[bytes, list[Region]]:
    """`char *name;;` in a struct or union body: the second `;` declares nothing,
    which compilers let pass and tree-sitter-c does not.  It becomes a space."""
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))
    members = _member_lists(masked, toks)
    for i in range(1, len(toks)):
        tok = masked[toks[i][1]:toks[i][2]]
        if tok == b";" and members[i] and masked[toks[i - 1][1]:toks[i - 1][2]] == b";":
            buf[toks[i][1]] = 32
            regions.append(Region(toks[i][1], toks[i][2], ";", "hidden-branch"))
    return bytes(buf), regions


def unnamed_bitfields(data: bytes, masked: bytes) -> tuple[bytes, list[Region]]:
    """`unsigned : 3;`, `uint32_t :7,`: padding bitfields, which tree-sitter-c
    reads only with a name.  The space before the `:` becomes `_` (taking the
    type's last letter when there is no room), a placeholder Region that names
    nothing; the type stays listed."""
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))
    members = _member_lists(masked, toks)
    for i in range(2, len(toks)):
        kind, s, e = toks[i]
        if masked[s:e] != b":" or not members[i]:
            continue
        tkind, ts, te = toks[i - 1]
        type_word = masked[ts:te]
        lead = masked[toks[i - 2][1]:toks[i - 2][2]]
        if type_word == b"," and masked[s - 1:s] in (b" ", b"\t") and i + 1 < len(toks) and \
                toks[i + 1][0] == "num":
            buf[s - 1] = ord("_")  # `uint32_t a:1,` / `:1,`: padding in a list
            regions.append(Region(s - 1, s, "_", "placeholder"))
            continue
        if tkind != "id" or not (type_word in _BIT_TYPE_WORDS or lead in (b";", b"{")):
            continue
        gap = s - te
        if masked[te:s].strip() or (gap == 0 and te - ts < 3):
            continue
        if gap >= 2:
            buf[s - 1] = ord("_")
        else:  # no two spaces to spare: the type gives up a letter or two
            buf[s - 2] = 32
            buf[s - 1] = ord("_")
        name = data[ts:te].decode("latin-1")
        regions.append(Region(ts, s, name, "type-argument", (Word(ts, te, name, "type"),)))
        regions.append(Region(s - 1, s, "_", "placeholder"))
    return bytes(buf), regions


_ROFF_COMMENT = re.compile(rb'^\.\\"[^\n]*', re.MULTILINE)


def roff_comments(masked: bytes) -> tuple[bytes, list[Region]]:
    """`.\\" Copyright ...` lines: a C program kept for a troff paper
    (share/doc/psd) carries its header as roff comments, never C.  They become
    spaces; they name nothing."""
    buf = bytearray(masked)
    regions = []
    for m in _ROFF_COMMENT.finditer(masked):
        _blank(buf, m.start(), m.end())
        regions.append(Region(m.start(), m.end(), ".\\\"", "hidden-branch"))
    return bytes(buf), regions


_DECORATION = re.compile(rb"@\d+")
_WORD_CHAR = re.compile(rb"\w")


def stray_characters(masked: bytes) -> tuple[bytes, list[Region]]:
    """Characters C's grammar reads nowhere in code, which change no token here:

    - `\\` ending a line outside a directive (`*****/\\` closing a comment
      banner): the splice joins nothing when a word does not go on across it;
    - `@8` after a name, the stdcall decoration a Windows driver's macro pastes
      into a symbol (`IMPORT_FUNC_MAP(_Create@8, Create, 2)`).

    They become spaces; they name nothing."""
    buf = bytearray(masked)
    regions: list[Region] = []
    for kind, s, e in _code_tokens(masked):
        if kind != "punct":
            continue
        tok = masked[s:e]
        if tok == b"\\" and masked[e:e + 1] in (b"\n", b"\r") and not (
                _WORD_CHAR.fullmatch(masked, s - 1, s) and
                _WORD_CHAR.fullmatch(masked, masked.find(b"\n", e) + 1,
                                     masked.find(b"\n", e) + 2)):
            buf[s] = 32
            regions.append(Region(s, e, "\\", "hidden-branch"))
        elif tok == b"@" and _WORD_CHAR.fullmatch(masked, s - 1, s):
            m = _DECORATION.match(masked, s)
            if m is not None:
                _blank(buf, s, m.end())
                regions.append(Region(s, m.end(), "@", "hidden-branch"))
    return bytes(buf), regions


def kr_pointer_returns(masked: bytes) -> tuple[bytes, list[Region]]:
    """`char *\\nf(a, b)\\n\\tchar *a;` -- an old-style definition returning a
    pointer, which tree-sitter-c reads only without the `*`s: they become
    spaces (no identifier is lost, and the lossless layer needs no return type).

    At file scope, a name with a list of bare names in parentheses, followed by a
    word (a parameter's type), is such a definition's head.
    """
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))
    depth = 0
    for i, (kind, s, e) in enumerate(toks):
        tok = masked[s:e]
        if tok in (b"{", b"(", b"["):
            depth += 1
        elif tok in (b"}", b")", b"]"):
            depth -= 1
        if depth or kind != "id" or i + 2 >= len(toks) or \
                masked[toks[i + 1][1]:toks[i + 1][2]] != b"(":
            continue
        k = i + 2
        names = 0
        while k < len(toks):
            t = masked[toks[k][1]:toks[k][2]]
            if toks[k][0] == "id" and t.decode("ascii") not in C_KEYWORDS:
                names += 1
            elif t != b",":
                break
            k += 1
        if not names or k + 1 >= len(toks) or masked[toks[k][1]:toks[k][2]] != b")" or \
                toks[k + 1][0] != "id":
            continue
        j = i - 1
        while j >= 0 and masked[toks[j][1]:toks[j][2]] == b"*":
            buf[toks[j][1]] = 32
            regions.append(Region(toks[j][1], toks[j][2], "*", "keyword"))
            j -= 1
    return bytes(buf), regions


def dangling_labels(data: bytes, masked: bytes) -> tuple[bytes, list[Region]]:
    """`out:` right before a directive or a `}` (after a statement, a brace or a
    `case X:`): C grammars want a statement after a label.  The label becomes an
    empty statement (`    ;`) and its name is kept as a Region word of kind label."""
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))
    for i in range(1, len(toks) - 1):
        kind, s, e = toks[i]
        if kind != "id" or masked[toks[i + 1][1]:toks[i + 1][2]] != b":" or \
                masked[s:e].decode("ascii") in C_KEYWORDS or \
                masked[toks[i - 1][1]:toks[i - 1][2]] not in (b";", b"{", b"}", b":"):
            continue
        colon = toks[i + 1][1]
        after = _skip_space(masked, colon + 1)
        line_start = masked.rfind(b"\n", 0, after) + 1
        directive = masked[after : after + 1] == b"#" and not masked[line_start:after].strip()
        if directive or masked[after : after + 1] == b"}":
            regions.append(Region(s, colon + 1, masked[s:e].decode("ascii"), "label",
                                  (Word(s, e, data[s:e].decode("latin-1"), "label"),)))
            _blank(buf, s, e)
            buf[colon] = ord(";")
    return bytes(buf), regions


# Words a C grammar may take for a keyword that C itself never reserved.
_PLAIN_NAMES = frozenset({b"local", b"private", b"constexpr"})
_TAG_WORDS = frozenset({b"struct", b"union", b"enum"})
_BASE_TYPE_WORDS = frozenset(b"void char short int long float double signed unsigned _Bool *"
                             .split())


def stray_words(data: bytes, masked: bytes) -> tuple[bytes, list[Region]]:
    """Macros that expand to nothing or to attributes, found by where they stand:

    - a word before a declaration's type at file scope: `GLOBAL void f(`,
      `LOCAL FORCEINLINE bit32 g(` (two type names in a row are never C);
    - a word after a declarator: `uint64_t tx ALIGN_CACHE;`, `int x SCTP_UNUSED)`,
      or between a type and its `*`: `struct hw UNUSEDARG *hw`;
    - `local`, `private` or (before C23) `constexpr` used as names, which
      tree-sitter-c reads as keywords:
      the first letter becomes `_` (identifiers are read from the real bytes).

    The macros become spaces; their names stay listed (Region words).
    """
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))
    n = len(toks)

    def text(i: int) -> bytes:
        return masked[toks[i][1]:toks[i][2]] if 0 <= i < n else b""

    hidden: set[int] = set()

    def is_name(i: int) -> bool:
        return 0 <= i < n and toks[i][0] == "id" and i not in hidden and \
            text(i).decode("ascii") not in C_KEYWORDS

    def hide(i: int) -> None:
        hidden.add(i)
        s, e = toks[i][1], toks[i][2]
        regions.append(Region(s, e, text(i).decode("ascii"), "attribute",
                              (Word(s, e, data[s:e].decode("latin-1")),)))
        _blank(buf, s, e)

    depth = 0
    item_start = True
    for i in range(n):
        t = text(i)
        if t in _PLAIN_NAMES:
            buf[toks[i][1]] = ord("_")
        if t in (b"{", b"(", b"["):
            depth += 1
        elif t in (b"}", b")", b"]"):
            depth -= 1
        if depth == 0 and item_start and is_name(i):
            # Leading words of a file-scope declaration, up to its declarator.
            j = i
            while j < n and toks[j][0] == "id":
                j += 1
            words_ = list(range(i, j))
            if text(j) == b"(" or text(j) in (b";", b"=", b",", b"["):
                words_ = words_[:-1]  # the declarator's name
            typed = [k for k in words_ if not is_name(k) and text(k) not in
                     (b"static", b"extern", b"inline", b"const", b"volatile", b"register")]
            names = [k for k in words_ if is_name(k) and text(k - 1) not in _TAG_WORDS]
            if names and (typed or len(names) >= 2) and \
                    text(j) in (b"(", b"*", b";", b"=", b"[", b","):
                last_type = names[-1] if not typed or names[-1] > typed[-1] else None
                for k in names:
                    if k != last_type:
                        hide(k)
        # `struct s UNUSED *p`, `u16 UNUSED *c`, `void OSAL_IOMEM **pp`: a word
        # between a type and its '*'.
        if is_name(i) and (is_name(i - 1) or text(i - 1) in _BASE_TYPE_WORDS - {b"*"}) and \
                text(i + 1) == b"*" and \
                text(i - 2) in (b"(", b",", b";", b"{", b"struct", b"union", b"const"):
            hide(i)
        # `char *EFIAPI f(`: a word between a `*` and a function's name.
        if is_name(i) and text(i - 1) == b"*" and is_name(i + 1) and text(i + 2) == b"(":
            hide(i)
        # `f(IN OUT struct path *p`, `(__in size_t n,`, `(IN OUT EFI_DP *p`, `(IN
        # const char *s`: words before a parameter's type; a type and a name are
        # two words at most.
        if is_name(i) and text(i - 1) in (b"(", b",") and depth > 0:
            k = i
            while is_name(k):
                k += 1
            extra = k - i if text(k) in _TAG_WORDS or text(k) in (b"const", b"volatile") or (
                text(k) in _BASE_TYPE_WORDS and text(k) != b"*") else \
                k - i - 2 if text(k) in (b",", b")") else k - i - 1 if text(k) == b"*" else 0
            for w in range(i, i + max(extra, 0)):
                hide(w)
        # `T name MACRO;` / `T *name MACRO)`: a word after a declarator.
        if is_name(i) and is_name(i - 1) and text(i + 1) in (b";", b",", b")", b"=") and \
                i >= 2 and (is_name(i - 2) or text(i - 2) in _BASE_TYPE_WORDS) and \
                text(i - 3) not in _TAG_WORDS:
            hide(i)
        item_start = t in (b";", b"}") and depth == 0
    return bytes(buf), regions


_C_NUMBER = re.compile(
    rb"(?:0[xX](?:[0-9a-fA-F']+\.?[0-9a-fA-F']*|\.[0-9a-fA-F']+)(?:[pP][+-]?\d+)?|0[bB][01']+|"
    rb"(?:\d[\d']*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[uUlLfFiIjJ]*")
_EXPR_BEFORE = frozenset({b";", b"{", b"}", b"(", b"[", b",", b"=", b"return", b"?", b":", b"+",
                          b"-", b"/", b"%", b"<", b">", b"!", b"&&", b"||", b"|", b"^", b"~",
                          b"else"})


_STATEMENT_ARG = re.compile(rb"\s*(?:return|goto|break|continue|if|for|while|do|switch)\b")
_DESIGNATOR_ARG = re.compile(rb"\s*\.[A-Za-z_]")
_SPACE_OR_COMMENTS = rb"(?:\s|/\*[\s\S]*?\*/|//[^\n]*)*"
# `HW_MATCH("v0", v0, { CORE_ID(X) })`: a brace list, maybe after a comment
_BRACE_ARG = re.compile(_SPACE_OR_COMMENTS + rb"\{[\s\S]*\}" + _SPACE_OR_COMMENTS)
# `PCI_MASK_CONFIG(dev, reg, |FLAG, 2)`: pasted after an operand, so it starts
# with an operator no expression starts with.
_OPERATOR_FIRST_ARG = re.compile(rb"\s*(?:\|\|?|\^|/(?![/*])|<<|>>|[<>=!]=|[<>?])[^;]*")
# `PRINTFIELD(sc, f, Port, %d)`, `TRACE(Calling 0x%06x, seg)`: pasted into a string
_FORMAT_ARG = re.compile(rb"\s*(?:[A-Za-z_]\w*\s+)*(?:0x)?%[-+# ]*[\w.]+\s*")


def _holds_statements(masked: bytes, start: int, end: int) -> bool:
    """Does [start, end) hold a `;` outside brackets: `TLOOP(*d = *s; s++)`?"""
    depth = 0
    for _kind, s, e in _code_tokens(masked, start, end):
        tok = masked[s:e]
        if tok in (b"(", b"[", b"{"):
            depth += 1
        elif tok in (b")", b"]", b"}"):
            depth -= 1
        elif tok == b";" and depth == 0:
            return True
    return False


def macro_arguments(data: bytes, masked: bytes) -> tuple[bytes, list[Region]]:
    """Arguments only a macro can take, where a call is an expression:

    - a type: `GETARG(wchar_t *)`, `MALLOC(p, struct nfsfh *, n, ...)`,
      `PROBE(wait, unsigned int, count)`, `DECL(long double, f, g)`;
    - a member path in offsetof: `offsetof(struct s, a.b)`, `offsetof(t, f[2])`
      (tree-sitter-c takes a field name only): what follows the first field;
    - a token pasted into a name: `CARD(3COM, 3C589)`, `SAVE_REG(mac, 2a)`;
    - a statement: `CHECK_LEN(m, len, return (EINVAL))`, `FAIL_POINT(fp, goto out)`,
      `DEB(if (m) printf("x"););`, `TLOOP(*d = *s; s++)`;
    - a designator: `SET_FIELD(.bcdUSB, 0x0300)`;
    - a brace-enclosed list: `HW_MATCH("v0", v0, { CORE_ID(X), CORE_UNIT(0) })`;
    - a right operand, pasted after another: `PCI_MASK_CONFIG(dev, reg, |FLAG, 2)`;
    - a conversion, pasted into a format string: `PRINTFIELD(sc, f, Port, %d)`,
      `(..., 0x%x)` (where `0x` alone is no number either), `(Calling 0x%06x, ...)`;
    - and `switch M(x) {`, where the macro brings the parentheses: its name goes.

    A type becomes `0` and spaces; its words stay listed, as types (Region words).
    """
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))
    braces = 0
    for i in range(1, len(toks) - 1):
        kind, s, e = toks[i]
        braces += (masked[s:e] == b"{") - (masked[s:e] == b"}")
        if kind == "num" and not _C_NUMBER.fullmatch(masked, s, e) and buf[s:e] == masked[s:e]:
            _blank(buf, s, e)  # (unless inside an argument already hidden)
            buf[s] = ord("0")
            regions.append(Region(s, e, masked[s:e].decode("latin-1"), "operator-argument"))
            continue
        if kind != "id" or masked[toks[i + 1][1]:toks[i + 1][2]] != b"(":
            continue
        name = masked[s:e].decode("ascii")
        prev = masked[toks[i - 1][1]:toks[i - 1][2]]
        if prev in (b"switch", b"if", b"while") and name not in C_KEYWORDS:
            # `switch IFM_SUBTYPE(media) {`: the macro brings the parentheses.
            _blank(buf, s, e)
            regions.append(Region(s, e, name, "attribute", (Word(s, e, name),)))
            continue
        # (`if (x)` / `MALLOC(p, struct s *, n)`: after a `)` in a body, a statement;
        # `2 * SIZE(struct a)`: after a number's `*`, an operand)
        if name in C_KEYWORDS or prev not in _EXPR_BEFORE and not (prev == b")" and braces) \
                and not (prev == b"*" and i >= 2 and toks[i - 2][0] == "num"):
            continue
        call = _balanced(masked, toks[i + 1][1])
        if call is None:
            continue
        args = call[1]
        if len(args) == 1 and masked[args[0][0]:args[0][1]].strip() == b"*":
            continue  # `daddr_t (*)(int)`: an abstract declarator
        if name in ("offsetof", "__builtin_offsetof"):
            first = re.compile(rb"\s*[A-Za-z_]\w*").match(masked, *args[1]) \
                if len(args) == 2 else None
            if first is not None and masked[first.end():args[1][1]].strip():
                # the path after its first field becomes spaces, its words kept
                a, b = first.end(), args[1][1]
                ws = tuple(w for w in words(data, *args[1]) if w.start >= a)
                _blank(buf, a, b)
                regions.append(Region(a, b, name, "type-argument", ws))
            continue
        if name in _GRAMMAR_CALLS:
            continue
        else:
            targets = [a for a in args if _TYPE_ARG.fullmatch(masked, *a)
                       or _STATEMENT_ARG.match(masked, *a) or _DESIGNATOR_ARG.match(masked, *a)
                       or _holds_statements(masked, *a) or _FORMAT_ARG.fullmatch(masked, *a)
                       or _OPERATOR_FIRST_ARG.fullmatch(masked, *a)
                       or _BRACE_ARG.fullmatch(masked, *a)]
        for a, b in targets:
            is_type = _TYPE_ARG.fullmatch(masked, a, b) is not None
            ws = tuple(Word(w.start, w.end, w.name, w.ctx or ("type" if is_type else ""))
                       for w in words(data, a, b))
            _zero(buf, a, b)
            regions.append(Region(a, b, name, "type-argument", ws))
    return bytes(buf), regions


def string_macros(data: bytes, masked: bytes) -> tuple[bytes, list[Region]]:
    """Macros that expand to strings, where tree-sitter-c reads no such word:

    - two or more words before a string literal, `printk(KERN_ERR PFX "...")`:
      it reads one word joined to a string, not two in a row;
    - two or more words as a call's argument in a function body,
      `open(_PATH_DEV MDCTL_NAME, O_RDWR)`, or after a `?` (`both ? A B : A`);
    - a call joined to a string, `"elf" __XSTRING(SIZE) " kernel"`.

    All but the last word, and the whole call, become spaces; their names are
    kept (Region words).
    """
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))
    n = len(toks)

    def text(k: int) -> bytes:
        return masked[toks[k][1]:toks[k][2]] if 0 <= k < n else b""

    def hide(s: int, e: int, name: str) -> None:
        _blank(buf, s, e)
        regions.append(Region(s, e, name, "attribute", tuple(words(data, s, e))))

    depth = 0  # of braces: inside a function body, a call's arguments are expressions
    i = 0
    while i < n:
        t = text(i)
        depth += (t == b"{") - (t == b"}")
        j = i
        while j < n and toks[j][0] == "id" and text(j).decode("ascii") not in C_KEYWORDS:
            j += 1
        in_call = depth > 0 and i > 0 and text(i - 1) in (b"(", b",") and \
            text(j) in (b",", b")") and _in_call_arguments(masked, toks, i - 1)
        before_string = j < n and toks[j][0] == "str"
        chosen = depth > 0 and text(i - 1) == b"?"
        if j - i >= 2 and (before_string or in_call or chosen):
            for _kind, s, e in toks[i:j - 1]:
                hide(s, e, masked[s:e].decode("ascii"))
        elif j == i + 1 and text(j) == b"(" and t.decode("ascii") not in _GRAMMAR_CALLS:
            call = _balanced(masked, toks[j][1])
            after = _skip_space(masked, call[0]) if call else 0
            after_string = i > 0 and toks[i - 1][0] == "str"
            if call and (after_string or masked[after:after + 1] == b'"'):
                hide(toks[i][1], call[0], t.decode("ascii"))
        i = max(j, i + 1)
    return bytes(buf), regions


def _in_call_arguments(masked: bytes, toks: list, k: int) -> bool:
    """Is toks[k] (a `(` or `,`) inside the argument list of a call?  The `(`
    opening that list follows a name that follows an operator or a statement's
    start, never a type (`int f(char *a)` declares)."""
    depth = 0
    while k >= 0:
        t = masked[toks[k][1]:toks[k][2]]
        if t in (b")", b"]"):
            depth += 1
        elif t == b"[":
            depth -= 1
        elif t == b"(":
            if depth == 0:
                break
            depth -= 1
        elif t in (b";", b"{", b"}") and depth == 0:
            return False
        k -= 1
    if k < 2 or toks[k - 1][0] != "id":
        return False
    before = masked[toks[k - 2][1]:toks[k - 2][2]]
    return toks[k - 2][0] != "id" or before == b"return"


_CASE_RANGE = re.compile(rb"\bcase\b[^:;{}]*?(\.\.\.)")


def case_ranges(masked: bytes) -> tuple[bytes, list[Region]]:
    """GNU `case A ... B:` becomes `case A | B:`, an expression tree-sitter-c reads."""
    buf = bytearray(masked)
    regions = []
    for m in _CASE_RANGE.finditer(masked):
        buf[m.start(1) : m.end(1)] = b" | "
        regions.append(Region(m.start(1), m.end(1), "...", "operator-argument"))
    return bytes(buf), regions



def implicit_ints(masked: bytes) -> tuple[bytes, list[Region]]:
    """K&R's implicit int: `register c;`, `register i, j = 0;` declare ints with no
    type, which tree-sitter-c reads only with one.  `register` becomes `int` and
    spaces (it names nothing, so no identifier is lost)."""
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))
    for i in range(len(toks) - 2):
        kind, s, e = toks[i]
        if masked[s:e] != b"register" or toks[i + 1][0] != "id":
            continue
        name = masked[toks[i + 1][1]:toks[i + 1][2]]
        if name.decode("ascii") in C_KEYWORDS or \
                masked[toks[i + 2][1]:toks[i + 2][2]] not in (b";", b",", b"=", b"["):
            continue
        buf[s:e] = b"int".ljust(e - s)
        regions.append(Region(s, e, "register", "keyword"))
    return bytes(buf), regions


_FUNCTION_STORAGE = frozenset({b"static", b"inline", b"__inline", b"__inline__"})


def implicit_int_functions(data: bytes, masked: bytes) -> tuple[bytes, list[Region]]:
    """K&R's implicit int on a function at file scope: `main()` / `{`, or
    `static` / `cmp(a, b)` / `char *a, *b;` / `{`.  tree-sitter-c reads no
    definition without a type, and a mask of the same length has no room to write
    one.  The head (storage words, name, parameter list) becomes spaces, kept as a
    Region of kind "function" that the item builder joins to the K&R declarations
    and the body after it.  A name in capitals is a macro making a head: left."""
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))
    n = len(toks)
    depth = 0
    at_start = True  # the next token at file scope starts an item
    i = 0
    while i < n:
        kind, s, e = toks[i]
        tok = masked[s:e]
        if depth == 0 and at_start:
            j = i
            while j < n and masked[toks[j][1]:toks[j][2]] in _FUNCTION_STORAGE:
                j += 1
            head = _implicit_int_head(masked, toks, j)
            if head is not None:
                close, body = head
                name = masked[toks[j][1]:toks[j][2]].decode("ascii")
                regions.append(Region(s, close, name, "function", tuple(words(data, s, close))))
                _blank(buf, s, close)
                i = body  # the body's `{` is counted below
                continue
        if tok == b"{":
            depth += 1
        elif tok == b"}" and depth:
            depth -= 1
        at_start = depth == 0 and tok in (b";", b"}")
        i += 1
    return bytes(buf), regions


def _implicit_int_head(masked: bytes, toks: list[tuple[str, int, int]],
                       j: int) -> tuple[int, int] | None:
    """When toks[j] starts `name(params)` followed by a function body (after
    their declarations, for K&R's parameters): the end of the parameter list and
    the index of the body's `{`.  Else None."""
    n = len(toks)
    if j + 1 >= n or toks[j][0] != "id" or masked[toks[j + 1][1]:toks[j + 1][2]] != b"(":
        return None
    name = masked[toks[j][1]:toks[j][2]]
    if name.decode("ascii") in C_KEYWORDS or name.upper() == name:
        return None
    call = _balanced(masked, toks[j + 1][1])
    if call is None:
        return None
    close, params = call
    k = j + 2
    while k < n and toks[k][1] < close:
        k += 1
    if k >= n:
        return None
    if masked[toks[k][1]:toks[k][2]] == b"{":
        return close, k
    # K&R: plain names in the list, declarations of them, then the body
    if toks[k][0] != "id" or not all(_PLAIN_NAME.fullmatch(masked, a, b) for a, b in params):
        return None
    m = k
    while m < n and masked[toks[m][1]:toks[m][2]] not in (b"{", b"}", b"="):
        m += 1
    if m >= n or masked[toks[m][1]:toks[m][2]] != b"{" or \
            masked[toks[m - 1][1]:toks[m - 1][2]] != b";":
        return None
    return close, m


def function_pointer_casts(data: bytes, masked: bytes) -> tuple[bytes, list[Region]]:
    """`(u_int (*)(void *, u_int))f`: a cast to a function pointer whose return type
    is a typedef name, which tree-sitter-c reads as a call.  `NAME (*)` right after
    `(` is only ever a type name; NAME becomes `int` and spaces (when it is that
    long), kept as a Region word of kind type."""
    buf = bytearray(masked)
    regions: list[Region] = []
    toks = list(_code_tokens(masked))

    def text(i: int) -> bytes:
        return masked[toks[i][1]:toks[i][2]]

    for i in range(1, len(toks) - 3):
        kind, s, e = toks[i]
        # (the scan may have read `u_int(*)` as a macro given an operator: `(0)`)
        star = toks[i + 2][1]
        if kind != "id" or e - s < 3 or text(i - 1) != b"(" or text(i + 1) != b"(" or \
                data[star:star + 1] != b"*" or text(i + 3) != b")" or \
                masked[s:e].decode("ascii") in C_KEYWORDS:
            continue
        name = data[s:e].decode("latin-1")
        buf[s:e] = b"int".ljust(e - s)
        buf[star] = ord("*")
        regions.append(Region(s, e, name, "type-argument", (Word(s, e, name, "type"),)))
    return bytes(buf), regions
