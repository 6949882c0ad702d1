"""One parse cache per run (Tree.parses): shared by planning, validation and the
`parse` build-test, keyed by content, bounded, and gone when the run ends."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

from refactor.buildtest import run_build_test
from refactor.c import lossless
from refactor.c.inspect import semantic_default
from refactor.c.resolve import check_resolution
from refactor.ops import get_op
from refactor.parsecache import ParseCache
from refactor.plan import plan_recipe
from refactor.recipe import Recipe, Step
from refactor.tree import Tree

MINI = Path(__file__).parent / "buildtest" / "trees" / "mini"


def rename_plan(tree: Tree, old: str, new: str):
    op = get_op("rename", "test").from_mapping({"old": old, "new": new, "paths": ["usr.sbin"]},
                                               "test")
    return plan_recipe(Recipe("t", op.summary, [Step("rename", "", [op])]), tree)


def count_cfiles(monkeypatch) -> Counter:
    """(path, sha1 of the bytes) -> how many CFile objects were built for it."""
    built: Counter = Counter()
    real = lossless.CFile.__init__

    def counting(self, data, path="", *args, **kw):
        built[(path, hashlib.sha1(data).hexdigest())] += 1
        real(self, data, path, *args, **kw)

    monkeypatch.setattr(lossless.CFile, "__init__", counting)
    return built


def test_a_plan_and_its_parse_build_test_parse_each_file_once(tmp_path, monkeypatch):
    built = count_cfiles(monkeypatch)
    tree = Tree.from_dir(MINI)
    plan = rename_plan(tree, "util_hello", "util_greet")
    step = plan.steps[0]
    assert {"usr.sbin/foo/util.h", "usr.sbin/foo/foo.c"} <= set(step.changes)
    r = run_build_test(step.before, step.after, step.touched, "parse", tmp_path)
    assert r.verdict == "pass", r.to_json()

    cache = tree.parses
    assert step.after.parses is cache and step.before.parses is cache
    # Planning, validation and the build-test each looked at these files: once a content.
    assert built and max(built.values()) == 1, [k for k, n in built.items() if n > 1]
    assert ("usr.sbin/foo/util.h", hashlib.sha1(step.after.read("usr.sbin/foo/util.h"))
            .hexdigest()) in built
    # Every cpp run made a unit the cache still holds: no file and configuration twice.
    assert cache.total("cpp") > 0
    assert cache.total("cpp") == cache.held("unit")
    assert cache.total("view") == len(built)


def test_a_second_run_of_a_changed_tree_under_the_same_path_starts_cold(tmp_path):
    root = tmp_path / "src"
    (root / "usr.sbin" / "p").mkdir(parents=True)
    c = root / "usr.sbin" / "p" / "p.c"
    h = root / "usr.sbin" / "p" / "p.h"
    h.write_text("int\thelper(void);\n")
    c.write_text('#include "p.h"\n\nint\nmain(void)\n{\n\treturn (helper());\n}\n')
    first = Tree.from_dir(root)
    assert check_resolution(first, ["usr.sbin/p/p.c"], [{}]).ok
    # Same paths, other contents: the prototype is gone from the header, and the
    # .c file defines the helper, so the call has no declaration in scope.
    h.write_text("/* nothing */\n")
    c.write_text('#include "p.h"\n\nint\nmain(void)\n{\n\treturn (helper());\n}\n\n'
                 "int\nhelper(void)\n{\n\treturn (0);\n}\n")
    second = Tree.from_dir(root)
    assert second.parses is not first.parses
    res = check_resolution(second, ["usr.sbin/p/p.c"], [{}])
    assert [p.name for p in res.problems] == ["helper"], res.messages()


def test_views_are_keyed_by_content_not_by_path():
    tree = Tree.from_dir(MINI)
    path = "usr.sbin/foo/util.h"
    a = tree.view(path, lossless.CFile)
    assert tree.view(path, lossless.CFile) is a
    changed = tree.with_changes({path: tree.read(path) + b"int\tother(void);\n"})
    b = changed.view(path, lossless.CFile)
    assert b is not a and "other" in b.data.decode()
    assert tree.view(path, lossless.CFile) is a  # the unchanged tree still sees its own


def test_the_cache_drops_least_recently_used_entries_past_its_budget():
    cache = ParseCache({"view": 100})
    blobs = [(f"f{i}.c", b"int x%d;\n" % i + b" " * 40) for i in range(4)]
    views = [cache.view(lossless.CFile, p, d) for p, d in blobs]
    assert cache.held("view") == 2  # 4 files of ~48 bytes in a budget of 100
    assert cache.view(lossless.CFile, *blobs[3]) is views[3]  # the newest stayed
    assert cache.view(lossless.CFile, *blobs[0]) is not views[0]  # the oldest went
    assert cache.total("view") == 5


def test_a_file_that_cannot_be_built_is_remembered_and_raises_each_time():
    cache = ParseCache()
    calls = []

    def bad(data, path):
        calls.append(path)
        raise ValueError("no")

    for _ in range(2):
        try:
            cache.view(bad, "x", b"1")
        except ValueError:
            pass
        else:
            raise AssertionError("view() swallowed the error")
    assert calls == ["x"]


def test_semantic_default_without_a_cache_keeps_nothing_between_calls(tmp_path):
    src = tmp_path / "a.c"
    src.write_text("typedef int T;\nT x;\n")
    cache = ParseCache()
    assert semantic_default(src, cache).ok
    assert semantic_default(src, cache) is semantic_default(src, cache)
    assert cache.total("cpp") == 1
    src.write_text("T x;\n")  # T is no longer a type the tree defines
    again = semantic_default(src)
    assert again.ok and "T" in again.discovered_types
