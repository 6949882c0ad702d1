"""Build tests with real compilers (zig's clang, the host's cc), real mandoc, real git."""

from __future__ import annotations

import importlib.util
import platform
import shutil
import time
from pathlib import Path

import pytest

from refactor.buildtest import build_test_command, choose_strategy, run_build_test
from refactor.buildtest.config import Config, configurations, evaluate, warns_flags
from refactor.buildtest.diagnostics import Diagnostic, compare
from refactor.buildtest.headers import HeaderSearch
from refactor.buildtest.make import checkout, make_command, option_vars, remove_checkout
from refactor.buildtest.plan import plan_units
from refactor.tree import GitSource, Tree
from tests.conftest import make_repo

HERE = Path(__file__).parent
MINI = HERE / "trees" / "mini"
FIXTURE = HERE.parent.parent / "fixtures" / "trees" / "bhyve-2021"

has_zig = importlib.util.find_spec("ziglang") is not None
needs_zig = pytest.mark.skipif(not has_zig, reason="ziglang is not importable")
needs_mandoc = pytest.mark.skipif(shutil.which("mandoc") is None, reason="mandoc not installed")
needs_cc = pytest.mark.skipif(not (shutil.which("clang") or shutil.which("cc")),
                              reason="no host C compiler")

UTIL_H = "usr.sbin/foo/util.h"
PROTO = b"int\tutil_hello(struct vmctx *ctx);\n"


def mini() -> Tree:
    return Tree.from_dir(MINI)


def drop_prototype(before: Tree) -> Tree:
    data = before.read(UTIL_H)
    assert PROTO in data
    return before.with_changes({UTIL_H: data.replace(PROTO, b"")})


# --- strategies on a commit that drops a prototype -------------------------------------

@needs_zig
def test_cross_fails_on_dropped_prototype(tmp_path):
    before = mini()
    r = run_build_test(before, drop_prototype(before), [UTIL_H], "cross", tmp_path)
    assert r.verdict == "fail", r.to_json()
    assert any(n.startswith("usr.sbin/foo/foo.c:20: error: call to undeclared function "
                            "'util_hello'") for n in r.new), r.new
    # bhyvectl-like consumer: its Makefile adds ../foo with -I.
    assert any(n.startswith("usr.sbin/fooctl/fooctl.c:11:") for n in r.new), r.new
    assert r.preexisting == []
    log = Path(r.log).read_text()
    assert "BHYVE_SNAPSHOT=yes" in log and "-DBHYVE_SNAPSHOT" in log


def test_parse_fails_on_dropped_prototype(tmp_path):
    before = mini()
    r = run_build_test(before, drop_prototype(before), [UTIL_H], "parse", tmp_path)
    assert r.verdict == "fail", r.to_json()
    for where in ("usr.sbin/foo/foo.c:20:", "usr.sbin/fooctl/fooctl.c:11:"):
        assert any(n.startswith(f"{where} error: 'util_hello' is used but not declared")
                   for n in r.new), r.new
    assert r.preexisting == []


@needs_cc
def test_host_reports_new_diagnostic_and_runs_on_partial_tree(tmp_path):
    before = mini()
    r = run_build_test(before, drop_prototype(before), [UTIL_H], "host", tmp_path)
    assert r.strategy == "host"
    assert r.verdict == "fail"
    assert any(n.startswith("usr.sbin/foo/foo.c:20:") and "util_hello" in n for n in r.new)


@needs_zig
def test_unchanged_commit_passes(tmp_path):
    before = mini()
    foo = "usr.sbin/foo/foo.c"
    edited = before.read(foo).replace(b"int\nmain", b"/* x */\nint\nmain")
    after = before.with_changes({foo: edited})
    r = run_build_test(before, after, [foo], "cross", tmp_path)
    assert r.verdict == "pass", r.to_json()
    assert r.new == [] and r.preexisting == []


# --- pre-existing errors ----------------------------------------------------------------

