"""Real faults for the CLI: a git that fails or dies at its Nth call, full and
read-only file systems, immutable files, an unprivileged user.

Every run is judged the same way (see `judge`): the tree is byte-identical to
before (files, modes, index, refs, stash, worktrees, and nothing new in .git),
--out is complete or absent, nothing of ours is left in $TMPDIR, and a failure
says why in one line with a non-zero exit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "trees" / "bhyve-2021"
REAL_GIT = shutil.which("git")
ENV = {
    "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.org",
    "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
    # Fixed dates: every run makes the same commits, so results compare byte for byte.
    "GIT_AUTHOR_DATE": "1600000000 +0000", "GIT_COMMITTER_DATE": "1600000000 +0000",
}

# The first word that is not an option is the subcommand; every call is logged,
# and the FAULT_N-th call of FAULT_SUB fails, kills itself or kills its caller.
WRAPPER = """#!/bin/sh
sub=""
skip=0
for a in "$@"; do
  if [ $skip = 1 ]; then skip=0; continue; fi
  case "$a" in
    -C|-c) skip=1;;
    -*) ;;
    *) sub=$a; break;;
  esac
done
echo "$sub" >> "$FAULT_LOG"
n=$(grep -cx -- "$sub" "$FAULT_LOG")
if [ "$sub" = "$FAULT_SUB" ] && [ "$n" = "$FAULT_N" ]; then
  case "$FAULT_MODE" in
    fail) echo "fatal: injected fault at git $sub call $n" >&2; exit 128;;
    kill) kill -9 $$;;
    killparent) kill -9 $PPID; exit 1;;
    before) FAULT_PARENT=$PPID sh -c "$FAULT_CMD";;
    after) %s "$@"; rc=$?; FAULT_PARENT=$PPID sh -c "$FAULT_CMD"; exit $rc;;
  esac
