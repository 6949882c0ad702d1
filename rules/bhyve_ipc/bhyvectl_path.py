"""bhyvectl(8) follows bhyve(8)'s socket to /var/run/bhyve/$vmname."""

from __future__ import annotations

import re

from refactor.c.lossless import CFile
from refactor.c.rename import rename_edits
from refactor.edits import replace
from refactor.rule import AlreadyApplied, Conflict, Edits, NotApplicable, Outcome, Rule
from refactor.tree import Tree

BHYVECTL_C = "usr.sbin/bhyvectl/bhyvectl.c"
NEW_MACRO = "BHYVE_RUN_DIR"
# A string literal naming the old per-checkpoint run directory.
_OLD_DIR = re.compile(rb'"(/var/run/bhyve)/checkpoint/?"')


class BhyvectlSocketPath(Rule):
    """Connect bhyvectl(8) to the socket where bhyve(8) now makes it.

    ipc-extract moves bhyve's socket from /var/run/bhyve/checkpoint/$vmname
    to /var/run/bhyve/$vmname.  bhyvectl.c builds the same path from its own
    copy of the directory, a `#define CHECKPOINT_RUN_DIR
    "/var/run/bhyve/checkpoint"`; without this rule the series would build
    at every commit but `bhyvectl --checkpoint` could no longer reach bhyve,
    so this belongs in the same commit as the move.

    The macro keeps its shape and becomes `#define BHYVE_RUN_DIR
    "/var/run/bhyve"`, the name bhyve uses for the same directory; every use
    is renamed through the C front end, so the snprintf() format ("%s/%s")
    stays valid.

    Already applied when bhyvectl.c names no .../checkpoint run directory and
    uses BHYVE_RUN_DIR, its own or ipc.h's (spring 2021 and later trees).  Not applicable when
    bhyvectl.c has neither (a bhyvectl that does not talk to bhyve's socket).
    A conflict when the old path is written somewhere other than one #define,
    since then the rule cannot tell which uses to change.
    """

    id = "bhyvectl-socket-path"
    summary = "bhyvectl connects to /var/run/bhyve/$vmname like bhyve"
    files = (BHYVECTL_C,)
    requires = ("ipc-extract",)

    def plan(self, tree: Tree) -> Outcome:
        cfile = tree.view(BHYVECTL_C, CFile)
        if cfile is None:
            return Conflict(f"{BHYVECTL_C} does not exist")
        olds = list(_OLD_DIR.finditer(cfile.data))
        if not olds:
            if NEW_MACRO in cfile.macros() or cfile.idents(NEW_MACRO):
                return AlreadyApplied(f"{BHYVECTL_C} already uses {NEW_MACRO}")
            return NotApplicable(f"{BHYVECTL_C} does not build a path under /var/run/bhyve")
        defines = [item for item in cfile.macros().values()
                   if any(item.start <= m.start() < item.end for m in olds)]
        if len(olds) != 1 or len(defines) != 1:
            return Conflict(f"{BHYVECTL_C} writes /var/run/bhyve/checkpoint in "
                            f"{len(olds)} places, not in one #define")
        define, old = defines[0], olds[0]
        if NEW_MACRO in cfile.macros() and cfile.macros()[NEW_MACRO] is not define:
            return Conflict(f"{BHYVECTL_C} defines both {define.name} and {NEW_MACRO}")
        edits = [replace(BHYVECTL_C, old.start(), old.end(), b'"' + old.group(1) + b'"',
                         self.id)]
        if define.name != NEW_MACRO:
            edits += rename_edits(cfile, define.name, NEW_MACRO, kinds={"macro", "ordinary"},
                                  rule=self.id)
        return Edits(edits, f"{define.name} becomes {NEW_MACRO} \"/var/run/bhyve\"")