@needs_zig
@pytest.mark.parametrize("strategy", ["cross", "parse"])
def test_missing_header_is_preexisting(tmp_path, strategy):
    foo = "usr.sbin/foo/foo.c"
    base = mini()
    broken = base.read(foo).replace(b'#include "util.h"\n', b'#include "util.h"\n'
                                    b'#include "missing.h"\n')
    before = base.with_changes({foo: broken})
    # The commit edits the file below the include: lines shift, the error stays.
    after = before.with_changes({foo: broken.replace(b"int\nmain", b"/* added */\n\nint\nmain")})
    r = run_build_test(before, after, [foo], strategy, tmp_path)
    assert r.new == [], r.to_json()
    if strategy == "cross":
        # Not a fault of the commit, but foo.c was never compiled: nothing proves it builds.
        assert r.verdict == "inconclusive", r.to_json()
        assert any(p.startswith("usr.sbin/foo/foo.c:8: error: 'missing.h' file not found")
                   for p in r.preexisting), r.preexisting
        assert any(u.startswith("usr.sbin/foo/foo.c: did not compile before the commit: "
                                "missing <missing.h>") for u in r.unchecked), r.unchecked
    else:
        # parse: the front end stubs a header the tree lacks, so it has no error to show.
        assert r.verdict == "pass", r.to_json()


@needs_zig
def test_partial_sys_does_not_shadow_libc(tmp_path):
    """The tree's cut-down sys/sys/param.h must not replace the libc's own one:
    foo.c uses MAXCOMLEN, which only the complete (zig's) param.h defines."""
    before = mini()
    foo = "usr.sbin/foo/foo.c"
    assert b"MAXPATHLEN" in before.read("sys/sys/param.h")
    r = run_build_test(before, before, [foo], "cross", tmp_path)
    assert r.verdict == "pass" and r.preexisting == [], r.to_json()
    search = HeaderSearch(before, ["sys"], __import__(
        "refactor.buildtest.cross", fromlist=["x"]).zig_toolchain().system_dirs)
    assert search.resolve("<", "sys/param.h", foo) is None  # zig's copy
    assert search.resolve("<", "vmmapi.h", foo) == "lib/libvmmapi/vmmapi.h"
    assert search.resolve("<", "machine/vmm.h", "lib/libvmmapi/vmmapi.h") is None
    # Touched, the tree's copy is the one tested.
    touched = HeaderSearch(before, ["sys"], search.compiler_dirs, frozenset({"sys/sys/param.h"}))
    assert touched.resolve("<", "sys/param.h", foo) == "sys/sys/param.h"


# --- configurations ---------------------------------------------------------------------

def test_bhyve_snapshot_configurations():
    tree = mini()
    text = tree.text("usr.sbin/foo/Makefile")
    cfgs = configurations([text])
    assert [c.label for c in cfgs] == ["default", "BHYVE_SNAPSHOT=yes"]
    off = evaluate(tree, "usr.sbin/foo", cfgs[0])
    on = evaluate(tree, "usr.sbin/foo", cfgs[1])
    assert off.srcs == ["usr.sbin/foo/foo.c", "usr.sbin/foo/util.c"]
    assert on.srcs == off.srcs + ["usr.sbin/foo/snap.c"]
    assert "-DBHYVE_SNAPSHOT" in on.cflags and "-DBHYVE_SNAPSHOT" not in off.cflags
    assert off.include_dirs == ["sys"] and off.warns == 2
    ctl = evaluate(tree, "usr.sbin/fooctl", Config())
    assert ctl.include_dirs == ["usr.sbin/foo"] and ctl.warns == 3
    assert "-Wmissing-prototypes" in warns_flags(3) and "-Wmissing-prototypes" not in warns_flags(2)
    assert "-Wall" in warns_flags(2) and "-Wno-switch" in warns_flags(2)


def test_new_source_compiled_only_once_in_srcs():
    base = mini()
    mk = "usr.sbin/foo/Makefile"
    ipc = "usr.sbin/foo/ipc.c"
    src = (b"#include <sys/types.h>\n\nint ipc_init(void);\n\n"
           b"int\nipc_init(void)\n{\n\treturn (0);\n}\n")
    not_listed = base.with_changes({ipc: src})
    plan = plan_units(base, not_listed, [ipc], [])
    # The whole program is planned, without the file its Makefile does not list.
    assert {u.tu for u in plan.units} == {"usr.sbin/foo/foo.c", "usr.sbin/foo/util.c",
                                          "usr.sbin/foo/snap.c"}
    assert any("not in SRCS" in n for n in plan.notes)
    listed = not_listed.with_changes(
        {mk: base.read(mk).replace(b"\tutil.c\n", b"\tutil.c\t\t\\\n\tipc.c\n")})
    plan = plan_units(base, listed, [ipc, mk], [])
    new = [u for u in plan.units if u.tu == ipc]
    assert {u.config.label for u in new} == {"default", "BHYVE_SNAPSHOT=yes"}
    assert all(u.before is None and u.after is not None for u in new)


