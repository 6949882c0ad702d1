"""The rename operation's conflicts, kinds and reasons, through the real planner."""

from __future__ import annotations

import pytest
from harness import plan_dir

from refactor.errors import UsageError
from refactor.ops import get_op
from refactor.rule import Status


def make(tmp_path, files):
    for path, text in files.items():
        p = tmp_path / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def rename(**options):
    return get_op("rename", "test").from_mapping(options, "test")


def result(tmp_path, op):
    plan = plan_dir(op, tmp_path)
    [res] = plan.rule_results()
    return res, plan


def test_a_name_already_declared_is_a_conflict(tmp_path):
    make(tmp_path, {"d/a.c": "int old(void);\nint new(void);\nint f(void) { return old(); }\n"})
    res, plan = result(tmp_path, rename(old="old", new="new", paths=["d"]))
    assert res.status == Status.CONFLICT
    assert res.reason == "new is already declared in d/a.c:2"
    assert not plan.changed


def test_a_local_of_the_new_name_where_old_is_used_is_a_conflict(tmp_path):
    make(tmp_path, {"a.c": "int old;\nint f(void) { int new = 1; return old + new; }\n"})
    res, _ = result(tmp_path, rename(old="old", new="new"))
    assert res.status == Status.CONFLICT
    assert "new is already used in a.c:2" in res.reason


def test_a_name_declared_in_an_included_tree_header_is_a_conflict(tmp_path):
    make(tmp_path, {"usr.sbin/p/a.c": '#include <vmmapi.h>\n#include "local.h"\n'
                                      "int old(void) { return 0; }\n",
                    "usr.sbin/p/local.h": '#include "deeper.h"\n',
                    "usr.sbin/p/deeper.h": "int helper(void);\n",
                    "lib/libvmmapi/vmmapi.h": "int vm_create(const char *);\n"})
    res, _ = result(tmp_path, rename(old="old", new="helper", paths=["usr.sbin/p/a.c"]))
    assert (res.status, res.reason) == (
        Status.CONFLICT, "helper is already declared in usr.sbin/p/deeper.h, which "
        "usr.sbin/p/a.c includes")
    res, _ = result(tmp_path, rename(old="old", new="vm_create", paths=["usr.sbin/p"]))
    assert (res.status, res.reason) == (
        Status.CONFLICT, "vm_create is already declared in lib/libvmmapi/vmmapi.h, which "
        "usr.sbin/p/a.c includes")
    res, _ = result(tmp_path, rename(old="old", new="vm_create", paths=["usr.sbin/p"],
                                     include_dirs=["include"]))
    assert res.status == Status.APPLIED  # <vmmapi.h> is not looked for under lib/ now


def test_a_tag_of_the_new_name_does_not_collide_with_a_function(tmp_path):
    make(tmp_path, {"a.c": "struct new { int x; };\nint old(void);\n"})
    res, plan = result(tmp_path, rename(old="old", new="new", kind="function"))
    assert res.status == Status.APPLIED
    assert plan.final.read("a.c") == b"struct new { int x; };\nint new(void);\n"


def test_the_wrong_kind_is_a_conflict(tmp_path):
    make(tmp_path, {"a.c": "int counter;\nint f(void) { return counter; }\n"})
    res, _ = result(tmp_path, rename(old="counter", new="n", kind="function"))
    assert res.status == Status.CONFLICT
    assert res.reason == "counter is declared as a variable in the paths, not a function"


def test_kinds_keep_to_their_own_names(tmp_path):
    src = "struct sc { int sc; };\nstatic int sc;\nint f(struct sc *p) { return p->sc + sc; }\n"
    make(tmp_path, {"k.c": src})
    _, plan = result(tmp_path, rename(old="sc", new="t", kind="tag"))
    assert plan.final.read("k.c").decode() == src.replace("struct sc", "struct t")
    _, plan = result(tmp_path, rename(old="sc", new="m", kind="field"))
    assert plan.final.read("k.c").decode() == (
        "struct sc { int m; };\nstatic int sc;\nint f(struct sc *p) { return p->m + sc; }\n")


def test_macro_in_every_branch_and_condition(tmp_path):
    src = ("#define OLD_MAX 8\n#ifdef OLD_MAX\nint a[OLD_MAX];\n#elif defined(OLD_MAX)\n"
           "int b[OLD_MAX];\n#endif\n")
    make(tmp_path, {"m.h": src})
    _, plan = result(tmp_path, rename(old="OLD_MAX", new="NEW_MAX", kind="macro"))
    assert plan.final.read("m.h").decode() == src.replace("OLD_MAX", "NEW_MAX")


def test_comments_only_when_asked(tmp_path):
    make(tmp_path, {"a.c": "/* old() does it */\nint old(void);\n"})
    _, plan = result(tmp_path, rename(old="old", new="new"))
    assert plan.final.read("a.c") == b"/* old() does it */\nint new(void);\n"
    _, plan = result(tmp_path, rename(old="old", new="new", comments=True))
    assert plan.final.read("a.c") == b"/* new() does it */\nint new(void);\n"


def test_a_single_file_reports_what_it_left_behind(tmp_path):
    make(tmp_path, {"d/a.c": "int old(void) { return 0; }\n",
                    "d/b.c": "int old(void);\nint g(void) { return old(); }\n",
                    "d/c.c": "int other;\n"})
    res, plan = result(tmp_path, rename(old="old", new="new", paths=["d/a.c"]))
    assert res.status == Status.APPLIED
    assert res.reason == "renames 1 sites in 1 files; old is still used in d/b.c, outside the paths"
    assert plan.steps[0].touched == ["d/a.c"]


def test_already_applied_and_not_applicable(tmp_path):
    make(tmp_path, {"a.c": "int new(void);\n"})
    res, _ = result(tmp_path, rename(old="old", new="new"))
    assert res.status == Status.ALREADY_APPLIED
    res, _ = result(tmp_path, rename(old="gone", new="other"))
    assert res.status == Status.NOT_APPLICABLE
    assert res.reason == "no identifier gone in ."


def test_a_missing_path_is_a_conflict(tmp_path):
    make(tmp_path, {"a.c": "int old;\n"})
    res, _ = result(tmp_path, rename(old="old", new="new", paths=["no/such"]))
    assert res.status == Status.CONFLICT
    assert res.reason == "no/such is neither a file nor a directory of the tree"


@pytest.mark.parametrize("options, message", [
    ({"old": "a", "new": "1x"}, "t.toml:3: rename: '1x' is not a C identifier"),
    ({"old": "a", "new": "a"}, "t.toml:3: rename: old and new are both 'a'"),
    ({"old": "a"}, "t.toml:3: op 'rename' needs option 'new'"),
    ({"old": "a", "new": "b", "kind": "struct"},
     "t.toml:3: option 'kind' must be one of function, variable, type, tag, field, macro, "
     "any, not 'struct'"),
    ({"old": "a", "new": "b", "paths": "d"}, "t.toml:3: option 'paths' must be a list, "
     "not a string"),
    ({"old": "a", "new": "b", "colour": 1}, "t.toml:3: op 'rename' has no option 'colour' "
     "(it takes: old, new, paths, kind, comments, strings, include_dirs)"),
])
def test_bad_options_are_one_line_usage_errors(options, message):
    with pytest.raises(UsageError) as exc:
        get_op("rename", "t.toml:3").from_mapping(options, "t.toml:3")
    assert str(exc.value) == message
