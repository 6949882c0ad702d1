"""Put a set of files into place all at once, or not at all.

Everything is staged first, in temporary files beside the files it replaces
(so each final step is a rename on one file system).  `apply()` then renames
them into place in one pass, moving each old file aside; `finish()` drops the
old files, `undo()` puts them back and removes every temporary file and every
folder that was made.  Temporary names carry the process id, so a later run
can tell those of a killed process (see `remove_stale`).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from refactor.errors import UsageError

TAG = ".refactor-"
#: Temporary names made here and in $TMPDIR: "<anything>.refactor-<pid>-..." or
#: "refactor-<kind>-<pid>-...".
STALE = re.compile(r"(?:\.refactor-|^refactor-(?:import|scratch|replay)-)(\d+)-")


def temp_prefix(dest: Path) -> str:
    return f".{dest.name}{TAG}{os.getpid()}-"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def remove_stale(folder: Path, only_prefix: str = "") -> list[Path]:
    """Remove temporary files and folders in `folder` left by processes that no longer run."""
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(only_prefix):
            continue
        m = STALE.search(name)
        if not m or int(m.group(1)) == os.getpid() or pid_alive(int(m.group(1))):
            continue
        try:
            _remove(folder / name)
            removed.append(folder / name)
        except OSError:
            pass  # not ours to fight over; the next run tries again
    return removed


def say_removed(paths) -> None:
    if paths:
        print(f"refactor: removed what an earlier, killed run left behind: "
              f"{', '.join(map(str, paths))}", file=sys.stderr)


@dataclass
class _Entry:
    dest: Path
    staged: Path | None  # None: remove dest
    backup: Path | None = None
    done: bool = False


class Swap:
    """One all-or-nothing set of writes.  With `root`, no write may leave it."""

    def __init__(self, root: Path | None = None):
        self.root = Path(os.path.realpath(root)) if root is not None else None
        self.entries: list[_Entry] = []
        self.made_dirs: list[Path] = []
        self.temps: list[Path] = []

    # ----- staging ---------------------------------------------------------------
    def _inside(self, dest: Path) -> Path:
        """The real path to write; refuse one outside `root` (a symlink out of the tree)."""
        real = Path(os.path.realpath(dest))
        if self.root is not None and real != self.root and self.root not in real.parents:
            raise UsageError(f"refusing to write {dest}: its real path {real} is outside "
                             f"{self.root}; nothing was written")
        return real

    def mkdirs(self, folder: Path) -> None:
        missing = []
        while not folder.exists() and folder.parent != folder:
            missing.append(folder)
            folder = folder.parent
        for d in reversed(missing):
            d.mkdir()
            self.made_dirs.append(d)

    def _check_writable(self, dest: Path) -> None:
        if os.path.lexists(dest) and not os.access(dest, os.W_OK, follow_symlinks=False):
            raise UsageError(f"cannot write {dest}: it is read-only; nothing was written")
        parent = dest.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise UsageError(f"cannot write {dest}: {parent} is not a folder; "
                             f"nothing was written")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise UsageError(f"cannot write {dest}: folder {parent} is not writable; "
                             f"nothing was written")

    def write(self, dest: Path, data: bytes) -> Path:
        """Stage `data` for `dest` (a file's mode is kept; a new file gets 0644)."""
        dest = self._inside(dest)
        if dest.is_dir():
            raise UsageError(f"cannot write {dest}: it is a folder; nothing was written")
        self._check_writable(dest)
        self.mkdirs(dest.parent)
        fd, name = tempfile.mkstemp(dir=dest.parent, prefix=temp_prefix(dest))
        tmp = Path(name)
        self.temps.append(tmp)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, dest.stat().st_mode & 0o7777 if dest.exists() else 0o644)
        self.entries.append(_Entry(dest, tmp))
        return dest

    def delete(self, dest: Path) -> None:
        dest = self._inside(dest)
        if os.path.lexists(dest):
            self._check_writable(dest)
            self.entries.append(_Entry(dest, None))

    def put(self, dest: Path, staged: Path) -> None:
        """Move an already staged file or folder (made by the caller) to `dest`."""
        self.mkdirs(dest.parent)
        self.entries.append(_Entry(dest, staged))

    # ----- the switch ------------------------------------------------------------
    def apply(self) -> None:
        """Rename every staged file into place; on any failure undo all of it and raise."""
        try:
            for e in self.entries:
                if os.path.lexists(e.dest):
                    backup = e.dest.with_name(temp_prefix(e.dest) + "old")
                    os.rename(e.dest, backup)
                    e.backup = backup
                if e.staged is not None:
                    try:
                        os.rename(e.staged, e.dest)
                    except BaseException:
                        if e.backup is not None:
                            os.rename(e.backup, e.dest)
                            e.backup = None
                        raise
                e.done = True
        except BaseException:
            self.undo()
            raise

    def finish(self) -> list[Path]:
        """Drop the old files; what could not be removed is returned."""
        left = []
        for e in self.entries:
            if e.backup is not None:
                try:
                    _remove(e.backup)
                except OSError:
                    left.append(e.backup)
        self.entries, self.temps, self.made_dirs = [], [], []
        return left

    def undo(self) -> None:
        """Put back every old file, remove every temporary file and made folder."""
        for e in reversed(self.entries):
            if e.done or e.backup is not None:
                if e.staged is not None and e.done:
                    _remove(e.dest)
                if e.backup is not None:
                    os.rename(e.backup, e.dest)
                e.done, e.backup = False, None
        for tmp in self.temps:
            tmp.unlink(missing_ok=True)
        for d in reversed(self.made_dirs):
            shutil.rmtree(d, ignore_errors=True)
        self.entries, self.temps, self.made_dirs = [], [], []
