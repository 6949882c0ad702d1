"""The CLI run as a user would, on real git repositories made from the fixture."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import TREES, git, make_repo, run_cli, snapshot


def body(patch) -> str:
    lines = patch.read_text(encoding="latin-1").splitlines()[1:]  # "From <sha>" differs
    return "\n".join(ln for ln in lines if not ln.startswith("Date:"))


@pytest.fixture
def applied(fixture_repo, tmp_path):
    src = fixture_repo()
    out = tmp_path / "out"
    res = run_cli("apply", "--tree", str(src), "--out", str(out), "--build", "none")
    assert res.returncode == 0, res.stderr
    return src, out, res


def test_apply_makes_branch_and_series_that_git_am_takes(applied, tmp_path):
    src, out, res = applied
    assert git(src, "status", "--porcelain") == ""
    assert git(src, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    subjects = git(src, "log", "--format=%s", "main..refactor/bhyve-ipc").splitlines()
    assert subjects and all(s for s in subjects)
    patches = sorted(out.glob("*.patch"))
    assert len(patches) == len(subjects)
    assert (out / "bhyve-ipc.diff").stat().st_size > 0
    report = json.loads((out / "report.json").read_text())
    assert report["branch"] == "refactor/bhyve-ipc"
    assert report["head"] == git(src, "rev-parse", "main").strip()
    assert [s["commit"] for s in report["steps"] if s["commit"]] == \
        git(src, "rev-list", "--reverse", "main..refactor/bhyve-ipc").split()
    assert str(out / "report.json") in report["written"]

    fresh = make_repo(TREES / "bhyve-2021", tmp_path / "fresh")
    git(fresh, "am", *map(str, patches))
    assert git(fresh, "rev-parse", "HEAD^{tree}") == \
        git(src, "rev-parse", "refactor/bhyve-ipc^{tree}")


def test_plain_tree_gets_same_patches_and_stays_untouched(applied, tmp_path):
    _, git_out, _ = applied
    plain = tmp_path / "plain"
    shutil.copytree(TREES / "bhyve-2021", plain)
    before = snapshot(plain)
    out = tmp_path / "plain-out"
    res = run_cli("apply", "--tree", str(plain), "--out", str(out), "--build", "none")
    assert res.returncode == 0, res.stderr
    assert snapshot(plain) == before
    assert not (plain / ".git").exists()
    a, b = sorted(git_out.glob("*.patch")), sorted(out.glob("*.patch"))
    assert [p.name for p in a] == [p.name for p in b]
    for x, y in zip(a, b, strict=True):
        assert body(x) == body(y)
    assert (git_out / "bhyve-ipc.diff").read_bytes() == (out / "bhyve-ipc.diff").read_bytes()


def test_second_apply_changes_nothing(applied, tmp_path):
    src, out, _ = applied
    git(src, "checkout", "-q", "refactor/bhyve-ipc")
    head = git(src, "rev-parse", "HEAD")
    out2 = tmp_path / "out2"
    res = run_cli("apply", "--tree", str(src), "--out", str(out2), "--json",
                  "--branch", "again", "--build", "none")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    statuses = {r["status"] for s in report["steps"] for r in s["rules"]}
    assert statuses == {"already-applied"}
    assert git(src, "rev-parse", "HEAD") == head
    assert "again" not in git(src, "branch")
    assert not out2.exists()


def test_in_place_on_plain_tree_equals_the_branch(applied, tmp_path):
    src, _, _ = applied
    plain = tmp_path / "plain"
    shutil.copytree(TREES / "bhyve-2021", plain)
    res = run_cli("apply", "--tree", str(plain), "--out", str(tmp_path / "o"), "--in-place",
                  "--build", "none")
    assert res.returncode == 0, res.stderr
    git(src, "checkout", "-q", "refactor/bhyve-ipc")
    assert snapshot(plain) == snapshot(src)


def test_plan_writes_nothing_and_shows_the_diff(fixture_repo):
    src = fixture_repo()
    before = snapshot(src)
    res = run_cli("plan", "--tree", str(src))
    assert res.returncode == 0, res.stderr
    assert "+++ b/etc/mtree/BSD.var.dist" in res.stdout
    assert "\033[" not in res.stdout  # no colour when not on a terminal
    assert snapshot(src) == before
    assert "refactor/bhyve-ipc" not in git(src, "branch")
    data = json.loads(run_cli("plan", "--tree", str(src), "--json").stdout)
    assert data["recipe"] == "bhyve-ipc" and data["conflicts"] == []


def test_rules_lists_and_documents():
    res = run_cli("rules")
    assert res.returncode == 0 and "bhyve-ipc" in res.stdout
    assert "mtree-var-run-bhyve" in res.stdout
    res = run_cli("rules", "mtree-var-run-bhyve")
    assert res.returncode == 0 and "BSD.var.dist" in res.stdout
    res = run_cli("rules", "no-such-rule")
    assert res.returncode == 2 and res.stderr.count("\n") == 1


def test_conflict_writes_nothing_and_exits_1(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(TREES / "bhyve-2021", src)
    (src / "etc/mtree/BSD.var.dist").write_text("# an mtree spec reworked beyond recognition\n")
    git(src, "init", "-q", "-b", "main")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "drifted")
    out = tmp_path / "out"
    res = run_cli("apply", "--tree", str(src), "--out", str(out), "--build", "none")
    assert res.returncode == 1
    assert "conflict" in res.stdout
    assert "nothing was written" in res.stderr
    assert not out.exists()
    assert "refactor/bhyve-ipc" not in git(src, "branch")


def one_line_error(res, code=2, needle=""):
    assert res.returncode == code, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1, res.stderr
    assert needle in res.stderr


def test_bad_inputs_get_one_line_and_exit_2(tmp_path, fixture_repo):
    out = tmp_path / "out"
    one_line_error(run_cli("apply", "--tree", str(tmp_path / "nope"), "--out", str(out)),
                   needle="does not exist")
    f = tmp_path / "file"
    f.write_text("x")
    one_line_error(run_cli("apply", "--tree", str(f), "--out", str(out)),
                   needle="not a directory")
    empty = tmp_path / "empty"
    empty.mkdir()
    one_line_error(run_cli("apply", "--tree", str(empty), "--out", str(out)),
                   needle="usr.sbin/bhyve/Makefile")
    src = fixture_repo()
    one_line_error(run_cli("apply", "--tree", str(src), "--recipe", "nope", "--out", str(out)),
                   needle="unknown recipe")
    one_line_error(run_cli("apply", "--tree", str(src), "--out", str(f / "sub")),
                   needle="cannot write to --out")
    one_line_error(run_cli("apply", "--bogus"), needle="unrecognized")
    one_line_error(run_cli("apply", "--tree", str(src), "--build", "bogus", "--out", str(out)),
                   needle="--build bogus")
    one_line_error(run_cli("replay", "--tree", str(src), "--rev", "HEAD", "--build", "cmd:"),
                   needle="--build cmd:")
    one_line_error(run_cli("apply", "--tree", str(src), "--skip", "no-such-rule",
                           "--out", str(out)), needle="no rule")
    assert not out.exists()
    assert "refactor/bhyve-ipc" not in git(src, "branch")


def test_dirty_checkout_is_refused_unless_allowed(fixture_repo, tmp_path):
    src = fixture_repo()
    spec = src / "etc/mtree/BSD.var.dist"
    spec.write_bytes(spec.read_bytes() + b"# my uncommitted note\n")
    before = snapshot(src)
    out = tmp_path / "out"
    one_line_error(run_cli("apply", "--tree", str(src), "--out", str(out), "--build", "none"),
                   needle="BSD.var.dist")
    assert not out.exists()
    res = run_cli("apply", "--tree", str(src), "--out", str(out), "--allow-dirty",
                  "--build", "none")
    assert res.returncode == 0, res.stderr
    assert snapshot(src) == before  # the uncommitted work is still there, untouched


def test_git_missing_from_path(fixture_repo, tmp_path):
    src = fixture_repo()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    res = run_cli("apply", "--tree", str(src), "--out", str(tmp_path / "o"),
                  env={"PATH": str(bindir), "GIT_PYTHON_REFRESH": "quiet"})
    one_line_error(res, needle="git is not installed")


def test_relative_out_is_taken_from_the_current_directory(fixture_repo, tmp_path):
    src = fixture_repo()
    work = tmp_path / "work"
    work.mkdir()
    res = run_cli("apply", "--tree", str(src), "--out", "rel/out", "--build", "none", cwd=work)
    assert res.returncode == 0, res.stderr
    out = work / "rel" / "out"
    report = json.loads((out / "report.json").read_text())
    patches = sorted(out.glob("*.patch"))
    assert len(patches) == 4
    assert sorted(report["written"]) == sorted(str(p) for p in [*patches, out / "report.json",
                                                                 out / "bhyve-ipc.diff"])
    assert not (src / "rel").exists()


def test_crlf_snapshot_gives_crlf_ipc_c(tmp_path):
    """Issue 12, defect 7: every line of a CRLF file, and of the file moved out of it."""
    src = tmp_path / "src"
    shutil.copytree(TREES / "bhyve-2021", src)
    snap = src / "usr.sbin/bhyve/snapshot.c"
    snap.write_bytes(snap.read_bytes().replace(b"\n", b"\r\n"))
    res = run_cli("apply", "--tree", str(src), "--out", str(tmp_path / "out"), "--build", "none",
                  "--in-place")
    assert res.returncode == 0, res.stderr
    for name in ("snapshot.c", "ipc.c"):
        data = (src / "usr.sbin/bhyve" / name).read_bytes()
        assert data.count(b"\n") == data.count(b"\r\n") > 50, name


def test_a_5_mb_c_file_plans_within_bound_or_is_refused(tmp_path):
    """Issue 12, defect 8: never an unbounded run; a refusal is one line, exit 2."""
    import resource
    import subprocess

    src = tmp_path / "src"
    shutil.copytree(TREES / "bhyve-2021", src)
    snap = src / "usr.sbin/bhyve/snapshot.c"
    filler = b"".join(b"static int generated_%d = %d;\n" % (i, i) for i in range(200_000))
    snap.write_bytes(snap.read_bytes() + filler[: 5_000_000])
    try:
        res = run_cli("plan", "--tree", str(src), timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("planning a 5 MB file took over 120 s")
    mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if res.returncode == 2:
        one_line_error(res, needle="snapshot.c is 5.")
    else:
        assert res.returncode in (0, 1), res.stderr
        assert mib < 500, f"{mib:.0f} MiB"


def test_build_test_refuses_what_apply_refuses(tmp_path):
    """Issue 12, defects 9 and 13: --strategy none, and an empty tree."""
    empty = tmp_path / "empty"
    empty.mkdir()
    one_line_error(run_cli("build-test", "--tree", str(TREES / "bhyve-2021"),
                           "--strategy", "none"), needle="build-test needs a strategy")
    one_line_error(run_cli("build-test", "--tree", str(empty), "--strategy", "parse"),
                   needle="usr.sbin/bhyve/Makefile")
    one_line_error(run_cli("build-test", "--tree", str(tmp_path / "nope")),
                   needle="does not exist")


def test_inspect_refuses_a_binary_file(tmp_path):
    """Issue 12, defect 10: no raw bytes on the terminal."""
    blob = tmp_path / "blob.c"
    blob.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe" * 100)
    res = run_cli("inspect", str(blob))
    one_line_error(res, needle="binary")
    assert res.stdout == ""


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_replay_refuses_jobs_below_one(fixture_repo, jobs):
    """Issue 12, defect 12."""
    src = fixture_repo()
    one_line_error(run_cli("replay", "--tree", str(src), "--rev", "HEAD", "--jobs", jobs,
                           "--build", "none"), needle=f"--jobs {jobs}")


def test_build_logs_named_in_the_report_are_in_out(tmp_path):
    """Outputs are staged beside --out: the report must name where they end up."""
    plain = tmp_path / "plain"
    shutil.copytree(TREES / "bhyve-2021", plain)
    out = tmp_path / "out"
    res = run_cli("apply", "--tree", str(plain), "--out", str(out), "--build", "parse")
    assert res.returncode == 0, res.stderr
    report = json.loads((out / "report.json").read_text())
    logs = [s["build"]["log"] for s in report["steps"] if s["build"] and s["build"].get("log")]
    assert logs and all(log.startswith(str(out) + "/") and Path(log).exists() for log in logs)
    assert ".refactor-" not in (out / "report.json").read_text()


def test_interrupt_message_names_what_was_published(monkeypatch):
    """Issue 12, defect 6: after the emitter published, Ctrl-C says what exists."""
    from refactor import cli, emit

    monkeypatch.setattr(emit, "published", [])
    assert cli._what_exists() == "nothing was written"
    monkeypatch.setattr(emit, "published", ["branch refactor/x in /src", "6 files in /out"])
    assert cli._what_exists() == \
        "already written: branch refactor/x in /src; 6 files in /out"
