"""Steps 1 and 2 C rules of bhyve-ipc (rules/bhyve_ipc/extract.py) on real fixture trees."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from refactor.c import selection
from refactor.c.lossless import CFile
from refactor.edits import EditSet
from refactor.formats.mdoc import commit_date, date_changed_pages
from refactor.rule import Status
from refactor.tree import Tree
from refactor_rules.bhyve_ipc import extract
from refactor_rules.bhyve_ipc.bhyvectl_path import BhyvectlSocketPath
from refactor_rules.bhyve_ipc.extract import (
    BhyverunInitIpc,
    IpcDropMkdir,
    IpcExtract,
    VmCheckpointExport,
)
from refactor_rules.bhyve_ipc.makefiles import BhyveMakefileIpcC
from refactor_rules.bhyve_ipc.var_run import HierVarRunBhyve, MtreeVarRunBhyve

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TREES = FIXTURES / "trees"
EXPECTED = FIXTURES / "expected" / "bhyve-2021"
STEP1 = (IpcExtract, VmCheckpointExport, BhyverunInitIpc, BhyvectlSocketPath,
         BhyveMakefileIpcC)
STEP2 = (MtreeVarRunBhyve, HierVarRunBhyve, IpcDropMkdir)
MY_RULES = {r.id: r for r in (IpcExtract, VmCheckpointExport, BhyverunInitIpc, IpcDropMkdir)}


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def run_step(root: Path, rules) -> dict:
    """Plan a step's rules against one tree state, merge, write; return the outcomes."""
    tree = Tree.from_dir(root)
    edits = EditSet()
    outcomes = {}
    for cls in rules:
        out = cls().plan(tree)
        outcomes[cls.id] = out
        edits.extend(out.changes)
    new = edits.apply(tree.read)
    new.update(date_changed_pages(tree.read, new, commit_date()))  # as the planner does
    for path, data in new.items():
        target = root / path
        if data is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return outcomes


@pytest.fixture
def work(tmp_path):
    def copy(src: Path) -> Path:
        dst = tmp_path / src.name
        shutil.copytree(src, dst)
        return dst
    return copy


# ----- golden step trees ------------------------------------------------------------------


def test_step1_gives_the_golden_tree(work):
    root = work(TREES / "bhyve-2021")
    outcomes = run_step(root, STEP1)
    assert {k: o.status for k, o in outcomes.items()} == dict.fromkeys(
        [c.id for c in STEP1], Status.APPLIED)
    assert files(root) == files(EXPECTED / "1")


def test_step2_gives_the_golden_tree(work):
    root = work(EXPECTED / "1")
    outcomes = run_step(root, STEP2)
    assert outcomes["ipc-drop-mkdir"].status == Status.APPLIED
    assert files(root) == files(EXPECTED / "2")


@pytest.mark.parametrize("step,rules", [("1", STEP1), ("2", STEP2)])
def test_second_run_is_already_applied(work, step, rules):
    root = work(EXPECTED / step)
    before = files(root)
    outcomes = run_step(root, rules)
    for rid, out in outcomes.items():
        assert out.status == Status.ALREADY_APPLIED, (rid, out.reason)
        assert out.changes == []
    assert files(root) == before


def test_lossless_closure_gives_the_same_tree(work, monkeypatch):
    # When the semantic layer cannot parse a file, the lossless closure stands in.
    monkeypatch.setattr(selection, "semantic_closure", lambda *a: None)
    root = work(TREES / "bhyve-2021")
    out = run_step(root, STEP1)["ipc-extract"]
    assert "lossless closure" in out.reason
    assert files(root) == files(EXPECTED / "1")


