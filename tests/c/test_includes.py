"""One include placement for the C toolkit, the include operation and the rules (style(9))."""

from __future__ import annotations

import pytest

from refactor.c.includes import IncludeVerdict, add_include, include_group, need_include
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


def _tree(tmp_path, files):
    from refactor.tree import Tree

    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    return Tree.from_dir(tmp_path)


def test_a_name_another_header_declares_only_in_some_configuration_keeps_the_include(tmp_path):
    """sys/types.h declares bool under _KERNEL only: <stdbool.h> is still what gives it."""
    from refactor.c.includes import include_verdict

    tree = _tree(tmp_path, {
        "sys/sys/types.h": "#ifndef _SYS_TYPES_H_\n#define _SYS_TYPES_H_\n"
                           "#ifndef _SIZE_T_DECLARED\ntypedef unsigned long size_t;\n"
                           "#define _SIZE_T_DECLARED\n#endif\n"
                           "#ifdef _KERNEL\ntypedef _Bool bool;\n#endif\n#endif\n",
        "include/stdbool.h": "#ifndef __bool_true_false_are_defined\n"
                             "#define __bool_true_false_are_defined 1\n"
                             "#define bool _Bool\n#endif\n",
        "include/string.h": "#include <sys/types.h>\nsize_t strlen(const char *);\n",
        "a.c": "#include <sys/types.h>\n#include <stdbool.h>\n#include <string.h>\n\n"
               "bool f(size_t n);\nsize_t g(const char *s) { return (strlen(s)); }\n"})
    cf = tree.view("a.c", CFile)
    assert include_verdict(tree, cf, "<stdbool.h>").status == "needed"
    assert include_verdict(tree, cf, "<string.h>").status == "needed"  # strlen
    # string.h brings size_t only from further down: the file keeps including what it uses.
    v = include_verdict(tree, cf, "<sys/types.h>")
    assert v == IncludeVerdict("needed", "a.c:5 still uses size_t from <sys/types.h> "
                                         "(sys/sys/types.h)"), v
    # Once string.h declares size_t itself (under its _DECLARED guard), sys/types.h may go.
    (tmp_path / "include/string.h").write_text(
        "#ifndef _SIZE_T_DECLARED\ntypedef unsigned long size_t;\n#define _SIZE_T_DECLARED\n"
        "#endif\nsize_t strlen(const char *);\n")
    tree = _tree(tmp_path, {})
    v = include_verdict(tree, tree.view("a.c", CFile), "<sys/types.h>")
    assert v.status == "unused", v
