"""Prototypes and headers: made from a definition, in the style of the header they go to."""

from __future__ import annotations

import re

from refactor.c.includes import include_block
from refactor.c.lossless import CFile, Item
from refactor.c.nodes import is_function_declaration, storage_static
from refactor.c.spans import cdefs_lines, delete_items, licence_block
from refactor.c.wrap import wrap
from refactor.edits import Edit, insert, replace


def prototype_from(cf: CFile, fn: Item, style_line: bytes = b"") -> bytes:
    """`rtype name(params);` for a function definition, wrapped at 80 columns.

    The separator between type and name (a space or a tab) is the one of
    `style_line`, a prototype of the header it goes to.  Qualifiers (const) are
    kept, storage (static) is not.
    """
    data = cf.data
    node = fn.node
    assert node is not None
    decl = node.child_by_field_name("declarator")
    t = node.child_by_field_name("type")
    assert decl is not None and t is not None
    rtype = data[t.start_byte : t.end_byte]
    quals = b" ".join(data[c.start_byte : c.end_byte] for c in node.children
                      if c.type == "type_qualifier")
    if quals:
        rtype = quals + b" " + rtype
    declarator = b" ".join(data[decl.start_byte : decl.end_byte].split())
    declarator = declarator.replace(b"( ", b"(").replace(b" )", b")")
    declarator = re.sub(rb"^(\*+)\s+", rb"\1", declarator)  # `char *name(`, not `* name(`
    return wrap(rtype + prototype_separator(style_line) + declarator + b";") + b"\n"


def prototype_separator(style_line: bytes) -> bytes:
    """What separates type and name in a prototype line: its blanks, or one space."""
    m = re.match(rb"\s*(?:extern\s+)?[\w\s]*?\w(\s+)\**\w+\s*\(", style_line)
    return m.group(1) if m else b" "


def proto_style(line: bytes, rtype: str, rest: str) -> bytes:
    """A prototype `rtype rest;` in the style of `line`."""
    return rtype.encode() + prototype_separator(line) + rest.encode() + b";\n"


def function_prototypes(h: CFile) -> list[Item]:
    """The function declarations (not definitions) of a file, in order."""
    return [it for it in h.items if it.kind == "declaration" and not it.is_definition
            and it.node is not None and is_function_declaration(it)]


def drop_static(cf: CFile, path: str, name: str, rule: str) -> list[Edit]:
    """Edits removing `static ` from a function's definition and its static prototypes."""
    out = []
    for it in [*cf.items_named(name, "function"), *cf.items_named(name, "declaration")]:
        if it.storage != "static" or it.node is None:
            continue
        s = storage_static(cf, it.node)
        if s is None:
            continue
        nxt = s.next_sibling
        out.append(replace(path, s.start_byte, nxt.start_byte if nxt is not None else s.end_byte,
                           b"", rule))
    return out


def add_prototype(h: CFile, path: str, cf: CFile, fn: Item, rule: str) -> Edit | str:
    """The edit declaring fn (defined in cf) in header h, after its last prototype."""
    protos = function_prototypes(h)
    if not protos:
        return f"{path} declares no functions; no place for {fn.name}()'s prototype"
    last = protos[-1]
    return insert(path, last.end, prototype_from(cf, fn, h.data[last.start : last.end]), rule)


def header_guard(h: CFile) -> Item | None:
    """The #ifndef that wraps a header, if it has one."""
    return next((it for it in h.items if it.kind == "conditional" and it.parent is None), None)


def header_anchor(h: CFile) -> int | None:
    """Where new macros and types go in a header: before its first item after the
    guard, the guard's #define and the includes."""
    guard = header_guard(h)
    if guard is None:
        return None
    for it in guard.children:
        guard_define = it.kind == "define" and it.node is not None and \
            h.define_value(it.node) is None
        if it.kind in ("include", "comment") or guard_define:
            continue
        return it.lead_start
    return None


