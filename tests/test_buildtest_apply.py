"""apply --build on real compilers: a broken commit fails, a pre-existing error does not."""

from __future__ import annotations

import json
import re
import shutil
import textwrap

import pytest
from conftest import TREES, git, run_cli

from refactor.buildtest import available

STRATEGIES = ["parse", pytest.param("cross", marks=pytest.mark.skipif(
    not available("cross")[0], reason="ziglang is not installed"))]

BROKEN_RECIPE = '''
from refactor.recipe import Recipe, Step
from refactor.rule import AlreadyApplied, Edits, Rule
from refactor.edits import replace

PATH = "usr.sbin/bhyve/snapshot.h"
PROTO = b"int init_checkpoint_thread(struct vmctx *ctx);\\n"


class DropPrototype(Rule):
    """Drops a prototype that bhyverun.c still needs: a broken commit, on purpose."""

    id = "drop-init-prototype"
    summary = "drop init_checkpoint_thread()'s prototype"
    files = (PATH,)

    def plan(self, tree):
        data = tree.read(PATH)
        at = data.find(PROTO)
        if at < 0:
            return AlreadyApplied()
        return Edits([replace(PATH, at, at + len(PROTO), b"")])


RECIPE = Recipe("broken", "a recipe that breaks the build",
                [Step("bhyve: drop a prototype", "On purpose.", [DropPrototype()])],
                anchors=(PATH,))
'''


def repo_of(tmp_path, era="bhyve-2021", edit=None):
    src = tmp_path / "src"
    shutil.copytree(TREES / era, src)
    if edit:
        edit(src)
    git(src, "init", "-q", "-b", "main")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "base")
    return src


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_broken_commit_fails_apply_naming_the_line(tmp_path, strategy):
    recipes = tmp_path / "recipes"
    (recipes / "broken").mkdir(parents=True)
    (recipes / "broken" / "__init__.py").write_text(textwrap.dedent(BROKEN_RECIPE))
    src = repo_of(tmp_path)
    out = tmp_path / "out"
    res = run_cli("apply", "--tree", str(src), "--recipe", "broken", "--out", str(out),
                  "--build", strategy, env={"REFACTOR_RECIPE_PATH": str(recipes)})
    assert res.returncode == 1, res.stdout + res.stderr
    line = next(n for n, text in enumerate(
        (src / "usr.sbin/bhyve/bhyverun.c").read_text().splitlines(), 1)
        if "init_checkpoint_thread(ctx)" in text)
    where = f"usr.sbin/bhyve/bhyverun.c:{line}:"
    assert where in res.stdout
    report = json.loads((out / "report.json").read_text())
    build = report["steps"][0]["build"]
    assert build["verdict"] == "fail" and build["strategy"] == strategy
    assert any(d.startswith(where) and "init_checkpoint_thread" in d for d in build["new"])
    # The branch and patches are still written, for a person to look at.
    assert "refactor/broken" in git(src, "branch")
    assert len(list(out.glob("*.patch"))) == 1


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_error_present_before_the_change_is_preexisting(tmp_path, strategy):
    def break_include(src):
        p = src / "usr.sbin/bhyve/snapshot.c"
        p.write_bytes(p.read_bytes().replace(b"#include <vmmapi.h>\n",
                                             b"#include <vmmapi.h>\n#include \"missing.h\"\n"))

    src = repo_of(tmp_path, edit=break_include)
    out = tmp_path / "out"
    res = run_cli("apply", "--tree", str(src), "--out", str(out), "--build", strategy)
    report = json.loads((out / "report.json").read_text())
    builds = [s["build"] for s in report["steps"]]
    assert res.returncode == 0, res.stdout + res.stderr
    if strategy == "parse":
        assert all(b["verdict"] == "pass" for b in builds), builds
        return
    # The tree lacks a header snapshot.c needs: not the series' fault, but nothing
    # proves snapshot.c builds, so no step may pass.
    assert all(b["verdict"] == "inconclusive" for b in builds), builds
    pre = [d for d in builds[0]["preexisting"] if "missing.h" in d]
    assert pre and pre[0].startswith("usr.sbin/bhyve/snapshot.c:")
    assert any(u.startswith("usr.sbin/bhyve/snapshot.c: did not compile before the commit: "
                            "missing <missing.h>") for u in builds[0]["unchecked"]), builds[0]
    assert report["build"]["verdict"] == "inconclusive"
    assert report["build"]["inconclusive_steps"] == len(builds)
    assert "build-test INCONCLUSIVE" in res.stdout and "--build-strict" in res.stdout
    # Each step's summary names the units compiled and linked.
    assert all(b["units"] > 0 and b["linked"] > 0 for b in builds), builds
    assert re.search(r"cross: inconclusive, \d+ units compiled, \d+ linked", res.stdout)
    # --build-strict: the same series is an error.
    strict = run_cli("apply", "--tree", str(src), "--out", str(tmp_path / "out2"),
                     "--branch", "strict", "--build", strategy, "--build-strict")
    assert strict.returncode == 1, strict.stdout + strict.stderr
    assert json.loads((tmp_path / "out2" / "report.json").read_text())["exit_status"] == 1