def test_moved_code_is_verbatim():
    src = (TREES / "bhyve-2021/usr.sbin/bhyve/snapshot.c").read_bytes()
    ipc = (EXPECTED / "1/usr.sbin/bhyve/ipc.c").read_bytes()
    cf = CFile(src, "snapshot.c")
    for name in ("get_checkpoint_msg", "checkpoint_thread"):
        assert cf.text(cf.function(name)) in ipc
    # The license block is snapshot.c's, byte for byte.
    assert ipc.startswith(src[: src.index(b"*/\n") + 3])
    for macro in ("MAX_MSG_SIZE", "BHYVE_RUN_DIR"):
        assert cf.text(cf.macros()[macro]) in ipc
    assert b"CHECKPOINT_RUN_DIR" not in ipc
    assert b"CHECKPOINT_RUN_DIR" not in (EXPECTED / "1/usr.sbin/bhyve/snapshot.c").read_bytes()


# ----- golden before/after pairs of my rules ----------------------------------------------

CASES = sorted(p.name for p in (FIXTURES / "rules").iterdir()
               if p.name.split("@")[0] in MY_RULES)


def test_every_rule_has_a_case():
    assert {c.split("@")[0] for c in CASES} == set(MY_RULES)


@pytest.mark.parametrize("case", CASES)
def test_rule_pairs(work, case):
    rule = MY_RULES[case.split("@")[0]]
    root = work(FIXTURES / "rules" / case / "before")
    out = run_step(root, [rule])[rule.id]
    assert out.status == Status.APPLIED, out.reason
    assert files(root) == files(FIXTURES / "rules" / case / "after")
    again = run_step(root, [rule])[rule.id]
    assert again.status == Status.ALREADY_APPLIED and again.changes == []


# ----- other eras and drift ---------------------------------------------------------------


def test_spring_2021_moves_handle_message(work):
    root = work(TREES / "bhyve-2021-partial")
    outcomes = run_step(root, STEP1)
    assert outcomes["ipc-extract"].status == Status.APPLIED
    ipc = (root / "usr.sbin/bhyve/ipc.c").read_bytes()
    assert b"handle_message(struct checkpoint_op" in ipc and b"SOCK_DGRAM" in ipc
    assert b"init_ipc(struct vmctx *ctx)" in ipc
    assert b"init_checkpoint_thread" not in (root / "usr.sbin/bhyve/snapshot.c").read_bytes()
    # No mkdir() there, so step 2 has nothing to drop.
    step2 = run_step(root, [IpcDropMkdir])["ipc-drop-mkdir"]
    assert step2.status == Status.ALREADY_APPLIED


def test_2025_has_ipc_c_already():
    tree = Tree.from_dir(TREES / "bhyve-2025")
    out = IpcExtract().plan(tree)
    assert out.status == Status.ALREADY_APPLIED and "ipc.c" in out.reason
    assert out.changes == []


def _tree(files_: dict[str, bytes]) -> Tree:
    return Tree.from_dir("/nonexistent").with_changes(files_)


def _base() -> dict[str, bytes]:
    root = TREES / "bhyve-2021"
    return {p: (root / p).read_bytes() for p in (
        extract.SNAPSHOT_C, extract.SNAPSHOT_H, extract.BHYVERUN_C,
        "usr.sbin/bhyve/debug.h", "usr.sbin/bhyve/bhyverun.h", "lib/libvmmapi/vmmapi.h")}


def test_reworked_snapshot_without_socket_is_a_conflict():
    f = _base()
    f[extract.SNAPSHOT_C] = f[extract.SNAPSHOT_C].replace(b"socket(PF_UNIX", b"kqueue_fd(PF_UNIX")
    out = IpcExtract().plan(_tree(f))
    assert out.status == Status.CONFLICT
    assert "creates a socket" in out.reason


def test_unknown_ipc_c_is_a_conflict_and_never_replaced():
    f = _base()
    f[extract.IPC_C] = (b"/* inter-processor calls */\n"
                        b"int\nipi_send(int cpu)\n{\n\treturn (cpu);\n}\n")
    out = IpcExtract().plan(_tree(f))
    assert out.status == Status.CONFLICT and "second" in out.reason


def test_unsplittable_init_is_a_conflict():
    f = _base()
    # The mutex set-up now needs the socket's own variable: no clean split.
    f[extract.SNAPSHOT_C] = f[extract.SNAPSHOT_C].replace(
        b"err = pthread_mutex_init(&vcpu_lock, NULL);",
        b"err = pthread_mutex_init(&vcpu_lock, NULL) + socket_fd;")
    out = IpcExtract().plan(_tree(f))
    assert out.status == Status.CONFLICT and "socket_fd" in out.reason


