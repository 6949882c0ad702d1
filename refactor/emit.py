"""Turn a conflict-free plan into commits, a patch series, a full-context diff and a report.

On a git checkout the commits go on a new branch of the user's repository,
written straight into its object database (refactor.gitutil), so the checkout, its index and
any uncommitted work stay as they were.  On a plain directory the same commits
are made in a throwaway repository that holds only the touched files, and only
the patches come out, unless --in-place asks for the files too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from refactor import gitutil
from refactor.errors import UsageError
from refactor.install import TAG, Swap, remove_stale, say_removed, temp_prefix
from refactor.messages import Options
from refactor.plan import Plan
from refactor.target import Target

if TYPE_CHECKING:  # imported where used: a plan without a build test does not load them
    from refactor.buildtest import BuildResult, BuildStrategy

PATCH_NAME = re.compile(r"^\d{4}-.*\.patch$")


@dataclass
class Emitted:
    base: str
    commits: list[str | None]  # per step; None where the step changed nothing
    branch: str | None
    written: list[str] = field(default_factory=list)
    builds: list[BuildResult | None] = field(default_factory=list)
    report: dict | None = None
    backup: str | None = None  # where --force kept the branch it replaced

    @property
    def build_failed(self) -> bool:
        return any(b is not None and b.verdict == "fail" for b in self.builds)

    @property
    def build_inconclusive(self) -> bool:
        return any(b is not None and b.verdict == "inconclusive" for b in self.builds)


def existing_ancestor(path: Path) -> Path:
    """`path` itself when it exists, else its nearest ancestor that does."""
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return probe


def prepare_out(out: Path) -> Path:
    """Check that --out can be made, without making it (outputs are staged beside it)."""
    out = out.absolute()
    probe = existing_ancestor(out)
    if not probe.is_dir():
        raise UsageError(f"cannot write to --out {out}: {probe} is not a directory")
    try:
        tempfile.TemporaryDirectory(dir=probe, prefix=f".probe{TAG}{os.getpid()}-").cleanup()
    except OSError as exc:
        raise UsageError(f"cannot write to --out {out}: {exc.strerror or exc}") from None
    return out


def check_branch_free(target: Target, branch: str, force: bool = False) -> str | None:
    """Refuse, before any work, a branch name git would refuse, one that a ref blocks,
    or one that exists; with --force return the existing one's commit (to be replaced)."""
    repo = target.repo
    if repo is None:
        return None
    try:
        gitutil.run(target.root, "check-ref-format", "--branch", branch)
    except gitutil.GitError:
        raise UsageError(f"{branch!r} is not a valid branch name") from None
    ref = f"refs/heads/{branch}"
    exists = False
    for have in gitutil.run(target.root, "for-each-ref", "--format=%(refname)",
                            "refs/heads/").decode().split():
        exists = exists or have == ref
        # refs are files: "refactor" and "refactor/x" cannot both exist.
        if ref.startswith(have + "/") or have.startswith(ref + "/"):
            raise UsageError(f"branch {have[len('refs/heads/'):]} in {target.root} blocks "
                             f"branch {branch}; pick another with --branch")
    if not exists:
        return None
    if not force:
        raise UsageError(f"branch {branch} already exists in {target.root}; "
                         f"delete it, pick another with --branch, or replace it with --force")
    if not repo.head.is_detached and repo.head.ref.path == ref:
        raise UsageError(f"branch {branch} is checked out in {target.root}; switch to another "
                         f"branch first, or pick another with --branch")
    return gitutil.run(target.root, "rev-parse", ref).decode().strip()


def backup_name(target: Target, branch: str) -> str:
    """`<branch>.orig`, or `<branch>.orig.2`, ... : a name no branch has yet."""
    assert target.repo is not None  # only a checkout has branches to back up
    heads = {h.path for h in target.repo.heads}
    name, n = f"{branch}.orig", 1
    while f"refs/heads/{name}" in heads:
        n += 1
        name = f"{branch}.orig.{n}"
    return name


#: What a run has made visible so far, for the message after an interruption.
published: list[str] = []


