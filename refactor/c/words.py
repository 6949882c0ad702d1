"""The fixed words of C that every layer needs: keywords and the #define pattern.

One table, so that the hint scanner, the semantic layer and the symbol table
agree on what is a keyword and what is a name.
"""

from __future__ import annotations

import re

#: Keywords and compiler words (GNU spellings included): never a name of the program.
C_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float "
    "for goto if inline int long register restrict return short signed sizeof static "
    "struct switch typedef union unsigned void volatile while _Alignas _Alignof _Atomic "
    "_Bool _Complex _Generic _Imaginary _Noreturn _Static_assert _Thread_local __int128 "
    "__attribute__ __attribute __asm__ __asm asm __volatile__ __volatile __typeof__ "
    "__typeof typeof __extension__ __inline __inline__ __restrict __restrict__ __const__ "
    "__signed__ __thread __alignof__ __builtin_va_arg __builtin_offsetof defined".split()
)

#: Words that introduce a tag.
TAG_KEYWORDS = frozenset({b"struct", b"union", b"enum"})

#: Words a moved piece of code may use without any header: keywords and NULL.
LANGUAGE_WORDS = C_KEYWORDS | {"NULL"}

#: `#define NAME` at the start of a line, on bytes and on text.
DEFINE_RE = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)", re.M)
DEFINE_TEXT_RE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)", re.M)
IDENT_RE = re.compile(r"[A-Za-z_]\w*")
