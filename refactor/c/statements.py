"""Edits inside function bodies: statements with their error checks, declarators, arguments."""

from __future__ import annotations

import re

from refactor.c.lossless import CFile, Item
from refactor.c.nodes import Node, assigned_var, declarator_ident, node_text, statement_of
from refactor.c.spans import (
    column,
    delete_lines,
    delete_span,
    has_blank_line,
    indent_of,
    line_end,
    line_start,
)
from refactor.edits import Edit, insert, replace


def statement_and_check(cf: CFile, call: Node) -> tuple[int, int, bytes] | None:
    """Span of `x = f(...);` plus the `if` that checks x right after it, with its blank line."""
    data = cf.data
    stmt = statement_of(call)
    if stmt is None:
        return None
    last = stmt
    var = assigned_var(cf, stmt)
    nxt = stmt.next_named_sibling
    while nxt is not None and nxt.type == "comment":
        nxt = nxt.next_named_sibling
    if stmt.type == "if_statement":
        last = stmt  # `if (f(...) < 0)` is its own check
    elif var and nxt is not None and nxt.type == "if_statement":
        cond = nxt.child_by_field_name("condition")
        if cond is not None and re.search(rb"\b%s\b" % re.escape(var.encode()),
                                          data[cond.start_byte : cond.end_byte]):
            last = nxt
    lo = line_start(data, stmt.start_byte)
    hi = line_end(data, last.end_byte)
    before_blank = lo >= 2 and data[line_start(data, lo - 1) : lo].strip() == b""
    m = re.match(rb"[ \t]*\r?\n", data[hi:])
    if m and before_blank:
        hi += m.end()
    return (lo, hi, b"")


def delete_declarator(cf: CFile, path: str, decl: Node, name: str, rule: str) -> Edit | None:
    """Drop one name from a declaration (`size_t len, n;` -> `size_t n;`), or the whole line."""
    ds = decl.children_by_field_name("declarator")
    idx = next((i for i, d in enumerate(ds) if (ident := declarator_ident(d)) is not None
                and node_text(cf, ident) == name), None)
    if idx is None:
        return None
    if len(ds) == 1:
        return delete_lines(cf, path, decl.start_byte, decl.end_byte, rule)
    if idx + 1 < len(ds):  # "len, " up to the next declarator
        return replace(path, ds[idx].start_byte, ds[idx + 1].start_byte, b"", rule)
    return replace(path, ds[idx - 1].end_byte, ds[idx].end_byte, b"", rule)


def append_argument(cf: CFile, path: str, call: Node, arg: str, rule: str,
                    shift: int = 0) -> Edit:
    """Add a last argument to a call, breaking the line style(9)-wise past 80 columns.

    `shift` is how many columns other edits add earlier on the same line.
    """
    args = call.child_by_field_name("arguments")
    assert args is not None, "a call_expression has arguments"
    close = args.end_byte - 1
    nl = cf.data.find(b"\n", close)
    rest = len(cf.data[close : nl if nl >= 0 else len(cf.data)].rstrip())
    if column(cf.data, close) + shift + len(", " + arg) + rest > 80:
        return insert(path, close, f",\n{indent_of(cf.data, call.start_byte)}    {arg}", rule)
    return insert(path, close, f", {arg}", rule)


def drop_argument(cf: CFile, path: str, call: Node, arg: str, rule: str) -> Edit | None:
    """Remove the argument spelled `arg` from a call, with its comma."""
    arglist = call.child_by_field_name("arguments")
    args = arglist.named_children if arglist is not None else []
    idx = next((i for i, a in enumerate(args) if node_text(cf, a) == arg), None)
    if idx is None:
        return None
    if idx + 1 < len(args):
        return replace(path, args[idx].start_byte, args[idx + 1].start_byte, b"", rule)
    return replace(path, args[idx - 1].end_byte, args[idx].end_byte, b"", rule)


def delete_statement(cf: CFile, path: str, node: Node, rule: str) -> Edit:
    """Delete a statement's lines, and a blank line that would be left hanging."""
    return delete_span(cf, path, node.start_byte, node.end_byte, rule)


def body_statements(fn: Item) -> list[Node]:
    """The statements (and comments) of a function body, without its braces."""
    body = fn.node.child_by_field_name("body") if fn.node is not None else None
    return [c for c in body.children if c.type not in ("{", "}")] if body is not None else []


def is_declaration(node: Node) -> bool:
    """A declaration, or an #if block holding only declarations."""
    if node.type == "declaration":
        return True
    if node.type in ("preproc_ifdef", "preproc_if"):
        inner = [c for c in node.named_children if c.type not in ("identifier", "comment")
                 and c.type not in ("preproc_defined", "binary_expression", "unary_expression")]
        return bool(inner) and all(c.type == "declaration" for c in inner)
    return False


def paragraphs(data: bytes, nodes: list[Node]) -> list[list[Node]]:
    """Consecutive statements grouped by the blank lines between them."""
    groups: list[list[Node]] = []
    prev = None
    for n in nodes:
        if prev is None or has_blank_line(data[prev.end_byte : n.start_byte], False):
            groups.append([n])
        else:
            groups[-1].append(n)
        prev = n
    return groups
