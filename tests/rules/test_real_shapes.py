"""bhyve-ipc on the shapes that FreeBSD main has had since 2022.

Each input is a small hand-written file in the shape met in a real checkout:
upstream's own ipc.h (the IPC_COMMAND() linker set of nvlist commands) with
the socket still in snapshot.c, and upstream's own ipc.c that starts the
socket with init_ipc_thread().  The recipe must leave such trees alone with
a reason, and never write a call to a function that the tree does not have.
"""

from __future__ import annotations

from refactor.rule import Status
from refactor.tree import Tree
from refactor_rules.bhyve_ipc import extract
from refactor_rules.bhyve_ipc.extract import BhyverunInitIpc, IpcExtract

# ipc.h as upstream has had it since 2022: a registry of named nvlist commands.
UPSTREAM_IPC_H = b"""\
#ifndef _IPC_H_
#define _IPC_H_

#include <sys/linker_set.h>
#include <sys/nv.h>

struct vmctx;

struct ipc_command {
\tconst char *name;
\tint (*handler)(struct vmctx *ctx, const nvlist_t *nvl);
};

#define IPC_COMMAND(set, name, function)\t\t\t\\
\tstatic struct ipc_command name ## _ipc_command =\t\\
\t{ #name, function };\t\t\t\t\t\\
\tDATA_SET(set, name ## _ipc_command)

#define IPC_COMMAND_FOREACH(pvar, set)\tSET_FOREACH(pvar, set)

SET_DECLARE(ipc_cmd_set, struct ipc_command);

#endif /* _IPC_H_ */
"""

# snapshot.c of that time: the socket serves the command set, SOCK_STREAM.
SNAPSHOT_C = b"""\
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "snapshot.h"

static pthread_mutex_t vcpu_lock = PTHREAD_MUTEX_INITIALIZER;

static int
save_state(struct vmctx *ctx, const nvlist_t *nvl)
{

\tpthread_mutex_lock(&vcpu_lock);
\tpthread_mutex_unlock(&vcpu_lock);
\treturn (0);
}
IPC_COMMAND(ipc_cmd_set, checkpoint, save_state);

static void *
listen_thread(void *param)
{
\tstruct checkpoint_thread_info *info = param;
\tint fd;

\twhile ((fd = accept(info->socket_fd, NULL, NULL)) != -1)
\t\tclose(fd);
\treturn (NULL);
}

int
init_checkpoint_thread(struct vmctx *ctx)
{
\tstruct sockaddr_un addr;
\tpthread_t tid;
\tint fd;

\tmemset(&addr, 0, sizeof(addr));
\tfd = socket(PF_UNIX, SOCK_STREAM, 0);
\tif (fd < 0)
\t\treturn (-1);
\tif (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
\t\treturn (-1);
\treturn (pthread_create(&tid, NULL, listen_thread, NULL));
}
"""

SNAPSHOT_H = b"""\
#ifndef _BHYVE_SNAPSHOT_
#define _BHYVE_SNAPSHOT_

#define BHYVE_RUN_DIR "/var/run/bhyve/"

struct vmctx;

struct checkpoint_thread_info {
\tstruct vmctx *ctx;
\tint socket_fd;
};

int init_checkpoint_thread(struct vmctx *ctx);

#endif
"""

BHYVERUN_C = b"""\
#include <err.h>
#include <sysexits.h>

#ifdef BHYVE_SNAPSHOT
#include "snapshot.h"
#endif

int
main(int argc, char *argv[])
{
\tstruct vmctx *ctx = 0;

#ifdef BHYVE_SNAPSHOT
\t/*
\t * socket for requests from bhyvectl
\t */
\tif (init_checkpoint_thread(ctx) != 0)
\t\terrx(EX_OSERR, "Failed to start checkpoint thread");
#endif
\treturn (0);
}
"""

# ipc.c as upstream has it since 2025: its own socket thread, init_ipc_thread().
UPSTREAM_IPC_C = b"""\
#include <sys/types.h>
#include <sys/socket.h>

#include <pthread.h>

#include "ipc.h"

static void *
ipc_thread(void *param)
{

\treturn (param);
}

int
init_ipc_thread(struct vmctx *ctx, const char *run_dir)
{
\tpthread_t tid;
\tint fd;

\tfd = socket(PF_UNIX, SOCK_STREAM, 0);
\tif (fd < 0)
\t\treturn (-1);
\treturn (pthread_create(&tid, NULL, ipc_thread, ctx));
}
"""


def _tree(files: dict[str, bytes]) -> Tree:
    return Tree.from_dir("/nonexistent").with_changes(files)


def _main_2024() -> dict[str, bytes]:
    return {extract.IPC_H: UPSTREAM_IPC_H, extract.SNAPSHOT_C: SNAPSHOT_C,
            extract.SNAPSHOT_H: SNAPSHOT_H, extract.BHYVERUN_C: BHYVERUN_C}


def test_upstream_ipc_h_without_ipc_c_is_not_a_conflict():
    # 2022-2025 main: ipc.h is upstream's command registry, the socket is in snapshot.c.
    out = IpcExtract().plan(_tree(_main_2024()))
    assert out.status == Status.NOT_APPLICABLE, out.reason
    assert "IPC_COMMAND" in out.reason and "snapshot.c" in out.reason
    assert out.changes == []


def test_unknown_ipc_h_without_ipc_c_is_still_a_conflict():
    f = _main_2024()
    f[extract.IPC_H] = b"#ifndef _IPC_H_\n#define _IPC_H_\nint ipi_send(int cpu);\n#endif\n"
    out = IpcExtract().plan(_tree(f))
    assert out.status == Status.CONFLICT and "ipc.h" in out.reason


def test_bhyverun_keeps_its_call_when_ipc_c_is_upstreams():
    # upstream's ipc.c has init_ipc_thread(), not init_ipc(), and snapshot.c has no
    # init_snapshot(): rewriting the call would name two functions that do not exist.
    f = _main_2024()
    f[extract.IPC_C] = UPSTREAM_IPC_C
    assert IpcExtract().plan(_tree(f)).status == Status.ALREADY_APPLIED
    out = BhyverunInitIpc().plan(_tree(f))
    assert out.status == Status.NOT_APPLICABLE, out.reason
    assert "init_ipc_thread" in out.reason and "init_checkpoint_thread" in out.reason
    assert out.changes == []


def test_bhyverun_call_to_a_vanished_function_is_left_with_a_reason():
    f = _main_2024()
    f[extract.IPC_C] = UPSTREAM_IPC_C
    f[extract.SNAPSHOT_C] = SNAPSHOT_C.replace(b"init_checkpoint_thread", b"start_snapshots")
    out = BhyverunInitIpc().plan(_tree(f))
    assert out.status == Status.NOT_APPLICABLE, out.reason
    assert "defines no init_checkpoint_thread" in out.reason
    assert out.changes == []


def test_bhyverun_already_calling_upstreams_init_is_already_applied():
    f = _main_2024()
    f[extract.IPC_C] = UPSTREAM_IPC_C
    f[extract.BHYVERUN_C] = BHYVERUN_C.replace(
        b"init_checkpoint_thread(ctx)", b"init_ipc_thread(ctx, BHYVE_RUN_DIR)").replace(
        b'#include "snapshot.h"\n', b'#include "ipc.h"\n#include "snapshot.h"\n')
    out = BhyverunInitIpc().plan(_tree(f))
    assert out.status == Status.ALREADY_APPLIED, out.reason
