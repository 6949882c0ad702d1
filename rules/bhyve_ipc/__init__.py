"""bhyve-ipc: FreeBSD review D28199, "bhyve(8): decouple unix domain socket from save/restore code".

The socket that bhyvectl(8) talks to moves out of snapshot.c into ipc.c, so it
can serve more than save/restore; /var/run/bhyve comes from mtree instead of
mkdir(); messages get a generic envelope; the socket becomes SOCK_DGRAM and
bhyvectl shares ipc.h.
"""

from refactor.recipe import Recipe, Step
from refactor_rules.bhyve_ipc._load import load

STEPS = [
    Step(
        "bhyve: move the IPC socket code out of snapshot.c",
        """
The unix domain socket that bhyvectl(8) uses was added together with the
save/restore code and lives in snapshot.c.  Move it into ipc.c and ipc.h so
that it can be used for requests other than checkpoint and suspend.

init_checkpoint_thread() is split in two: init_snapshot() sets up the mutex
and condition variables of save/restore and stays in snapshot.c; init_ipc()
creates the socket and the thread that serves it.  vm_checkpoint() is no
longer static and is declared in snapshot.h, since the socket code calls it
from another file.  The socket is now /var/run/bhyve/$vmname instead of
/var/run/bhyve/checkpoint/$vmname, on both ends.

The socket is still built only with BHYVE_SNAPSHOT.

Reviewed by:	(D28199)
""",
        load("ipc-extract", "vm-checkpoint-export", "bhyverun-init-ipc",
             "bhyvectl-socket-path", "makefile-bhyve-ipc-c"),
    ),
    Step(
        "Create /var/run/bhyve through mtree instead of mkdir()",
        """
bhyve(8) created /var/run/bhyve itself with mkdir() before binding its
socket.  Let the base system's mtree specification create the directory, as
for the other directories under /var/run, document it in hier(7), and have
bhyve(8) just bind().

Reviewed by:	(D28199)
""",
        load("mtree-var-run-bhyve", "hier-var-run-bhyve", "ipc-drop-mkdir"),
    ),
    Step(
        "bhyve: generic IPC messages",
        """
Messages on the bhyve(8) socket carried a struct checkpoint_op, so no other
kind of request could be sent.  Add struct ipc_message: an opcode (enum
checkpoint_opcodes becomes enum ipc_opcode) and a union of the
message-specific structures, of which struct checkpoint_op is the first.

In ipc.c the checkpoint_* names that are not specific to checkpoints become
ipc_*, and get_checkpoint_msg() becomes get_message().  In bhyvectl(8),
send_checkpoint_op_req() becomes send_message(ctx, data, len), and
send_start_checkpoint() and send_start_suspend() are merged into
snapshot_request().

Reviewed by:	(D28199)
""",
        load("vmmapi-ipc-message", "ipc-rename", "bhyvectl-send-message"),
    ),
    Step(
        "bhyve: use SOCK_DGRAM for IPC and share ipc.h with bhyvectl",
        """
A request is one message, so a datagram socket fits better than a stream:
bhyve(8) no longer needs listen() and accept(), and bhyvectl(8) sends one
datagram per request.

The message types move to ipc.h, which bhyvectl(8) now includes from the
bhyve(8) directory.  MAX_SNAPSHOT_VMNAME is renamed MAX_SNAPSHOT_FILENAME,
since it bounds a file name.  The two private MAX_VMNAME copies are replaced
by one in vmmapi.h, of 89: a socket path may hold SUNPATHLEN (104) bytes, of
which "/var/run/bhyve/" takes 15.

Reviewed by:	(D28199)
""",
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
)
