"""Step 4 of bhyve-ipc (rules/bhyve_ipc/dgram.py): SOCK_DGRAM, shared ipc.h, name limits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_messages import EXPECTED, ROOT, TREES, files, run_step, write_tree, zig_compile

from refactor.c.lossless import CFile
from refactor.rule import Status
from refactor.tree import Tree
from refactor_rules.bhyve_ipc.dgram import (
    BhyvectlSockDgram,
    IpcHShared,
    IpcSockDgram,
    MaxSnapshotFilename,
    MaxVmnameVmmapi,
)
from refactor_rules.bhyve_ipc.makefiles import BhyvectlMakefileIpcH

MINE = (IpcSockDgram, BhyvectlSockDgram, IpcHShared, MaxSnapshotFilename, MaxVmnameVmmapi)
STEP4 = (*MINE, BhyvectlMakefileIpcH)


def test_step4_gives_the_golden_tree():
    tree = Tree.from_dir(EXPECTED / "3")
    outcomes, changes = run_step(tree, STEP4)
    assert all(o.status == Status.APPLIED for o in outcomes.values()), \
        {k: (o.status, o.reason) for k, o in outcomes.items()}
    got = files(EXPECTED / "3")
    got.update({p: d for p, d in changes.items() if d is not None})
    assert got == files(EXPECTED / "4")


@pytest.mark.parametrize("cls", MINE, ids=lambda c: c.id)
def test_idempotent_on_step4(cls):
    out = cls().plan(Tree.from_dir(EXPECTED / "4"))
    assert out.status == Status.ALREADY_APPLIED and out.reason and not out.changes


def test_golden_step4_compiles_in_both_configurations(tmp_path):
    tree = shutil.copytree(EXPECTED / "4", tmp_path / "t")
    assert zig_compile(tree, bhyvectl_sees_bhyve=True) == []


def test_step4_without_the_makefile_include_does_not_compile(tmp_path):
    """The -I of makefile-bhyvectl-ipc-h is what makes bhyvectl find ipc.h: the check can fail."""
    tree = shutil.copytree(EXPECTED / "4", tmp_path / "t")
    assert any("ipc.h" in f for f in zig_compile(tree, bhyvectl_sees_bhyve=False))


def test_step4_output_reparses_without_errors():
    for path, data in files(EXPECTED / "4").items():
        if path.endswith((".c", ".h")):
            assert CFile(data, path).errors == [], path


def test_shapes_of_step4():
    four = files(EXPECTED / "4")
    ipc = four["usr.sbin/bhyve/ipc.c"]
    assert b"SOCK_DGRAM" in ipc and b"listen(" not in ipc and b"accept(" not in ipc
    assert b"CAP_ACCEPT" not in ipc and b"close(conn_fd)" not in ipc
    ctl = four["usr.sbin/bhyvectl/bhyvectl.c"]
    assert ctl.count(b"send(") == 1 and b"total_sent" not in ctl
    assert b'#ifdef BHYVE_SNAPSHOT\n#include "ipc.h"\n#endif\n' in ctl
    vm = four["lib/libvmmapi/vmmapi.h"]
    assert b"#define\tMAX_VMNAME\t89\n" in vm and b"SUNPATHLEN (104)" in vm
    assert b"ipc_message" not in vm and b"checkpoint_op" not in vm
    assert b"struct ipc_message {" in four["usr.sbin/bhyve/ipc.h"]
    for path, data in four.items():
        if path.endswith((".c", ".h")):
            assert b"MAX_SNAPSHOT_VMNAME" not in data, path
            if path != "lib/libvmmapi/vmmapi.h":
                assert b"define\tMAX_VMNAME" not in data and b"define MAX_VMNAME" not in data


# ----- other eras and drift --------------------------------------------------------


def test_partial_era_sockets_are_already_datagrams():
    """Spring 2021 upstream already uses SOCK_DGRAM on both ends (in snapshot.c, not moved)."""
    tree = Tree.from_dir(TREES / "bhyve-2021-partial")
    assert BhyvectlSockDgram().plan(tree).status == Status.ALREADY_APPLIED
    assert IpcSockDgram().plan(tree).status == Status.NOT_APPLICABLE  # no ipc.c yet


@pytest.mark.parametrize("era", ["bhyve-2022-nvlist", "bhyve-2025"])
def test_nvlist_eras_keep_their_stream_socket(era):
    tree = Tree.from_dir(TREES / era)
    for cls in (BhyvectlSockDgram, IpcSockDgram, IpcHShared):
        out = cls().plan(tree)
        assert out.status == Status.NOT_APPLICABLE and out.reason, (cls.id, out.status)
        assert not out.changes


def test_2025_names_are_settled():
    tree = Tree.from_dir(TREES / "bhyve-2025")
    assert MaxSnapshotFilename().plan(tree).status == Status.ALREADY_APPLIED
    assert MaxVmnameVmmapi().plan(tree).status in (Status.NOT_APPLICABLE,
                                                   Status.ALREADY_APPLIED)


def test_unknown_socket_shape_is_a_conflict(tmp_path):
    dst = shutil.copytree(EXPECTED / "3", tmp_path / "t")
    p = dst / "usr.sbin/bhyve/ipc.c"
    p.write_bytes(p.read_bytes().replace(b"SOCK_STREAM", b"SOCK_SEQPACKET"))
    out = IpcSockDgram().plan(Tree.from_dir(dst))
    assert out.status == Status.CONFLICT and "SOCK_SEQPACKET" in out.reason


def test_all_eras_compile_after_the_whole_recipe(tmp_path):
    """What apply writes on any era must not break the build."""
    from refactor.plan import plan_recipe
    from refactor.recipe import get_recipe

    for era in ("bhyve-2021", "bhyve-2021-partial", "bhyve-2022-nvlist"):
        plan = plan_recipe(get_recipe("bhyve-ipc"), Tree.from_dir(TREES / era))
        assert not plan.conflicts, [(r.rule.id, r.reason) for r in plan.conflicts]
        tree = write_tree(TREES / era, plan.final.changes, tmp_path / era)
        sees = b"usr.sbin/bhyve" in (Path(tree) / "usr.sbin/bhyvectl/Makefile").read_bytes()
        assert zig_compile(tree, bhyvectl_sees_bhyve=sees) == [], era


# ----- a datagram is read whole or refused ------------------------------------------


def _function(cf: CFile, name: str) -> str:
    fn = cf.function(name)
    assert fn is not None, name
    return cf.data[fn.start:fn.end].decode()


def test_step4_refuses_a_short_datagram_and_names_the_socket():
    """recv() of a datagram returns what was sent: fewer bytes than a struct
    ipc_message is a short message, never read as a whole one; and the handler's
    descriptor is the socket, not a connection."""
    cf = CFile(files(EXPECTED / "4")["usr.sbin/bhyve/ipc.c"], "ipc.c")
    body = _function(cf, "get_message")
    assert "\nget_message(int fd, struct vmctx *ctx)\n" in body
    assert "recv_len = recv(fd, buf, len, 0);" in body
    assert "if (recv_len != (ssize_t)len) {" in body
    assert 'recv_len < 0 ? strerror(errno) : "short message");' in body
    assert "perror(" not in body
    assert b"conn_fd" not in cf.data and b"conn" not in cf.data.replace(b"connect", b"")


def test_fixture_short_check_without_an_errno_report():
    """No errno is reported by the check: its condition alone becomes the length test."""
    after = ROOT / "fixtures/rules/ipc-sock-dgram/after/usr.sbin/bhyve/ipc.c"
    body = _function(CFile(after.read_bytes(), "ipc.c"), "get_message")
    assert "n = recv(fd, &msg, sizeof(msg), 0);\n\tif (n != (ssize_t)sizeof(msg))\n" in body


def test_a_recv_without_an_error_check_is_a_conflict(tmp_path):
    dst = shutil.copytree(EXPECTED / "3", tmp_path / "t")
    p = dst / "usr.sbin/bhyve/ipc.c"
    p.write_bytes(p.read_bytes().replace(b"\tif (recv_len < 0) {", b"\tif (recv_len == 7) {"))
    out = IpcSockDgram().plan(Tree.from_dir(dst))
    assert out.status == Status.CONFLICT and "recv_len < 0" in out.reason, out.reason


HARNESS = r"""
#include "ipc.c"
#include <assert.h>
int raw_stdio;
static int checkpoints;
int vm_checkpoint(struct vmctx *c, char *f, bool s) { (void)c; (void)f; (void)s;
	checkpoints++; return (0); }
