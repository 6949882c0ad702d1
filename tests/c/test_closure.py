"""Dependency closure of functions moved out of a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from refactor.c.closure import dependency_closure
from refactor.c.semantic import parse_configs

TREE = Path(__file__).parent / "sem_inputs" / "tree"
SNAPSHOT = TREE / "usr.sbin/bhyve/snapshot.c"


@pytest.fixture(scope="module")
def units():
    return parse_configs(SNAPSHOT, [{}, {"BHYVE_SNAPSHOT": "1"}], [TREE / "lib/libvmmapi"], TREE)


def test_thread_and_init_pull_in_their_helpers(units):
    c = dependency_closure(units, ["init_checkpoint_thread", "checkpoint_thread"])
    # Static helpers and statics only they use go along, transitively.
    assert {"get_checkpoint_msg", "handle_message", "vcpus_idle", "vcpus_can_run"} <= set(c.move)
    assert {"struct checkpoint_thread_info", "SOCKET_BACKLOG", "SNAPSHOT_BUFFER_SIZE",
            "MB"} <= set(c.move)
    # vcpu_lock is also used by checkpoint_cpu_add, which stays: it is shared.
    assert "vcpu_lock" in c.share and "vcpu_lock" not in c.move
    # vm_checkpoint is not static: it stays and is called from the moved code.
    assert c.external == ["vm_checkpoint"]
    assert "vm_checkpoint" not in c.move
    assert "vcpu_wait_idle" not in c.move and "checkpoint_count" not in c.move


def test_includes_the_moved_code_needs(units):
    c = dependency_closure(units, ["init_checkpoint_thread", "checkpoint_thread"])
    for needed in ("<sys/socket.h>", "<sys/un.h>", "<pthread.h>", "<pthread_np.h>",
                   "<errno.h>", "<vmmapi.h>", '"debug.h"', '"snapshot.h"', "<unistd.h>",
                   "<sys/capsicum.h>", "<capsicum_helpers.h>", "<err.h>", "<sysexits.h>"):
        assert needed in c.includes, needed
    # Nothing moved touches stat(2) or <sys/cdefs.h>.
    assert "<sys/stat.h>" not in c.includes and "<sys/cdefs.h>" not in c.includes
    assert {"socket", "bind", "pthread_create"} <= set(c.system)


def test_shared_static_stays_and_small_move_is_small(units):
    c = dependency_closure(units, ["vcpu_wait_idle"])
    # Both statics it touches are used by code that stays.
    assert set(c.share) == {"vcpu_lock"} and c.move == ["checkpoint_active", "vcpu_wait_idle"]
    assert c.called_back == ["vcpu_wait_idle"]
    with pytest.raises(KeyError):
        dependency_closure(units, ["no_such_function"])
