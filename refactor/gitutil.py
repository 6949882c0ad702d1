"""Git plumbing for building commits without touching any checkout.

Commits are made with a temporary index file (read-tree, update-index,
write-tree, commit-tree) in the repository's object database.  The user's
working tree, index and HEAD are never read or written; only the final
`update-ref` of a new branch makes the result visible.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from refactor.errors import UsageError

FALLBACK_IDENT = {
    "GIT_AUTHOR_NAME": "freebsd-refactor",
    "GIT_AUTHOR_EMAIL": "freebsd-refactor@localhost",
    "GIT_COMMITTER_NAME": "freebsd-refactor",
    "GIT_COMMITTER_EMAIL": "freebsd-refactor@localhost",
}


def require_git() -> str:
    exe = shutil.which("git")
    if exe is None:
        raise UsageError("git is not installed or not on PATH; freebsd-refactor needs git "
                         "to build the patch series (install git, e.g. `pkg install git`)")
    return exe


def run(repo: Path, *args: str, env: dict | None = None, input: bytes | None = None) -> bytes:
    full = dict(os.environ)
    if env:
        full.update(env)
    res = subprocess.run(["git", *args], cwd=repo, env=full, input=input, capture_output=True)
    if res.returncode != 0:
        msg = res.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"git {args[0]} failed: {msg[-1] if msg else res.returncode}")
    return res.stdout


def ident_env(repo: Path) -> dict:
    """The user's identity when git has one, else a clearly named fallback."""
    env = {}
    for var, kind in (("GIT_AUTHOR_IDENT", "AUTHOR"), ("GIT_COMMITTER_IDENT", "COMMITTER")):
        probe = subprocess.run(["git", "var", var], cwd=repo, capture_output=True)
        if probe.returncode != 0:
            env[f"GIT_{kind}_NAME"] = FALLBACK_IDENT[f"GIT_{kind}_NAME"]
            env[f"GIT_{kind}_EMAIL"] = FALLBACK_IDENT[f"GIT_{kind}_EMAIL"]
    return env


class CommitBuilder:
    """Stacks commits on `base` through a private index file."""

    def __init__(self, repo: Path, base: str):
        self.repo = repo
        self.tip = base
        self._dir = tempfile.TemporaryDirectory(prefix="refactor-index-")
        self.env = {"GIT_INDEX_FILE": str(Path(self._dir.name) / "index")}
        self.env.update(ident_env(repo))
        run(repo, "read-tree", base, env=self.env)

    def commit(self, changes: dict[str, bytes | None], message: str) -> str:
        lines = []
        for path, data in sorted(changes.items()):
            if data is None:
                lines.append(f"0 {'0' * 40}\t{path}")
                continue
            sha = run(self.repo, "hash-object", "-w", "--stdin", input=data).decode().strip()
            lines.append(f"{self._mode(path)} {sha}\t{path}")
        run(self.repo, "update-index", "--index-info", env=self.env,
            input=("\n".join(lines) + "\n").encode())
        tree = run(self.repo, "write-tree", env=self.env).decode().strip()
        self.tip = run(self.repo, "commit-tree", tree, "-p", self.tip, "-F", "-",
                       env=self.env, input=message.encode()).decode().strip()
        return self.tip

    def _mode(self, path: str) -> str:
        out = run(self.repo, "ls-files", "-s", "--", path, env=self.env).decode()
        return out.split()[0] if out else "100644"

    def close(self) -> None:
        self._dir.cleanup()


def scratch_repo(files: dict[str, bytes]) -> tuple[tempfile.TemporaryDirectory, Path, str]:
    """A throwaway repository holding `files` as its one commit (for plain trees)."""
    tmp = tempfile.TemporaryDirectory(prefix="refactor-scratch-")
    root = Path(tmp.name)
    run(root, "init", "-q")
    env = dict(FALLBACK_IDENT)
    builder_env = {"GIT_INDEX_FILE": str(root / ".git" / "index"), **env}
    lines = []
    for path, data in sorted(files.items()):
        sha = run(root, "hash-object", "-w", "--stdin", input=data).decode().strip()
        lines.append(f"100644 {sha}\t{path}")
    if lines:
        run(root, "update-index", "--add", "--index-info", env=builder_env,
            input=("\n".join(lines) + "\n").encode())
    tree = run(root, "write-tree", env=builder_env).decode().strip()
    base = run(root, "commit-tree", tree, "-m", "base: the files the recipe touches, as found",
               env=env).decode().strip()
    return tmp, root, base
