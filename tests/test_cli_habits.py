"""The CLI as a FreeBSD developer uses it: colour, pager, plan views, --force, --out, replay."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading

import pytest
from conftest import FIXTURES, GIT_ENV, TREES, git, make_repo, run_cli

COLOUR = re.compile(r"\033\[3\d")


def run_on_tty(*args: str, env: dict):
    """Run the CLI with stdout on a real pseudo-terminal; returns (status, what it showed)."""
    master, slave = os.openpty()
    full = dict(os.environ, **GIT_ENV)
    for var in ("NO_COLOR", "PAGER", "LESS", "FORCE_COLOR"):
        full.pop(var, None)
    full.update(env)
    proc = subprocess.Popen([sys.executable, "-m", "refactor", *args], stdout=slave,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=full)
    os.close(slave)
    chunks: list[bytes] = []

    def read():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other end is closed
                break
            if not data:
                break
            chunks.append(data)

    reader = threading.Thread(target=read)
    reader.start()
    status = proc.wait(timeout=120)
    reader.join(timeout=10)
    os.close(master)
    return status, b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def src(fixture_repo):
    return fixture_repo()


def test_colour_on_a_terminal_unless_no_color_or_dumb(src):
    plan = ("plan", "--tree", str(src), "--no-diff", "--no-pager")
    status, shown = run_on_tty(*plan, env={"TERM": "xterm"})
    assert status == 0 and COLOUR.search(shown)
    for env in ({"TERM": "xterm", "NO_COLOR": "1"}, {"TERM": "dumb"}):
        status, shown = run_on_tty(*plan, env=env)
        assert status == 0 and "applied" in shown and not COLOUR.search(shown), env
    status, shown = run_on_tty(*plan, "--color=never", env={"TERM": "xterm"})
    assert not COLOUR.search(shown)
    res = run_cli(*plan, "--color=always")
    assert COLOUR.search(res.stdout)
    res = run_cli(*plan)
    assert not COLOUR.search(res.stdout)


def test_plan_pages_on_a_terminal_only(src, tmp_path):
    paged = tmp_path / "paged.txt"
    env = {"TERM": "xterm", "PAGER": f"cat > {paged}"}
    status, shown = run_on_tty("plan", "--tree", str(src), env=env)
    assert status == 0
    text = paged.read_text()
    assert "usr.sbin/bhyve/ipc.c" in text
    assert COLOUR.search(text)  # colour for the terminal, through the pager as git does
    text = re.sub(r"\033\[[\d;]*m", "", text)
    assert "+++ b/usr.sbin/bhyve/ipc.c" in text
    assert text.rstrip().splitlines()[-1].startswith("17 applied")
    assert "+++ b/" not in shown  # it went to the pager, not the terminal
    paged.unlink()
    res = run_cli("plan", "--tree", str(src), env={"PAGER": f"cat > {paged}"})
    assert res.returncode == 0 and "+++ b/usr.sbin/bhyve/ipc.c" in res.stdout
    assert not paged.exists()
    status, shown = run_on_tty("plan", "--tree", str(src), "--no-pager", env=env)
    assert not paged.exists() and "+++ b/usr.sbin/bhyve/ipc.c" in shown


def test_plan_stat_matches_git_and_ends_with_a_summary(src, tmp_path):
    res = run_cli("plan", "--tree", str(src), "--stat")
    assert res.returncode == 0, res.stderr
    assert "@@" not in res.stdout
    last = res.stdout.rstrip().splitlines()[-1]
    assert last == (f"17 applied, 0 already applied, 0 not applicable, 0 conflicts; "
                    f"`refactor apply --tree {src}` makes 4 commits")
    stats = re.findall(r"^ (\S+)\s+\|\s+(\d+) ", res.stdout, re.M)
    run_cli("apply", "--tree", str(src), "--out", str(tmp_path / "o"), "--build", "none")
    numstat = git(src, "log", "--reverse", "--format=", "--numstat",
                  "main..refactor/bhyve-ipc")
    from_git = [(path, str(int(a) + int(d))) for a, d, path in
                (line.split("\t") for line in numstat.splitlines() if line)]
    assert stats == from_git
    ours = re.findall(r"^ \d+ files? changed.*$", res.stdout, re.M)
    theirs = [line for line in git(src, "log", "--reverse", "--format=", "--shortstat",
                                   "main..refactor/bhyve-ipc").splitlines() if line]
    assert ours == theirs

    names = run_cli("plan", "--tree", str(src), "--name-only").stdout
    assert "usr.sbin/bhyve/ipc.c\n" in names and "|" not in names and "@@" not in names
    bare = run_cli("plan", "--tree", str(src), "--no-diff").stdout
    assert "# bhyve:" not in bare and bare.rstrip().endswith("makes 4 commits")


def test_plan_conflict_summary_says_what_to_do(tmp_path):
    tree = shutil.copytree(FIXTURES / "expected" / "bhyve-2021" / "3", tmp_path / "t")
    ipc = tree / "usr.sbin/bhyve/ipc.c"
    ipc.write_bytes(ipc.read_bytes().replace(b"SOCK_STREAM", b"SOCK_SEQPACKET"))
    res = run_cli("plan", "--tree", str(tree), "--no-diff")
    assert res.returncode == 1
    assert "socket types SOCK_SEQPACKET, 1 listen()" in res.stdout
    assert "['" not in res.stdout
    last = res.stdout.rstrip().splitlines()[-1]
    assert "1 conflict;" in last and last.endswith("--skip ipc-sock-dgram")


def test_apply_force_keeps_the_old_branch(src, tmp_path):
    first = run_cli("apply", "--tree", str(src), "--out", str(tmp_path / "1"), "--build", "none")
    assert first.returncode == 0, first.stderr
    old = git(src, "rev-parse", "refactor/bhyve-ipc").strip()
    again = run_cli("apply", "--tree", str(src), "--out", str(tmp_path / "2"), "--build", "none")
    assert again.returncode == 2 and "--force" in again.stderr
    forced = run_cli("apply", "--tree", str(src), "--out", str(tmp_path / "3"), "--build", "none",
                     "--force", "--signoff")
    assert forced.returncode == 0, forced.stderr
    assert "kept as branch refactor/bhyve-ipc.orig" in forced.stdout
    assert git(src, "rev-parse", "refactor/bhyve-ipc.orig").strip() == old
    new = git(src, "rev-parse", "refactor/bhyve-ipc").strip()
    assert new != old and "Signed-off-by" in git(src, "log", "-1", "--format=%B", new)
    git(src, "checkout", "-q", "-b", "busy", "main")  # the tree still needs the change
    busy = run_cli("apply", "--tree", str(src), "--out", str(tmp_path / "4"), "--build", "none",
                   "--force", "--branch", "busy")
    assert busy.returncode == 2 and "checked out" in busy.stderr
    assert git(src, "rev-parse", "busy").strip() == git(src, "rev-parse", "main").strip()


def test_default_out_stays_out_of_the_checkout(src, tmp_path):
    res = run_cli("apply", "--tree", "..", "--build", "none", cwd=src / "usr.sbin")
    assert res.returncode == 0, res.stderr
    out = src / ".git" / "refactor-out" / "bhyve-ipc"
    assert f"to {out}" in res.stdout
    assert len(list(out.glob("*.patch"))) == 4
    assert git(src, "status", "--porcelain", "--ignored") == ""

    plain = shutil.copytree(TREES / "bhyve-2021", tmp_path / "plain")
    res = run_cli("apply", "--tree", ".", "--build", "none", cwd=plain)
    assert res.returncode == 0, res.stderr
    beside = tmp_path / "plain-refactor-out" / "bhyve-ipc"
    assert len(list(beside.glob("*.patch"))) == 4 and not (plain / "refactor-out").exists()
    assert f"to {beside}" in res.stdout


@pytest.mark.parametrize("args, hint", [
    (["plan", "--skip", "ipc-extrat"], "did you mean ipc-extract?"),
    (["plan", "--only", "max-vmname"], "did you mean max-vmname-vmmapi?"),
    (["plan", "--recipe", "bhyve-icp"], "did you mean bhyve-ipc?"),
])
def test_did_you_mean(src, args, hint):
    res = run_cli(*args, "--tree", str(src))
    assert res.returncode == 2 and hint in res.stderr and res.stderr.count("\n") == 1


def test_rules_did_you_mean():
    res = run_cli("rules", "hier-var-run")
    assert res.returncode == 2 and "did you mean hier-var-run-bhyve?" in res.stderr


def test_replay_reports_each_revision_and_keeps_series(tmp_path):
    repo = make_repo(TREES / "bhyve-2021", tmp_path / "src")
    git(repo, "tag", "jan-2021")
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(TREES / "bhyve-2025", repo, dirs_exist_ok=True)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "2025")
    out = tmp_path / "series"
    res = run_cli("replay", "--tree", str(repo), "--rev", "jan-2021", "--rev", "main",
                  "--build", "none", "--out", str(out))
    assert res.returncode == 0, res.stderr
    lines = res.stderr.splitlines()
    assert lines[0] == "replay: 1/2 jan-2021: 17 applied; build -"
    assert lines[1].startswith("replay: 2/2 main: ")
    patches = sorted((out / "jan-2021").glob("*.patch"))
    assert len(patches) == 4 and not list((out / "main").glob("*.patch"))
    assert git(repo, "status", "--porcelain") == ""
    fresh = make_repo(TREES / "bhyve-2021", tmp_path / "fresh")
    git(fresh, "am", *map(str, patches))
    assert git(fresh, "log", "-1", "--format=%s") == \
        "bhyve: use SOCK_DGRAM for IPC and share ipc.h with bhyvectl\n"


def test_no_reason_is_a_python_repr():
    from refactor.plan import plan_recipe
    from refactor.recipe import get_recipe
    from refactor.tree import Tree

    recipe = get_recipe("bhyve-ipc")
    for era in sorted(p.name for p in TREES.iterdir()):
        for kwargs in ({}, {"skip": ["ipc-extract"]}, {"only": ["ipc-h-shared"]}):
            plan = plan_recipe(recipe, Tree.from_dir(TREES / era), **kwargs)
            for r in plan.rule_results():
                assert not re.search(r"[\[{(]'|'[\]})]", r.reason), (era, r.rule.id, r.reason)
