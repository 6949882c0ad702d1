"""The `make` strategy: the tree's own build, on a FreeBSD host only.

`make -C <dir>` for each directory the commit touched, once per configuration
(WITH_/WITHOUT_ the Makefile's options), with MAKEOBJDIRPREFIX in a temporary
folder so the tree stays clean.  It needs the tree on disk: the caller's
worktree for the after-state, and for the before-state (and for an after-state
with no worktree) a temporary `git worktree add --detach` of the Tree's commit
with the Tree's in-memory changes written over it.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path

from refactor.buildtest.config import DEFAULT_NO_OPTIONS, Config
from refactor.tree import GitSource, Tree


def make_program() -> tuple[str | None, str]:
    """(path of FreeBSD's make, why) or (None, why not)."""
    system = platform.system()
    if system != "FreeBSD":
        return None, f"the make strategy needs a FreeBSD host; this is {system}"
    for name in ("make", "bmake"):
        path = shutil.which(name)
        if path:
            return path, f"FreeBSD host with {name} ({path})"
    return None, "FreeBSD host without make or bmake on PATH"


def option_vars(config: Config) -> list[str]:
    """WITH_X=yes / WITHOUT_X=yes for each option the configuration flips."""
    out = []
    for opt, value in config.options:
        default_on = opt not in DEFAULT_NO_OPTIONS
        if value == "yes" and not default_on:
            out.append(f"WITH_{opt}=yes")
        elif value == "no" and default_on:
            out.append(f"WITHOUT_{opt}=yes")
    return out


def make_command(make: str, worktree: Path, dir: str, config: Config,
                 jobs: int | None = None) -> list[str]:
    return [make, "-C", str(worktree / dir), f"-j{jobs or os.cpu_count() or 1}",
            *option_vars(config), "all"]


def make_env(objdir_prefix: Path) -> dict[str, str]:
    # MAKEOBJDIRPREFIX is only honoured from the environment, not the command line.
    env = dict(os.environ)
    env["MAKEOBJDIRPREFIX"] = str(objdir_prefix)
    env.pop("MAKEFLAGS", None)
    return env


def checkout(tree: Tree, dest: Path) -> tuple[Path | None, str]:
    """A worktree holding `tree`'s state, or (None, why not)."""
    src = tree.source
    if not isinstance(src, GitSource):
        return None, (f"the Tree reads {tree.describe()}, not a git commit: "
                      "pass worktree= to build it in place")
    repo_dir = src.repo.working_tree_dir
    p = subprocess.run(["git", "-C", str(repo_dir), "worktree", "add", "--detach", str(dest),
                        src.commit.hexsha], capture_output=True, text=True)
    if p.returncode != 0:
        return None, f"git worktree add failed: {p.stderr.strip()}"
    for path, data in tree.changes.items():
        target = dest / path
        if data is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return dest, f"temporary worktree of {src.commit.hexsha[:12]} at {dest}"


def remove_checkout(tree: Tree, dest: Path) -> None:
    src = tree.source
    if isinstance(src, GitSource):
        subprocess.run(["git", "-C", str(src.repo.working_tree_dir), "worktree", "remove",
                        "--force", str(dest)], capture_output=True)
    shutil.rmtree(dest, ignore_errors=True)