def emit(plan: Plan, target: Target, out: Path, branch: str | None, build: str | BuildStrategy,
         in_place: bool = False, progress=None, message: Options | None = None,
         author: str | None = None, replaces: str | None = None, report=None) -> Emitted:
    """Commit every step that changed something, then write patches, diff, builds and report.

    Every output is staged in a temporary folder beside `out` and the in-place
    files beside their targets; all are renamed into place at the end, and the
    branch is made last, with the expectation that it does not exist yet (or,
    with --force, still points at `replaces`, kept as a backup branch).  Any
    failure (or Ctrl-C) before that undoes everything.  `report(emitted)` gives
    the report.json to write with the rest.
    """
    out = out.absolute()  # git runs with the repository as its working directory
    published.clear()
    touched = sorted({p for s in plan.steps for p in s.changes})
    outputs, tree_files = Swap(), Swap(target.root)
    stage = None
    scratch = None
    try:
        base: str
        if target.is_git:
            assert target.head is not None
            repo_dir, base = target.root, target.head
        else:
            originals = {p: d for p in touched if (d := plan.tree.read(p)) is not None}
            scratch, repo_dir, base = gitutil.scratch_repo(originals)
        if progress:
            progress(f"committing {sum(1 for s in plan.steps if s.changes)} steps")
        made = iter(gitutil.make_commits(
            repo_dir, base, commit_messages(plan, repo_dir, message), author=author))
        commits = [next(made) if s.changes else None for s in plan.steps]
        tip = next((c for c in reversed(commits) if c), base)
        # Beside --out, or inside it when it exists (its parent may not be writable).
        outputs.mkdirs(out.parent)
        stage = Path(tempfile.mkdtemp(dir=out if out.is_dir() else out.parent,
                                      prefix=temp_prefix(out)))
        os.chmod(stage, 0o777 & ~_umask())  # as mkdir would have made --out
        from refactor.buildtest import BuildStrategy

        builds = [_rebase_result(r, str(stage), str(out)) for r in
                  BuildStrategy.of(build).run_series(plan.steps, stage / "build", progress)]
        names = _write_outputs(plan, repo_dir, base, tip, stage, out)
        make_branch = branch if target.is_git and branch and tip != base else None
        written = [str(out / n) for n in names]
        if report is not None:
            written.append(str(out / "report.json"))
        emitted = Emitted(base, commits, make_branch, list(written), builds)
        if in_place:
            say_removed([stale for d in sorted({(target.root / p).parent for p in touched})
                         for stale in remove_stale(d, ".")])
            for p in touched:
                data = plan.final.read(p)
                if data is None:
                    tree_files.delete(target.root / p)
                else:
                    tree_files.write(target.root / p, data)
                emitted.written.append(str(target.root / p))
        if report is not None:
            emitted.report = report(emitted)
            write_report(stage / "report.json", emitted.report)
        _stage_out(outputs, stage, out)
        outputs.apply()
        tree_files.apply()
        if make_branch:
            emitted.backup = _make_branch(target, make_branch, tip, replaces)
        published[:] = [f"branch {make_branch} in {target.root}"] if make_branch else []
        published.append(f"{len(written)} files in {out}")
        if in_place:
            published.append(f"{len(touched)} changed files in {target.root}")
        for left in outputs.finish() + tree_files.finish():
            print(f"refactor: warning: could not remove the old {left}", file=sys.stderr)
        if stage.exists():  # emptied file by file into an --out that existed
            stage.rmdir()
        return emitted
    except BaseException as exc:
        if published:
            raise
        tree_files.undo()
        outputs.undo()
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
        if isinstance(exc, OSError):
            raise UsageError(_os_message(exc, stage, out)) from None
        raise
    finally:
        if scratch is not None:
            scratch.cleanup()


def _rebase_result(result: BuildResult | None, stage: str, out: str) -> BuildResult | None:
    """A build result whose log paths point into --out, not into its staging folder."""
    if result is None:
        return None
    return replace(result, **{f.name: _rebase(getattr(result, f.name), stage, out)
                              for f in fields(result)})


def _rebase(data, stage: str, out: str):
    """`data` with every path into the staging folder made a path into --out."""
    if isinstance(data, str):
        return out + data[len(stage):] if data == stage or data.startswith(stage + "/") \
            else data
    if isinstance(data, list):
        return [_rebase(d, stage, out) for d in data]
    if isinstance(data, dict):
        return {k: _rebase(v, stage, out) for k, v in data.items()}
    return data


def _umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def _os_message(exc: OSError, stage: Path | None, out: Path) -> str:
    """One line naming the file as the user knows it (not its staged name)."""
    name = str(exc.filename or "")
    if stage is not None:
        name = name.replace(str(stage), str(out))
    name = re.sub(r"/\.([^/]*)\.refactor-\d+-[^/]*$", r"/\1", name)
    return f"cannot write {name or out}: {exc.strerror or exc}; nothing was written"


