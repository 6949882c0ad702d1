"""The whole-program build test: every unit compiled, objects linked, results reused.

A tiny program written for these tests (no libc headers, so each compile is
a tenth of a second): main.c calls ipc_init() and lib_log(); ipc.c defines
ipc_init(); lib_log() comes from outside the program, as a LIBADD library's
function would.
"""

from __future__ import annotations

import importlib.util
import shutil

import pytest

from refactor.buildtest import BuildStrategy, run_build_test
from refactor.tree import Tree

has_zig = importlib.util.find_spec("ziglang") is not None
COMPILERS = [
    pytest.param("cross", marks=pytest.mark.skipif(not has_zig, reason="no ziglang")),
    pytest.param("host", marks=pytest.mark.skipif(
        not (shutil.which("clang") or shutil.which("cc")), reason="no host C compiler")),
]

MK = "usr.sbin/toy/Makefile"
MAIN = "usr.sbin/toy/main.c"
IPC = "usr.sbin/toy/ipc.c"
FILES = {
    MK: "PROG=\ttoy\nSRCS=\tmain.c ipc.c\nLIBADD=\tlog\nWARNS?=\t2\n\n.include <bsd.prog.mk>\n",
    "usr.sbin/toy/ipc.h": "int\tipc_init(void);\nint\tlib_log(const char *);\n",
    MAIN: '#include "ipc.h"\n\nint\nmain(void)\n{\n\tlib_log("start");\n'
          "\treturn (ipc_init());\n}\n",
    IPC: '#include "ipc.h"\n\nint\nipc_init(void)\n{\n\treturn (0);\n}\n',
}
CALL_LINE = 7  # main.c's `return (ipc_init());`


def toy(tmp_path) -> Tree:
    root = tmp_path / "src"
    for path, text in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return Tree.from_dir(root)


@pytest.mark.parametrize("strategy", COMPILERS)
def test_dropping_a_source_from_srcs_would_not_link(tmp_path, strategy):
    before = toy(tmp_path)
    after = before.with_changes({MK: FILES[MK].replace(" ipc.c", "").encode()})
    r = run_build_test(before, after, [MK], strategy, tmp_path / "log")
    assert r.verdict == "fail", r.to_json()
    assert r.new == [f"{MAIN}:{CALL_LINE}: error: would not link: undefined reference to "
                     "'ipc_init' (main.o)"], r.new
    # lib_log() is a library's (LIBADD) symbol: outside the program, never judged.
    assert not any("lib_log" in d for d in r.new + r.preexisting)
    assert r.programs == ["usr.sbin/toy"] and r.units == 1 and r.linked == 1


@pytest.mark.parametrize("strategy", COMPILERS)
def test_removed_function_still_called_by_an_untouched_file(tmp_path, strategy):
    before = toy(tmp_path)
    # The commit touches ipc.c only; main.c, which calls the function, is not touched.
    after = before.with_changes({IPC: b'#include "ipc.h"\n'})
    r = run_build_test(before, after, [IPC], strategy, tmp_path / "log")
    assert r.verdict == "fail", r.to_json()
    assert r.new == [f"{MAIN}:{CALL_LINE}: error: would not link: undefined reference to "
                     "'ipc_init' (main.o)"], r.new


@pytest.mark.parametrize("strategy", COMPILERS)
def test_unchanged_program_passes_and_a_series_reuses_units(tmp_path, strategy):
    before = toy(tmp_path)
    s = BuildStrategy.choose(strategy)
    edited = before.with_changes({IPC: FILES[IPC].replace("(0)", "(1)").encode()})
    first = s.run(before, edited, [IPC], tmp_path / "1")
    assert first.verdict == "pass", first.to_json()
    assert (first.units, first.linked, first.compiled, first.reused) == (2, 2, 3, 1)
    # The next commit starts where this one ended: only its own change is compiled.
    again = edited.with_changes({IPC: FILES[IPC].replace("(0)", "(2)").encode()})
    second = s.run(edited, again, [IPC], tmp_path / "2")
    assert second.verdict == "pass", second.to_json()
    assert (second.compiled, second.reused) == (1, 3)
    assert "2 units compiled, 2 linked (1 compiler runs, 3 reused)" in second.summary()


@pytest.mark.parametrize("strategy", COMPILERS)
def test_new_diagnostic_in_an_untouched_file_names_it(tmp_path, strategy):
    before = toy(tmp_path)
    # The header loses the prototype: main.c, untouched, no longer compiles.
    hdr = "usr.sbin/toy/ipc.h"
    after = before.with_changes({hdr: b"int\tlib_log(const char *);\n"})
    r = run_build_test(before, after, [hdr], strategy, tmp_path / "log")
    assert r.verdict == "fail"
    assert any(d.startswith(f"{MAIN}:{CALL_LINE}:") and "ipc_init" in d for d in r.new), r.new
