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
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from refactor import gitutil
from refactor.buildtest import BuildResult, BuildStrategy
from refactor.errors import UsageError
from refactor.plan import Plan
from refactor.target import Target

PATCH_NAME = re.compile(r"^\d{4}-.*\.patch$")


@dataclass
class Emitted:
    base: str
    commits: list[str | None]  # per step; None where the step changed nothing
    branch: str | None
    written: list[str] = field(default_factory=list)
    builds: list[BuildResult | None] = field(default_factory=list)

    @property
    def build_failed(self) -> bool:
        return any(b is not None and b.verdict == "fail" for b in self.builds)

    @property
    def build_inconclusive(self) -> bool:
        return any(b is not None and b.verdict == "inconclusive" for b in self.builds)


def prepare_out(out: Path) -> Path:
    """Create --out, or fail with one line when it cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".probe-", delete=True)
        probe.close()
    except OSError as exc:
        raise UsageError(f"cannot write to --out {out}: {exc.strerror or exc}") from None
    return out


def check_branch_free(target: Target, branch: str) -> None:
    if not target.is_git:
        return
    try:
        gitutil.run(target.root, "check-ref-format", "--branch", branch)
    except RuntimeError:
        raise UsageError(f"{branch!r} is not a valid branch name") from None
    if f"refs/heads/{branch}" in {h.path for h in target.repo.heads}:
        raise UsageError(f"branch {branch} already exists in {target.root}; "
                         f"delete it or pick another with --branch")


def emit(plan: Plan, target: Target, out: Path, branch: str | None, build: str | BuildStrategy,
         in_place: bool = False, progress=None) -> Emitted:
    """Commit every step that changed something, then write patches, diff and builds."""
    out = out.absolute()  # git runs with the repository as its working directory
    touched = sorted({p for s in plan.steps for p in s.changes})
    scratch = None
    if target.is_git:
        repo_dir, base = target.root, target.head
    else:
        originals = {p: d for p in touched if (d := plan.tree.read(p)) is not None}
        scratch, repo_dir, base = gitutil.scratch_repo(originals)
    try:
        if progress:
            progress(f"committing {sum(1 for s in plan.steps if s.changes)} steps")
        made = iter(gitutil.make_commits(
            repo_dir, base, [(s.changes, s.step.message()) for s in plan.steps if s.changes]))
        commits = [next(made) if s.changes else None for s in plan.steps]
        tip = next((c for c in reversed(commits) if c), base)
        builds = BuildStrategy.of(build).run_series(plan.steps, out / "build", progress)
        written = _write_outputs(plan, repo_dir, base, tip, out)
        made_branch = None
        if target.is_git and branch and tip != base:
            gitutil.run(target.root, "update-ref", f"refs/heads/{branch}", tip, "")
            made_branch = branch
        if in_place:
            written += write_in_place(target.root, plan.final, touched)
        return Emitted(base, commits, made_branch, written, builds)
    finally:
        if scratch is not None:
            scratch.cleanup()


def _write_outputs(plan: Plan, repo_dir: Path, base: str, tip: str, out: Path) -> list[str]:
    for old in out.iterdir():
        if PATCH_NAME.match(old.name):
            old.unlink()
    written: list[str] = []
    if tip != base:
        # format-patch prints the name of each file it writes, one a line.
        names = gitutil.run(repo_dir, "format-patch", "-o", str(out),
                            f"{base}..{tip}").decode().splitlines()
        written += [str(Path(n)) for n in names]
    diff_path = out / f"{plan.recipe.name}.diff"
    # Every line of each touched file as context, as Phabricator reviews want.
    full = gitutil.run(repo_dir, "diff", "--no-color", "-U99999999", base, tip) if tip != base \
        else b""
    diff_path.write_bytes(full)
    written.append(str(diff_path))
    return written


def write_in_place(root: Path, final, paths: list[str]) -> list[str]:
    """Write every touched file at once, or none: temp files first, then renames."""
    staged: list[tuple[Path, Path | None]] = []
    try:
        for rel in paths:
            dest = root / rel
            data = final.read(rel)
            if data is None:
                staged.append((dest, None))
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.refactor-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            if dest.exists():
                os.chmod(tmp, dest.stat().st_mode & 0o7777)
            else:
                os.chmod(tmp, 0o644)
            staged.append((dest, Path(tmp)))
    except OSError as exc:
        for _, tmp in staged:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write into {root}: {exc.strerror or exc}; nothing written") \
            from None
    for dest, tmp in staged:
        if tmp is None:
            dest.unlink(missing_ok=True)
        else:
            os.replace(tmp, dest)
    return [str(root / p) for p in paths]


def write_report(path: Path, report: dict) -> None:
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
