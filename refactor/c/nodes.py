"""Small queries over the lossless layer's tree-sitter nodes, shared by C rules."""

from __future__ import annotations

from collections.abc import Iterator

import tree_sitter

from refactor.c.lossless import CFile

Node = tree_sitter.Node


def walk(node: Node) -> Iterator[Node]:
    """Every node under `node` (itself included), in source order."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def node_text(cf: CFile, node: Node) -> str:
    return cf.data[node.start_byte : node.end_byte].decode("latin-1")


def callee(cf: CFile, call: Node) -> str | None:
    """The name a call_expression calls directly, or None (a call through a pointer)."""
    fn = call.child_by_field_name("function")
    return node_text(cf, fn) if fn is not None and fn.type == "identifier" else None


def calls(cf: CFile, node: Node, name: str | None = None) -> list[Node]:
    """The call_expressions under `node`, in source order; only those of `name` if given."""
    return [n for n in walk(node) if n.type == "call_expression"
            and (name is None or callee(cf, n) == name)]
