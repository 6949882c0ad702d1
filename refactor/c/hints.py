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
from collections.abc import Iterable
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
    "__attribute_format",
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
    "__rangeof": 0, "__containerof": 1,
}

# cdefs.h spellings of C keywords that tree-sitter-c does not know: the keyword
# itself, padded with spaces, takes their place (`__asm __volatile(...)`).
KEYWORD_SPELLINGS: dict[str, bytes] = {
    "__volatile": b"volatile", "__const": b"const", "__signed": b"signed",
}

DEFAULT_HINTS: frozenset[str] = (
    _BARE_ATTRIBUTES | _ARG_ATTRIBUTES | DECLARATION_HINTS | frozenset(TYPE_ARGUMENT_HINTS)
)

# queue(3), tree(3) and cpuset(9) loop macros: NAME(...) followed by a statement.
_LOOP_NAME = re.compile(rb"[A-Z][A-Z0-9_]*_FOREACH(?:_[A-Z0-9_]+)?")
_QUEUE_HEAD = re.compile(rb"(?:S?LIST|S?TAILQ|RB|SPLAY|ARB)_HEAD")


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
_NAMED_VARIADIC = re.compile(rb"[ \t]*#[ \t]*define[ \t]+\w+\([^)]*?\w(\.\.\.)\s*\)")


@dataclass(frozen=True)
class Word:
    """An identifier found by the lexer: `ctx` is "tag" after struct/union/enum,
    "field" after `.` or `->`, else ""."""

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
    kind: str  # attribute, declaration, type-argument, loop, queue-head, keyword, hidden-branch
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
                ctx = "tag" if prev in TAG_KEYWORDS else "field" if prev in (b".", b"->") else ""
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


def _blank_continued_comments(data: bytes, buf: bytearray, start: int, end: int) -> None:
    """In a directive continued over lines, blank its one-line block comments.

    tree-sitter-c loses a #define at `/* why */ \\` before a line continuation;
    a comment is not code, so spaces of the same length change nothing else.
    Comments that span lines stay, so the directive still ends where it did.
    """
    if not _CONTINUATION.search(data, start, end):
        return
    pos = data.index(b"#", start) + 1
    while pos < end:
        m = TOKEN.match(data, pos, end)
        if m is None or m.end() == m.start():
            pos += 1
            continue
        if m.lastgroup == "com" and data.startswith(b"/*", m.start()) and \
                b"\n" not in m.group():
            _blank(buf, m.start(), m.end())
        pos = m.end() if m.lastgroup != "dir" else m.start() + 1


def scan(data: bytes, extra: Iterable[str] = ()) -> tuple[bytes, list[Region]]:
    """The masked text (same length, same newlines) and the regions rewritten."""
    extra_names = frozenset(extra) - DEFAULT_HINTS
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

        if name in _BARE_ATTRIBUTES or (name in DEFAULT_HINTS and not has_args) or (
            name in extra_names and call is None
        ):
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
                ws = words(data, a, b)
                _blank(buf, a, b)
                buf[a] = ord("0")
                types = tuple(Word(w.start, w.end, w.name, w.ctx or "type") for w in ws)
                regions.append(Region(start, close, name, "type-argument", types))
            # the other arguments stay and are parsed as expressions
        elif name in DEFAULT_HINTS or name in extra_names:
            close, _args = call
            kind = "declaration" if name in DECLARATION_HINTS else "attribute"
            ws = tuple(words(data, after + 1, close - 1))
            _blank(buf, start, close)
            regions.append(Region(start, close, name, kind, ws))
            pos = close
        elif _LOOP_NAME.fullmatch(m.group()):
            buf[start : m.end()] = b"while".ljust(m.end() - start)
            regions.append(Region(start, call[0], name, "loop"))
        elif _QUEUE_HEAD.fullmatch(m.group()):
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


_STATEMENT_END = frozenset({b";", b"{", b"}", b":", b"else", b"do"})


def conditional_groups(data: bytes) -> list[Group]:
    """Every complete #if group, outer groups before the groups inside them.

    A group is inline when the code before it does not end a statement, or when
    a branch begins or ends with `else` (an #if cutting an if/else chain, as in
    `} else` / `#endif` / `{`): no C grammar can follow either shape.
    """
    groups: list[Group] = []
    stack: list[Group] = []
    last: bytes | None = None  # last token that is not a comment or directive
    opened: list[Group] = []  # groups whose current branch has no token yet
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
            last = m.group()
            if last == b"else":
                for g in opened:
                    g.inline = True
            opened = []
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
        elif word in ("elif", "else", "elifdef", "elifndef", "endif") and stack:
            g = stack[-1] if word != "endif" else stack.pop()
            if last == b"else" and g not in opened:
                g.inline = True  # a branch that ends in a dangling `else`
            g.directives.append(entry)
            if word != "endif":
                opened.append(g)
    return [g for g in groups if g.directives[-1][0] == "endif"]


def flatten_inline_groups(data: bytes, masked: bytes,
                          groups: list[Group]) -> tuple[bytes, list[Region], list[Group]]:
    """Blank the directive lines of inline groups, and the bodies of their
    #elif/#else branches, so the first branch reads as plain code.

    The hidden branches' identifiers come back as Regions, so they are still
    listed and renamed.
    """
    buf = bytearray(masked)
    regions: list[Region] = []
    hidden: list[tuple[int, int]] = []
    applied: list[Group] = []
    for g in groups:
        if not g.inline or any(a <= g.start < b for a, b in hidden):
            continue
        applied.append(g)
        ds = g.directives
        for _word, _rest, s, e in ds:
            _blank(buf, s, e)
        for i in range(1, len(ds) - 1):  # bodies of #elif / #else branches
            body_start, body_end = ds[i][3], ds[i + 1][2]
            ws = tuple(words(data, body_start, body_end))
            _blank(buf, body_start, body_end)
            hidden.append((body_start, body_end))
            regions.append(Region(body_start, body_end, ds[i][0], "hidden-branch", ws))
    return bytes(buf), regions, applied
