"""Git plumbing for building commits without touching any checkout.

Commits are written by `git fast-import` into the repository's object
database.  The user's working tree, index and HEAD are never read or written;
only the final `update-ref` of a new branch makes the result visible.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
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


def _ident(repo: Path, var: str, kind: str) -> bytes:
    """'Name <email> time tz' of the user, or of a clearly named fallback."""
    probe = subprocess.run(["git", "var", var], cwd=repo, capture_output=True)
    if probe.returncode == 0:
        return probe.stdout.strip()
    name, email = FALLBACK_IDENT[f"GIT_{kind}_NAME"], FALLBACK_IDENT[f"GIT_{kind}_EMAIL"]
    return f"{name} <{email}> {int(time.time())} +0000".encode()


def person(repo: Path, var: str = "GIT_COMMITTER_IDENT") -> str:
    """'Name <email>' of the user (as `git var` says), for Signed-off-by."""
    kind = "COMMITTER" if "COMMITTER" in var else "AUTHOR"
    ident = _ident(repo, var, kind).decode("utf-8", "replace")
    return ident.rsplit(" ", 2)[0]


def _modes(repo: Path, base: str | None, paths: list[str]) -> dict[str, str]:
    if base is None or not paths:
        return {}
    out = run(repo, "ls-tree", "-z", base, "--", *paths).decode("utf-8", "surrogateescape")
    modes = {}
    for entry in filter(None, out.split("\0")):
        meta, path = entry.split("\t", 1)
        modes[path] = meta.split()[0]
    return modes


def _path(path: str) -> bytes:
    if any(c in path for c in '"\n\\') or path.startswith(" "):
        raise UsageError(f"cannot commit a path git fast-import would need quoted: {path!r}")
    return path.encode("utf-8", "surrogateescape")


def make_commits(repo: Path, base: str | None,
                 steps: list[tuple[dict[str, bytes | None], str]],
                 author: str | None = None) -> list[str]:
    """Commit each (changes, message) on top of `base` (None: a root commit), in order.

    `author` ('Name <mail>', from --author) replaces the user's author
    identity; the user stays the committer, as with `git commit --author`.

    One `git fast-import` writes every blob, tree and commit straight into the
    object database: the cost follows the changed files, not the size of the
    tree or of its index, and no index or checkout is touched.
    """
    if not steps:
        return []
    paths = sorted({p for changes, _ in steps for p in changes})
    modes = _modes(repo, base, paths)
    committer = _ident(repo, "GIT_COMMITTER_IDENT", "COMMITTER")
    if author:
        when = committer.rsplit(b" ", 2)[1:]
        author_ident = b" ".join([author.encode("utf-8"), *when])
    else:
        author_ident = _ident(repo, "GIT_AUTHOR_IDENT", "AUTHOR")
    ref = f"refs/refactor/import-{os.getpid()}-{int(time.time() * 1e6)}"
    stream = bytearray()
    for i, (changes, message) in enumerate(steps, 1):
        msg = message.encode("utf-8")
        stream += f"commit {ref}\nmark :{i}\n".encode()
        stream += b"author " + author_ident + b"\ncommitter " + committer + b"\n"
        stream += b"data %d\n" % len(msg) + msg + b"\n"
        if i == 1 and base is not None:
            stream += f"from {base}\n".encode()
        for path, data in sorted(changes.items()):
            if data is None:
                stream += b"D " + _path(path) + b"\n"
            else:
                mode = modes.get(path, "100644").encode()
                stream += b"M " + mode + b" inline " + _path(path) + b"\n"
                stream += b"data %d\n" % len(data) + data + b"\n"
        stream += b"\n"
    stream += b"done\n"
    with tempfile.TemporaryDirectory(prefix="refactor-import-") as tmp:
        marks = Path(tmp) / "marks"
        try:
            run(repo, "fast-import", "--quiet", "--done", f"--export-marks={marks}",
                input=bytes(stream))
        finally:
            subprocess.run(["git", "update-ref", "-d", ref], cwd=repo, capture_output=True)
        found = dict(line.split() for line in marks.read_text().splitlines())
    return [found[f":{i}"] for i in range(1, len(steps) + 1)]


def scratch_repo(files: dict[str, bytes]) -> tuple[tempfile.TemporaryDirectory, Path, str]:
    """A throwaway repository holding `files` as its one commit (for plain trees)."""
    tmp = tempfile.TemporaryDirectory(prefix="refactor-scratch-")
    root = Path(tmp.name)
    run(root, "init", "-q")
    base, = make_commits(root, None, [(files, "base: the files the recipe touches, as found\n")])
    return tmp, root, base
