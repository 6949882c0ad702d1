"""The plan's line diffs: difflib's own for short files, windowed (and correct) for long ones."""

from __future__ import annotations

import difflib
import random

from refactor.linediff import EXACT_UP_TO, opcodes, unified_diff


def rebuilt(a: list[str], b: list[str], ops) -> list[str]:
    out, pos = [], 0
    for tag, i1, i2, j1, j2 in ops:
        assert i1 == pos  # the opcodes cover a, in order
        pos = i2
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
            out += a[i1:i2]
        else:
            out += b[j1:j2]
    assert pos == len(a)
    return out


def edited(rng: random.Random, n: int) -> tuple[list[str], list[str]]:
    a = [f"line {rng.randrange(40)};\n" for _ in range(n)]
    b = list(a)
    for _ in range(rng.randrange(1, 60)):
        k = rng.randrange(len(b))
        r = rng.random()
        if r < 0.4:
            b[k] = "changed;\n"
        elif r < 0.7:
            b.insert(k, "inserted;\n")
        else:
            del b[k]
    return a, b


def test_long_files_get_a_diff_that_turns_one_into_the_other():
    rng = random.Random(7)
    for _ in range(20):
        a, b = edited(rng, rng.randrange(EXACT_UP_TO + 1, 3 * EXACT_UP_TO))
        assert rebuilt(a, b, opcodes(a, b)) == b
        # The unified diff's - and + lines are those changes, nothing else.
        lines = list(unified_diff(a, b, "a/f.c", "b/f.c"))
        assert lines[:2] == ["--- a/f.c\n", "+++ b/f.c\n"]
        minus = sum(1 for ln in lines[2:] if ln.startswith("-"))
        plus = sum(1 for ln in lines[2:] if ln.startswith("+"))
        ops = opcodes(a, b)
        assert minus == sum(i2 - i1 for t, i1, i2, _, _ in ops if t != "equal")
        assert plus == sum(j2 - j1 for t, _, _, j1, j2 in ops if t != "equal")


def test_short_files_diff_exactly_as_difflib_does():
    rng = random.Random(3)
    for _ in range(10):
        a, b = edited(rng, rng.randrange(5, EXACT_UP_TO))
        assert list(unified_diff(a, b, "a/x", "b/x")) == \
            list(difflib.unified_diff(a, b, fromfile="a/x", tofile="b/x"))


def test_one_change_in_a_long_file_is_one_hunk_as_difflib_has_it():
    a = [f"int\tv{i};\n" for i in range(3 * EXACT_UP_TO)]
    b = list(a)
    b[4321] = "int\trenamed;\n"
    assert list(unified_diff(a, b, "a/x", "b/x")) == \
        list(difflib.unified_diff(a, b, fromfile="a/x", tofile="b/x"))


def test_nothing_in_common_is_one_replacement():
    a = [f"a{i}\n" for i in range(EXACT_UP_TO + 10)]
    b = [f"b{i}\n" for i in range(EXACT_UP_TO + 20)]
    assert rebuilt(a, b, opcodes(a, b)) == b