def _stage_out(outputs: Swap, stage: Path, out: Path) -> None:
    """Plan the move of the staged outputs: the whole folder, or file by file into
    an existing --out (keeping what else is there, dropping stale patches)."""
    if not out.exists():
        outputs.put(out, stage)
        return
    new = set(os.listdir(stage))
    for old in sorted(out.iterdir()):
        if PATCH_NAME.match(old.name) and old.name not in new:
            outputs.delete(old)
    for name in sorted(new):
        outputs.put(out / name, stage / name)


def _make_branch(target: Target, branch: str, tip: str, old: str | None) -> str | None:
    """Point `branch` at `tip`; an old branch (--force) is first kept as a backup branch,
    whose name is returned.  Each update refuses a ref that moved meanwhile."""
    ref = f"refs/heads/{branch}"
    backup = backup_name(target, branch) if old else None
    made: list[tuple[str, str, str]] = []  # (ref, new, old value) done so far
    try:
        if backup and old:
            gitutil.run(target.root, "update-ref", f"refs/heads/{backup}", old, "")
            made.append((f"refs/heads/{backup}", old, ""))
        gitutil.run(target.root, "update-ref", "-m", "refactor: apply", ref, tip, old or "")
        return backup
    except BaseException as exc:
        # Undo what was done; and when interrupted, git may have made the branch all
        # the same: put it back only if it is still ours.
        if not isinstance(exc, gitutil.GitError):
            made.append((ref, tip, old or ""))
        for r, new, was in reversed(made):
            args = ["update-ref", r, was, new] if was else ["update-ref", "-d", r, new]
            subprocess.run(["git", *args], cwd=target.root, capture_output=True)
        if isinstance(exc, gitutil.GitError):
            raise UsageError(f"cannot create branch {branch} in {target.root} "
                             f"({str(exc).split(': ', 1)[-1]}); nothing was written") from None
        raise


def write_series(plan: Plan, repo_dir: Path, base: str, out: Path) -> list[str]:
    """Commit the plan's steps as loose objects of `repo_dir` (no ref, no checkout) and
    write their patch series and full-context diff to `out`, all at once or not at all."""
    made = gitutil.make_commits(repo_dir, base, commit_messages(plan, repo_dir, None))
    outputs = Swap()
    outputs.mkdirs(out.parent)
    stage = Path(tempfile.mkdtemp(dir=out if out.is_dir() else out.parent,
                                  prefix=temp_prefix(out)))
    try:
        os.chmod(stage, 0o777 & ~_umask())
        names = _write_outputs(plan, repo_dir, base, made[-1] if made else base, stage, out)
        _stage_out(outputs, stage, out)
        outputs.apply()
    except BaseException:
        outputs.undo()
        shutil.rmtree(stage, ignore_errors=True)
        raise
    outputs.finish()
    if stage.exists():
        stage.rmdir()
    return [str(out / n) for n in names]


def commit_messages(plan: Plan, repo_dir: Path, options: Options | None
                    ) -> list[tuple[dict[str, bytes | None], str]]:
    """(changes, message) of every step that changed something; --signoff signs as the
    committer of `repo_dir`."""
    options = options or Options()
    if options.signoff and not options.signer:
        options = replace(options, signer=gitutil.person(repo_dir))
    return [(s.changes, s.step.message(s.rules, options) or s.step.title + "\n")
            for s in plan.steps if s.changes]


def _write_outputs(plan: Plan, repo_dir: Path, base: str, tip: str, stage: Path,
                   out: Path) -> list[str]:
    """Write the patches and the full-context diff into `stage` (the user's `out`);
    their names, in order."""
    names: list[str] = []
    if tip != base:
        # format-patch prints the name of each file it writes, one a line.
        names += [Path(n).name for n in gitutil.run(
            repo_dir, "format-patch", "-o", str(stage), f"{base}..{tip}",
            writes=out).decode().splitlines()]
    diff_name = f"{plan.recipe.name}.diff"
    # Every line of each touched file as context, as Phabricator reviews want.
    full = gitutil.run(repo_dir, "diff", "--no-color", "-U99999999", base, tip) if tip != base \
        else b""
    (stage / diff_name).write_bytes(full)
    names.append(diff_name)
    return names


def write_in_place(root: Path, final, paths: list[str]) -> list[str]:
    """Write every touched file at once, or none (see refactor.install)."""
    swap = Swap(root)
    try:
        for rel in paths:
            data = final.read(rel)
            if data is None:
                swap.delete(root / rel)
            else:
                swap.write(root / rel, data)
        swap.apply()
    except OSError as exc:
        swap.undo()
        raise UsageError(_os_message(exc, None, root)) from None
    except BaseException:
        swap.undo()
        raise
    swap.finish()
    return [str(root / p) for p in paths]


def write_report(path: Path, report: dict) -> None:
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
