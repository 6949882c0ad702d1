"""The lossless view of a C file: exact spans of top-level items, and identifiers.

tree-sitter-c parses the file after macro hints are masked (refactor.c.hints),
so every offset here is an offset into the real bytes.  tree-sitter keeps both
sides of every `#if`, so items and identifiers are found in all branches, and
each carries the conditions it sits under.

Span conventions of an Item:
- [start, end): the item's own text, from its first token through the end of its
  last line: same-line trailing comments and the final newline belong to it.
- lead_start: start of the comment block directly above it (no blank line in
  between), else the start of its line.
- [full_start, full_end): the lead comment plus the blank lines ABOVE it.  An
  item owns the blank lines before it, so cutting [full_start, full_end) out
  leaves the neighbours separated exactly as before.

Between the full spans of consecutive top-level items there is only
whitespace; every other byte belongs to an item.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import tree_sitter
import tree_sitter_c

from refactor.c import hinttable
from refactor.c.hints import (
    Group,
    Region,
    bare_macro_calls,
    case_ranges,
    conditional_groups,
    dangling_labels,
    dead_branches,
    empty_members,
    flatten_inline_groups,
    function_pointer_casts,
    implicit_int_functions,
    implicit_ints,
    inline_defines,
    kr_pointer_returns,
    macro_arguments,
    macro_function_heads,
    roff_comments,
    scan,
    stray_characters,
    stray_words,
    string_macros,
    trailing_attributes,
    unnamed_bitfields,
    words,
)
from refactor.c.words import DEFINE_RE as _DEFINE_RE

LANGUAGE = tree_sitter.Language(tree_sitter_c.language())

_IF_NODES = ("preproc_if", "preproc_ifdef")
_ALT_NODES = ("preproc_elif", "preproc_elifdef", "preproc_else")
_DIRECTIVE_TOKENS = frozenset({
    "#if", "#ifdef", "#ifndef", "#elif", "#elifdef", "#elifndef", "#else", "#endif", "\n",
})
# Spelled like types by tree-sitter's primitive_type, but part of C itself.
_BASE_TYPES = frozenset("void char short int long float double signed unsigned _Bool".split())
# (a concatenated_string is walked: `"%" PRIu64 "\n"` names a macro)
_NO_IDENTS = frozenset({"comment", "string_literal", "system_lib_string", "char_literal",
                        "raw_string_literal"})
_MACRO_NAME_PARENTS = frozenset({"preproc_def", "preproc_function_def", "preproc_ifdef",
                                 "preproc_elifdef", "macro_type_specifier"})


@dataclass(frozen=True)
class ParseError:
    line: int  # 1-based
    column: int  # 0-based byte column
    text: str  # the source line, without its line break

    def __str__(self) -> str:
        return f"line {self.line}: {self.text.strip()}"

    def plain(self, path: str) -> str:
        """`FILE:LINE: cannot parse <the source line>`, for users."""
        text = self.text.strip()
        text = text if len(text) <= 80 else text[:77] + "..."
        return f"{path}:{self.line}: cannot parse {text}"


@dataclass(eq=False)
class Item:
    kind: str
    name: str
    names: tuple[str, ...]
    start: int
    end: int
    lead_start: int
    full_start: int
    full_end: int
    conditions: tuple[str, ...] = ()
    storage: str = ""
    is_definition: bool = False
    start_line: int = 0
    end_line: int = 0
    node: tree_sitter.Node | None = field(default=None, repr=False)
    children: list[Item] = field(default_factory=list, repr=False)
    parent: Item | None = field(default=None, repr=False)
    index: int = -1  # position in CFile.items


@dataclass(frozen=True)
class Ident:
    name: str
    kind: str  # ordinary, type, tag, field, macro, label
    start: int
    end: int
    item: int | None = None  # index into CFile.items of the innermost item holding it
    conditions: tuple[str, ...] = ()


@dataclass
class _Branch:
    lo: int
    hi: int
    conditions: tuple[str, ...]


def hint_table(data: bytes) -> dict[str, tuple[str, tuple[int, ...]]]:
    """The tree's learned macro hints, with what this file's own #defines say on top."""
    table = hinttable.load()
    if b"define" not in data:
        return table
    own = hinttable.learn([data], table)
    return {**table, **own} if own else table


