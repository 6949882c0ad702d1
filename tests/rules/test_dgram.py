"""Step 4 of bhyve-ipc (rules/bhyve_ipc/dgram.py): SOCK_DGRAM, shared ipc.h, name limits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_messages import EXPECTED, TREES, files, run_step, write_tree, zig_compile

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
