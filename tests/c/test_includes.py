"""One include placement for the C toolkit, the include operation and the rules (style(9))."""

from __future__ import annotations

import pytest

from refactor.c.includes import add_include, include_group, need_include
from refactor.c.lossless import CFile

BASE = (b"#include <sys/cdefs.h>\n"
        b"#include <sys/types.h>\n"
        b"#include <sys/socket.h>\n"
        b"#include <sys/un.h>\n"
        b"\n"
        b"#include <err.h>\n"
        b"#include <stdio.h>\n"
        b"#include <unistd.h>\n"
        b"\n"
        b"#include \"debug.h\"\n"
        b"#include \"ipc.h\"\n"
        b"\nint x;\n")


def added(data: bytes, spelled: str, near: str | None = None) -> bytes:
    e = add_include(CFile(data, "x.c"), "x.c", spelled, "t", near=near)
    assert e is not None and not isinstance(e, str), e
    return data[:e.start] + e.text + data[e.end:]


def test_groups_follow_style9():
    assert [include_group(s) for s in ("<sys/un.h>", "<netinet/in.h>", "<stdio.h>", '"x.h"')] \
        == [0, 1, 2, 3]


@pytest.mark.parametrize("spelled,after", [
    ("<sys/stat.h>", b"#include <sys/socket.h>\n#include <sys/stat.h>\n#include <sys/un.h>\n"),
    ("<errno.h>", b"#include <err.h>\n#include <errno.h>\n#include <stdio.h>\n"),
    ("<stdbool.h>", b"#include <err.h>\n#include <stdbool.h>\n#include <stdio.h>\n"),
    ('"snapshot.h"', b'#include "ipc.h"\n#include "snapshot.h"\n\nint x;'),
    ('"bhyverun.h"', b'#include "bhyverun.h"\n#include "debug.h"\n'),
    ("<netinet/in.h>", b"#include <sys/un.h>\n\n#include <netinet/in.h>\n\n#include <err.h>\n"),
    ("<sys/param.h>", b"#include <sys/cdefs.h>\n#include <sys/param.h>\n#include <sys/types.h>\n"),
])
def test_a_new_include_takes_its_sorted_place_in_its_group(spelled, after):
    assert after in added(BASE, spelled)


def test_an_unsorted_group_gets_the_new_line_at_its_end():
    data = BASE.replace(b"#include <err.h>\n#include <stdio.h>\n",
                        b"#include <stdio.h>\n#include <err.h>\n")
    assert b"#include <err.h>\n#include <errno.h>\n#include <unistd.h>\n" not in added(
        data, "<errno.h>")
    assert b"#include <unistd.h>\n#include <errno.h>\n\n" in added(data, "<errno.h>")


def test_near_places_it_under_the_same_if():
    data = (b"#include <stdio.h>\n\n#ifdef BHYVE_SNAPSHOT\n#include \"snapshot.h\"\n#endif\n")
    got = added(data, '"ipc.h"', near='"snapshot.h"')
    assert got.endswith(b'#ifdef BHYVE_SNAPSHOT\n#include "ipc.h"\n#include "snapshot.h"\n#endif\n')


def test_present_or_placeless():
    assert add_include(CFile(BASE, "x.c"), "x.c", "<stdio.h>", "t") is None
    assert isinstance(add_include(CFile(b"int x;\n", "x.c"), "x.c", "<stdio.h>", "t"), str)


def test_need_include_collects_the_edit_or_says_why_not():
    changes: list = []
    assert need_include(changes, CFile(BASE, "x.c"), "x.c", "<errno.h>", "t") == ""
    assert len(changes) == 1
    assert need_include(changes, CFile(BASE, "x.c"), "x.c", "<stdio.h>", "t") == ""
    assert len(changes) == 1
    why = need_include(changes, CFile(b"int x;\n", "x.c"), "x.c", "<stdio.h>", "t")
    assert "no #include" in why and len(changes) == 1
