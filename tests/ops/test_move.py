"""The move operation beyond its golden pair: conflicts, an existing destination, and the
moved tree built by the `cross` strategy in both configurations of its Makefile."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from harness import OPS_FIXTURES, final_files, load_op_case, plan_dir

from refactor.buildtest.cross import zig_available
from refactor.buildtest.strategies import run_build_test
from refactor.errors import UsageError
from refactor.ops import get_op
from refactor.rule import Status
from refactor.tree import Tree

TOYD = "usr.sbin/toyd"


def make(table: dict):
    return get_op(table["op"], "test").from_mapping(table, "test")


def move(**kw):
    return make({"op": "move", "source": f"{TOYD}/toyd.c", "dest": f"{TOYD}/report.c",
                 "header": f"{TOYD}/toyd.h", **kw})


def write(root: Path, files: dict[str, bytes]) -> Path:
    for p, d in files.items():
        f = root / p
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(d)
    return root


def test_a_shared_static_is_a_conflict_unless_exported(tmp_path):
    before = OPS_FIXTURES / "move" / "before"
    # toyd_verbose() reads `verbose`; moving it alone would leave main() without it.
    plan = plan_dir(move(names=["toyd_verbose"], dest=f"{TOYD}/verbose.c"), before)
    (res,) = plan.rule_results()
    # `verbose` is static and main() still uses it: a conflict that says how to go on.
    assert res.status == Status.CONFLICT
    assert "verbose" in res.reason and "export" in res.reason


def test_exported_shared_static_stays_and_is_declared(tmp_path):
    before = OPS_FIXTURES / "move" / "before"
    op = move(names=["pad_label"], dest=f"{TOYD}/pad.c")
    plan = plan_dir(op, before)
    (res,) = plan.rule_results()
    # pad_label() moves; report_line() stays and calls it: it is declared in toyd.h.
    assert res.status == Status.APPLIED, res.reason
    got = final_files(plan, before)
    assert b"void\tpad_label(char *buf, size_t len, const char *label);" in got[f"{TOYD}/toyd.h"]
    assert b"\nvoid\npad_label(" in got[f"{TOYD}/pad.c"]
    assert b"pad_label(char" not in got[f"{TOYD}/toyd.c"]
    # REPORT_WIDTH is used on both sides: it goes to the header, verbatim.
    assert b"#define\tREPORT_WIDTH\t24" in got[f"{TOYD}/toyd.h"]
    assert b"REPORT_WIDTH\t24" not in got[f"{TOYD}/toyd.c"]


def test_into_an_existing_file(tmp_path):
    op, before, after = load_op_case("move")
    root = write(tmp_path / "t", final_files(plan_dir(op, before), before))
    (root / TOYD / "report.c").unlink()
    shutil.copy(OPS_FIXTURES / "move" / "before" / TOYD / "toyd.c", root / TOYD / "toyd.c")
    (root / TOYD / "other.c").write_bytes(b'#include <sys/cdefs.h>\n\n#include "toyd.h"\n\n'
                                          b"int\nother(void)\n{\n\n\treturn (1);\n}\n")
    plan = plan_dir(move(names=["report_line"], dest=f"{TOYD}/other.c"), root)
    (res,) = plan.rule_results()
    assert res.status == Status.APPLIED, res.reason
    other = final_files(plan, root)[f"{TOYD}/other.c"].decode()
    assert other.index("#include <sys/types.h>") < other.index('#include "toyd.h"')
    assert other.index("#include <stdio.h>") < other.index('#include "toyd.h"')
    assert other.index("other(void)") < other.index("pad_label(char") \
        < other.index("\nreport_line(FILE")
    again = plan_dir(move(names=["report_line"], dest=f"{TOYD}/other.c"),
                     write(tmp_path / "u", final_files(plan, root)))
    assert [r.status for r in again.rule_results()] == [Status.ALREADY_APPLIED]


def test_not_applicable_and_bad_options():
    before = OPS_FIXTURES / "move" / "before"
    (res,) = plan_dir(move(names=["no_such_function"]), before).rule_results()
    assert res.status == Status.NOT_APPLICABLE
    with pytest.raises(UsageError, match="same file"):
        move(names=["x"], dest=f"{TOYD}/toyd.c")
    with pytest.raises(UsageError, match="needs option 'names'"):
        make({"op": "move", "source": "a.c", "dest": "b.c"})


@pytest.mark.skipif(not zig_available(), reason="ziglang is not installed")
@pytest.mark.parametrize("case, prog, new, option, units", [
    ("move", TOYD, "report.c", "TOYD_STATS", ["toyd.c"]),
    ("move@prototypes", "usr.bin/hello", "greet.c", "HELLO_LOUD", ["hello.c"]),
    # An extern function: its prototype moves to print.h, which main.c now includes.
    ("move@extern", "usr.sbin/statd", "print.c", "STATD_JSON", ["main.c", "stats.c"]),
    # No SRCS (bsd.prog.mk builds PROG.c): the move sets one.
    ("move@prog-only", "usr.bin/hello", "greet.c", "HELLO_LOUD", ["hello.c"]),
])
def test_moved_tree_compiles_in_both_configurations(tmp_path, case, prog, new, option, units):
    """Done-when: the move alone (the new file joins the source's SRCS list) builds
    under `cross`, with the option's block of the Makefile in and out."""
    op, before, _ = load_op_case(case)
    plan = plan_dir(op, before)
    assert not plan.conflicts
    after = write(tmp_path / "after", final_files(plan, before))
    touched = sorted({p for s in plan.steps for p in s.changes})
    result = run_build_test(Tree.from_dir(before), Tree.from_dir(after), touched, "cross",
                            tmp_path / "logs")
    log = Path(result.log).read_text()
    assert result.verdict == "pass", log[-3000:]
    assert f"# configurations: default, {option}=no" in log
    for config in ("default", f"{option}=no"):
        for unit in (new, *units):
            assert f"## after [{config}] {prog}/{unit}: exit 0" in log