fi
exec %s "$@"
"""


def git(cwd: Path, *args: str) -> str:
    res = subprocess.run([REAL_GIT, *args], cwd=cwd, env=dict(os.environ, **ENV),
                         capture_output=True, text=True)
    assert res.returncode == 0, f"git {args}: {res.stderr}"
    return res.stdout


def make_checkout(dest: Path) -> Path:
    """The fixture as a checkout with uncommitted work, a stash and a linked worktree."""
    shutil.copytree(FIXTURE, dest)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "import fixture")
    (dest / "README").write_text("stashed work\n")
    git(dest, "stash", "-q")
    (dest / "README").write_text("uncommitted work, not touched by the recipe\n")
    (dest / "notes.txt").write_text("untracked\n")
    git(dest, "worktree", "add", "-q", str(dest.parent / (dest.name + "-wt")), "-b", "side")
    return dest


def make_plain(dest: Path) -> Path:
    shutil.copytree(FIXTURE, dest)
    return dest


def state(tree: Path, portable: bool = False) -> dict:
    """Everything a run must leave as it was.  `portable`: comparable with the state of
    another sandbox (index stat data and the sandbox's own path left out)."""
    base = str(tree.parent).encode()
    files = {}
    for p in sorted(tree.rglob("*")):
        rel = p.relative_to(tree).as_posix()
        st = p.lstat()
        if p.is_symlink():
            files[rel] = ("link", os.readlink(p))
        elif p.is_dir():
            files[rel] = ("dir", st.st_mode)
        elif rel.startswith(".git/objects/") and "/tmp_" not in rel:
            files[rel] = ("object",)  # new unreachable objects are harmless
        elif portable and (p.name == "index" or rel.startswith(".git/logs/")
                           or rel.startswith(".git/refs/heads/")):
            # Compared through `status` and the refs' trees: an identity that falls
            # back (git var failed) makes other commit ids with the same content.
            files[rel] = ("portable",)
        else:
            data = p.read_bytes()
            files[rel] = (st.st_mode, data.replace(base, b"<sandbox>") if portable else data)
    s = {"files": files}
    if (tree / ".git").exists():
        s["refs"] = git(tree, "for-each-ref", "--format=%(refname) " +
                        ("%(tree)" if portable else "%(objectname)"))
        s["stash"] = git(tree, "stash", "list")
        s["worktrees"] = git(tree, "worktree", "list", "--porcelain")
        if portable:
            s["worktrees"] = s["worktrees"].replace(str(tree.parent), "<sandbox>")
        s["status"] = git(tree, "--no-optional-locks", "status", "--porcelain", "-z")
    return s


def diff_state(a: dict, b: dict) -> list[str]:
    problems = []
    for key in sorted(set(a) | set(b)):
        if key == "files":
            fa, fb = a["files"], b["files"]
            for rel in sorted(set(fa) | set(fb)):
                if fa.get(rel) != fb.get(rel):
                    if rel.startswith(".git/objects/") and "/tmp_" not in rel:
                        continue
                    if rel.startswith(".git/logs/") and rel not in fa and \
                            fb.get(rel, ("dir",))[0] == "dir":
                        continue  # an empty reflog folder of a deleted branch
                    problems.append(f"{rel} " + ("appeared" if rel not in fa else
                                                 "vanished" if rel not in fb else "changed"))
        elif a.get(key) != b.get(key):
            problems.append(f"{key} changed")
    return problems


def ours_in(folder: Path) -> list[str]:
    """Temporary names this tool makes, anywhere under `folder`."""
    if not folder.exists():
        return []
    return sorted(str(p) for p in folder.rglob("*")
                  if ".refactor-" in p.name or p.name.startswith("refactor-")
                  or p.name.startswith("fast_import_crash"))


def out_problems(out: Path) -> list[str]:
    """--out is absent, or holds exactly what its report.json says was written."""
    if not out.exists():
        return []
    report = out / "report.json"
    if not report.exists():
        return [f"{out} exists without report.json: {sorted(os.listdir(out))}"]
    data = json.loads(report.read_text())
    listed = {Path(p).name for p in data["written"] if Path(p).parent == out}
    have = set(os.listdir(out))
    if listed != have:
        return [f"{out} holds {sorted(have)}, report lists {sorted(listed)}"]
    return []


def one_line(res) -> list[str]:
    """A failure (not a kill) says why in one line, without a traceback."""
    if res.returncode <= 0:
        return []
    # replay's progress lines ("replay: 1/2 ...") come before the message.
    said = [ln for ln in res.stderr.strip().splitlines() if not ln.startswith("replay: ")]
    if len(said) != 1 or "Traceback" in res.stderr:
        return [f"message is not one line: {res.stderr!r}"]
    return []


@dataclass
class Run:
    """One run of the CLI in a sandbox of its own: bin/ (the git wrapper), tmp/ ($TMPDIR)."""

    base: Path
    tree: Path
    out: Path
    args: list[str]
    env: dict = field(default_factory=dict)
    user: str | None = None

    def __post_init__(self):
        self.bin = self.base / "bin"
        self.tmp = self.base / "tmp"
        self.log = self.base / "git.log"
        self.bin.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(exist_ok=True)
        wrapper = self.bin / "git"
        wrapper.write_text(WRAPPER % (REAL_GIT, REAL_GIT))
        wrapper.chmod(0o755)

    def __call__(self, fault: tuple[str, int, str] | None = None, timeout: float = 120,
                 cmd: str = ""):
        self.log.write_text("")
        env = dict(os.environ, **ENV)
        env.update(PATH=f"{self.bin}:{env['PATH']}", TMPDIR=str(self.tmp),
                   FAULT_LOG=str(self.log), FAULT_SUB="", FAULT_N="0", FAULT_MODE="")
        env.pop("REFACTOR_DEBUG", None)
        if fault:
            env.update(FAULT_SUB=fault[0], FAULT_N=str(fault[1]), FAULT_MODE=fault[2],
                       FAULT_CMD=cmd)
        env.update(self.env)
        cmd = [sys.executable, "-m", "refactor", *self.args]
        if self.user:  # "uid:gid"
            uid, gid = self.user.split(":")
            cmd = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--", *cmd]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                              cwd=self.base)

    def calls(self) -> list[tuple[str, int]]:
        """Every (subcommand, n) of the last run: the fault points."""
        seen: dict[str, int] = {}
        points = []
        for sub in self.log.read_text().split():
            seen[sub] = seen.get(sub, 0) + 1
            points.append((sub, seen[sub]))
        return points


def leftovers(run: Run) -> list[str]:
    return ours_in(run.tmp) + ours_in(run.out.parent) + ours_in(run.tree)


def series_problems(out: Path) -> list[str]:
    """replay --out: each revision's folder holds its whole series, or is absent."""
    problems = []
    for rev in sorted(out.iterdir()) if out.exists() else []:
        names = set(os.listdir(rev))
        diffs = [n for n in names if n.endswith(".diff")]
        patches = [n for n in names if n.endswith(".patch")]
        if len(diffs) != 1 or len(patches) + 1 != len(names) or not patches:
            problems.append(f"{rev} holds {sorted(names)}")
    return problems


def judge(run: Run, before: dict, success: dict | None, res, writes_out=True,
          series=False) -> list[str]:
    """What a run left wrong (empty: nothing).  `success` is the state a good run leaves."""
    if series:
        problems = [*one_line(res), *series_problems(run.out), *leftovers(run)]
        return problems + diff_state(before, state(run.tree))
    problems = [*one_line(res), *out_problems(run.out), *leftovers(run)]
    if not writes_out and run.out.exists():
        problems.append(f"{run.out} was made")
    if not writes_out:  # makes nothing, failing or not
        return problems + diff_state(before, state(run.tree))
    if res.returncode == 0:
        if not run.out.exists():
            problems.append("success without --out")
        if success is not None:
            problems += diff_state(success, state(run.tree, portable=True))
    else:
        problems += diff_state(before, state(run.tree))
    return problems


def judge_killed(run: Run, before: dict, success: dict | None, res) -> list[str]:
    """After kill -9 of the tool itself: --out complete or absent, the tree as before
    but for import refs; then the next run removes every leftover, says so, and succeeds."""
    problems = out_problems(run.out)
    after = state(run.tree)
    stale = [r for r in after.get("refs", "").splitlines() if r.startswith("refs/refactor/")]
    if after.get("refs") is not None:
        after["refs"] = "".join(r + "\n" for r in after["refs"].splitlines()
                                if not r.startswith("refs/refactor/"))
    problems += diff_state(before, after)
    left = leftovers(run) + stale
    again = run()
    if again.returncode != 0:
        problems.append(f"the run after the kill failed: {again.stderr.strip()}")
    elif left and "removed what an earlier, killed run left behind" not in again.stderr:
        problems.append(f"the next run did not say it removed {left}")
    problems += judge(run, before, success, again)
    return problems
