"""One Edit for the difference between two versions of a file.

Operations that make several changes to one file in turn (each seeing the
last, as a Makefile gains two words) parse between changes; the planner
still wants spans into the file as it was, so the result becomes the one
span where the bytes differ.
"""

from __future__ import annotations

from refactor.edits import Edit


def squash(path: str, old: bytes, new: bytes, rule: str = "") -> Edit | None:
    """The smallest single Edit turning `old` into `new`, None when they are equal."""
    if old == new:
        return None
    n = min(len(old), len(new))
    lo = 0
    while lo < n and old[lo] == new[lo]:
        lo += 1
    hi = 0
    while hi < n - lo and old[len(old) - 1 - hi] == new[len(new) - 1 - hi]:
        hi += 1
    return Edit(path, lo, len(old) - hi, new[lo:len(new) - hi], rule)


def apply_one(data: bytes, edit: Edit) -> bytes:
    return data[:edit.start] + edit.text + data[edit.end:]
