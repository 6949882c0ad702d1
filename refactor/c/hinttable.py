"""The macro hint table, learned from the `#define`s of a real tree.

Like Coccinelle's standard.h, the lossless layer needs to know what a macro
stands for before it can parse a use of it.  Rather than a list kept by
hand, the shapes are read off each macro's own definition:

- loop: `NAME(...)` expands to `for (...)` or `while (...)` with no body
  (`list_for_each(p, h)`, `for_each_port(sc, i)`), or to another loop macro;
- declaration: it expands to a whole declaration at file scope, with an
  initializer or several statements (`MALLOC_DEFINE`, `SYSCTL_NODE`,
  `DEFINE_CLASS_0`), or to another declaration macro;
- header: it expands to a function's head, `static void f(args)`, so a body
  follows (`ATF_TC_BODY(name, tc) {`, `DB_SHOW_COMMAND(name, fn) {`);
- type-argument: some parameters are used as types (cast to, `sizeof` of a
  pointer type, passed where another macro wants a type): `mtod(m, t)`,
  `container_of(p, type, member)`;
- typed-name: `VNET_DEFINE(t, n)` expands to the type t, then the name n
  (maybe through a naming macro), then attributes: `VNET_DEFINE(int, x) = 1;`;
- wrapper: it expands to its one argument (`__P((int, char *))`);
- prefix: an object-like macro made of casts and unary operators
  (`#define BYTE *(u_char *)&`), which only stands before an operand;
- statement: an object-like macro that is a whole statement (`{ ...; }`,
  `break;`), used where a statement stands (`if (bad) FAIL`);
- attribute: an object-like macro that spells a qualifier (`complex` for
  `_Complex`), or one spelled with a leading underscore that
  expands to nothing or only to attributes (`__user`, `__constructor`).

A name counts when every definition of it that has one of these shapes agrees
(an empty stand-in definition, as userland shims have, does not vote, nor
one whose body is `()`, the traditional-C half of a prototype wrapper; a
definition of another shape, such as queue.h's LIST_HEAD against Linux's, does).  The
table is generated (`python -m refactor.c.hinttable TREE... > FILE`) into
hint_table.tsv beside this module; each CFile also learns from its own
`#define`s.  Only names and shapes are stored, never a definition's text.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from refactor.c.hints import ATTRIBUTE_HINTS, C_KEYWORDS, DEFAULT_HINTS

_ATTRIBUTE_NAMES = frozenset(DEFAULT_HINTS) | {"__attribute__", "__attribute"}

TABLE = Path(__file__).with_name("hint_table.tsv")

_DEFINE = re.compile(
    rb"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)]*\))?((?:\\\r?\n|[^\n])*)", re.M)
_COMMENT = re.compile(rb"/\*.*?\*/|//[^\n]*", re.S)
_TOKEN = re.compile(rb"##|->|[A-Za-z_]\w*|\d[\w.]*|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|\S")
_DECL_START = frozenset(
    b"static extern struct union enum typedef const volatile void char short int long "
    b"unsigned signed float double _Bool".split())
_QUALIFIERS = frozenset({b"_Complex", b"__inline", b"__inline__", b"inline", b"const",
                         b"volatile", b"__const", b"__volatile", b"register", b"static"})
_STORAGE = frozenset({b"static", b"extern", b"const", b"volatile", b"typedef"})
_TYPE_WORDS = _DECL_START - {b"static", b"extern", b"typedef"}
# Empty object-like macros spelled like these are include guards and option flags.
_GUARD = re.compile(r"_H_*$|^_*[A-Z0-9_]+$")

# Names tree-sitter-c parses itself (offsetof_expression, ...): never masked.
GRAMMAR_NAMES = frozenset({"offsetof", "alignof", "_Alignof", "__alignof", "__alignof__"})

Kind = tuple[str, tuple[int, ...]]  # (kind, type-argument positions)


def _tokens(body: bytes) -> list[bytes]:
    body = _COMMENT.sub(b" ", re.sub(rb"\\\r?\n", b" ", body))
    return _TOKEN.findall(body)


def _group_end(toks: list[bytes], i: int) -> int:
    """Index just past the bracket group opening at toks[i] (or len(toks))."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j] in (b"(", b"[", b"{"):
            depth += 1
        elif toks[j] in (b")", b"]", b"}"):
            depth -= 1
            if depth == 0:
                return j + 1
    return len(toks)


def _call_end(toks: list[bytes], i: int) -> int | None:
    """toks[i] is a name followed by '(': the index past its ')'."""
    if i + 1 < len(toks) and toks[i + 1] == b"(":
        return _group_end(toks, i + 1)
    return None


def _top_level(toks: list[bytes], tok: bytes) -> bool:
    depth = 0
    for t in toks:
        if t in (b"(", b"[", b"{"):
            depth += 1
        elif t in (b")", b"]", b"}"):
            depth -= 1
        elif t == tok and depth == 0:
            return True
    return False


_PREFIX_OPS = frozenset({b"*", b"&", b"-", b"!", b"~"})
_STATEMENT_WORDS = frozenset({b"if", b"for", b"while", b"do", b"switch", b"return", b"break",
                              b"continue", b"goto"})


def _is_prefix(toks: list[bytes]) -> bool:
    """Casts and unary operators with no operand (`*(u_char *)&`, `(long)`,
    `(int (*)(sc_low_t, int))`): the body of an object-like macro that only ever
    stands before an expression."""
    i, casts = 0, 0
    while i < len(toks):
        if toks[i] in _PREFIX_OPS:
            i += 1
            continue
        end = _group_end(toks, i) if toks[i] == b"(" else 0
        inner = toks[i + 1 : end - 1] if end else []
        # to a function pointer: `(int (*)(sc_low_t, int))`, the return type as below
        k = inner.index(b"(") if b"(" in inner else len(inner)
        if 0 < k and inner[k:k + 3] == [b"(", b"*", b")"] and k + 3 < len(inner) and \
                inner[k + 3] == b"(" and _group_end(inner, k + 3) == len(inner):
            inner = inner[:k]
        # a cast: base type words, maybe qualifiers and stars, nothing else; or one
        # name and stars (`(rrt_func_t *)`: no expression ends in `*`)
        named = len(inner) >= 2 and re.fullmatch(rb"[A-Za-z_]\w*", inner[0]) is not None and \
            all(t == b"*" for t in inner[1:])
        if not named and (not inner or not any(t in _TYPE_WORDS for t in inner) or
                          not all(t in _TYPE_WORDS or t == b"*" for t in inner)):
            return False
        casts += 1
        i = end
    return casts > 0


def _is_statement(toks: list[bytes]) -> bool:
    """A whole statement: a braced block, or one that starts with a statement keyword
    and ends in `;` (`break;`, `{ warn(); return 1; }`)."""
    if not toks:
        return False
    if toks[0] == b"{":  # a block, not an initializer: it holds a statement's `;`
        return _group_end(toks, 0) == len(toks) and b";" in toks
    return toks[0] in _STATEMENT_WORDS and toks[-1] == b";" and toks[:1] != [b"do"]


def _only_attributes(toks: list[bytes], known: dict[str, Kind]) -> bool:
    """Is a body nothing but attributes, each maybe with its arguments
    (`__section(".data") __used`, `__aligned(64)`)?"""
    k = 0
    while k < len(toks):
        word = toks[k].decode("latin-1")
        if word not in ATTRIBUTE_HINTS and known.get(word, ("",))[0] != "attribute":
            return False
        k += 1
        if k < len(toks) and toks[k] == b"(":
            k = _group_end(toks, k)
    return k > 0


def _classify(name: str, params: list[bytes] | None, toks: list[bytes],
              known: dict[str, Kind]) -> Kind | None:
    if params is None:  # object-like
        if len(toks) == 1 and toks[0] in _QUALIFIERS and (
                not name.isalpha() or not name.islower() or toks[0].startswith(b"_") or
                name.encode().endswith(toks[0])):
            # `#define complex _Complex`, `#define yyconst const`: a reserved or a
            # prefixed qualifier's spelling.  Not zlib's `#define local static` nor
            # `#define constant const`: a plain word that other programs use as a name.
            return ("attribute", ())
        if _is_prefix(toks):
            return ("prefix", ())  # `#define BYTE *(unsigned char *)&`: `BYTE x` reads as x
        if _is_statement(toks):
            return ("statement", ())  # `#define FAIL { cleanup(); return 1; }`, `break;`
        if not name.startswith("_"):
            return None  # `#define exit` in one program must not hide every `exit`
        if not toks:
            return ("attribute", ())
        if toks[0] in (b"__attribute__", b"__attribute") and len(toks) > 1 and \
                _group_end(toks, 1) == len(toks):
            return ("attribute", ())
        if _only_attributes(toks, known):
            return ("attribute", ())  # `#define __read_frequently __section(".data.rf")`
        return None
    if not toks:
        return None
    if len(params) == 1 and toks == [params[0]]:
        return ("wrapper", ())  # `__P(protos)`: its argument, as is
    if _typed_name(params, toks, known):
        return ("typed-name", ())
    first = toks[0]
    # A call of a known macro that makes up the whole body: that macro's kind.
    end = _call_end(toks, 0)
    if end == len(toks) and first.decode("latin-1") in known:
        k = known[first.decode("latin-1")][0]
        if k in ("loop", "declaration", "header"):
            return (k, ())
    if first in (b"for", b"while") and len(toks) > 1 and toks[1] == b"(" and \
            _group_end(toks, 1) == len(toks):
        return ("loop", ())
    if first in _DECL_START or (end is not None and known.get(first.decode("latin-1"), ("",))[0]
                                == "declaration"):
        last = toks[_last_statement(toks):]
        if last and last[-1] == b")" and _is_function_head(last, known):
            return ("header", ())
        if len([t for t in toks if t not in _STORAGE]) <= 1:
            return None  # `static t`: a prefix of a declaration, not one
        if _top_level(toks, b"=") or _top_level(toks, b";") or not _type_only(toks):
            return ("declaration", ())
        return None
    types = _type_params(params, toks, known)
    return ("type-argument", types) if types else None


def _typed_name(params: list[bytes], toks: list[bytes], known: dict[str, Kind]) -> bool:
    """`VNET_DEFINE(t, n)`: the type, then the name (maybe through a naming macro),
    then attributes: a declaration's specifiers and declarator."""
    if len(params) != 2 or not toks or toks[0] == b"(":
        return False
    t, n = params
    body = toks[_last_statement(toks):]  # `struct _hack; t n`: the last declaration
    while body:  # trailing attributes: `__section(X) __used`
        if body[-1] == b")":
            k = len(body) - 1
            depth = 0
            while k >= 0:
                depth += body[k] == b")"
                depth -= body[k] == b"("
                if depth == 0:
                    break
                k -= 1
            word = body[k - 1].decode("latin-1") if k > 0 else ""
            if k > 0 and (known.get(word, ("",))[0] == "attribute" or word in _ATTRIBUTE_NAMES):
                body = body[: k - 1]
                continue
        elif known.get(body[-1].decode("latin-1"), ("",))[0] == "attribute" or \
                body[-1].decode("latin-1") in _ATTRIBUTE_NAMES:
            body.pop()
            continue
        break
    if any(x in body for x in (b"=", b";", b"{", b",")):
        return False
    named = body[-1:] == [n] or (len(body) >= 4 and body[-3:] == [b"(", n, b")"] and
                                 re.fullmatch(rb"[A-Za-z_]\w*", body[-4]) is not None)
    cut = len(body) - (1 if body[-1:] == [n] else 4)
    head = [x for x in body[:cut] if x not in (b"static", b"extern", b"const", b"volatile")]
    return named and head in ([t], [b"__typeof", b"(", t, b")"], [b"__typeof__", b"(", t, b")"])


def _type_only(toks: list[bytes]) -> bool:
    """`struct name`, `struct name { ... }`, `unsigned long`: a type, nothing declared."""
    i = 0
    if toks and toks[0] in (b"struct", b"union", b"enum"):
        i = 1
        if i < len(toks) and re.fullmatch(rb"[A-Za-z_]\w*", toks[i]):
            i += 1
            while i + 1 < len(toks) and toks[i] == b"##":  # `struct stack_st_##type`
                i += 2
        if i < len(toks) and toks[i] == b"{":
            i = _group_end(toks, i)
        return i == len(toks)
    return all(t in _TYPE_WORDS or t == b"*" for t in toks)


def _last_statement(toks: list[bytes]) -> int:
    depth, start = 0, 0
    for j, t in enumerate(toks):
        if t in (b"(", b"[", b"{"):
            depth += 1
        elif t in (b")", b"]", b"}"):
            depth -= 1
        elif t == b";" and depth == 0:
            start = j + 1
    return start


def _is_function_head(toks: list[bytes], known: dict[str, Kind]) -> bool:
    """`static void name(args)`: words, then one name, then one group to the end.

    `static DECLARATION_MACRO(args)` is a declaration, not a head."""
    if not toks or toks[0] not in _DECL_START:
        return False
    depth = 0
    for j, t in enumerate(toks):
        if t == b"(":
            if depth == 0:
                name = toks[j - 1].decode("latin-1") if j else ""
                if known.get(name, ("",))[0] == "declaration":
                    return False
                return _group_end(toks, j) == len(toks) and j > 1 and \
                    re.fullmatch(rb"\w+", toks[j - 1]) is not None
            depth += 1
        elif t in (b"=", b";", b"{"):
            return False
    return False


def _type_params(params: list[bytes], toks: list[bytes], known: dict[str, Kind]) -> tuple:
    found: set[int] = set()
    for i, p in enumerate(params):
        for j, t in enumerate(toks):
            if t != p:
                continue
            before = toks[j - 1] if j else b""
            after = toks[j + 1] if j + 1 < len(toks) else b""
            after2 = toks[j + 2] if j + 2 < len(toks) else b""
            # (P *) or (P)(x) / (P)x: a cast to P
            if before == b"(" and (after == b"*" or (after == b")" and (
                    after2 == b"(" or re.fullmatch(rb"[A-Za-z_]\w*", after2 or b"")))):
                found.add(i)
            # P passed where a known type-argument macro wants a type
            k = _enclosing_call(toks, j)
            if k is not None:
                name, pos = k
                kind = known.get(name.decode("latin-1"))
                if kind and kind[0] == "type-argument" and pos in kind[1] and \
                        before in (b"(", b",") and after in (b")", b","):
                    found.add(i)
    return tuple(sorted(found))


def _enclosing_call(toks: list[bytes], j: int) -> tuple[bytes, int] | None:
    """(macro name, argument position) of the call whose argument holds toks[j]."""
    depth, pos = 0, 0
    for k in range(j - 1, -1, -1):
        t = toks[k]
        if t in (b")", b"]", b"}"):
            depth += 1
        elif t in (b"(", b"[", b"{"):
            if depth == 0:
                if t == b"(" and k and re.fullmatch(rb"[A-Za-z_]\w*", toks[k - 1]):
                    return toks[k - 1], pos
                return None
            depth -= 1
        elif t == b"," and depth == 0:
            pos += 1
    return None


def _defines(data: bytes) -> list[tuple[str, list[bytes] | None, list[bytes]]]:
    out = []
    for m in _DEFINE.finditer(data):
        params = None
        if m.group(2) is not None:
            params = [p.strip() for p in m.group(2)[1:-1].split(b",") if p.strip()]
        out.append((m.group(1).decode("latin-1"), params, _tokens(m.group(3))))
    return out


def learn(texts: Iterable[bytes], known: dict[str, Kind] | None = None) -> dict[str, Kind]:
    """Hints from the #defines in `texts`; a name whose definitions disagree is left out."""
    defs = [d for data in texts for d in _defines(data)]
    base = dict(known or {})
    table: dict[str, Kind] = {}
    # A few rounds: a macro defined through another learns that one's kind first.
    for _ in range(6):
        # Votes per name and form.  A function-like hint touches only calls, so
        # an object-like namesake does not vote on it (`OF((int))` beside a flag
        # `OF`); an object-like hint touches every bare use of the word, so any
        # definition of another shape still vetoes it.
        seen: dict[tuple[str, bool], Kind | None] = {}
        ctx = {**base, **table}
        for name, params, toks in defs:
            if name in C_KEYWORDS or name in GRAMMAR_NAMES or (
                    params is None and not toks and _GUARD.search(name)):
                continue  # `#define static` in a test; include guards; option flags
            got = _classify(name, params, toks, ctx)
            if got is None and (not toks or (params is not None and toks == [b"(", b")"])):
                # An empty stand-in does not vote, nor a pre-ANSI one that drops
                # a prototype (`#define __P(protos) ()` beside `protos`).
                continue
            key = (name, params is not None)
            if key in seen and seen[key] != got:
                seen[key] = None
            else:
                seen.setdefault(key, got)
        new: dict[str, Kind] = {}
        for (name, function_like), kind in seen.items():
            other = seen.get((name, not function_like), kind)
            if kind is not None and (other == kind or (function_like and other is None)):
                new[name] = kind
        if new == table:
            break
        table = new
    return table


def learn_tree(roots: Iterable[Path]) -> dict[str, Kind]:
    texts = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for f in sorted(filenames):
                if f.endswith(".h"):
                    try:
                        texts.append(Path(dirpath, f).read_bytes())
                    except OSError:
                        pass
    return learn(texts)


def format_table(table: dict[str, Kind]) -> str:
    lines = ["# name\tkind\ttype-argument positions (generated by refactor.c.hinttable)"]
    for name in sorted(table):
        kind, pos = table[name]
        lines.append(f"{name}\t{kind}\t{','.join(map(str, pos))}".rstrip("\t"))
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def load() -> dict[str, Kind]:
    """The committed table (empty when it is missing)."""
    table: dict[str, Kind] = {}
    try:
        text = TABLE.read_text()
    except OSError:
        return table
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        pos = tuple(int(x) for x in parts[2].split(",")) if len(parts) > 2 and parts[2] else ()
        table[parts[0]] = (parts[1], pos)
    return table


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: python -m refactor.c.hinttable TREE... > hint_table.tsv", file=sys.stderr)
        sys.exit(2)
    sys.stdout.write(format_table(learn_tree(Path(a) for a in sys.argv[1:])))
