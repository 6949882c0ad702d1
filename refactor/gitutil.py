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
from collections.abc import Mapping, Sequence
from pathlib import Path

from refactor.errors import RefactorError, UsageError
from refactor.install import pid_alive


class GitError(RefactorError):
    """A git command failed: one line with git's own last word (exit 2)."""

    exit_status = 2

#: fast-import commits onto a ref of its own that it never writes (see make_commits);
#: older versions left refs/refactor/import-<pid>-<usec> when killed.
IMPORT_REFS = "refs/refactor/import-"

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


def run(repo: Path, *args: str, env: dict | None = None, input: bytes | None = None,
        writes: Path | None = None) -> bytes:
    """git's output; a failure is one line.  `writes` names, for a write fault, where
    the command writes as the user knows it (format-patch -o writes outside the repo)."""
    full = dict(os.environ)
    if env:
        full.update(env)
    res = subprocess.run(["git", *args], cwd=repo, env=full, input=input, capture_output=True)
    if res.returncode != 0:
        command = next((a for a in args if not a.startswith("-")), "")
        raise GitError(failure(command, res.returncode, res.stderr, writes or repo))
    return res.stdout


#: How a full, read-only or forbidden file system shows in git's messages.
WRITE_FAULTS = ("No space left", "Out of diskspace", "Read-only file system", "Permission denied",
                "Disk quota exceeded", "Operation not permitted")


def failure(command: str, status: int, stderr: bytes, where: Path | None = None) -> str:
    """One line: git's word on why (a write fault first, else its fatal line, else its last)."""
    lines = [ln for ln in stderr.decode(errors="replace").strip().splitlines()
             if "dumping crash report" not in ln]  # the crash report is removed
    why = next((ln for ln in lines if any(f in ln for f in WRITE_FAULTS)), None) or \
        next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), None) or \
        (lines[-1] if lines else f"killed by signal {-status}" if status < 0
         else f"exit status {status}")
    place = f" in {where}" if where is not None and any(f in why for f in WRITE_FAULTS) else ""
    return f"git {command} failed{place}: {why}"


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
                 steps: Sequence[tuple[Mapping[str, bytes | None], str]],
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
    ref = f"{IMPORT_REFS}{os.getpid()}-{int(time.time() * 1e6)}"
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
    # A reset without `from` deletes the ref again: git never writes it, so no run,
    # not even one killed with -9, leaves it behind.  The marks name the commits.
    stream += f"reset {ref}\n\ndone\n".encode()
    with tempfile.TemporaryDirectory(prefix=f"refactor-import-{os.getpid()}-") as tmp:
        marks = Path(tmp) / "marks"
        _fast_import(repo, bytes(stream), marks)
        found = dict(line.split() for line in marks.read_text().splitlines())
    return [found[f":{i}"] for i in range(1, len(steps) + 1)]


def _fast_import(repo: Path, stream: bytes, marks: Path) -> None:
    """Run git fast-import; when it fails, remove its crash report and partial pack."""
    git_dir = Path(run(repo, "rev-parse", "--absolute-git-dir").decode().strip())
    pack_dir = git_dir / "objects" / "pack"
    before = set(pack_dir.glob("tmp_*")) if pack_dir.is_dir() else set()
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done",
                             f"--export-marks={marks}"], cwd=repo, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _, err = proc.communicate(stream)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        if proc.returncode != 0:
            (git_dir / f"fast_import_crash_{proc.pid}").unlink(missing_ok=True)
            for tmp in set(pack_dir.glob("tmp_*")) - before if pack_dir.is_dir() else ():
                tmp.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise GitError(failure("fast-import", proc.returncode, err, repo))


def remove_stale_refs(repo: Path) -> list[str]:
    """Delete import refs of runs that were killed before they could (their pid is gone)."""
    removed = []
    refs = run(repo, "for-each-ref", "--format=%(refname)", "refs/refactor/").decode().split()
    for ref in refs:
        pid = ref[len(IMPORT_REFS):].split("-", 1)[0]
        if ref.startswith(IMPORT_REFS) and pid.isdigit() and not pid_alive(int(pid)):
            subprocess.run(["git", "update-ref", "-d", ref], cwd=repo, capture_output=True)
            removed.append(ref)
    return removed


def scratch_repo(files: dict[str, bytes]) -> tuple[tempfile.TemporaryDirectory, Path, str]:
    """A throwaway repository holding `files` as its one commit (for plain trees)."""
    tmp = tempfile.TemporaryDirectory(prefix=f"refactor-scratch-{os.getpid()}-")
    root = Path(tmp.name)
    run(root, "init", "-q")
    base, = make_commits(root, None, [(files, "base: the files the recipe touches, as found\n")])
    return tmp, root, base
