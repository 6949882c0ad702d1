"""Rules that build bhyve's new ipc.c and let bhyvectl(8) include the shared ipc.h."""

from __future__ import annotations

import posixpath

from refactor.formats.makefile import Assignment, BsdMakefile
from refactor.ops.move import srcs_next_to
from refactor.rule import AlreadyApplied, Conflict, Edits, Outcome, Rule
from refactor.tree import Tree

BHYVE_MAKEFILE = "usr.sbin/bhyve/Makefile"
BHYVECTL_MAKEFILE = "usr.sbin/bhyvectl/Makefile"
SNAPSHOT_CONDITION = '${MK_BHYVE_SNAPSHOT} != "no"'
# The form upstream's bhyvectl/Makefile uses for bhyve's headers.
BHYVE_INCLUDE = "-I${SRCTOP}/usr.sbin/bhyve"


class BhyveMakefileIpcC(Rule):
    """Build ipc.c in bhyve(8) wherever snapshot.c is built.

    The review moves the socket code out of snapshot.c into ipc.c and keeps
    it behind BHYVE_SNAPSHOT, so ipc.c joins the SRCS list that holds
    snapshot.c: normally `SRCS+= snapshot.c` inside
    `.if ${MK_BHYVE_SNAPSHOT} != "no"` in usr.sbin/bhyve/Makefile.

    The word goes in sorted place in that list's own style: on the same line
    with a space for a list of words (`SRCS+=<tab>ipc.c snapshot.c`), or on a
    line of its own with the backslash aligned for a one-word-a-line list.
    When several lists hold snapshot.c, the one under MK_BHYVE_SNAPSHOT wins.

    Already applied when ipc.c is in any SRCS list of the Makefile; a conflict
    when the Makefile is missing or snapshot.c is in no SRCS list, since then
    the save/restore build this change follows cannot be found.
    """

    id = "makefile-bhyve-ipc-c"
    summary = "add ipc.c to bhyve's SRCS next to snapshot.c"
    files = (BHYVE_MAKEFILE,)
    # Building ipc.c makes sense only where the socket code was moved into it.
    requires = ("ipc-extract",)

    def plan(self, tree: Tree) -> Outcome:
        mk = tree.view(BHYVE_MAKEFILE, BsdMakefile.parse)
        if mk is None:
            return Conflict(f"{BHYVE_MAKEFILE} does not exist")
        if mk.has_word("SRCS", "ipc.c"):
            return AlreadyApplied(f"{BHYVE_MAKEFILE} already builds ipc.c")
        holders = [a for a in mk.assignments("SRCS") if "snapshot.c" in a.values]
        if not holders:
            return Conflict(
                f"snapshot.c is in no SRCS list of {BHYVE_MAKEFILE}, so there is no "
                "save/restore build to add ipc.c to"
            )
        # The move operation's placement: the SRCS list that holds snapshot.c.
        edits = srcs_next_to(tree, "usr.sbin/bhyve/snapshot.c", "usr.sbin/bhyve/ipc.c", self.id,
                             prefer=SNAPSHOT_CONDITION)
        if isinstance(edits, str):
            return Conflict(edits)
        where = f"under .if {SNAPSHOT_CONDITION}" if any(_under_snapshot(a) for a in holders) \
            else "unconditionally"
        return Edits(edits, f"adds ipc.c next to snapshot.c ({where})")


def _under_snapshot(a: Assignment) -> bool:
    return any(c.matches(SNAPSHOT_CONDITION) for c in a.conditions)


def _curdir_relative(path: str) -> str | None:
    """The source-tree path that an -I argument in usr.sbin/bhyvectl/Makefile names."""
    for var, value in (
        ("${SRCTOP}", "/src"),
        ("${.CURDIR:H:H}", "/src"),
        ("${.CURDIR:H}", "/src/usr.sbin"),
        ("${.CURDIR}", "/src/usr.sbin/bhyvectl"),
    ):
        path = path.replace(var, value)
    if "$" in path:
        return None  # another variable: cannot tell where it points
    if not path.startswith("/"):
        path = "/src/usr.sbin/bhyvectl/" + path
    return posixpath.normpath(path)


def _includes_bhyve(a: Assignment) -> bool:
    words = a.values
    for i, w in enumerate(words):
        if w == "-I":
            arg = words[i + 1] if i + 1 < len(words) else None
        else:
            arg = w[2:] if w.startswith("-I") else None
        if arg and _curdir_relative(arg) == "/src/usr.sbin/bhyve":
            return True
    return False


class BhyvectlMakefileIpcH(Rule):
    """Let bhyvectl(8) include bhyve's ipc.h.

    bhyvectl.c and bhyve share the message layout in usr.sbin/bhyve/ipc.h,
    so usr.sbin/bhyvectl/Makefile gets `CFLAGS+= -I${SRCTOP}/usr.sbin/bhyve`,
    the form upstream's Makefile uses for bhyve's headers today.

    Choice: bhyvectl talks to bhyve over the socket only when built with
    BHYVE_SNAPSHOT, so the line goes into the `.if ${MK_BHYVE_SNAPSHOT} !=
    "no"` block (after its last CFLAGS line) when the Makefile has one, as
    upstream has it; otherwise after the last top-level CFLAGS line.

    Already applied when any CFLAGS or CPPFLAGS line already has an -I that
    names usr.sbin/bhyve, in any spelling (`${SRCTOP}/usr.sbin/bhyve`,
    `${.CURDIR}/../bhyve`, `${.CURDIR:H}/bhyve`, ...); a conflict when the
    Makefile is missing.
    """

    id = "makefile-bhyvectl-ipc-h"
    summary = "add -I${SRCTOP}/usr.sbin/bhyve to bhyvectl's CFLAGS"
    files = (BHYVECTL_MAKEFILE,)
    requires = ("ipc-h-shared",)

    def plan(self, tree: Tree) -> Outcome:
        mk = tree.view(BHYVECTL_MAKEFILE, BsdMakefile.parse)
        if mk is None:
            return Conflict(f"{BHYVECTL_MAKEFILE} does not exist")
        flags = [a for a in mk.assignments() if a.var.split(".")[0] in ("CFLAGS", "CPPFLAGS")]
        if any(_includes_bhyve(a) for a in flags):
            return AlreadyApplied(f"{BHYVECTL_MAKEFILE} already searches usr.sbin/bhyve")
        condition = SNAPSHOT_CONDITION if mk.blocks(SNAPSHOT_CONDITION) else None
        edit = mk.add_assignment("CFLAGS", "+=", BHYVE_INCLUDE, condition, rule=self.id)
        where = f"under .if {SNAPSHOT_CONDITION}" if condition else "at top level"
        return Edits([edit], f"adds {BHYVE_INCLUDE} to CFLAGS {where}")