def _error_nodes(tree: tree_sitter.Tree) -> list[tree_sitter.Node]:
    """ERROR and MISSING nodes, visiting only subtrees that contain one."""
    out = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if not node.has_error:
            continue
        if node.is_error or node.is_missing:
            out.append(node)
        stack.extend(node.children)
    return out


def _norm_condition(text: str) -> str:
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
    text = re.sub(r"\\\r?\n", " ", text)
    text = " ".join(text.split())
    text = re.sub(r"\bdefined\s*\(\s*(\w+)\s*\)", r"defined(\1)", text)
    text = re.sub(r"\bdefined\s+(\w+)", r"defined(\1)", text)
    return re.sub(r"!\s+", "!", text)


def negate(cond: str) -> str:
    """The condition of the other branch, kept readable for the common shapes."""
    if re.fullmatch(r"defined\(\w+\)", cond):
        return "!" + cond
    if re.fullmatch(r"!defined\(\w+\)", cond):
        return cond[1:]
    return f"!({cond})"


class CFile:
    """One C source or header file, parsed losslessly.

    Usable as a Tree view factory: `tree.view(path, CFile)`.
    """

    def __init__(self, data: bytes, path: str = "", hints: Iterable[str] = ()):
        self.data = data
        self.path = path
        self.hints = frozenset(hints)
        self.masked, self.regions = scan(data, self.hints, hint_table(data))
        self._scan_regions = list(self.regions)
        parser = tree_sitter.Parser(LANGUAGE)
        self.tree = parser.parse(self.masked)
        self._newlines = [m.start() for m in re.finditer(rb"\n", data)]
        self._macro_names = {m.group(1).decode("ascii") for m in _DEFINE_RE.finditer(data)}
        self._branches: list[_Branch] = []
        self._segments: tuple[list[int], list[tuple[str, ...]]] | None = None
        flattened: list[Group] = []
        bad = _error_nodes(self.tree)
        if bad:
            bad, flattened = self._repair(parser, bad)
        self._set_errors(bad)
        raw_idents = self._walk()
        for g in flattened:
            self._register_group(g)
        self._index_branches()
        self.items: list[Item] = []
        self._index_items(self._build(self._body(self.tree.root_node), 0, len(data), None))
        self.identifiers: list[Ident] = self._attach(raw_idents)
        self._ident_starts: list[int] | None = None

    def _repair(self, parser: tree_sitter.Parser,
                bad: list[tree_sitter.Node]) -> tuple[list[tree_sitter.Node], list[Group]]:
        """Shapes no C grammar follows, tried in turn on a file with errors; each
        is kept when it leaves fewer error nodes.  Every one keeps the length and
        the line breaks, and lists the identifiers it hides (Region words)."""
        data = self.data
        flattened: list[Group] = []

        Repair = Callable[[bytes], tuple[bytes, list[Region], list[Group]]]

        def inline_groups(masked: bytes) -> tuple[bytes, list[Region], list[Group]]:
            # #if inside an expression or initializer, or cutting an if/else:
            # read its first branch as plain code.
            out, hidden, groups = flatten_inline_groups(data, masked, conditional_groups(data))
            out, defines = inline_defines(data, out)
            return out, hidden + defines, groups

        def cut_groups(masked: bytes) -> tuple[bytes, list[Region], list[Group]]:
            # Any other #if group an error node touches (from the line before its
            # #if, where a `;` it holds is missed, to the line after its #endif):
            # its first branch, read as plain code, may parse where the shapes
            # above did not see the cut.
            touched = []
            spans = sorted((b.start_byte, b.end_byte) for b in bad)
            starts = [a for a, _b in spans]
            longest = max((b - a for a, b in spans), default=0)
            for g in conditional_groups(data):
                after = data.find(b"\n", g.end)
                reach = len(data) if after < 0 else after
                near = data.rfind(b"\n", 0, max(g.start - 1, 0)) + 1
                # errors starting before `reach` that end after the line before the group
                lo = bisect_left(starts, near - longest)
                hi = bisect_left(starts, reach)
                if not g.inline and any(spans[k][1] > near for k in range(lo, hi)):
                    g.inline = True
                    touched.append(g)
            return flatten_inline_groups(data, masked, touched)

        def plain(fix: Callable[[bytes], tuple[bytes, list[Region]]]) -> Repair:
            return lambda m: (*fix(m), [])

        passes: tuple[Repair, ...] = (
            plain(stray_characters),  # first: the other passes read tokens around them
            inline_groups,
            plain(lambda m: dead_branches(data, m)),
            plain(lambda m: macro_arguments(data, m)),
            plain(kr_pointer_returns),
            plain(case_ranges),
            plain(lambda m: string_macros(data, m)),
            plain(implicit_ints),
            plain(lambda m: implicit_int_functions(data, m)),
            plain(lambda m: function_pointer_casts(data, m)),
            plain(lambda m: bare_macro_calls(data, m)),
            plain(lambda m: dangling_labels(data, m)),
            plain(lambda m: stray_words(data, m)),
            plain(lambda m: trailing_attributes(data, m)),
            plain(lambda m: macro_function_heads(data, m)),
            plain(lambda m: unnamed_bitfields(data, m)),
            plain(empty_members),
            cut_groups,
            plain(roff_comments),
        )
        start = self.masked
        changed = rejected = 0
        for attempt in passes:
            masked, hidden, groups = attempt(self.masked)
            if masked == self.masked:
                continue
            changed += 1
            tree = parser.parse(masked)
            retry = _error_nodes(tree)
            rejected += len(retry) >= len(bad)
            if len(retry) < len(bad):
                self.masked, self.tree, bad = masked, tree, retry
                flattened += groups
                self.regions = sorted(self.regions + hidden, key=lambda r: r.start)
            if not bad:
                return bad, flattened
        # Some shapes need two repairs at once (a bare row under an #if inside an
        # initializer): all of them together, kept when that does better.
        if changed < 2 or not rejected:
            return bad, flattened  # together they would do what was just done
        masked = start
        hidden_all: list[Region] = []
        groups_all: list[Group] = []
        for attempt in passes:
            masked, hidden, groups = attempt(masked)
            hidden_all += hidden
            groups_all += groups
        if masked != self.masked:
            tree = parser.parse(masked)
            retry = _error_nodes(tree)
            if len(retry) < len(bad):
                self.masked, self.tree, bad, flattened = masked, tree, retry, groups_all
                self.regions = sorted(self._scan_regions + hidden_all, key=lambda r: r.start)
        return bad, flattened

    def _set_errors(self, bad: list[tree_sitter.Node]) -> None:
        """The error lines, and the bytes no edit may touch: every line an error
        node is on, since tree-sitter's recovery makes the node itself as small
        as one token while the words around it were only guessed at."""
        self.errors: list[ParseError] = []
        self.error_spans: list[tuple[int, int]] = []
        for node in sorted(bad, key=lambda n: n.start_byte):
            row, col = node.start_point
            if not self.errors or self.errors[-1].line < row + 1:
                self.errors.append(ParseError(row + 1, col, self._line_text(row + 1)))
            lo = self._line_start(node.start_byte)
            hi = self._line_end(max(node.end_byte - 1, node.start_byte))
            if self.error_spans and lo <= self.error_spans[-1][1]:
                self.error_spans[-1] = (self.error_spans[-1][0], max(hi, self.error_spans[-1][1]))
            else:
                self.error_spans.append((lo, hi))

    def error_at(self, start: int, end: int) -> ParseError | None:
        """The first error whose lines [start, end) touches, else None.

        An insertion (start == end) touches an error line when it falls inside
        it; one at its start or past its line break only moves the line."""
        k = bisect_right(self.error_spans, (start, float("inf"))) - 1
        for a, b in self.error_spans[max(k, 0):]:
            if a >= max(end, start + 1):
                break
            if (a < start < b) if start == end else (start < b and a < end):
                # The error on the touched line, or the nearest one above it.
                k = bisect_right([e.line for e in self.errors], self.line_of(max(a, start)))
                return self.errors[max(k - 1, 0)]
        return None

    def in_error(self, start: int, end: int) -> bool:
        """Does [start, end) touch a line that holds an error node?"""
        return self.error_at(start, end) is not None

    # ----- lines and conditions -------------------------------------------------

    def line_of(self, offset: int) -> int:
        """1-based line number of a byte offset."""
        return bisect_left(self._newlines, offset) + 1

    def _line_text(self, line: int) -> str:
        lo = 0 if line == 1 else self._newlines[line - 2] + 1
        hi = self._newlines[line - 1] if line - 1 < len(self._newlines) else len(self.data)
        return self.data[lo:hi].decode("latin-1").rstrip("\r")

    def _line_end(self, pos: int) -> int:
        """Offset just past the line break at or after pos (or the end of data)."""
        i = self.data.find(b"\n", pos)
        return len(self.data) if i < 0 else i + 1

    def conditions_at(self, offset: int) -> tuple[str, ...]:
        if self._segments is not None:
            k = bisect_right(self._segments[0], offset) - 1
            return self._segments[1][k] if k >= 0 else ()
        best: _Branch | None = None  # while the branches are still being found
        for b in self._branches:
            if b.lo <= offset < b.hi and (best is None or b.lo >= best.lo):
                best = b
        return best.conditions if best else ()

    def _index_branches(self) -> None:
        """Cut the file into segments, each with the conditions of its innermost
        branch, so conditions_at is a binary search (branches nest)."""
        starts: list[int] = []
        conds: list[tuple[str, ...]] = []

        def mark(pos: int, c: tuple[str, ...]) -> None:
            if starts and starts[-1] == pos:
                conds[-1] = c
            else:
                starts.append(pos)
                conds.append(c)

        stack: list[_Branch] = []
        for b in sorted(self._branches, key=lambda b: (b.lo, -b.hi)):
            while stack and stack[-1].hi <= b.lo:
                top = stack.pop()
                mark(top.hi, stack[-1].conditions if stack else ())
            stack.append(b)
            mark(b.lo, b.conditions)
        while stack:
            top = stack.pop()
            mark(top.hi, stack[-1].conditions if stack else ())
        self._segments = (starts, conds)

    def _text(self, node: tree_sitter.Node | None) -> str:
        """The source text of a node; "" for a node the grammar left out (an error)."""
        if node is None:
            return ""
        return self.data[node.start_byte : node.end_byte].decode("latin-1")

    def _register_branches(self, node: tree_sitter.Node) -> None:
        """Record the span and conditions of each branch of an #if chain."""
        outer = self.conditions_at(node.start_byte)
        negs: tuple[str, ...] = ()
        cur: tree_sitter.Node | None = node
        while cur is not None:
            cond = self._condition(cur)
            lo = self._branch_start(cur)
            alt = cur.child_by_field_name("alternative")
            hi = alt.start_byte if alt is not None else self._endif_start(cur)
            if cond is None:  # #else
                self._branches.append(_Branch(lo, hi, outer + negs))
            else:
                self._branches.append(_Branch(lo, hi, outer + negs + (cond,)))
                negs = negs + (negate(cond),)
            cur = alt

    def _register_group(self, g: Group) -> None:
        """Branches of an #if group that was flattened before parsing."""
        outer = self.conditions_at(g.start)
        negs: tuple[str, ...] = ()
        ds = g.directives
        for i in range(len(ds) - 1):
            word, rest, _s, lo = ds[i]
            hi = ds[i + 1][2]
            if word == "else":
                self._branches.append(_Branch(lo, hi, outer + negs))
                continue
            if word in ("ifdef", "ifndef", "elifdef", "elifndef"):
                name = (rest.split() or ["?"])[0]
                cond = ("!" if word.endswith("ndef") else "") + f"defined({name})"
            else:
                cond = _norm_condition(rest)
            self._branches.append(_Branch(lo, hi, outer + negs + (cond,)))
            negs = negs + (negate(cond),)

    def _condition(self, node: tree_sitter.Node) -> str | None:
        if node.type == "preproc_else":
            return None
        first = node.children[0].type
        if first in ("#ifdef", "#ifndef", "#elifdef", "#elifndef"):
            name = node.child_by_field_name("name")
            cond = f"defined({self._text(name) if name else '?'})"
            return "!" + cond if first.endswith("ndef") else cond
        cnode = node.child_by_field_name("condition")
        return _norm_condition(self._text(cnode)) if cnode is not None else "?"

    def _branch_start(self, node: tree_sitter.Node) -> int:
        head = node.child_by_field_name("condition") or node.child_by_field_name("name")
        end = head.end_byte if head is not None else node.children[0].end_byte
        # A '\n' token (preproc_if) ends the directive; otherwise its line does.
        return self._line_end(end - 1 if self.data[end - 1 : end] == b"\n" else end)

    def _endif_start(self, node: tree_sitter.Node) -> int:
        # #endif belongs to the outermost node of the chain; an alternative reaches it too.
        top = node
        while top.type in _ALT_NODES and top.parent is not None:
            top = top.parent
        for c in reversed(top.children):
            if c.type == "#endif":
                return c.start_byte
        return top.end_byte

    # ----- one pass over the tree: errors, branches, identifiers ----------------

    def _walk(self) -> list[tuple[int, int, str, str]]:
        out: list[tuple[int, int, str, str]] = []
        macros = self._macro_names
        data = self.data
        stack: list[tuple[tree_sitter.Node, bool]] = [(self.tree.root_node, False)]
        made_up = {r.start for r in self.regions if r.kind == "placeholder"}
        while stack:
            node, in_cond = stack.pop()
            t = node.type
            if t in _NO_IDENTS:
                continue
            if t in _IF_NODES:
                self._register_branches(node)
            s, e = node.start_byte, node.end_byte
            if t == "identifier":
                name = data[s:e].decode("latin-1")
                p = node.parent
                pt = p.type if p is not None else ""
                is_name = p is not None and p.child_by_field_name("name") == node
                if in_cond or pt == "preproc_defined" or (is_name and pt in _MACRO_NAME_PARENTS):
                    kind = "macro"
                elif name in macros and pt != "preproc_params":
                    kind = "macro"
                else:
                    kind = "ordinary"
                out.append((s, e, name, kind))
                continue
            if t == "type_identifier":
                p = node.parent
                kind = "type"
                if p is not None and p.type in (
                    "struct_specifier", "union_specifier", "enum_specifier"
                ):
                    kind = "tag"
                elif p is not None and p.type == "type_descriptor":
                    gp = p.parent
                    if gp is not None and gp.type == "macro_type_specifier":
                        mname = gp.child_by_field_name("name")
                        if mname is not None and self._text(mname).endswith(("_ENTRY", "_HEAD")):
                            kind = "tag"  # TAILQ_ENTRY(type): the type is a struct tag
                out.append((s, e, data[s:e].decode("latin-1"), kind))
                continue
            if t == "field_identifier":
                if s not in made_up:
                    out.append((s, e, data[s:e].decode("latin-1"), "field"))
                continue
            if t == "statement_identifier":
                out.append((s, e, data[s:e].decode("latin-1"), "label"))
                continue
            if t == "primitive_type":
                name = data[s:e].decode("latin-1")
                if name not in _BASE_TYPES:
                    out.append((s, e, name, "type"))
                continue
            if t == "preproc_arg":
                p = node.parent
                if p is not None and p.type == "preproc_call":
                    d = p.child_by_field_name("directive")
                    if d is None or self._text(d) != "#undef":
                        continue  # #pragma, #error, #line: not code
                    for w in words(data, s, e, directives=True):
                        out.append((w.start, w.end, w.name, "macro"))
                    continue
                for w in words(data, s, e, directives=True):
                    out.append((w.start, w.end, w.name, self._word_kind(w.ctx, w.name)))
                continue
            cond_field = node.child_by_field_name("condition") if t in (
                "preproc_if", "preproc_elif") else None
            for c in reversed(node.children):
                stack.append((c, in_cond or (cond_field is not None and c == cond_field)))
        for r in self.regions:
            for w in r.words:
                kind = w.ctx if w.ctx in ("tag", "field", "type", "label") else \
                    self._word_kind("", w.name)
                out.append((w.start, w.end, w.name, kind))
        out.sort()
        return out

    def _word_kind(self, ctx: str, name: str) -> str:
        if ctx:
            return ctx
        return "macro" if name in self._macro_names else "ordinary"

    # ----- items ------------------------------------------------------------------

    def _body(self, node: tree_sitter.Node) -> list[tree_sitter.Node]:
        """The children of a translation unit or #if branch that are code, not directive."""
        if node.type == "translation_unit":
            return list(node.children)
        skip = {node.child_by_field_name(f) for f in ("name", "condition", "alternative")}
        return [c for c in node.children if c not in skip and c.type not in _DIRECTIVE_TOKENS]

    def _build(self, nodes: list[tree_sitter.Node], lo: int, hi: int,
               parent: Item | None) -> list[Item]:
        """Items of one sequence of siblings within [lo, hi), in order."""
        # Pieces: [start, end, nodes, region]
        pieces: list[list] = [[n.start_byte, n.end_byte, [n], None] for n in nodes]
        covered = [(n.start_byte, n.end_byte) for n in nodes]
        for r in self.regions:
            if r.kind in ("declaration", "attribute", "function") and lo <= r.start < hi and \
                    not any(a <= r.start < b for a, b in covered):
                pieces.append([r.start, r.end, [], r])
        pieces.sort(key=lambda p: p[0])

        merged: list[list] = []
        for p in pieces:
            if merged:
                prev = merged[-1]
                gap = self.masked[prev[1] : p[0]]
                only_semicolon = not p[3] and self.masked[p[0] : p[1]].strip() == b";"
                same_line = b"\n" not in gap and not gap.strip()
                prev_is_attr = prev[3] is not None and prev[3].kind == "attribute"
                is_comment = p[2] and p[2][0].type == "comment"
                # `main()` / `{`: a head read apart (implicit int) takes K&R's
                # declarations and the body after it.
                head_open = prev[3] is not None and prev[3].kind == "function" and not any(
                    n.type == "compound_statement" for n in prev[2])
                joins_head = head_open and p[3] is None and bool(p[2]) and p[2][0].type in (
                    "declaration", "compound_statement", "comment")
                # `} __packed;`: an attribute after code on its line closes that code.
                trailing_attr = p[3] is not None and p[3].kind == "attribute" and same_line \
                    and not prev_is_attr and prev[2] and prev[2][-1].type != "comment"
                if joins_head or trailing_attr or (only_semicolon and not gap.strip()) or (
                    same_line and is_comment
                ) or (prev_is_attr and not gap.strip()):
                    prev[1] = max(prev[1], p[1])
                    prev[2].extend(p[2])
                    if prev_is_attr and not is_comment and not only_semicolon:
                        prev[3] = p[3]
                    continue
            merged.append(p)

        items: list[Item] = []
        prev_end = lo
        pending_comments: list[Item] = []
        for start, end, pnodes, region in merged:
            end = self._own_end(end)
            item = self._make_item(start, end, pnodes, region, parent)
            if item.kind == "comment":
                pending_comments.append(item)
                continue
            # Attach the comments directly above it (no blank line in between).
            lead = item.start
            while pending_comments:
                c = pending_comments[-1]
                between = self.data[c.end : lead]
                line_start = self._line_start(c.start)
                # c.end is past its line break: any further newline is a blank line.
                if between.strip() or b"\n" in between or self.data[line_start : c.start].strip():
                    break
                pending_comments.pop()
                lead = line_start
            for c in pending_comments:
                items.append(c)
            pending_comments = []
            item.lead_start = lead if lead != item.start else self._indent_start(item.start)
            items.append(item)
        items.extend(pending_comments)
        items.sort(key=lambda i: i.start)
        for it in items:
            it.full_start = self._full_start(prev_end, it.lead_start)
            it.full_end = it.end
            prev_end = it.end
        return items

    def _line_start(self, pos: int) -> int:
        return self.data.rfind(b"\n", 0, pos) + 1

    def _indent_start(self, pos: int) -> int:
        ls = self._line_start(pos)
        return ls if not self.data[ls:pos].strip() else pos

    def _full_start(self, prev_end: int, lead: int) -> int:
        """Back from `lead` over whole blank lines, not past prev_end."""
        pos = lead
        if pos != self._line_start(pos):
            return pos
        while pos > prev_end:
            ls = self._line_start(pos - 1)
            if ls < prev_end or self.data[ls:pos].strip():
                break
            pos = ls
        return pos

    def _own_end(self, end: int) -> int:
        """Extend an item's end over trailing blanks and its line break."""
        if end > 0 and self.data[end - 1 : end] == b"\n":
            return end
        i = end
        n = len(self.data)
        while i < n and self.data[i] in (32, 9, 13, 12, 11):
            i += 1
        if i < n and self.data[i] == 10:
            return i + 1
        if i >= n:
            return n
        return end

    def _make_item(self, start: int, end: int, nodes: list[tree_sitter.Node],
                   region: Region | None, parent: Item | None) -> Item:
        conds = self.conditions_at(start)
        main = next((n for n in nodes if n.type not in ("comment", ";")), None)
        names: tuple[str, ...]
        kind, name, names, storage, is_def = "other", "", (), "", False
        if region is not None and region.kind == "function":
            # An implicit-int definition: no node holds it whole.
            kind, name, names, is_def, main = "function", region.name, (region.name,), True, None
            storage = "static" if self.data.startswith(b"static", region.start) else ""
        elif region is not None and region.kind == "declaration":
            # A masked SET_DECLARE(...) or __FBSDID(...): what remains is its ';'.
            name, names = region.name, tuple(dict.fromkeys(w.name for w in region.words))
        elif main is None:
            kind = "comment" if nodes and nodes[0].type == "comment" else "other"
        else:
            kind, name, names, storage, is_def = self._describe(main)
        item = Item(kind, name, tuple(names), start, end, start, start, end, conds, storage,
                    is_def, self.line_of(start), self.line_of(max(start, end - 1)),
                    main, parent=parent)
        if kind == "conditional" and main is not None:
            item.children = self._build_conditional(main, item)
        return item

    def _build_conditional(self, node: tree_sitter.Node, item: Item) -> list[Item]:
        children: list[Item] = []
        cur: tree_sitter.Node | None = node
        while cur is not None:
            alt = cur.child_by_field_name("alternative")
            lo = self._branch_start(cur)
            hi = alt.start_byte if alt is not None else self._endif_start(cur)
            children.extend(self._build(self._body(cur), lo, hi, item))
            cur = alt
        return children

    def _describe(self, n: tree_sitter.Node):
        """kind, name, names, storage, is_definition of a top-level node."""
        t = n.type
        storage = ""
        for c in n.children:
            if c.type == "storage_class_specifier":
                word = self._text(c)
                if word in ("static", "extern"):
                    storage = word
        if t == "function_definition":
            name = self._declarator_name(n.child_by_field_name("declarator"))
            return "function", name, (name,), storage, True
        if t in ("struct_specifier", "union_specifier", "enum_specifier"):
            return self._describe_tag(n, storage)
        if t == "declaration":
            decls = n.children_by_field_name("declarator")
            type_node = n.child_by_field_name("type")
            if not decls and type_node is not None and type_node.type in (
                "struct_specifier", "union_specifier", "enum_specifier"
            ):
                return self._describe_tag(type_node, storage)
            names = tuple(self._declarator_name(d) for d in decls)
            if all(self._is_prototype(d) for d in decls) and decls:
                is_def = False
            else:
                is_def = storage != "extern" or any(d.type == "init_declarator" for d in decls)
            return "declaration", names[0] if names else "", names, storage, is_def
        if t == "type_definition":
            names = tuple(self._declarator_name(d) for d in n.children_by_field_name("declarator"))
            return "typedef", names[0] if names else "", names, "", True
        if t in ("preproc_def", "preproc_function_def"):
            name = self._text(n.child_by_field_name("name"))
            return "define", name, (name,), "", True
        if t == "preproc_include":
            path = n.child_by_field_name("path")
            name = self._text(path) if path is not None else ""
            return "include", name, (name,), "", False
        if t == "preproc_call":
            d = n.child_by_field_name("directive")
            arg = n.child_by_field_name("argument")
            names = tuple(w.name for w in words(self.data, arg.start_byte, arg.end_byte)) \
                if arg is not None else ()
            return "directive", self._text(d) if d is not None else "", names, "", False
        if t in _IF_NODES:
            return "conditional", self._condition(n) or "", (), "", False
        if t == "expression_statement":
            call = n.named_children[0] if n.named_children else None
            if call is not None and call.type == "call_expression":
                fn = call.child_by_field_name("function")
                return "other", self._text(fn), (), "", False
        return "other", "", (), storage, False

    def _describe_tag(self, n: tree_sitter.Node, storage: str):
        kind = n.type.split("_")[0]
        tag = n.child_by_field_name("name")
        name = self._text(tag) if tag is not None else ""
        body = n.child_by_field_name("body")
        names: tuple[str, ...] = (name,) if name else ()
        if kind == "enum" and body is not None:
            # Enumerators in every #if branch inside the braces too.
            stack, found = [body], []
            while stack:
                node = stack.pop()
                if node.type == "enumerator":
                    found.append(node.child_by_field_name("name"))
                else:
                    stack.extend(reversed(node.named_children))
            names += tuple(self._text(e) for e in found)
        return kind, name, names, storage, body is not None

    def _declarator_name(self, d: tree_sitter.Node | None) -> str:
        while d is not None:
            if d.type in ("identifier", "type_identifier", "field_identifier", "primitive_type"):
                return self._text(d)
            nxt = d.child_by_field_name("declarator")
            if nxt is None:
                nxt = next((c for c in d.named_children
                            if c.type not in ("attribute_specifier", "ms_call_modifier",
                                              "type_qualifier", "comment")), None)
            d = nxt
        return ""

    @staticmethod
    def _is_prototype(d: tree_sitter.Node) -> bool:
        while d.type in ("pointer_declarator", "attributed_declarator"):
            d = d.child_by_field_name("declarator") or d.named_children[-1]
        if d.type != "function_declarator":
            return False
        inner = d.child_by_field_name("declarator")
        return inner is not None and inner.type == "identifier"

    def _index_items(self, top: list[Item]) -> None:
        flat: list[Item] = []

        def add(items: list[Item]) -> None:
            for it in items:
                it.index = len(flat)
                flat.append(it)
                add(it.children)

        add(top)
        self.items = flat

    def _attach(self, raw: list[tuple[int, int, str, str]]) -> list[Ident]:
        leaves = sorted((it for it in self.items if it.kind != "conditional"),
                        key=lambda i: i.start)
        starts = [it.start for it in leaves]
        blocks = [it for it in self.items if it.kind == "conditional"]
        out = []
        for s, e, name, kind in raw:
            k = bisect_right(starts, s) - 1
            idx = leaves[k].index if k >= 0 and s < leaves[k].end else None
            if idx is None:  # on an #if line: the innermost conditional holds it
                holders = [b for b in blocks if b.start <= s < b.end]
                idx = holders[-1].index if holders else None
            out.append(Ident(name, kind, s, e, idx, self.conditions_at(s)))
        return out

    # ----- queries ----------------------------------------------------------------

    def toplevel(self) -> list[Item]:
        """Items not inside a conditional block, in file order."""
        return [it for it in self.items if it.parent is None]

    def items_named(self, name: str, kind: str | None = None) -> list[Item]:
        return [it for it in self.items
                if (it.name == name or name in it.names) and (kind is None or it.kind == kind)]

    def item(self, name: str, kind: str | None = None) -> Item | None:
        """The first item of that name, preferring a definition."""
        found = self.items_named(name, kind)
        defs = [it for it in found if it.is_definition]
        return (defs or found)[0] if found else None

    def function(self, name: str) -> Item | None:
        return self.item(name, "function")

    def includes(self) -> list[Item]:
        return [it for it in self.items if it.kind == "include"]

    def typedef_names(self) -> set[str]:
        return {n for it in self.items if it.kind == "typedef" for n in it.names if n}

    def macros(self) -> dict[str, Item]:
        out: dict[str, Item] = {}
        for it in self.items:
            if it.kind == "define":
                out.setdefault(it.name, it)
        return out

    def idents(self, name: str | None = None, kind: str | None = None) -> list[Ident]:
        return [i for i in self.identifiers
                if (name is None or i.name == name) and (kind is None or i.kind == kind)]

    def idents_between(self, start: int, end: int) -> list[Ident]:
        """Identifiers that start in [start, end), by binary search (they are in
        file order): for a per-function scan that must stay linear in file size."""
        if self._ident_starts is None:
            self._ident_starts = [i.start for i in self.identifiers]
        lo = bisect_left(self._ident_starts, start)
        hi = bisect_left(self._ident_starts, end, lo)
        return self.identifiers[lo:hi]

    def body_span(self, function_name: str) -> tuple[int, int] | None:
        """[start, end) of a function's braces."""
        fn = self.function(function_name)
        if fn is None or fn.node is None:
            return None
        body = fn.node.child_by_field_name("body")
        return (body.start_byte, body.end_byte) if body is not None else None

    def define_value(self, node: tree_sitter.Node) -> tree_sitter.Node | None:
        """The body of a #define node, None when it has none (a placeholder the
        mask wrote into `#define X ` is no body)."""
        value = node.child_by_field_name("value")
        if value is None or not self.data[value.start_byte:value.end_byte].strip():
            return None
        return value

    def text(self, item: Item, full: bool = False) -> bytes:
        return self.data[item.full_start if full else item.start : item.end]