def test_vm_checkpoint_gone_is_not_applicable():
    f = _base()
    f[extract.SNAPSHOT_C] = f[extract.SNAPSHOT_C].replace(b"vm_checkpoint(", b"vm_save(")
    out = VmCheckpointExport().plan(_tree(f))
    assert out.status == Status.NOT_APPLICABLE and "vm_checkpoint" in out.reason


def test_vm_checkpoint_already_exported():
    root = FIXTURES / "rules/vm-checkpoint-export/after"
    out = VmCheckpointExport().plan(Tree.from_dir(root))
    assert out.status == Status.ALREADY_APPLIED


def test_bhyverun_without_any_init_call_is_a_conflict():
    f = _base()
    f[extract.BHYVERUN_C] = f[extract.BHYVERUN_C].replace(
        b"init_checkpoint_thread(ctx)", b"start_listener(ctx)")
    out = BhyverunInitIpc().plan(_tree(f))
    assert out.status == Status.CONFLICT


def test_drop_mkdir_without_ipc_c_is_not_applicable():
    out = IpcDropMkdir().plan(_tree(_base()))
    assert out.status == Status.NOT_APPLICABLE and "ipc-extract" in out.reason


def test_drop_direct_mkdir_call(work):
    # A set-up that calls mkdir() itself, without a helper.
    f = {extract.IPC_C: (EXPECTED / "1/usr.sbin/bhyve/ipc.c").read_bytes().replace(
        b"err = make_checkpoint_dir();", b"err = mkdir(BHYVE_RUN_DIR, 0755);")}
    tree = _tree(f)
    out = IpcDropMkdir().plan(tree)
    assert out.status == Status.APPLIED
    edits = EditSet()
    edits.extend(out.changes)
    new = edits.apply(tree.read)[extract.IPC_C]
    # The helper is still defined (and static), so it stays; the call is gone.
    assert new.count(b"mkdir(") == 1 and b"make_checkpoint_dir(void)" in new
    assert b"Failed to create checkpoint runtime directory" not in new


# ----- the step outputs build and re-parse ------------------------------------------------


def _zig(tree: Path, source: Path, defines: list[str], out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ziglang", "cc", "-target", "x86_64-freebsd", "-Wall", "-Werror",
         *defines, "-I", str(tree / "usr.sbin/bhyve"), "-I", str(tree / "lib/libvmmapi"),
         "-c", "-o", str(out), str(source)],
        capture_output=True, text=True)


@pytest.mark.parametrize("step", ["1", "2"])
@pytest.mark.parametrize("defines", [[], ["-DBHYVE_SNAPSHOT"],
                                     ["-DBHYVE_SNAPSHOT", "-DWITHOUT_CAPSICUM"]])
def test_golden_trees_compile(tmp_path, step, defines):
    pytest.importorskip("ziglang")
    tree = EXPECTED / step
    for src in sorted((tree / "usr.sbin/bhyve").glob("*.c")):
        r = _zig(tree, src, defines, tmp_path / (src.stem + ".o"))
        assert r.returncode == 0, f"{src.name} {defines}:\n{r.stderr}"


@pytest.mark.parametrize("step", ["1", "2"])
def test_golden_trees_reparse_cleanly(step):
    for p in sorted((EXPECTED / step).rglob("*.[ch]")):
        assert CFile(p.read_bytes(), p.name).errors == [], p


# ----- the includes only the moved code needed ---------------------------------------

SNAP_INCLUDES = ["<sys/capsicum.h>", "<sys/socket.h>", "<sys/un.h>", "<errno.h>",
                 "<pthread_np.h>", "<sysexits.h>"]


def _includes_of(data: bytes) -> list[str]:
    return [ln.split()[1].decode() for ln in data.splitlines() if ln.startswith(b"#include ")]


