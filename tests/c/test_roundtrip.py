"""Cutting every top-level item out by its full span and joining the pieces with
the gaps between them gives the file back; and the gaps are only whitespace, so
every byte of code belongs to an item."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refactor.c.lossless import CFile

ROOT = Path(__file__).resolve().parents[2]
INPUTS = Path(__file__).parent / "inputs"
FILES = sorted(ROOT.glob("fixtures/**/*.[ch]")) + sorted(INPUTS.glob("*.[ch]"))


def pieces(c: CFile, items, lo: int, hi: int) -> list[bytes]:
    """Gaps and items of one sequence, checking order and whitespace-only gaps."""
    out, pos = [], lo
    for it in items:
        assert pos <= it.full_start <= it.lead_start <= it.start < it.end == it.full_end <= hi
        gap = c.data[pos:it.full_start]
        assert not gap.strip(), f"code outside any item before line {it.start_line}: {gap!r}"
        out += [gap, c.data[it.full_start:it.full_end]]
        pos = it.full_end
    assert not c.data[pos:hi].strip()
    return out + [c.data[pos:hi]]


def check(c: CFile) -> None:
    top = c.toplevel()
    assert b"".join(pieces(c, top, 0, len(c.data))) == c.data
    for block in (it for it in c.items if it.kind == "conditional"):
        kids = block.children
        assert all(block.start <= k.full_start and k.full_end <= block.end for k in kids)
        assert kids == sorted(kids, key=lambda k: k.start)
    # Cutting any one item leaves a file that still parses as well as before.
    for it in top:
        rest = c.data[:it.full_start] + c.data[it.full_end:]
        if not c.errors and it.kind != "conditional":
            assert CFile(rest, c.path).errors == [], f"cutting {it.kind} {it.name}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_roundtrip_real_files(path):
    c = CFile(path.read_bytes(), str(path))
    if path.name != "broken.c":
        assert c.errors == []
    check(c)


# ----- generated C ------------------------------------------------------------

names = st.sampled_from(["a", "b", "sc", "vm_ctx", "checkpoint_fd", "ipc_op"])
comment = st.sampled_from(["/* one line */", "/*\n * Two\n * lines.\n */", "// c99"])
function = st.builds(
    lambda st_, n, body: f"{st_}int\n{n}(int arg __unused)\n{{\n{body}}}",
    st.sampled_from(["", "static "]), names,
    st.sampled_from(["", "\treturn (0);\n", "\tgoto out;\nout:\n\treturn (1);\n"]))
declaration = st.builds(
    lambda st_, n, m: f"{st_}pthread_cond_t {n}, {m}_cv;", st.sampled_from(["", "static "]),
    names, names)
define = st.builds(lambda n: f"#define\t{n.upper()}_MAX(x)\t\\\n\t((x) + 1)", names)
include = st.sampled_from(["#include <sys/types.h>", '#include "snapshot.h"'])
macro = st.sampled_from(['__FBSDID("$FreeBSD$");', "DATA_SET(pci_devemu_set, pci_de_vnet);",
                         "SET_DECLARE(ipc_cmd_set, struct ipc_command);"])
simple = st.one_of(function, declaration, define, include, macro, comment)
ifdef = st.builds(
    lambda kw, body, alt: f"#{kw} BHYVE_SNAPSHOT\n{body}\n" + (f"#else\n{alt}\n" if alt else "")
    + "#endif",
    st.sampled_from(["ifdef", "ifndef"]), simple, st.one_of(st.just(""), simple))
trailer = st.sampled_from(["", "\t/* trailing */"])
element = st.builds(lambda x, t: x + t, st.one_of(simple, ifdef), trailer)
blanks = st.sampled_from(["\n", "\n\n", "\n\n\n"])


@st.composite
def c_files(draw):
    parts = draw(st.lists(st.tuples(element, blanks), min_size=1, max_size=8))
    text = "".join(e + b for e, b in parts)
    if draw(st.booleans()):
        text = text.rstrip("\n")  # no final newline
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text.encode("latin-1")


@settings(max_examples=150, deadline=None)
@given(c_files())
def test_roundtrip_generated(data):
    c = CFile(data, "gen.c")
    assert c.errors == [], data
    check(c)