@needs_zig
def test_error_only_in_snapshot_configuration(tmp_path):
    before = mini()
    snap = "usr.sbin/foo/snap.c"
    after = before.with_changes({snap: before.read(snap).replace(b"(void)ctx;", b"(void)ctxx;")})
    r = run_build_test(before, after, [snap], "cross", tmp_path)
    assert r.verdict == "fail"
    assert len(r.new) == 1 and r.new[0].startswith("usr.sbin/foo/snap.c:10: error:")
    assert r.new[0].endswith("[BHYVE_SNAPSHOT=yes]")


# --- man pages and mtree ----------------------------------------------------------------

@needs_mandoc
def test_mandoc_new_warning_fails(tmp_path):
    before = mini()
    page = "usr.sbin/foo/foo.8"
    bad = before.read(page).replace(b".Sh EXIT STATUS\n", b".Bl -tag\n.El\n.Sh EXIT STATUS\n")
    r = run_build_test(before, before.with_changes({page: bad}), [page], "parse", tmp_path)
    assert r.verdict == "fail"
    assert any(n.startswith("usr.sbin/foo/foo.8:16: mandoc: WARNING: missing -width")
               for n in r.new), r.new
    # The same warning already there before (and moved by one line) is pre-existing.
    moved = bad.replace(b".Sh DESCRIPTION\n", b".Sh DESCRIPTION\n.Pp\n")
    r2 = run_build_test(before.with_changes({page: bad}), before.with_changes({page: moved}),
                        [page], "parse", tmp_path)
    assert r2.verdict in ("pass", "fail")
    assert any("missing -width" in p for p in r2.preexisting), r2.to_json()
    assert not any("missing -width" in n for n in r2.new)


def test_mtree_hierarchy_check(tmp_path):
    before = mini()
    spec = "etc/mtree/BSD.var.dist"
    text = before.read(spec)
    good = text.replace(b"    run\n", b"    run\n        bhyve\n        ..\n")
    r = run_build_test(before, before.with_changes({spec: good}), [spec], "parse", tmp_path)
    assert r.verdict == "pass", r.to_json()
    assert "run/bhyve" in Path(r.log).read_text()
    # Missing `..`: tmp/ ends up inside run/bhyve, so var/tmp is no longer made.
    bad = text.replace(b"    run\n", b"    run\n        bhyve\n")
    r = run_build_test(before, before.with_changes({spec: bad}), [spec], "parse", tmp_path)
    assert r.verdict == "fail"
    assert any("directory tmp is no longer made" in n for n in r.new), r.new


# --- make strategy and choosing ---------------------------------------------------------

def test_make_command_building():
    cfg = Config((("BHYVE_SNAPSHOT", "yes"),))
    cmd = make_command("/usr/bin/make", Path("/src"), "usr.sbin/bhyve", cfg, jobs=4)
    assert cmd == ["/usr/bin/make", "-C", "/src/usr.sbin/bhyve", "-j4",
                   "WITH_BHYVE_SNAPSHOT=yes", "all"]
    assert option_vars(Config((("INET_SUPPORT", "no"),))) == ["WITHOUT_INET_SUPPORT=yes"]
    assert option_vars(Config()) == []


@pytest.mark.skipif(platform.system() == "FreeBSD", reason="checks the fallback off FreeBSD")
def test_make_falls_back_off_freebsd(tmp_path):
    name, why = choose_strategy("make")
    assert name != "make"
    assert "needs a FreeBSD host" in why and platform.system() in why
    before = mini()
    r = run_build_test(before, drop_prototype(before), [UTIL_H], "make", tmp_path)
    assert r.strategy == name and r.verdict == "fail"


def test_checkout_materialises_git_state(tmp_path):
    import git

    repo_dir = make_repo(MINI, tmp_path / "src")
    tree = Tree(GitSource(git.Repo(repo_dir), "HEAD"))
    after = drop_prototype(tree)
    root, why = checkout(after, tmp_path / "wt")
    assert root is not None, why
    assert PROTO not in (root / UTIL_H).read_bytes()
    assert (root / "usr.sbin/foo/foo.c").read_bytes() == (MINI / "usr.sbin/foo/foo.c").read_bytes()
    assert PROTO in (repo_dir / UTIL_H).read_bytes()  # the user's checkout is untouched
    remove_checkout(after, root)
    assert not root.exists()
    none, why = checkout(mini(), tmp_path / "wt2")
    assert none is None and "not a git commit" in why


