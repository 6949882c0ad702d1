"""style(9) wrapping: wrap() breaks after commas; rewrap() re-flows what an edit made too long."""

from __future__ import annotations

from refactor.c.wrap import rewrap, width, wrap
from refactor.edits import Edit


def test_wrap_breaks_after_a_comma_with_four_spaces_and_not_inside_a_string():
    line = b'\t\terr = frobnicate(ctx, "a, b, c, d, e, f, g, h", first_argument, second_one, 0);'
    got = wrap(line)
    assert got == (b'\t\terr = frobnicate(ctx, "a, b, c, d, e, f, g, h", first_argument,\n'
                   b'\t\t    second_one, 0);')
    assert all(width(ln) <= 80 for ln in got.split(b"\n"))
    assert wrap(b"short, line") == b"short, line"


SRC = (b"void\nf(void)\n{\n"
       b"\t\tn = recvfrom(thread_info->socket_fd, &op, sizeof(op), 0, NULL,\n"
       b"\t\t    NULL);\n"
       b"\t\tg(op);\n}\n")


def _renamed(data: bytes, old: bytes, new: bytes) -> list[Edit]:
    out, at = [], data.find(old)
    while at >= 0:
        if not data[at + len(old):at + len(old) + 1].isalnum():
            out.append(Edit("x.c", at, at + len(old), new))
        at = data.find(old, at + 1)
    return out


def _apply(data: bytes, edits: list[Edit]) -> bytes:
    for e in sorted(edits, key=lambda e: -e.start):
        data = data[:e.start] + e.text + data[e.end:]
    return data


def test_rewrap_reflows_the_statement_a_rename_pushed_past_80_columns():
    edits = _renamed(SRC, b"op", b"imsg")
    assert max(width(ln) for ln in _apply(SRC, edits).split(b"\n")) > 80  # the bug
    got, notes = rewrap({"x.c": SRC}.get, edits)
    assert notes == []
    assert _apply(SRC, got) == (
        b"void\nf(void)\n{\n"
        b"\t\tn = recvfrom(thread_info->socket_fd, &imsg, sizeof(imsg), 0,\n"
        b"\t\t    NULL, NULL);\n"
        b"\t\tg(imsg);\n}\n")


def test_rewrap_leaves_lines_that_fit_and_lines_long_before():
    edits = _renamed(SRC, b"op", b"o")
    assert rewrap({"x.c": SRC}.get, edits) == (edits, [])
    long = b"\tx = " + b"a, " * 30 + b"op;\n"
    edits = _renamed(long, b"op", b"imsg")
    assert rewrap({"x.c": long}.get, edits) == (edits, [])


def test_rewrap_reports_what_it_cannot_break():
    src = b"\tx = " + b"a" * 60 + b"op;\n"
    edits = _renamed(src, b"op", b"imsg_buffer")
    got, notes = rewrap({"x.c": src}.get, edits)
    assert notes == ["x.c:1 is 84 columns"]
