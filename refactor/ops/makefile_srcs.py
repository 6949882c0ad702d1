"""makefile-srcs: add or remove words of SRCS (or another list) in a BSD Makefile; add CFLAGS."""

from __future__ import annotations

from dataclasses import dataclass

from refactor.formats.makefile import BsdMakefile, MakefileError
from refactor.ops import Operation, register
from refactor.ops._edit import apply_one, squash
from refactor.rule import AlreadyApplied, Conflict, Edits, Outcome
from refactor.tree import Tree, norm


@dataclass(frozen=True)
class MakefileSrcsOptions:
    makefile: str
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    #: Only the lists under an `.if` whose expression contains this text.
    condition: str | None = None
    var: str = "SRCS"
    #: Words for a new `CFLAGS+=` line (under `condition` when given).
    cflags: tuple[str, ...] = ()


@register
class MakefileSrcs(Operation):
    """Add or remove words of `SRCS` (or `var`) in a BSD Makefile, and add CFLAGS.

    A word to add goes in sorted place into the longest `var` list at top
    level, or, with `condition`, into the longest one under an `.if` whose
    expression contains that text (`${MK_BHYVE_SNAPSHOT} != "no"`), in the
    list's own style: on the same line for a list of words, on a line of its
    own with the backslash aligned for a one-word-a-line list.  A word to
    remove leaves its list as the list was written.  `cflags` become one
    `CFLAGS+=` line after the last CFLAGS line there (top level, or inside
    the `.if` branch).

    Already applied when every word to add is in a list (under `condition`
    when given), no word to remove is in any, and every CFLAGS word is on a
    CFLAGS or CPPFLAGS line.  A conflict when the Makefile is missing, has no
    such list, or has no `.if` with the condition.
    """

    op = "makefile-srcs"
    Options = MakefileSrcsOptions

    def default_id(self) -> str:
        return f"makefile-srcs-{self.options.makefile}"

    def describe(self) -> str:
        o = self.options
        parts = [f"add {' '.join(o.add)}" if o.add else "",
                 f"remove {' '.join(o.remove)}" if o.remove else "",
                 f"CFLAGS+= {' '.join(o.cflags)}" if o.cflags else ""]
        return f"{o.makefile}: {o.var} " + ", ".join(p for p in parts if p)

    def paths(self) -> tuple[str, ...]:
        return (norm(self.options.makefile),)

    def plan(self, tree: Tree) -> Outcome:
        o = self.options
        path = norm(o.makefile)
        original = tree.read(path)
        if original is None:
            return Conflict(f"{path} does not exist")
        if o.condition is not None and not BsdMakefile.parse(original, path).blocks(o.condition):
            return Conflict(f"{path} has no .if block with {o.condition}")
        data, done = original, []
        try:
            for word in o.add:
                mk = BsdMakefile.parse(data, path)
                if not mk.has_word(o.var, word, o.condition):
                    data = apply_one(data, mk.add_word(o.var, word, o.condition))
                    done.append(f"adds {word}")
            for word in o.remove:
                mk = BsdMakefile.parse(data, path)
                if mk.has_word(o.var, word, o.condition):
                    data = apply_one(data, mk.remove_word(o.var, word, o.condition))
                    done.append(f"removes {word}")
            if o.cflags:
                mk = BsdMakefile.parse(data, path)
                have = {w for a in mk.assignments() if a.var.split(".")[0] in
                        ("CFLAGS", "CPPFLAGS") for w in a.values}
                missing = [w for w in o.cflags if w not in have]
                if missing:
                    data = apply_one(data, mk.add_assignment(
                        "CFLAGS", "+=", " ".join(missing), o.condition))
                    done.append(f"adds CFLAGS+= {' '.join(missing)}")
        except MakefileError as exc:
            return Conflict(str(exc))
        edit = squash(path, original, data, self.id)
        if edit is None:
            return AlreadyApplied(f"{path} has the {o.var} and CFLAGS asked for")
        where = f" under .if {o.condition}" if o.condition else ""
        return Edits([edit], f"{', '.join(done)} in {path}{where}")