def _stem(path: str) -> bytes:
    base = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return re.sub(rb"[^A-Za-z0-9]", b"_", base.encode()).upper()


def guard_name(path: str, model_guard: bytes = b"", model_path: str = "") -> bytes:
    """The include guard of a new header: the model header's guard with its file
    name swapped (_BHYVE_SNAPSHOT_ -> _BHYVE_IPC_), else style(9)'s _FOO_H_."""
    old = _stem(model_path) if model_path else b""
    if old and old in model_guard:
        return model_guard.replace(old, _stem(path))
    return b"_" + _stem(path) + b"_H_"


def new_header(model: CFile, path: str, body: bytes, forward_from: CFile | None = None) -> bytes:
    """A new header at `path`: the licence and guard style of `model`, then body.

    Forward declarations (`struct vmctx;`) of `forward_from` (default: model)
    that body uses come first.
    """
    data = model.data
    guard = header_guard(model)
    new = guard_name(path)
    if guard is None:
        g_if, g_def, g_end = b"#ifndef " + new + b"\n", b"#define\t" + new + b"\n", b"#endif\n"
    else:
        lines = data[guard.start : guard.end].splitlines(keepends=True)
        g_if, g_def, g_end = lines[0], lines[1], lines[-1]
        m = re.search(rb"(\w+)\s*$", g_if.rstrip())
        old = m.group(1) if m else new
        new = guard_name(path, old, model.path)
        g_if, g_def, g_end = (x.replace(old, new) for x in (g_if, g_def, g_end))
        if not g_end.endswith(b"\n"):
            g_end += b"\n"
    src = forward_from or model
    fwd = b""
    for it in src.items:
        if it.kind == "struct" and not it.is_definition and it.name and \
                re.search(rb"struct\s+%s\b" % it.name.encode(), body):
            fwd += src.data[it.start : it.end]
    text = (fwd + b"\n" if fwd else b"") + body
    return licence_block(data) + b"\n" + g_if + g_def + b"\n" + text + b"\n" + g_end


def take_prototypes(h: CFile, path: str, names: list[str], rule: str
                    ) -> tuple[list[Edit], bytes]:
    """Prototypes of `names` cut out of header h: the edits, and their text (with their
    comments) in the order of `names`, for another header."""
    protos = {it.name: it for it in h.items if it.kind == "declaration"
              and not it.is_definition and it.name in names}
    edits = delete_items(h, sorted(protos.values(), key=lambda i: i.start), path, rule)
    return edits, b"".join(h.data[protos[n].lead_start : protos[n].end]
                           for n in names if n in protos)


def add_definitions(h: CFile, path: str, text: bytes, what: str, rule: str) -> Edit | str:
    """Macros or types (text) into a header, after its guard and includes."""
    anchor = header_anchor(h)
    if anchor is None:
        return f"{path} has no include guard to put {what} in"
    return insert(path, anchor, text + b"\n", rule)


def new_file_text(src: CFile, includes: list[str], extra_quoted: list[str], body: bytes) -> bytes:
    """A new .c file: the source's licence and its <sys/cdefs.h>/__FBSDID lines, the
    includes in style(9) order, then body."""
    out = licence_block(src.data)
    cdefs = cdefs_lines(src.data)
    if cdefs:
        out += b"\n" + cdefs
    return out + b"\n" + include_block(src, includes, extra_quoted) + body


def forward_declarations(body: bytes) -> bytes:
    """`struct x;` lines for the tags a new header's prototypes name but do not define,
    so that the header compiles whatever is included before it."""
    defined = set(re.findall(rb"\bstruct\s+(\w+)\s*\{", body))
    used = dict.fromkeys(re.findall(rb"\bstruct\s+(\w+)\s*\*", body))
    tags = [t for t in used if t not in defined]
    return b"".join(b"struct " + t + b";\n" for t in tags) + (b"\n" if tags else b"")
