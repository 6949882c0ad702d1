"""define: set a macro's value, or move its #define into another file."""

from __future__ import annotations

from dataclasses import dataclass

from refactor.c.lossless import CFile, Item
from refactor.edits import Change, Edit, insert, replace
from refactor.errors import UsageError
from refactor.ops import Operation, register
from refactor.rule import AlreadyApplied, Conflict, Edits, Outcome
from refactor.tree import Tree, norm


@dataclass(frozen=True)
class DefineOptions:
    file: str
    name: str
    #: The new replacement text (`89`, `(SUNPATHLEN - 15)`).
    value: str | None = None
    #: Move the #define (with the comment above it) into this file instead.
    to: str | None = None


@register
class Define(Operation):
    """Set the value of a `#define`, or move the `#define` into another file.

    With `value`, the replacement text of every `#define name` in `file` (in
    every `#if` branch) becomes `value`; the name, any parameters, the blank
    after them and a comment after the value are kept.  Already applied when
    each has that value (blanks aside).

    With `to`, the `#define` and the comment block directly above it leave
    `file` (with the blank lines they own, so the neighbours stay spaced as
    they were) and go after the last `#define` of `to` that is not an
    include guard, or, when there is none, before the guard's `#endif` or at
    the end.  Already applied when `to` defines it and `file` does not.

    A conflict when `file` (or `to`) is missing, when `file` has no such
    `#define` (and, for a move, `to` none either), when a move finds it in
    both files, or when it is defined more than once in `file` for a move.
    """

    op = "define"
    Options = DefineOptions

    def __init__(self, options: DefineOptions, **kw) -> None:
        if (options.value is None) == (options.to is None):
            raise UsageError("define: give one of `value` and `to`")
        super().__init__(options, **kw)

    def default_id(self) -> str:
        return f"define-{self.options.name}"

    def describe(self) -> str:
        o = self.options
        if o.to is not None:
            return f"move #define {o.name} from {o.file} to {o.to}"
        return f"#define {o.name} {o.value} in {o.file}"

    def paths(self) -> tuple[str, ...]:
        o = self.options
        return (norm(o.file),) + ((norm(o.to),) if o.to is not None else ())

    def plan(self, tree: Tree) -> Outcome:
        o = self.options
        path = norm(o.file)
        cf = tree.view(path, CFile)
        if cf is None:
            return Conflict(f"{path} does not exist")
        defs = [it for it in cf.items if it.kind == "define" and it.name == o.name]
        if o.to is not None:
            return self._move(tree, cf, defs)
        if not defs:
            return Conflict(f"{path} has no #define {o.name}")
        edits: list[Change] = [e for it in defs
                               if (e := _set_value(cf, it, o.value or "", self.id))]
        if not edits:
            return AlreadyApplied(f"{o.name} is {o.value} in {path}")
        return Edits(edits, f"sets {o.name} to {o.value} in {path} ({len(edits)} #define)")

    def _move(self, tree: Tree, cf: CFile, defs: list[Item]) -> Outcome:
        o = self.options
        to = norm(o.to or "")
        target = tree.view(to, CFile)
        if target is None:
            return Conflict(f"{to} does not exist")
        there = [it for it in target.items if it.kind == "define" and it.name == o.name]
        if there and not defs:
            return AlreadyApplied(f"{to} defines {o.name} and {cf.path} does not")
        if there:
            return Conflict(f"both {cf.path} and {to} define {o.name}")
        if not defs:
            return Conflict(f"neither {cf.path} nor {to} defines {o.name}")
        if len(defs) > 1:
            return Conflict(f"{cf.path} defines {o.name} {len(defs)} times; move which?")
        it = defs[0]
        text = cf.data[it.lead_start:it.end]
        cut = replace(cf.path, it.full_start, it.full_end, b"", self.id)
        return Edits([cut, _place_define(target, text, self.id)],
                     f"moves #define {o.name} from {cf.path} to {to}")


def _set_value(cf: CFile, it: Item, value: str, rule: str) -> Edit | None:
    node = it.node
    if node is None:
        return None
    arg = cf.define_value(node)
    if arg is not None:
        raw = cf.data[arg.start_byte:arg.end_byte]
        old = raw.rstrip()
        if b" ".join(old.split()) == b" ".join(value.encode("latin-1").split()):
            return None
        return replace(cf.path, arg.start_byte, arg.start_byte + len(old), value, rule)
    # `#define NAME` with no value: the blank after #define is reused.
    after = node.child_by_field_name("parameters") or node.child_by_field_name("name")
    if after is None:
        return None
    line = cf.data[it.start:after.start_byte]
    sep = "\t" if b"\t" in line else " "
    return insert(cf.path, after.end_byte, sep + value, rule)


def _place_define(target: CFile, text: bytes, rule: str) -> Edit:
    guard = _guard(target)
    defines = [it for it in target.items if it.kind == "define" and it.name != guard]
    if defines:
        return insert(target.path, defines[-1].end, b"\n" + text, rule)
    data = target.data
    if guard is not None:
        endif = data.rfind(b"#endif")
        return insert(target.path, endif, text + b"\n", rule)
    lead = b"" if not data or data.endswith(b"\n\n") else b"\n" if data.endswith(b"\n") \
        else b"\n\n"
    return insert(target.path, len(data), lead + text, rule)


def _guard(cf: CFile) -> str | None:
    """The include guard's macro: `#ifndef X` / `#define X` around the whole file."""
    top = [it for it in cf.toplevel() if it.kind != "comment"]
    if len(top) == 1 and top[0].kind == "conditional" and top[0].name.startswith("!defined("):
        name = top[0].name[len("!defined("):-1]
        if any(c.kind == "define" and c.name == name for c in top[0].children):
            return name
    return None