def test_an_include_it_cannot_judge_stays_and_the_reason_says_why(tmp_path):
    """A name snapshot.c still uses that no header the tool knows declares (here a
    made-up VCPU_SETS_DIFFER where the fixture has CPU_CMP) might come from any of the
    system headers the moved code needed, so they stay -- not a conflict -- and the
    reason says so in one clause; "debug.h" (a tree header) goes all the same."""
    root = shutil.copytree(TREES / "bhyve-2021", tmp_path / "t")
    snapshot_c = root / "usr.sbin/bhyve/snapshot.c"
    snapshot_c.write_bytes(snapshot_c.read_bytes().replace(b"CPU_CMP(", b"VCPU_SETS_DIFFER("))
    out = IpcExtract().plan(Tree.from_dir(root))
    assert out.status == Status.APPLIED
    assert 'snapshot.c drops "debug.h", which only the moved code used' in out.reason
    assert ("snapshot.c keeps <sys/capsicum.h>, <sys/socket.h>, <sys/un.h>, <errno.h>, "
            "<pthread_np.h> and <sysexits.h>: cannot tell, VCPU_SETS_DIFFER "
            "(usr.sbin/bhyve/snapshot.c:247) comes from no header the tool knows") \
        in out.reason


def test_the_golden_snapshot_c_keeps_none_of_the_includes_only_the_moved_code_needed():
    snap = (EXPECTED / "1/usr.sbin/bhyve/snapshot.c").read_bytes()
    assert not set(SNAP_INCLUDES) & set(_includes_of(snap))
    assert '"debug.h"' not in _includes_of(snap)


CPUSET_H = (b"/* Our own stand-in for the tree's sys/sys/cpuset.h: its names only. */\n"
            b"typedef struct { long __bits[4]; } cpuset_t;\n"
            b"#define\tCPU_SET(n, p)\t((void)0)\n#define\tCPU_CLR(n, p)\t((void)0)\n"
            b"#define\tCPU_CMP(p, c)\t0\n")


def test_with_the_tree_s_cpuset_h_the_unused_system_includes_go_and_it_still_compiles(
        tmp_path):
    """A tree that has its own sys/sys/cpuset.h: every name snapshot.c still uses has
    a home, none of them is one of the six headers', so they go.
    The result compiles against FreeBSD's real headers (zig cc), both configurations."""
    root = shutil.copytree(TREES / "bhyve-2021", tmp_path / "t")
    (root / "sys/sys").mkdir(parents=True)
    (root / "sys/sys/cpuset.h").write_bytes(CPUSET_H)
    from refactor.plan import plan_recipe
    from refactor.recipe import get_recipe

    plan = plan_recipe(get_recipe("bhyve-ipc"), Tree.from_dir(root), only=("ipc-extract",
                       "vm-checkpoint-export"))
    [out] = [r for r in plan.rule_results() if r.rule.id == "ipc-extract"]
    assert out.status == Status.APPLIED, out.reason
    assert "keeps" not in out.reason
    changed = plan.steps[0].changes
    snap = changed["usr.sbin/bhyve/snapshot.c"]
    assert not set(SNAP_INCLUDES) & set(_includes_of(snap))
    assert {"<sys/types.h>", "<sys/stat.h>", "<pthread.h>", "<vmmapi.h>"} <= set(
        _includes_of(snap))
    (root / "sys/sys/cpuset.h").unlink()  # build against the compiler's real one
    for name, data in changed.items():
        if data is not None:
            (root / name).write_bytes(data)
    for flags in (["-DBHYVE_SNAPSHOT"], ["-DBHYVE_SNAPSHOT", "-DWITHOUT_CAPSICUM"]):
        res = subprocess.run(
            [sys.executable, "-m", "ziglang", "cc", "-target", "x86_64-freebsd", "-Wall",
             "-Werror", *flags, "-I", str(root / "usr.sbin/bhyve"), "-I",
             str(root / "lib/libvmmapi"), "-c", str(root / "usr.sbin/bhyve/snapshot.c"),
             "-o", str(tmp_path / "s.o")], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