def test_choose_strategy_auto():
    name, why = choose_strategy("auto")
    if platform.system() == "FreeBSD" and shutil.which("make"):
        assert name == "make"
    elif has_zig:
        assert name == "cross" and "ziglang" in why
    else:
        assert name in ("host", "parse")
    assert choose_strategy("parse")[0] == "parse"
    with pytest.raises(ValueError):
        choose_strategy("nonsense")


def test_cmd_strategy_exit_status(tmp_path):
    before = mini()
    ok = run_build_test(before, before, [UTIL_H], "cmd:test -f usr.sbin/foo/util.h", tmp_path)
    assert ok.verdict == "pass"
    bad = run_build_test(before, before, [UTIL_H], "cmd:grep -q nosuchword usr.sbin/foo/util.h",
                         tmp_path)
    assert bad.verdict == "fail" and "exited 1" in bad.new[0]


# --- differential -------------------------------------------------------------------------

def test_compare_maps_lines_and_moves():
    b_text = b"a\nb\nc\n"
    a_text = b"new\na\nb\nc\n"
    before = [Diagnostic("x.c", 2, "warning: w"), Diagnostic("old.c", 5, "error: moved")]
    after = [Diagnostic("x.c", 3, "warning: w"), Diagnostic("x.c", 1, "warning: w"),
             Diagnostic("new.c", 7, "error: moved")]
    texts_b = {"x.c": b_text}
    texts_a = {"x.c": a_text}
    d = compare(before, after, texts_b.get, texts_a.get)
    assert [x.render() for x in d.new] == ["x.c:1: warning: w"]
    assert sorted(x.render() for x in d.preexisting) == ["new.c:7: error: moved",
                                                         "x.c:3: warning: w"]


def test_new_file_repeating_an_old_fault_is_preexisting():
    # A tree without <sys/cdefs.h>: every file's __FBSDID fails, and a file the
    # commit creates with the same license block fails the same way.
    fault = "error: expected parameter declarator"
    before = [Diagnostic("old.c", 32, fault)]
    after = [Diagnostic("old.c", 30, fault), Diagnostic("new.c", 32, fault),
             Diagnostic("new.c", 40, "error: call to undeclared function 'gone'"),
             Diagnostic("old.c", 9, "error: call to undeclared function 'gone'")]
    d = compare(before, after, {"old.c": b"x\n"}.get, {"old.c": b"x\n", "new.c": b""}.get)
    assert sorted(x.render() for x in d.new) == [
        "new.c:40: error: call to undeclared function 'gone'",
        "old.c:9: error: call to undeclared function 'gone'"]
    assert sorted(x.render() for x in d.preexisting) == [f"new.c:32: {fault}",
                                                         f"old.c:30: {fault}"]


# --- plain tree and the fixture -----------------------------------------------------------

@needs_zig
def test_build_test_command_plain_tree(tmp_path):
    tree = tmp_path / "t"
    shutil.copytree(MINI, tree)
    (tree / UTIL_H).write_bytes((tree / UTIL_H).read_bytes().replace(PROTO, b""))
    results = build_test_command(tree, "cross", ["usr.sbin/foo/foo.c"], tmp_path / "logs")
    assert len(results) == 1
    r = results[0]
    assert r.verdict == "fail" and "plain tree" in r.why
    assert any(n.startswith("usr.sbin/foo/foo.c:20:") for n in r.new)


@needs_zig
@pytest.mark.skipif(not (FIXTURE / "usr.sbin/bhyve/Makefile").exists(),
                    reason="fixtures/trees/bhyve-2021 is not there yet")
@pytest.mark.parametrize("strategy", ["cross", "parse"])
def test_fixture_tree_unchanged_passes(tmp_path, strategy):
    tree = Tree.from_dir(FIXTURE)
    files = sorted(p.relative_to(FIXTURE).as_posix() for p in FIXTURE.rglob("*")
                   if p.suffix in (".c", ".h") and p.is_file())
    t0 = time.monotonic()
    r = run_build_test(tree, tree, files, strategy, tmp_path)
    print(f"\n{strategy} on bhyve-2021 ({len(files)} files): {time.monotonic() - t0:.2f}s, "
          f"{len(r.preexisting)} pre-existing")
    assert r.verdict == "pass", r.to_json()
    assert r.new == []


