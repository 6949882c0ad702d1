"""bhyve-ipc: FreeBSD review D28199, "bhyve(8): decouple unix domain socket from save/restore code".

The socket that bhyvectl(8) talks to moves out of snapshot.c into ipc.c, so it
can serve more than save/restore; /var/run/bhyve comes from mtree instead of
mkdir(); messages get a generic envelope; the socket becomes SOCK_DGRAM and
bhyvectl shares ipc.h.
"""

import re

from refactor.messages import Text
from refactor.recipe import Recipe, Step
from refactor_rules.bhyve_ipc._load import load

#: What each rule says in its step's commit message; only rules that applied speak.
TEXTS = {
    "ipc-extract": Text(
        "move the IPC socket code out of snapshot.c",
        lambda result: "The unix domain socket that bhyvectl(8) uses was added together "
        "with the save/restore code and lives in snapshot.c.  Move it into ipc.c and "
        "ipc.h so that it can be used for requests other than checkpoint and "
        "suspend.  init_checkpoint_thread() is split in two: init_snapshot() sets up "
        "the mutex and condition variables of save/restore and stays in snapshot.c; "
        "init_ipc() creates the socket and the thread that serves it.  What only "
        "ipc.c uses is static there, and ipc.h declares init_ipc() alone."
        + "".join(f"  snapshot.c no longer includes {m[1]}, which only the moved code used."
                  for m in re.finditer(r"snapshot\.c drops (.+?), which only", result.reason)),
        "the socket code in ipc.c"),
    "vm-checkpoint-export": Text(
        "declare vm_checkpoint() in snapshot.h",
        lambda result: "vm_checkpoint() is no longer static and is declared in "
        "snapshot.h, since the socket code calls it from another file."
        + (" snapshot.h includes <stdbool.h> for its bool parameter, so that it "
           "still compiles on its own." if "<stdbool.h>" in result.reason else ""),
        "vm_checkpoint() in snapshot.h"),
    "bhyverun-init-ipc": Text(
        "call init_snapshot() and init_ipc() from main()",
        """main() calls init_snapshot() and then init_ipc() where it called
        init_checkpoint_thread().""",
        "the init_snapshot() and init_ipc() calls in main()"),
    "bhyvectl-socket-path": Text(
        "move the socket to /var/run/bhyve/$vmname",
        """The socket is now /var/run/bhyve/$vmname instead of
        /var/run/bhyve/checkpoint/$vmname, on both ends.""",
        "bhyvectl's socket path /var/run/bhyve/$vmname"),
    "makefile-bhyve-ipc-c": Text(
        "build ipc.c",
        """ipc.c is built next to snapshot.c, so the socket is still built
        only with BHYVE_SNAPSHOT.""",
        "ipc.c in bhyve's Makefile"),
    "mtree-var-run-bhyve": Text(
        "create /var/run/bhyve through mtree",
        """Let the base system's mtree specification create /var/run/bhyve, as
        for the other directories under /var/run.""",
        "/var/run/bhyve in BSD.var.dist"),
    "hier-var-run-bhyve": Text(
        "document /var/run/bhyve in hier(7)",
        """Document /var/run/bhyve in hier(7).""",
        "/var/run/bhyve in hier(7)"),
    "ipc-drop-mkdir": Text(
        "do not mkdir() /var/run/bhyve before bind()",
        """bhyve(8) no longer creates /var/run/bhyve with mkdir() before
        binding its socket; it just calls bind().""",
        "a socket set-up without mkdir()"),
    "vmmapi-ipc-message": Text(
        "add struct ipc_message, a generic IPC message",
        """Messages on the bhyve(8) socket carried a struct checkpoint_op, so
        no other kind of request could be sent.  Add struct ipc_message: an
        opcode (enum checkpoint_opcodes becomes enum ipc_opcode) and a union
        of the message-specific structures, of which struct checkpoint_op is
        the first.""",
        "struct ipc_message"),
    "ipc-rename": Text(
        "rename checkpoint_* to ipc_* in ipc.c",
        lambda result: "In ipc.c the checkpoint_* names that are not specific to "
        "checkpoints become ipc_*" + (", and get_checkpoint_msg() becomes get_message()."
                                      if "get_checkpoint_msg -> get_message" in result.reason
                                      else "."),
        "the ipc_* names in ipc.c"),
    "bhyvectl-send-message": Text(
        "send generic messages from bhyvectl",
        """In bhyvectl(8), send_checkpoint_op_req() becomes send_message(ctx,
        data, len), and send_start_checkpoint() and send_start_suspend() are
        merged into snapshot_request().""",
        "send_message() and snapshot_request() in bhyvectl"),
    "ipc-sock-dgram": Text(
        "use SOCK_DGRAM for IPC",
        lambda result: "A request is one message, so a datagram socket fits better "
        "than a stream: bhyve(8) no longer needs listen() and accept(), and reads "
        "one datagram per request."
        + (" A datagram shorter than a message is refused instead of being read as "
           "a whole one." if "short datagram" in result.reason else "")
        + ("".join(f" There is no connection any more, so {m[1]} becomes {m[2]}."
                   for m in re.finditer(r"descriptor (\w+) becomes (\w+)", result.reason))),
        "the SOCK_DGRAM socket of bhyve"),
    "bhyvectl-sock-dgram": Text(
        "use SOCK_DGRAM for IPC",
        """bhyvectl(8) sends each request as one datagram.""",
        "the SOCK_DGRAM socket of bhyvectl"),
    "ipc-h-shared": Text(
        "share ipc.h with bhyvectl",
        """The message types move from vmmapi.h to ipc.h, which bhyvectl(8)
        now includes from the bhyve(8) directory: only bhyve(8) and
        bhyvectl(8) speak this protocol.""",
        "the message types in ipc.h"),
    "makefile-bhyvectl-ipc-h": Text(
        "share ipc.h with bhyvectl",
        """bhyvectl's Makefile adds usr.sbin/bhyve to the include path.""",
        "bhyvectl's include path to ipc.h"),
    "max-snapshot-filename": Text(
        "rename MAX_SNAPSHOT_VMNAME to MAX_SNAPSHOT_FILENAME",
        """MAX_SNAPSHOT_VMNAME is renamed MAX_SNAPSHOT_FILENAME, since it
        bounds a file name.""",
        "MAX_SNAPSHOT_FILENAME"),
    "max-vmname-vmmapi": Text(
        "define MAX_VMNAME once, in vmmapi.h",
        """The private MAX_VMNAME copies are replaced by one in vmmapi.h, of
        89: a socket path may hold SUNPATHLEN (104) bytes, of which
        "/var/run/bhyve/" takes 15.""",
        "MAX_VMNAME in vmmapi.h"),
}


