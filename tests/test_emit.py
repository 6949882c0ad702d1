"""The emitter on real git repositories: branch, series, git am, plain trees, in-place."""

import os
from pathlib import Path

import pytest
from conftest import git, git_raw, snapshot
from toy import AppendLine, Create, Rename, toy_recipe

from refactor.emit import emit, prepare_out, write_in_place
from refactor.errors import UsageError
from refactor.plan import plan_recipe
from refactor.target import dirty_paths, open_target

RECIPE = toy_recipe(
    [Rename("r1", "usr.sbin/x/x.c", "old_name", "new_name"), Create("r2", "usr.sbin/x/y.c",
                                                                    b"int y;\n")],
    [AppendLine("r3", "etc/spec", "run")],
)
FILES = {
    "usr.sbin/x/x.c": b"int\r\nold_name(void)\r\n{\r\n}\r\n",
    "etc/spec": b"# spec \xe9\nvar",  # Latin-1 byte, no final newline
    "other/untouched.c": b"int z;\n",
}


def make(root: Path, as_git: bool) -> Path:
    for k, v in FILES.items():
        (root / k).parent.mkdir(parents=True, exist_ok=True)
        (root / k).write_bytes(v)
    if as_git:
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")
    return root


def body(patch: Path) -> str:
    # The first line names the commit and Date: the time: both differ between runs.
    lines = patch.read_text(encoding="latin-1").splitlines()[1:]
    return "\n".join(line for line in lines if not line.startswith("Date:"))


def run(root: Path, out: Path, **kw):
    target = open_target(root)
    plan = plan_recipe(RECIPE, target.tree)
    return target, plan, emit(plan, target, prepare_out(out), "refactor/toy", "none", **kw)


def test_git_checkout_gets_branch_and_series_untouched(tmp_path):
    root = make(tmp_path / "src", True)
    (root / "other" / "untouched.c").write_bytes(b"uncommitted work\n")
    before = snapshot(root)
    head = git(root, "rev-parse", "HEAD").strip()
    status = git(root, "status", "--porcelain")
    target, plan, emitted = run(root, tmp_path / "out")

    assert snapshot(root) == before
    assert git(root, "rev-parse", "HEAD").strip() == head
    assert git(root, "status", "--porcelain") == status
    log = git(root, "log", "--format=%s", "main..refactor/toy").splitlines()
    assert log == ["toy: step 2", "toy: step 1"]
    assert git_raw(root, "show", "refactor/toy:usr.sbin/x/x.c") == \
        b"int\r\nnew_name(void)\r\n{\r\n}\r\n"
    patches = sorted((tmp_path / "out").glob("*.patch"))
    assert [p.name[:5] for p in patches] == ["0001-", "0002-"]
    assert (tmp_path / "out" / "toy.diff").exists()

    # The series applies with git am on a fresh copy and gives the branch's tree.
    fresh = make(tmp_path / "fresh", True)
    git(fresh, "am", "--keep-cr", *map(str, patches))  # the fixture has a CRLF file
    assert git(fresh, "rev-parse", "HEAD^{tree}") == git(root, "rev-parse",
                                                          "refactor/toy^{tree}")


def test_plain_tree_writes_same_patches_and_is_untouched(tmp_path):
    gitroot = make(tmp_path / "g", True)
    run(gitroot, tmp_path / "out-git")
    plain = make(tmp_path / "plain", False)
    before = snapshot(plain)
    _, _, emitted = run(plain, tmp_path / "out-plain")
    assert snapshot(plain) == before
    assert emitted.branch is None
    a = sorted((tmp_path / "out-git").glob("*.patch"))
    b = sorted((tmp_path / "out-plain").glob("*.patch"))
    assert [p.name for p in a] == [p.name for p in b]
    for x, y in zip(a, b, strict=True):
        assert body(x) == body(y)


def test_full_context_diff_has_every_line(tmp_path):
    root = make(tmp_path / "src", True)
    run(root, tmp_path / "out")
    diff = (tmp_path / "out" / "toy.diff").read_bytes()
    assert b" int\r\n" in diff and b"-old_name(void)\r\n" in diff and b" {\r\n" in diff
    assert b"+varrun\n" in diff and b"# spec \xe9" in diff


def test_in_place_writes_all_files(tmp_path):
    plain = make(tmp_path / "plain", False)
    run(plain, tmp_path / "out", in_place=True)
    assert (plain / "usr.sbin/x/y.c").read_bytes() == b"int y;\n"
    assert (plain / "etc/spec").read_bytes() == b"# spec \xe9\nvarrun\n"
    assert (plain / "other/untouched.c").read_bytes() == FILES["other/untouched.c"]


def test_in_place_failure_writes_nothing(tmp_path):
    plain = make(tmp_path / "plain", False)
    target = open_target(plain)
    # The second file cannot be made: its parent "etc/spec" is a file, even for root.
    final = plan_recipe(RECIPE, target.tree).final.with_changes({"etc/spec/sub.c": b"x"})
    before = snapshot(plain)
    with pytest.raises(UsageError, match="is not a folder; nothing was written"):
        write_in_place(plain, final, ["etc/spec", "etc/spec/sub.c"])
    assert snapshot(plain) == before


def test_dirty_paths_sees_staged_unstaged_and_untracked(tmp_path):
    root = make(tmp_path / "src", True)
    (root / "etc/spec").write_bytes(b"changed")
    (root / "usr.sbin/x/y.c").write_bytes(b"untracked")
    target = open_target(root)
    assert dirty_paths(target, ["etc/spec", "usr.sbin/x/y.c", "usr.sbin/x/x.c"]) == \
        ["etc/spec", "usr.sbin/x/y.c"]


def test_modes_survive_and_identity_falls_back(tmp_path):
    root = make(tmp_path / "src", True)
    script = root / "usr.sbin/x/x.c"
    script.chmod(0o755)
    git(root, "update-index", "--chmod=+x", "usr.sbin/x/x.c")
    git(root, "commit", "-q", "-m", "exec")
    target = open_target(root)
    plan = plan_recipe(RECIPE, target.tree)
    # No identity in the environment or config: the commits name the tool.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(HOME=str(tmp_path), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null",
               # Never guess an identity from the host name.
               GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="user.useConfigOnly",
               GIT_CONFIG_VALUE_0="true")
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        emitted = emit(plan, target, prepare_out(tmp_path / "out"), "refactor/toy", "none")
    finally:
        os.environ.clear()
        os.environ.update(old)
    tip = emitted.commits[-1]
    assert git(root, "ls-tree", tip, "usr.sbin/x/x.c").split()[0] == "100755"
    assert git(root, "ls-tree", tip, "usr.sbin/x/y.c").split()[0] == "100644"
    assert git(root, "log", "-1", "--format=%an <%ae>", tip).strip() == \
        "freebsd-refactor <freebsd-refactor@localhost>"
    assert git(root, "for-each-ref", "refs/refactor/") == ""  # no import ref left behind
