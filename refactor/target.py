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
    except ValueError:
        raise UsageError(f"{root} is a git checkout without any commit") from None
    return repo


def check_anchors(target: Target, recipe: Recipe) -> None:
    missing = [p for p in recipe.anchors if not target.tree.exists(p)]
    if missing:
        raise UsageError(
            f"{target.root} lacks {', '.join(missing)}: not a FreeBSD source tree "
            f"that recipe {recipe.name} can work on"
        )


def dirty_paths(target: Target, paths: list[str]) -> list[str]:
    """Which of `paths` have uncommitted changes (staged, unstaged or untracked)."""
    if not target.is_git or not paths:
        return []
    out = target.repo.git.status("--porcelain", "-z", "--untracked-files=all", "--", *paths)
    dirty = []
    for entry in out.split("\0"):
        if len(entry) > 3:
            dirty.append(entry[3:])
    return sorted(set(dirty))
