"""Small queries over the lossless layer's tree-sitter nodes, shared by C rules."""

from __future__ import annotations

from collections.abc import Iterator

import tree_sitter

from refactor.c.lossless import CFile, Item

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


def callee_names(cf: CFile, node: Node | None) -> list[str]:
    """The names called directly under node, each once, in order of first call."""
    if node is None:
        return []
    return list(dict.fromkeys(name for n in calls(cf, node) if (name := callee(cf, n))))


# ----- declarators ------------------------------------------------------------------


def declarator_ident(node: Node | None) -> Node | None:
    """The identifier a declarator names, through pointers, arrays and initialisers."""
    while node is not None and node.type not in ("identifier", "field_identifier"):
        node = node.child_by_field_name("declarator")
    return node


def declarator_name(cf: CFile, node: Node | None) -> str:
    ident = declarator_ident(node)
    return node_text(cf, ident) if ident is not None else ""


def is_pointer(node: Node | None) -> bool:
    while node is not None and node.type == "init_declarator":
        node = node.child_by_field_name("declarator")
    return node is not None and node.type == "pointer_declarator"


def function_declarator(fn: Item) -> Node | None:
    d = fn.node.child_by_field_name("declarator") if fn.node is not None else None
    while d is not None and d.type != "function_declarator":
        d = d.child_by_field_name("declarator")
    return d


def function_name_node(fn: Item) -> Node | None:
    """The identifier naming a function in its definition."""
    return declarator_ident(function_declarator(fn))


def params(fn: Item) -> list[Node]:
    d = function_declarator(fn)
    plist = d.child_by_field_name("parameters") if d is not None else None
    return [] if plist is None else [
        p for p in plist.named_children if p.type == "parameter_declaration"]


def param_name(cf: CFile, p: Node) -> str:
    return declarator_name(cf, p.child_by_field_name("declarator"))


def param_names(cf: CFile, fn: Item) -> set[str]:
    return {n for p in params(fn) if (n := param_name(cf, p))}


def struct_type(cf: CFile, decl: Node) -> str | None:
    """The tag of `struct TAG` when that is a declaration's type."""
    t = decl.child_by_field_name("type")
    if t is None or t.type != "struct_specifier":
        return None
    name = t.child_by_field_name("name")
    return node_text(cf, name) if name is not None else None


def fn_body(fn: Item) -> Node | None:
    return fn.node.child_by_field_name("body") if fn.node is not None else None


def local_declarations(cf: CFile, fn: Item) -> dict[str, Node]:
    """name -> declaration node, for the declarations at the top level of a function body."""
    out: dict[str, Node] = {}
    b = fn_body(fn)
    for st in b.named_children if b is not None else ():
        if st.type == "declaration":
            for d in st.children_by_field_name("declarator"):
                ident = declarator_ident(d)
                if ident is not None:
                    out[node_text(cf, ident)] = st
    return out


def uses(cf: CFile, node: Node, name: str) -> list[Node]:
    """Identifiers (variables and functions) named `name` under node."""
    return [n for n in walk(node) if n.type == "identifier" and node_text(cf, n) == name]


def storage_static(cf: CFile, node: Node | None) -> Node | None:
    """The `static` storage-class specifier of a declaration or definition."""
    for c in node.children if node is not None else ():
        if c.type == "storage_class_specifier" and cf.data[c.start_byte : c.end_byte] == b"static":
            return c
    return None


def is_function_declaration(it: Item) -> bool:
    return it.node is not None and any(n.type == "function_declarator" for n in walk(it.node))


# ----- statements -------------------------------------------------------------------

# What holds statements: a body, or an #if branch inside one.
_BLOCKS = ("compound_statement", "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif",
           "translation_unit")


def statement_of(node: Node) -> Node | None:
    """The statement directly inside a compound statement (or #if branch) that holds node."""
    n = node
    while n.parent is not None and n.parent.type not in _BLOCKS:
        n = n.parent
    return n if n.parent is not None and n.parent.type != "translation_unit" else None


def assigned_var(cf: CFile, stmt: Node) -> str | None:
    """The left-hand side of the first assignment in a statement."""
    for n in walk(stmt):
        if n.type == "assignment_expression":
            left = n.child_by_field_name("left")
            if left is not None:
                return node_text(cf, left)
    return None


def strip_cast(node: Node) -> Node:
    while node.type in ("cast_expression", "parenthesized_expression"):
        node = node.child_by_field_name("value") or node.named_children[-1]
    return node


def named_calls(cf: CFile, node: Node | None) -> list[tuple[str, Node]]:
    """(callee name, call node) of every direct call under node, in order."""
    if node is None:
        return []
    return [(name, n) for n in calls(cf, node) if (name := callee(cf, n)) is not None]


def functions(cf: CFile) -> list[Item]:
    """The function definitions of a file, in order (in every #if branch)."""
    return [it for it in cf.items if it.kind == "function" and it.is_definition]


def defined_tag(cf: CFile | None, name: str, kind: str) -> Item | None:
    """The definition (with a body) of a struct, union or enum tag."""
    if cf is None:
        return None
    return next((it for it in cf.items_named(name, kind) if it.is_definition), None)
