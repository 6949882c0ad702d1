"""Faults of the file system and of the user: immutable files, a full or read-only
file system, an unprivileged user, symlinks out of the tree, two runs at once,
Ctrl-C, and what a killed run leaves for the next one.  Each is judged as in
test_git_faults: the tree as before, --out complete or absent, one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from faultlib import (
    Run,
    diff_state,
    git,
    judge,
    leftovers,
    make_checkout,
    make_plain,
    ours_in,
    state,
)

TOUCHED = [  # what bhyve-ipc changes in the fixture, in the order they are renamed
    "etc/mtree/BSD.var.dist", "usr.sbin/bhyve/snapshot.c", "usr.sbin/bhyvectl/bhyvectl.c"]


def plain_run(base: Path, *extra: str) -> Run:
    tree = make_plain(base / "src")
    return Run(base, tree, base / "out",
               ["apply", "--tree", str(tree), "--out", str(base / "out"), "--build", "none",
                *extra])


def git_run(base: Path, *extra: str) -> Run:
    tree = make_checkout(base / "src")
    return Run(base, tree, base / "out",
               ["apply", "--tree", str(tree), "--out", str(base / "out"), "--build", "none",
                *extra])


def failed_cleanly(run: Run, before: dict, res, needle: str = "", code: int = 2) -> None:
    assert res.returncode == code, (res.stdout, res.stderr)
    assert needle in res.stderr, res.stderr
    problems = judge(run, before, None, res)
    assert not problems, problems


# ----- immutable files (chattr +i) ---------------------------------------------
def _chattr_works(tmp: Path) -> bool:
    probe = tmp / "chattr-probe"
    probe.write_text("x")
    ok = subprocess.run(["chattr", "+i", str(probe)], capture_output=True).returncode == 0
    if ok:
        subprocess.run(["chattr", "-i", str(probe)], check=True)
    probe.unlink()
    return ok


@contextmanager
def immutable(path: Path):
    if shutil.which("chattr") is None or not _chattr_works(path.parent):
        pytest.skip("chattr +i does not work here (needs root and ext4/xfs/btrfs)")
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.parametrize("victim", [*TOUCHED, "usr.sbin/bhyve"])
def test_in_place_is_all_or_none(tmp_path, victim):
    """Defect 1: an immutable first, middle or last file (or the folder ipc.c goes into)."""
    run = plain_run(tmp_path, "--in-place")
    before = state(run.tree)
    with immutable(run.tree / victim):
        res = run()
        failed_cleanly(run, before, res, "nothing was written")


def test_failure_after_the_branch_leaves_no_branch(tmp_path):
    """Defect 2: an immutable report.json in --out: no branch, --out as it was."""
    run = git_run(tmp_path)
    run.out.mkdir()
    (run.out / "report.json").write_text("mine\n")
    before = state(run.tree)
    with immutable(run.out / "report.json"):
        res = run()
        assert res.returncode == 2, res.stderr
        assert "report.json" in res.stderr and res.stderr.count("\n") == 1, res.stderr
        assert sorted(os.listdir(run.out)) == ["report.json"]
        assert (run.out / "report.json").read_text() == "mine\n"
    assert diff_state(before, state(run.tree)) == []
    assert leftovers(run) == []
    again = run()  # and a rerun is not refused
    assert again.returncode == 0, again.stderr


# ----- full and read-only file systems --------------------------------------------
@contextmanager
def tmpfs(where: Path, size: str):
    where.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def fill(fs: Path) -> None:
    """Use up every free byte of `fs`."""
    for i, size in enumerate((1 << 16, 4096, 512, 1)):
        fd = os.open(fs / f"filler{i}", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * size)
        except OSError:
            pass
        finally:
            os.close(fd)


def test_full_disk_under_out(tmp_path):
    """Defect 3: --out on a full file system: one line naming the path, exit 2, no --out."""
    run = git_run(tmp_path)
    with tmpfs(tmp_path / "full", "40k") as fs:
        run.out = fs / "out"
        run.args[run.args.index("--out") + 1] = str(run.out)
        before = state(run.tree)
        res = run()
        failed_cleanly(run, before, res, "No space left on device")
        assert str(fs) in res.stderr
        assert ours_in(fs) == [] and not run.out.exists()


def checkout_on(fs: Path, tmp_path: Path) -> Run:
    """The checkout on `fs`; the sandbox (wrapper, $TMPDIR, --out) elsewhere."""
    tree = make_checkout(fs / "src")
    return Run(tmp_path / "sb", tree, tmp_path / "out",
               ["apply", "--tree", str(tree), "--out", str(tmp_path / "out"),
                "--build", "none"])


def test_full_disk_under_the_tree(tmp_path):
    """Defect 3: the checkout itself on a full file system: no crash file, no tmp_pack."""
    with tmpfs(tmp_path / "fs", "4m") as fs:
        run = checkout_on(fs, tmp_path)
        before = state(run.tree)
        fill(fs)
        res = run()
        failed_cleanly(run, before, res, f"failed in {run.tree}")
        assert "Out of diskspace" in res.stderr or "No space left" in res.stderr
        assert ours_in(run.tree / ".git") == []


def test_read_only_file_system(tmp_path):
    with tmpfs(tmp_path / "fs", "4m") as fs:
        run = checkout_on(fs, tmp_path)
        before = state(run.tree)
        subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)
        res = run()
        failed_cleanly(run, before, res, "Read-only file system")


# ----- an unprivileged user -------------------------------------------------------
@pytest.fixture
def nobody():
    """A folder the unprivileged user `nobody` owns, outside root's private tmp."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run as an unprivileged user")
    import pwd

    try:
        user = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user nobody")
    base = Path(tempfile.mkdtemp(prefix="fault-nobody-"))
    base.chmod(0o755)
    yield base, (user.pw_uid, user.pw_gid)
    shutil.rmtree(base, ignore_errors=True)


