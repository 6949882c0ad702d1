"""include and define: the cases that must not be applied, through the real planner."""

from __future__ import annotations

import pytest
from harness import final_files, plan_dir

from refactor.errors import UsageError
from refactor.ops import get_op
from refactor.rule import Status


def make(tmp_path, files):
    for path, text in files.items():
        p = tmp_path / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def status(tmp_path, op, **options):
    plan = plan_dir(get_op(op, "t").from_mapping(options, "t"), tmp_path)
    [res] = plan.rule_results()
    return res.status, res.reason


def test_removing_a_header_still_used_is_a_conflict(tmp_path):
    make(tmp_path, {"d/a.c": '#include "a.h"\n\nint f(void) { return A_MAX; }\n',
                    "d/a.h": '#include "b.h"\n',
                    "d/b.h": "#define A_MAX 3\n"})
    assert status(tmp_path, "include", file="d/a.c", header='"a.h"', action="remove") == (
        Status.CONFLICT, "d/a.c:3 still uses A_MAX from \"a.h\" (d/a.h)")


def test_removing_a_system_header_with_an_unknown_name_in_use_cannot_be_told(tmp_path):
    """frob_t has no known home: it might come from <stdio.h>, so the include stays."""
    make(tmp_path, {"a.c": "#include <stdio.h>\n\nfrob_t x;\n"})
    st, why = status(tmp_path, "include", file="a.c", header="<stdio.h>", action="remove")
    assert st == Status.NOT_APPLICABLE
    assert why == ("<stdio.h> stays in a.c: cannot tell whether it is still needed: frob_t "
                   "(a.c:3) comes from no header the tool knows, and could come from this one")


def test_a_system_header_whose_known_names_are_unused_goes(tmp_path):
    """Every name of a.c has a known home (its own, <unistd.h>'s), none is <stdio.h>'s."""
    make(tmp_path, {"a.c": "#include <stdio.h>\n#include <unistd.h>\n\n"
                           "int\nf(int fd)\n{\n\tint n;\n\n\tn = close(fd);\n"
                           "\treturn (n);\n}\n"})
    plan = plan_dir(get_op("include", "t").from_mapping(
        {"file": "a.c", "header": "<stdio.h>", "action": "remove"}, "t"), tmp_path)
    [res] = plan.rule_results()
    assert res.status == Status.APPLIED, res.reason
    assert plan.final.read("a.c").startswith(b"#include <unistd.h>\n\nint\n")


def test_a_system_header_in_use_is_a_conflict(tmp_path):
    make(tmp_path, {"a.c": "#include <stdio.h>\n\nvoid\nf(void)\n{\n\n\tperror(\"x\");\n}\n"})
    assert status(tmp_path, "include", file="a.c", header="<stdio.h>", action="remove") == (
        Status.CONFLICT, "a.c:7 still uses perror from <stdio.h>")


def test_a_header_under_search_is_found(tmp_path):
    make(tmp_path, {"a.c": "#include <sys/x.h>\n#include <stdio.h>\n\nint x;\n",
                    "sys/sys/x.h": "int x_fn(void);\n"})
    plan = plan_dir(get_op("include", "t").from_mapping(
        {"file": "a.c", "header": "<sys/x.h>", "action": "remove"}, "t"), tmp_path)
    assert plan.final.read("a.c") == b"#include <stdio.h>\n\nint x;\n"


def test_a_bad_header_spelling_is_a_usage_error():
    with pytest.raises(UsageError, match="must be written <name.h>"):
        get_op("include", "t").from_mapping({"file": "a.c", "header": "stdio.h"}, "t")


def test_define_wants_one_of_value_and_to():
    with pytest.raises(UsageError, match="r.toml:4: define: give one of `value` and `to`"):
        get_op("define", "r.toml:4").from_mapping({"file": "a.h", "name": "X"}, "r.toml:4")


def test_define_conflicts(tmp_path):
    make(tmp_path, {"a.h": "#define X 1\n", "b.h": "#define X 2\n"})
    assert status(tmp_path, "define", file="a.h", name="Y", value="1") == (
        Status.CONFLICT, "a.h has no #define Y")
    assert status(tmp_path, "define", file="a.h", name="X", to="b.h") == (
        Status.CONFLICT, "both a.h and b.h define X")
    assert status(tmp_path, "define", file="a.h", name="X", value=" 1 ")[0] == \
        Status.ALREADY_APPLIED


def test_define_gives_a_value_to_a_define_with_a_trailing_blank(tmp_path):
    make(tmp_path, {"a.h": "#ifndef _A_H_\n#define _A_H_\n#define X \nint x;\n#endif\n"})
    plan = plan_dir(get_op("define", "t").from_mapping({"file": "a.h", "name": "X", "value": "1"},
                                                     "t"), tmp_path)
    [res] = plan.rule_results()
    assert res.status == Status.APPLIED
    assert final_files(plan, tmp_path)["a.h"] == \
        b"#ifndef _A_H_\n#define _A_H_\n#define X 1 \nint x;\n#endif\n"