@pytest.mark.parametrize("strategy", ["parse", pytest.param("cross", marks=needs_zig)])
def test_makefile_listing_a_missing_source_fails(strategy, tmp_path):
    mk = b"PROG=\tfoo\nSRCS=\tfoo.c\n\n.include <bsd.prog.mk>\n"
    root = tmp_path / "src" / "usr.sbin" / "foo"
    root.mkdir(parents=True)
    (root / "Makefile").write_bytes(mk)
    (root / "foo.c").write_bytes(b"int\nmain(void)\n{\n\treturn (0);\n}\n")
    before = Tree.from_dir(tmp_path / "src")
    after = before.with_changes({"usr.sbin/foo/Makefile": mk.replace(b"foo.c", b"foo.c gone.c")})
    res = run_build_test(before, after, ["usr.sbin/foo/Makefile"], strategy, tmp_path / "log")
    assert res.verdict == "fail", res.to_json()
    assert any(d.startswith("usr.sbin/foo/Makefile:0:") and "gone.c" in d for d in res.new)


# --- touched headers compiled on their own ------------------------------------------------

SNAP_H = "usr.sbin/foo/snap.h"


@needs_cc
def test_header_that_no_longer_compiles_alone_fails(tmp_path):
    # snap.h compiles alone before; using bool without <stdbool.h> breaks that,
    # although every unit that includes it (after <stdbool.h>) still compiles.
    before = mini()
    users = ["usr.sbin/foo/snap.c", "usr.sbin/foo/foo.c"]
    after = before.with_changes({
        SNAP_H: before.read(SNAP_H).replace(b"#endif", b"bool\tsnap_ready(void);\n\n#endif"),
        **{c: b"#include <stdbool.h>\n" + before.read(c) for c in users}})
    r = run_build_test(before, after, [SNAP_H, *users], "host", tmp_path)
    assert r.verdict == "fail", r.to_json()
    alone = [n for n in r.new if "no longer compiles on its own" in n]
    assert len(alone) == 1, r.new
    assert alone[0].startswith(f"{SNAP_H}:8: error: {SNAP_H} no longer compiles")
    assert "bool" in alone[0]
    # Only the header: no unit of the program has a new diagnostic.
    assert [n for n in r.new if n not in alone] == [], r.new


@needs_cc
def test_header_that_did_not_compile_alone_before_is_not_judged(tmp_path):
    # util.h needs size_t from elsewhere both before and after: not self-contained,
    # as many FreeBSD headers are, so the check says it did not judge it.
    base = mini()
    needy = base.read(UTIL_H).replace(b"#endif", b"int\tutil_len(size_t n);\n\n#endif")
    before = base.with_changes({UTIL_H: needy})
    after = before.with_changes({UTIL_H: needy.replace(b"#endif", b"/* more */\n#endif")})
    r = run_build_test(before, after, [UTIL_H], "host", tmp_path)
    assert not any("compiles on its own" in n for n in r.new), r.new
    # (host on this partial tree leaves foo.c unchecked: MAXCOMLEN; that is all.)
    assert r.verdict == "inconclusive" and r.new == [], r.to_json()
    assert all(u.startswith("usr.sbin/foo/foo.c:") for u in r.unchecked), r.unchecked
    assert any(n.startswith(f"{UTIL_H}: does not compile on its own, but it did not "
                            "compile alone before; not judged") for n in r.notes), r.notes


@needs_cc
def test_header_alone_result_is_reused(tmp_path):
    # An unchanged header is not compiled alone twice in one run.
    from refactor.buildtest import BuildStrategy
    s = BuildStrategy.choose("host")
    before = mini()
    after = before.with_changes({SNAP_H: before.read(SNAP_H) + b"/* x */\n"})
    first = s.run(before, after, [SNAP_H], tmp_path / "1")
    again = s.run(before, after, [SNAP_H], tmp_path / "2")
    assert first.new == again.new == [], (first.to_json(), again.to_json())
    assert first.verdict == again.verdict
    assert again.compiled == 0 and again.reused > 0, again.to_json()
    assert "snap.h.alone.c" in Path(first.log).read_text()
