"""Page long output as git does: through $PAGER (default `less`) on a terminal only."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager

from refactor.report import is_terminal


def pager_command(stream=None) -> str | None:
    """The pager to use, or None: not a terminal, or PAGER is empty or `cat`."""
    stream = stream or sys.stdout
    if not is_terminal(stream):
        return None
    command = os.environ.get("PAGER", "less")
    return None if command.strip() in ("", "cat") else command


@contextmanager
def paged(enabled: bool = True):
    """Within the block, sys.stdout goes to the pager when there is one.

    As git does, `less` gets LESS=FRX unless LESS is set: it quits when the
    text fits one screen, passes colours through, and leaves the text on the
    screen.
    """
    command = pager_command() if enabled else None
    if command is None:
        yield
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    sys.stdout.flush()
    try:
        proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env,
                                text=True, encoding="utf-8", errors="replace")
    except OSError:
        yield  # no such pager: print as if there were none
        return
    saved = sys.stdout
    assert proc.stdin is not None  # stdin=PIPE
    sys.stdout = proc.stdin
    try:
        yield
    except BrokenPipeError:
        pass  # the user quit the pager early
    finally:
        sys.stdout = saved
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
        proc.wait()