int vm_get_name(struct vmctx *c, char *b, size_t n) { (void)c; (void)b; (void)n;
	return (-1); }
int main(void) {
	struct ipc_message m;
	int sv[2], r;
	assert(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	memset(&m, 0, sizeof(m));
	m.code = START_CHECKPOINT;
	assert(send(sv[0], &m, sizeof(m.code), 0) == sizeof(m.code));
	r = get_message(sv[1], NULL);
	printf("short %d %d\n", r, checkpoints);
	assert(send(sv[0], &m, sizeof(m), 0) == sizeof(m));
	r = get_message(sv[1], NULL);
	printf("whole %d %d\n", r, checkpoints);
	return (0);
}
"""


@pytest.mark.skipif(shutil.which("clang") is None, reason="needs a host clang")
def test_golden_get_message_refuses_a_short_datagram_when_run(tmp_path):
    """The golden ipc.c, compiled on the host around a socketpair: a datagram
    holding only the opcode is refused and starts no checkpoint; a whole one does."""
    import subprocess

    tree = EXPECTED / "4"
    inc = tmp_path / "inc"
    (inc / "sys").mkdir(parents=True)
    # Just enough of FreeBSD's headers for the fixture's vmmapi.h on another host.
    (inc / "pthread_np.h").write_text("#define\tpthread_set_name_np(t, n)\t((void)0)\n")
    (inc / "sys/cpuset.h").write_text("#include <stdint.h>\n"
                                      "typedef struct { unsigned long b; } cpuset_t;\n")
    (tmp_path / "main.c").write_text(HARNESS)
    exe = tmp_path / "t"
    subprocess.run(["clang", "-Wall", "-Werror", "-D__FBSDID(s)=", "-DWITHOUT_CAPSICUM",
                    "-I", str(inc), "-I", str(tree / "usr.sbin/bhyve"),
                    "-I", str(tree / "lib/libvmmapi"), str(tmp_path / "main.c"), "-o", str(exe)],
                   check=True, capture_output=True)
    res = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    assert res.stdout.split("\n")[:2] == ["short -1 0", "whole 0 1"], res.stdout
    assert "short message" in res.stderr
