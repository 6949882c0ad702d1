"""What the user pointed --tree at: a git checkout or a plain directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from refactor.errors import UsageError
from refactor.recipe import Recipe
from refactor.tree import GitSource, Tree


@dataclass
class Target:
    root: Path
    tree: Tree
    repo: object | None = None  # git.Repo for a checkout
    head: str | None = None

    @property
    def is_git(self) -> bool:
        return self.repo is not None


def open_target(path: str | os.PathLike, rev: str | None = None) -> Target:
    root = Path(path).expanduser()
    if not root.exists():
        raise UsageError(f"tree {root} does not exist")
    if not root.is_dir():
        raise UsageError(f"tree {root} is not a directory")
    root = root.resolve()
    repo = _repo_at(root)
    if repo is None:
        if rev is not None:
            raise UsageError(f"{root} is not a git checkout, so --rev cannot be used")
        return Target(root, Tree.from_dir(root))
    try:
        head = repo.commit(rev or "HEAD").hexsha
    except Exception as exc:  # gitdb BadName, ValueError on an unborn HEAD
        what = rev or "HEAD"
        raise UsageError(f"{root}: cannot resolve {what} ({type(exc).__name__})") from None
    return Target(root, Tree(GitSource(repo, head)), repo, head)


def _repo_at(root: Path):
    """A git.Repo when `root` is the top of a non-bare checkout, else None."""
    if not (root / ".git").exists():
        return None
    import git

    try:
        repo = git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    if repo.bare or Path(repo.working_tree_dir).resolve() != root:
        return None
    try:
        repo.head.commit  # noqa: B018 - an unborn branch has nothing to build on
    except ValueError as exc:
        import subprocess

        unborn = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=root,
                                capture_output=True).returncode == 1
        if unborn:
            raise UsageError(f"{root} is a git checkout without any commit") from None
        raise UsageError(f"{root}: cannot read HEAD ({' '.join(str(exc).split())})") from None
    return repo


def check_anchors(target: Target, recipe: Recipe) -> None:
    missing = [p for p in recipe.anchors if not target.tree.exists(p)]
    if missing:
        for p in missing:
            _check_read(target, p)
        raise UsageError(
            f"{target.root} lacks {', '.join(missing)}: not a FreeBSD source tree "
            f"that recipe {recipe.name} can work on"
        )


#: The C front end is not linear in file size yet (issue 10): refuse, in one
#: line, a C file so large that planning it would not finish.
MAX_C_BYTES = 1 << 20


def check_readable(target: Target, recipe: Recipe) -> None:
    """Every file the recipe reads is readable (or absent) and not too large to parse."""
    for path in sorted({f for r in recipe.rules() for f in r.files}):
        _check_read(target, path)
        if path.endswith((".c", ".h")):
            data = target.tree.read(path)
            if data is not None and len(data) > MAX_C_BYTES:
                raise UsageError(f"{target.root / path} is {len(data) / 1e6:.1f} MB; C files "
                                 f"over {MAX_C_BYTES >> 20} MiB are refused (parsing them "
                                 f"would take too long)")


def _check_read(target: Target, path: str) -> None:
    """'cannot read' for a file or folder on the way that exists but cannot be read."""
    if target.is_git:
        return
    p = target.root
    for part in path.split("/"):
        need = os.R_OK | os.X_OK if p.is_dir() else os.R_OK
        if not os.access(p, need):
            raise UsageError(f"cannot read {p}: permission denied")
        p = p / part
        if not os.path.lexists(p):
            return
    if not os.access(p, os.R_OK):
        raise UsageError(f"cannot read {p}: permission denied")


def dirty_paths(target: Target, paths: list[str]) -> list[str]:
    """Which of `paths` have uncommitted changes (staged, unstaged or untracked)."""
    if not target.is_git or not paths:
        return []
    from refactor import gitutil

    out = gitutil.run(target.root, "--no-optional-locks", "status", "--porcelain", "-z",
                      "--untracked-files=all", "--", *paths).decode("utf-8", "surrogateescape")
    dirty = []
    for entry in out.split("\0"):
        if len(entry) > 3:
            dirty.append(entry[3:])
    return sorted(set(dirty))