def step(subject: str, rules: list) -> Step:
    """A step of this recipe: `bhyve:` subjects, message texts from TEXTS."""
    return Step(subject, "", rules, area="bhyve",
                texts={r.id: TEXTS[r.id] for r in rules if r.id in TEXTS})


STEPS = [
    step(
        "move the IPC socket code out of snapshot.c",
        load("ipc-extract", "vm-checkpoint-export", "bhyverun-init-ipc",
             "bhyvectl-socket-path", "makefile-bhyve-ipc-c"),
    ),
    step(
        "create /var/run/bhyve through mtree instead of mkdir()",
        load("mtree-var-run-bhyve", "hier-var-run-bhyve", "ipc-drop-mkdir"),
    ),
    step(
        "generic IPC messages",
        load("vmmapi-ipc-message", "ipc-rename", "bhyvectl-send-message"),
    ),
    step(
        "use SOCK_DGRAM for IPC and share ipc.h with bhyvectl",
        load("ipc-sock-dgram", "bhyvectl-sock-dgram", "ipc-h-shared",
             "makefile-bhyvectl-ipc-h", "max-snapshot-filename", "max-vmname-vmmapi"),
    ),
]

RECIPE = Recipe(
    name="bhyve-ipc",
    summary="bhyve(8): decouple the unix domain socket from save/restore (D28199)",
    steps=STEPS,
    anchors=(
        "usr.sbin/bhyve/Makefile",
        "usr.sbin/bhyve/bhyverun.c",
        "usr.sbin/bhyvectl/bhyvectl.c",
        "lib/libvmmapi/vmmapi.h",
    ),
    doc=__doc__,
    trailers=("Differential Revision: https://reviews.freebsd.org/D28199",),
)