def as_nobody(base: Path, ids: tuple[int, int], *extra: str) -> Run:
    run = plain_run(base / "sandbox", *extra)
    for p in [base / "sandbox", *(base / "sandbox").rglob("*")]:
        os.chown(p, *ids, follow_symlinks=False)
    run.user = f"{ids[0]}:{ids[1]}"
    return run


def test_unprivileged_read_only_folder_in_place(nobody):
    """Defect 6: --in-place into a read-only folder: nothing written, not even --out."""
    base, uid = nobody
    run = as_nobody(base, uid, "--in-place")
    (run.tree / "usr.sbin/bhyve").chmod(0o555)
    before = state(run.tree)
    res = run()
    failed_cleanly(run, before, res, "nothing was written")


def test_unprivileged_out_not_writable(nobody):
    base, uid = nobody
    run = as_nobody(base, uid)
    locked = base / "sandbox" / "locked"
    locked.mkdir(mode=0o555)
    run.out = locked / "out"
    run.args[run.args.index("--out") + 1] = str(run.out)
    before = state(run.tree)
    res = run()
    failed_cleanly(run, before, res, "cannot write to --out")


@pytest.mark.parametrize("what", ["usr.sbin/bhyve/snapshot.c", "usr.sbin/bhyve"])
def test_unreadable_is_cannot_read(nobody, what):
    """Defect 11: not "does not exist", not "lacks its Makefile": cannot read."""
    base, uid = nobody
    run = as_nobody(base, uid)
    mode = (run.tree / what).stat().st_mode
    (run.tree / what).chmod(0)
    try:
        before = state(run.tree)
        res = run()
        failed_cleanly(run, before, res, f"cannot read {run.tree / what}")
    finally:
        (run.tree / what).chmod(mode)


def test_unprivileged_inspect_unreadable(nobody):
    """Defect 10: inspect on a file it cannot read: one line, exit 2."""
    base, uid = nobody
    run = as_nobody(base, uid)
    target = run.tree / "usr.sbin/bhyve/snapshot.c"
    target.chmod(0)
    run.args = ["inspect", str(target)]
    res = run()
    assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
    assert "cannot read" in res.stderr and "Permission denied" in res.stderr


# ----- the tree's boundaries ------------------------------------------------------
def test_in_place_refuses_a_symlink_out_of_the_tree(tmp_path):
    run = plain_run(tmp_path, "--in-place")
    outside = tmp_path / "elsewhere"
    shutil.move(run.tree / "usr.sbin/bhyvectl", outside)
    (run.tree / "usr.sbin/bhyvectl").symlink_to(outside)
    before, kept = state(run.tree), state(outside)
    res = run()
    failed_cleanly(run, before, res, "outside")
    assert state(outside) == kept


def test_out_inside_git_is_refused_and_inside_the_tree_warned(tmp_path):
    run = git_run(tmp_path)
    before = state(run.tree)
    run.out = run.tree / ".git" / "series"
    run.args[run.args.index("--out") + 1] = str(run.out)
    res = run()
    failed_cleanly(run, before, res, "inside")
    assert "refactor/bhyve-ipc" not in git(run.tree, "branch")
    run.out = run.tree / "series"
    run.args[run.args.index("--out") + 1] = str(run.out)
    res = run()
    assert res.returncode == 0, res.stderr
    assert "warning: --out" in res.stderr and "inside the tree" in res.stderr


# ----- branches -----------------------------------------------------------------
@pytest.mark.parametrize("blocker", ["refactor", "refactor/bhyve-ipc/old"])
def test_a_ref_that_blocks_the_branch(tmp_path, blocker):
    """Defect 4: a branch `refactor` blocks refactor/bhyve-ipc (and the other way round)."""
    run = git_run(tmp_path)
    git(run.tree, "branch", blocker)
    before = state(run.tree)
    res = run()
    failed_cleanly(run, before, res, f"branch {blocker}")
    assert "plan:" not in res.stderr  # refused before any work
    assert "update-ref" not in run.log.read_text()


