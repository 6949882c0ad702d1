"""Shared test helpers: real git repositories in temporary folders, the CLI run as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
TREES = FIXTURES / "trees"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.org",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
}


#: The commit date every test plans with (SOURCE_DATE_EPOCH): January 15, 2026, so the
#: `.Dd` of a changed manual page in the golden trees does not depend on the day.  Set
#: at import, so module-scoped fixtures that plan see it too; CLI runs inherit it.
SOURCE_DATE_EPOCH = "1768435200"
os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH


def git(cwd: Path, *args: str, check: bool = True) -> str:
    env = dict(os.environ, **GIT_ENV)
    res = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {res.stderr}")
    return res.stdout


def git_raw(cwd: Path, *args: str) -> bytes:
    """Like git(), but bytes in and out: CRLF and Latin-1 stay as they are."""
    env = dict(os.environ, **GIT_ENV)
    res = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True)
    if res.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {res.stderr!r}")
    return res.stdout


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def make_repo(src: Path, dst: Path) -> Path:
    """A fresh git repository holding a copy of `src` as its one commit."""
    copy_tree(src, dst)
    git(dst, "init", "-q", "-b", "main")
    git(dst, "add", "-A")
    git(dst, "commit", "-q", "-m", "import fixture")
    return dst


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None,
            timeout: float | None = None):
    """Run `python -m refactor ARGS` as a subprocess, exactly as a user would."""
    full_env = dict(os.environ, **GIT_ENV)
    full_env.pop("FORCE_COLOR", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "refactor", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (outside .git) with its bytes."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and ".git" not in p.relative_to(root).parts:
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


@pytest.fixture
def fixture_repo(tmp_path):
    """Factory: the named fixture era as a fresh git repository."""

    def make(era: str = "bhyve-2021", name: str = "src") -> Path:
        return make_repo(TREES / era, tmp_path / name)

    return make
