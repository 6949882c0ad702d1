"""Rules that create /var/run/bhyve at install time and document it in hier(7).

The review asked bhyve(8) to stop calling mkdir(2) for its socket directory:
the directory belongs in the installed hierarchy instead.
"""

from __future__ import annotations

from refactor.ops.var_files import HierItem, HierItemOptions, MtreeDir, MtreeDirOptions
from refactor_rules.bhyve_ipc._load import Preset

BSD_VAR_DIST = "etc/mtree/BSD.var.dist"
HIER_7 = "share/man/man7/hier.7"

# Said in our own words; upstream hier(7) calls the directory the home of
# bhyve's virtual machine UNIX-domain sockets.
BHYVE_RUN_DESCRIPTION = """\
UNIX-domain sockets of running
.Xr bhyve 8
virtual machines, used by
.Xr bhyvectl 8
"""


class MtreeVarRunBhyve(Preset, MtreeDir):
    """Add the directory `bhyve` under `run` in etc/mtree/BSD.var.dist.

    bhyve(8) binds its control socket in /var/run/bhyve/.  With this entry,
    installworld and mtree(8) create the directory, so bhyve no longer needs
    to make it at run time.

    Expects: BSD.var.dist with a `run` directory entry.  The new entry goes in
    sorted place among run's children, written like the file's other leaf
    directories (a `bhyve` line and a `..` line at the children's indent).

    Choice: the entry carries no keywords of its own, as upstream wrote it
    later.  It takes the `/set` defaults in force among its neighbours
    (root:wheel, mode 0755 in FreeBSD's file): only root runs bhyve, and other
    users may look up the sockets but not create any.  A sibling's own
    keywords (named's bind owner, ppp's network group) describe that
    sibling's daemon and are not copied.

    Already applied when run has a `bhyve` directory; a conflict when the
    file, its `run` directory, or a balanced `..` structure is missing, or when
    run/bhyve exists as something other than a directory.
    """

    id = "mtree-var-run-bhyve"
    summary = "create /var/run/bhyve from etc/mtree/BSD.var.dist"
    files = (BSD_VAR_DIST,)

    def __init__(self) -> None:
        super().__init__(MtreeDirOptions("run/bhyve", BSD_VAR_DIST), id=self.id)
        self.summary = type(self).summary


class HierVarRunBhyve(Preset, HierItem):
    """Document /var/run/bhyve/ in hier(7).

    Adds an `.It Pa bhyve/` item to the list of /var/run/ in
    share/man/man7/hier.7, in alphabetical place among its siblings, saying
    that it holds the UNIX-domain sockets of running bhyve(8) virtual
    machines, which bhyvectl(8) uses.

    Expects: hier.7 with an item for /var/ whose list has an item for run/.
    When run/ has no list of its own yet, one is made in the style the
    page's other /var/ entries use for their lists (the same `.Bl` line, and a
    `.Pp` before it when most of them have one).

    Already applied when run/'s list has a bhyve/ item in any wording; a
    conflict when the page or its /var/run/ item is missing.
    """

    id = "hier-var-run-bhyve"
    summary = "document /var/run/bhyve/ in hier(7)"
    files = (HIER_7,)

    def __init__(self) -> None:
        super().__init__(HierItemOptions("/var/run/", "bhyve/", BHYVE_RUN_DESCRIPTION, HIER_7),
                         id=self.id)
        self.summary = type(self).summary