def test_the_loser_of_two_runs_at_once(tmp_path):
    """Defect 4: someone makes the branch between the check and the update."""
    run = git_run(tmp_path)
    real = shutil.which("git")
    head = git(run.tree, "rev-parse", "HEAD").strip()
    before = state(run.tree)
    res = run(("update-ref", 1, "before"),
              cmd=f"{real} -C {run.tree} update-ref refs/heads/refactor/bhyve-ipc {head}")
    assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
    assert "cannot create branch refactor/bhyve-ipc" in res.stderr
    assert git(run.tree, "rev-parse", "refactor/bhyve-ipc").strip() == head  # the winner's
    after = state(run.tree)
    after["refs"] = after["refs"].replace(f"refs/heads/refactor/bhyve-ipc {head}\n", "")
    problems = diff_state(before, after)
    assert all("refs/heads/refactor" in p for p in problems), problems
    assert not run.out.exists() and leftovers(run) == []


# ----- Ctrl-C and kill -9 -----------------------------------------------------------
@pytest.mark.parametrize("point", [("format-patch", 1, "before"), ("update-ref", 1, "after")])
def test_ctrl_c_says_what_exists(tmp_path, point):
    """Defect 6: interrupted before or right after the branch update: everything undone,
    and the message says so."""
    run = git_run(tmp_path)
    before = state(run.tree)
    res = run(point, cmd="kill -INT $FAULT_PARENT; sleep 2")
    assert res.returncode == 130, res.stderr
    assert res.stderr.strip() == "refactor: interrupted; nothing was written"
    assert diff_state(before, state(run.tree)) == []
    assert not run.out.exists() and leftovers(run) == []


def dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_next_run_removes_what_a_killed_run_left(tmp_path):
    """Defect 5: import refs and temporary folders of dead processes go, and it says so."""
    run = git_run(tmp_path)
    pid = dead_pid()
    head = git(run.tree, "rev-parse", "HEAD").strip()
    git(run.tree, "update-ref", f"refs/refactor/import-{pid}-1700000000000000", head)
    stale = [run.tmp / f"refactor-import-{pid}-abc", run.tmp / f"refactor-scratch-{pid}-def",
             tmp_path / f".out.refactor-{pid}-ghi"]
    for d in stale:
        d.mkdir()
        (d / "marks").write_text("x")
    alive = run.tmp / f"refactor-import-{os.getpid()}-mine"  # a live process's: kept
    alive.mkdir()
    res = run()
    assert res.returncode == 0, res.stderr
    assert "removed what an earlier, killed run left behind" in res.stderr
    assert str(stale[0]) in res.stderr and f"refs/refactor/import-{pid}-" in res.stderr
    assert not any(d.exists() for d in stale) and alive.exists()
    assert git(run.tree, "for-each-ref", "refs/refactor/") == ""


def test_kill_9_right_after_fast_import_leaves_no_ref(tmp_path):
    """Defect 5: fast-import never writes its ref, so a kill right after leaves none."""
    run = git_run(tmp_path)
    before = state(run.tree)
    res = run(("format-patch", 1, "killparent"))
    assert res.returncode == -9
    assert git(run.tree, "for-each-ref", "refs/refactor/") == ""
    assert diff_state(before, state(run.tree)) == []
    report = json.dumps(sorted(map(str, leftovers(run))))
    again = run()
    assert again.returncode == 0 and leftovers(run) == [], (again.stderr, report)


def test_next_in_place_run_removes_temp_files_of_a_killed_one(tmp_path):
    run = plain_run(tmp_path, "--in-place")
    pid = dead_pid()
    stale = run.tree / "usr.sbin/bhyve" / f".snapshot.c.refactor-{pid}-x1y2"
    stale.write_text("half of a staged file")
    res = run()
    assert res.returncode == 0, res.stderr
    assert str(stale) in res.stderr and not stale.exists()
    assert leftovers(run) == []


def test_existing_out_in_a_folder_the_user_cannot_write(nobody):
    """An --out that exists is staged inside itself: its parent need not be writable."""
    base, ids = nobody
    run = as_nobody(base, ids)
    locked = base / "sandbox" / "locked"
    locked.mkdir()
    run.out = locked / "out"
    run.out.mkdir()
    os.chown(run.out, *ids)
    locked.chmod(0o555)
    run.args[run.args.index("--out") + 1] = str(run.out)
    res = run()
    assert res.returncode == 0, res.stderr
    assert (run.out / "report.json").exists() and leftovers(run) == []


@pytest.mark.parametrize("point", [("update-ref", 1, "fail"), ("update-ref", 2, "fail"),
                                   ("update-ref", 2, "after")])
def test_force_undoes_its_backup_branch(tmp_path, point):
    """--force keeps the old branch as <branch>.orig; a failure (or Ctrl-C) at either
    update puts both refs back as they were."""
    run = git_run(tmp_path, "--force")
    git(run.tree, "branch", "refactor/bhyve-ipc", "main")
    before = state(run.tree)
    res = run(point, cmd="kill -INT $FAULT_PARENT; sleep 2")
    assert res.returncode in (2, 130), res.stderr
    assert res.stderr.count("\n") == 1, res.stderr
    problems = [p for p in diff_state(before, state(run.tree))
                if not p.startswith(".git/logs/")]  # reflogs keep what happened
    assert problems == [] and not run.out.exists() and leftovers(run) == []
