"""bhyvectl-socket-path across the eras, and where it must refuse."""

from conftest import TREES

from refactor.rule import Status
from refactor.tree import Tree
from refactor_rules.bhyve_ipc.bhyvectl_path import BHYVECTL_C, BhyvectlSocketPath


def plan(tree):
    return BhyvectlSocketPath().plan(tree)


def test_later_eras_already_connect_to_the_new_path():
    for era in ("bhyve-2021-partial", "bhyve-2022-nvlist", "bhyve-2025"):
        out = plan(Tree.from_dir(TREES / era))
        assert out.status == Status.ALREADY_APPLIED, (era, out.reason)


def test_old_path_outside_one_define_is_a_conflict():
    tree = Tree.from_dir(TREES / "bhyve-2021")
    data = tree.read(BHYVECTL_C).replace(
        b"CHECKPOINT_RUN_DIR, vmname_buf", b'"/var/run/bhyve/checkpoint", vmname_buf')
    out = plan(tree.with_changes({BHYVECTL_C: data}))
    assert out.status == Status.CONFLICT and "2 places" in out.reason


def test_no_socket_code_is_not_applicable():
    tree = Tree.from_dir(TREES / "bhyve-2021")
    out = plan(tree.with_changes({BHYVECTL_C: b"int\nmain(void)\n{\n\treturn (0);\n}\n"}))
    assert out.status == Status.NOT_APPLICABLE and out.reason
