"""The bhyve-ipc recipe end to end: golden trees per step, bisectable series, replay."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import FIXTURES, TREES, git, make_repo, run_cli, snapshot

from refactor.plan import plan_recipe
from refactor.recipe import get_recipe
from refactor.tree import Tree

EXPECTED = FIXTURES / "expected" / "bhyve-2021"
ERAS = ["bhyve-2021", "bhyve-2021-partial", "bhyve-2022-nvlist", "bhyve-2025"]

STEP_RULES = [
    ["ipc-extract", "vm-checkpoint-export", "bhyverun-init-ipc", "bhyvectl-socket-path",
     "makefile-bhyve-ipc-c"],
    ["mtree-var-run-bhyve", "hier-var-run-bhyve", "ipc-drop-mkdir"],
    ["vmmapi-ipc-message", "ipc-rename", "bhyvectl-send-message"],
    ["ipc-sock-dgram", "bhyvectl-sock-dgram", "ipc-h-shared", "makefile-bhyvectl-ipc-h",
     "max-snapshot-filename", "max-vmname-vmmapi"],
]


def test_recipe_has_every_rule_of_the_review():
    recipe = get_recipe("bhyve-ipc")
    assert [[r.id for r in s.rules] for s in recipe.steps] == STEP_RULES
    for rule in recipe.rules():
        assert rule.summary and rule.doc() and rule.files


def test_each_step_matches_its_golden_tree():
    plan = plan_recipe(get_recipe("bhyve-ipc"), Tree.from_dir(TREES / "bhyve-2021"))
    assert not plan.conflicts, [(r.rule.id, r.reason) for r in plan.conflicts]
    base = snapshot(TREES / "bhyve-2021")
    for n, step in enumerate(plan.steps, 1):
        expected = snapshot(EXPECTED / str(n))
        paths = set(base) | set(expected) | set(step.after.changes)
        got = {p: step.after.read(p) for p in paths}
        got = {p: d for p, d in got.items() if d is not None}
        assert sorted(got) == sorted(expected), f"step {n}: file sets differ"
        for path, data in expected.items():
            assert got[path] == data, f"step {n}: {path} differs from the golden file"
        assert all(r.status.value == "applied" for r in step.rules), \
            [(r.rule.id, r.status, r.reason) for r in step.rules]


def test_series_applies_with_git_am_and_bisects(fixture_repo, tmp_path):
    src = fixture_repo()
    out = tmp_path / "out"
    res = run_cli("apply", "--tree", str(src), "--out", str(out), "--build", "parse")
    assert res.returncode == 0, res.stdout + res.stderr
    commits = git(src, "rev-list", "--reverse", "main..refactor/bhyve-ipc").split()
    assert len(commits) == 4
    for n, commit in enumerate(commits, 1):
        git(src, "checkout", "-q", commit)
        assert snapshot(src) == snapshot(EXPECTED / str(n)), f"commit {n}"
    report = json.loads((out / "report.json").read_text())
    assert [s["build"]["verdict"] for s in report["steps"]] == ["pass"] * 4

    fresh = make_repo(TREES / "bhyve-2021", tmp_path / "fresh")
    git(fresh, "am", *map(str, sorted(out.glob("*.patch"))))
    assert snapshot(fresh) == snapshot(EXPECTED / "4")


@pytest.fixture(scope="module")
def eras_repo(tmp_path_factory):
    """A repository whose commits are the fixture eras in order, tagged by era."""
    root = tmp_path_factory.mktemp("eras") / "src"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for era in ERAS:
        for child in root.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        shutil.copytree(TREES / era, root, dirs_exist_ok=True)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", era)
        git(root, "tag", era)
    return root


EXPECTED_REPLAY = {
    "bhyve-2021": {rid: "applied" for step in STEP_RULES for rid in step},
}


def test_replay_across_the_eras(eras_repo):
    args = ["replay", "--tree", str(eras_repo), "--json"]
    for era in ERAS:
        args += ["--rev", era]
    res = run_cli(*args)
    data = json.loads(res.stdout)
    by_rev = {r["rev"]: r for r in data["revs"]}
    assert set(by_rev) == set(ERAS)
    for rid, status in EXPECTED_REPLAY["bhyve-2021"].items():
        assert by_rev["bhyve-2021"]["rules"][rid]["status"] == status, rid
    for era in ERAS[1:]:
        rules = by_rev[era]["rules"]
        assert not by_rev[era]["conflict"], {k: v for k, v in rules.items()
                                             if v["status"] == "conflict"}
        for rid, v in rules.items():
            if v["status"] in ("not-applicable", "conflict"):
                assert v["reason"], f"{era} {rid} gives no reason"
    # The moved code is upstream in 2025: no second ipc.c, every rule is settled.
    assert by_rev["bhyve-2025"]["rules"]["ipc-extract"]["status"] == "already-applied"
    assert all(v["status"] != "applied" for v in by_rev["bhyve-2025"]["rules"].values())
    assert res.returncode == 0, res.stderr
