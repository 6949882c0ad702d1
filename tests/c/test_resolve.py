"""Resolution check: every name a file uses is declared where it is used."""

from __future__ import annotations

from pathlib import Path

from refactor.c.resolve import check_resolution
from refactor.tree import Tree

INPUTS = Path(__file__).parent / "sem_inputs"
TREE = INPUTS / "tree"
CONFIGS = [{}, {"BHYVE_SNAPSHOT": "1"}]


def base() -> dict[str, bytes]:
    return {p.relative_to(TREE).as_posix(): p.read_bytes() for p in TREE.rglob("*") if p.is_file()}


def with_ipc(name: str) -> dict[str, bytes]:
    files = base()
    files["usr.sbin/bhyve/ipc.c"] = (INPUTS / "resolve" / name).read_bytes()
    files["usr.sbin/bhyve/ipc.h"] = (INPUTS / "resolve" / "ipc.h").read_bytes()
    return files


def line(name: str, text: str) -> int:
    lines = (INPUTS / "resolve" / name).read_text().splitlines()
    return next(i for i, ln in enumerate(lines, 1) if text in ln)


def test_static_left_behind_and_missing_prototype_are_errors():
    res = check_resolution(with_ipc("ipc_bad.c"), ["usr.sbin/bhyve/ipc.c"], CONFIGS,
                           ["lib/libvmmapi"])
    assert not res.ok
    msgs = res.messages()
    assert (f"usr.sbin/bhyve/ipc.c:{line('ipc_bad.c', 'handle_message(')}: 'handle_message' "
            "is used but not declared (it is static in usr.sbin/bhyve/snapshot.c)") in msgs
    assert any(m.startswith(f"usr.sbin/bhyve/ipc.c:{line('ipc_bad.c', 'vm_checkpoint(')}: "
                            "'vm_checkpoint' is used but not declared")
               and "no prototype" in m for m in msgs)
    # System names (recv, accept, EINTR, errno) are not reported.
    assert {p.name for p in res.problems} == {"handle_message", "vm_checkpoint"}


def test_fixed_version_resolves_in_every_configuration():
    files = with_ipc("ipc_fixed.c")
    files["usr.sbin/bhyve/snapshot.h"] = (INPUTS / "resolve" / "snapshot_fixed.h").read_bytes()
    res = check_resolution(files, ["usr.sbin/bhyve/ipc.c", "usr.sbin/bhyve/snapshot.c"],
                           CONFIGS, ["lib/libvmmapi"])
    assert res.ok, res.messages()
    assert len(res.results) == 4 and all(r.parsed for r in res.results)


def test_missing_macro_header_and_config_only_error(tmp_path):
    files = base()
    files["usr.sbin/bhyve/ipc.c"] = (
        b"#include <sys/types.h>\n\nint\nipc_backlog(void)\n{\n"
        b"#ifdef BHYVE_SNAPSHOT\n\treturn (MAX_SNAPSHOT_VMNAME);\n"
        b"#else\n\treturn (0);\n#endif\n}\n")
    res = check_resolution(files, ["usr.sbin/bhyve/ipc.c"], CONFIGS, ["lib/libvmmapi"])
    plain, snap = res.results
    assert plain.ok
    assert [str(p) for p in snap.problems] == [
        "usr.sbin/bhyve/ipc.c:7: 'MAX_SNAPSHOT_VMNAME' is used but not defined "
        "(it is a macro in usr.sbin/bhyve/snapshot.h, not included) [BHYVE_SNAPSHOT=1]"]


def test_tree_with_changes_is_checked_as_changed(tmp_path):
    tree = Tree.from_dir(TREE)
    assert check_resolution(tree, ["usr.sbin/bhyve/snapshot.c"], CONFIGS, ["lib/libvmmapi"]).ok
    bad = (INPUTS / "resolve" / "ipc_bad.c").read_bytes()
    changed = tree.with_changes({"usr.sbin/bhyve/ipc.c": bad,
                                 "usr.sbin/bhyve/ipc.h": (INPUTS / "resolve/ipc.h").read_bytes()})
    res = check_resolution(changed, ["usr.sbin/bhyve/ipc.c"], CONFIGS, ["lib/libvmmapi"])
    assert {p.name for p in res.problems} == {"handle_message", "vm_checkpoint"}
