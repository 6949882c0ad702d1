"""A small style(9) checker of our own, for the lines a refactoring adds.

It checks, in our own words, the line-level rules that FreeBSD's
tools/build/checkstyle9.pl enforces on the added lines of a patch: trailing
white space, DOS line endings, `$FreeBSD$`-style keywords, and in C files the
80-column limit, spacing around parentheses, brackets, braces, commas and the
comparison, logical and assignment operators, a space after `if`/`for`/
`while`/`switch`/`return`, parentheses on `return`, no space between a
function's name and its `(`, a function's `{` on a line of its own, storage
class first, `else` on the line of the `}`, block comments opening and closing
on lines of their own with a `*` on each line between, `#if 0`, `;;`,
`__FUNCTION__`, `sizeof(&` and `signal()` handlers.

Left out: what needs a C statement parser there (unary against binary `*`,
`&` and `-`, brace counsel on single statements, case labels' indent).  Those
are covered when FREEBSD_SRC provides the script itself (tests/test_style9.py).

It lives in tests/ because it is an oracle for the rules' output, not part of
the tool: `refactor` never judges style, it keeps the file's own.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

KEYWORD = "CVS-style keyword, will not be updated"

_KEYWORDS = re.compile(r"\$(FreeBSD|Revision|Log|Id)(\$|\b)")
_C_FILE = re.compile(r"\.[ch]$")
# Names that may be followed by a space and "(".
_SPACED = {"if", "for", "while", "switch", "return", "case", "sizeof", "volatile",
           "__volatile__", "__attribute__", "__extension__", "asm", "__asm__", "defined"}
_TYPES = {"void", "int", "char", "short", "long", "unsigned", "signed", "float", "double",
          "bool", "const"}
_BINARY = re.compile(r"(<<=|>>=|==|!=|<=|>=|&&|\|\||\+=|-=|\*=|/=|%=|\|=|&=|\^=)")


@dataclass(frozen=True)
class Violation:
    path: str
    line: int  # 1-based, in the file after the change
    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.text.strip()}"


def added_lines(old: bytes | None, new: bytes) -> list[int]:
    """0-based indices of the lines of `new` that the change from `old` adds."""
    new_lines = new.decode("latin-1").split("\n")
    if old is None:
        return list(range(len(new_lines)))
    old_lines = old.decode("latin-1").split("\n")
    out: list[int] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            out += range(j1, j2)
    return out


def _sanitise(lines: list[str]) -> tuple[list[str], list[bool]]:
    """Each line with comment text blanked to '#' and string/char contents to 'X'
    (delimiters kept), and whether the line starts inside a block comment."""
    out, starts_in = [], []
    in_comment = False
    for line in lines:
        starts_in.append(in_comment)
        res = []
        quote = ""
        i = 0
        while i < len(line):
            c, two = line[i], line[i:i + 2]
            if in_comment:
                if two == "*/":
                    in_comment = False
                    res.append("##")
                    i += 2
                    continue
                res.append("#" if c != "\t" else c)
            elif quote:
                if c == "\\":
                    res.append("XX")
                    i += 2
                    continue
                if c == quote:
                    quote = ""
                    res.append(c)
                else:
                    res.append("X")
            elif two == "/*":
                in_comment = True
                res.append("##")
                i += 2
                continue
            elif two == "//":
                res.append("#" * (len(line) - i))
                break
            elif c in "\"'":
                quote = c
                res.append(c)
            else:
                res.append(c)
            i += 1
        clean = "".join(res)
        m = re.match(r"(\s*#\s*include\s*)<([^>]*)>", clean)
        if m:
            clean = m.group(1) + "<" + "X" * len(m.group(2)) + ">" + clean[m.end():]
        out.append(clean)
    return out, starts_in


def _columns(text: str) -> int:
    col = 0
    for ch in text:
        col = (col // 8 + 1) * 8 if ch == "\t" else col + 1
    return col


def _indent(text: str) -> int:
    return _columns(text[:len(text) - len(text.lstrip(" \t"))])


def check(path: str, old: bytes | None, new: bytes) -> list[Violation]:
    """The style(9) violations on the lines the change from `old` to `new` adds."""
    lines = new.decode("latin-1").split("\n")
    clean, in_comment = _sanitise([ln.rstrip("\r") for ln in lines])
    out: list[Violation] = []
    is_c = bool(_C_FILE.search(path))
    for i in added_lines(old, new):
        if i >= len(lines) or (i == len(lines) - 1 and lines[i] == ""):
            continue
        raw = lines[i]

        def bad(rule: str, raw=raw, i=i) -> None:
            out.append(Violation(path, i + 1, rule, raw))

        if raw.endswith("\r"):
            bad("DOS line ending")
            raw = raw[:-1]
        if raw != raw.rstrip(" \t"):
            bad("trailing white space")
        if _KEYWORDS.search(raw):
            bad(KEYWORD)
        if is_c:
            _check_c(raw, clean[i], clean[i - 1] if i else "", lines[i - 1] if i else "",
                     in_comment[i], i + 1 < len(lines) and in_comment[i + 1], bad)
    return out


def _check_c(raw: str, line: str, prev: str, prev_raw: str, starts_in_comment: bool,
             ends_in_comment: bool, bad) -> None:
    stripped = line.strip()
    if _columns(raw) > 80 and not re.fullmatch(r'\s*"[^"]*"\s*[,);]*\s*', raw):
        bad("line over 80 columns")
    # Block comments.
    if not starts_in_comment and "/*" in raw and ends_in_comment and \
            re.search(r"/\*[*-]?[ \t]*[^ \t*-]", raw):
        bad("a block comment's /* goes on a line of its own")
    if starts_in_comment and raw.rstrip().endswith("*/") and raw.strip() != "*/" and \
            not raw.rstrip().endswith("**/"):
        bad("a block comment's */ goes on a line of its own")
    if starts_in_comment and raw.strip() and not raw.lstrip().startswith("*"):
        bad("a block comment's lines start with *")
    if not stripped or stripped.startswith("#") and not re.match(r"#\s*(define|if)", stripped):
        return
    # Names and parentheses.
    for m in re.finditer(r"\b([A-Za-z_]\w*)\s+\(", line):
        name, before = m.group(1), line[:m.start()]
        if name in _SPACED or name in _TYPES or name.endswith("_t") or \
                re.match(r"\s*#\s*define\s*$", before) or re.search(r"\b(struct|union|enum)\s+$",
                                                                      before):
            continue
        bad("no space between a function's name and its (")
    if re.search(r"\b(if|while|for|switch|return)\(", line):
        bad("a space after the keyword, before (")
    if re.match(r"\s*return [^(;]", line):
        bad("return's value goes in parentheses")
    if re.match(r"\s*#\s*if\s+0\b", line):
        bad("#if 0")
    first = stripped.split("(")[0].split()
    if re.search(r"\w+\(.*\).*\s\{\s*$", line) and "}" not in line and first and \
            first[0] not in _SPACED | {"else", "do", "#define"} and "=" not in line and \
            not line[:1].isspace():
        bad("a function's { goes on the next line")
    if re.search(r"\)\{", line) or re.search(r"\bdo\{", line):
        bad("a space before {")
    if re.search(r"\}(?![,;)])\S", line):
        bad("a space after }")
    if re.search(r"\(\s", line) and not re.search(r"\(\s*\\?$", line) and \
            not re.search(r"for\s*\(\s+;", line):
        bad("no space after (")
    if re.search(r"\S\s+\)", line) and not re.search(r"for\s*\(.*;\s+\)", line):
        bad("no space before )")
    if re.search(r"\[\s", line) and not re.search(r"\[\s*$", line):
        bad("no space after [")
    if re.search(r"\s\]", line):
        bad("no space before ]")
    if re.search(r";;\s*$", line):
        bad("a superfluous ;")
    if re.search(r",(?=[^\s}\\])", line):
        bad("a space after ,")
    if "__FUNCTION__" in line:
        bad("__func__, not __FUNCTION__")
    if re.search(r"\bsizeof\s*\(\s*&", line):
        bad("sizeof(&...)")
    if re.search(r"\bsignal\s*\(", line) and not re.search(r"SIG_(IGN|DFL)", line):
        bad("sigaction(), not signal(), for a handler")
    if re.search(r"\b(static|extern)\b", line) and not re.match(r"\s*(static|extern)\b", line):
        bad("storage class first in a declaration")
    if re.search(r"\}\s*if\b", line):
        bad("if on a line of its own")
    if re.match(r"\s*else\b", line) and prev.rstrip().endswith("}") and \
            _indent(prev_raw) == _indent(raw):
        bad("else on the line of the }")
    for m in _BINARY.finditer(line):
        a, b = line[:m.start()], line[m.end():]
        if (a and not a[-1].isspace()) or (b and not b[0].isspace()):
            bad(f"spaces around {m.group(1)}")
    for m in re.finditer(r"(?<![=!<>+\-*/%&|^])=(?!=)", line):
        a, b = line[:m.start()], line[m.end():]
        if (a and not a[-1].isspace()) or (b and not b[0].isspace()):
            bad("spaces around =")
    if re.search(r"\s->|->\s", line):
        bad("no spaces around ->")


def check_change(changes: dict[str, tuple[bytes | None, bytes | None]]) -> list[Violation]:
    """Every violation a commit's added lines have: {path: (old, new)}."""
    out: list[Violation] = []
    for path, (old, new) in sorted(changes.items()):
        if new is not None:
            out += check(path, old, new)
    return out
