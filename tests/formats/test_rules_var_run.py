"""The /var/run/bhyve rules on their golden fixtures and on drifted trees."""

from __future__ import annotations

import shutil

from formats_helpers import (
    RULE_FIXTURES,
    TREES,
    check_golden_cases,
    mandoc_lint,
    rules_module,
    run_rule,
)

from refactor.formats.mdoc import MdocPage
from refactor.formats.mtree import MtreeSpec
from refactor.rule import Rule, Status

var_run = rules_module("var_run")
MTREE = "etc/mtree/BSD.var.dist"
HIER = "share/man/man7/hier.7"


def _tree(tmp_path, files: dict[str, bytes]):
    for rel, data in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return tmp_path


def test_rule_attributes():
    for cls, rid in ((var_run.MtreeVarRunBhyve, "mtree-var-run-bhyve"),
                     (var_run.HierVarRunBhyve, "hier-var-run-bhyve")):
        assert issubclass(cls, Rule) and cls.id == rid
        assert cls.summary and cls.files and "Already applied" in cls.doc()


def test_mtree_golden_cases(tmp_path):
    assert check_golden_cases(var_run.MtreeVarRunBhyve()) == [
        "mtree-var-run-bhyve", "mtree-var-run-bhyve@tabs-empty-run",
    ]
    # the result is a well-formed spec whose hierarchy has the new directory
    after = (RULE_FIXTURES / "mtree-var-run-bhyve" / "after" / MTREE).read_bytes()
    spec = MtreeSpec.parse(after)
    assert spec.problems == []
    spec.make_hierarchy(tmp_path)
    assert (tmp_path / "run" / "bhyve").is_dir()


def test_hier_golden_cases(tmp_path):
    assert shutil.which("mandoc"), "mandoc is needed: apt-get install -y mandoc"
    assert check_golden_cases(var_run.HierVarRunBhyve()) == [
        "hier-var-run-bhyve", "hier-var-run-bhyve@no-child-list",
    ]
    for case in ("hier-var-run-bhyve", "hier-var-run-bhyve@no-child-list"):
        outcome, changed = run_rule(var_run.HierVarRunBhyve(), RULE_FIXTURES / case / "before")
        out = tmp_path / f"{case}.7"
        out.write_bytes(changed[HIER])
        assert mandoc_lint(out) == [], case


def test_mtree_conflicts_and_already_applied(tmp_path):
    rule = var_run.MtreeVarRunBhyve()
    outcome, _ = run_rule(rule, _tree(tmp_path / "none", {"README": b"x\n"}))
    assert outcome.status == Status.CONFLICT and "does not exist" in outcome.reason
    no_run = b"/set type=dir\n.\n    log\n    ..\n..\n"
    outcome, _ = run_rule(rule, _tree(tmp_path / "norun", {MTREE: no_run}))
    assert outcome.status == Status.CONFLICT and "no directory 'run'" in outcome.reason
    broken = b"/set type=dir\n.\n    run\n    ..\n..\n..\n"
    outcome, _ = run_rule(rule, _tree(tmp_path / "broken", {MTREE: broken}))
    assert outcome.status == Status.CONFLICT and "well-formed" in outcome.reason
    as_file = b"/set type=dir\n.\n    run\n        bhyve type=file\n    ..\n..\n"
    outcome, _ = run_rule(rule, _tree(tmp_path / "file", {MTREE: as_file}))
    assert outcome.status == Status.CONFLICT and "type=file" in outcome.reason
    # an entry written with its own keywords still counts as applied
    own = b"/set type=dir\n.\n    run\n        bhyve   mode=0700\n        ..\n    ..\n..\n"
    outcome, changed = run_rule(rule, _tree(tmp_path / "own", {MTREE: own}))
    assert outcome.status == Status.ALREADY_APPLIED and changed == {}


def test_hier_conflicts_and_already_applied(tmp_path):
    rule = var_run.HierVarRunBhyve()
    outcome, _ = run_rule(rule, _tree(tmp_path / "none", {"README": b"x\n"}))
    assert outcome.status == Status.CONFLICT
    page = (RULE_FIXTURES / "hier-var-run-bhyve" / "before" / HIER).read_bytes()
    no_run = page.replace(b".It Pa run/", b".It Pa rundir/")
    outcome, _ = run_rule(rule, _tree(tmp_path / "norun", {HIER: no_run}))
    assert outcome.status == Status.CONFLICT and "/var/run/" in outcome.reason
    # documented in other words, with .Li like old pages
    other = page.replace(b".It Pa ppp/\n", b".It Li bhyve\nsockets of bhyve\n.It Pa ppp/\n")
    outcome, changed = run_rule(rule, _tree(tmp_path / "other", {HIER: other}))
    assert outcome.status == Status.ALREADY_APPLIED and changed == {}
    assert MdocPage.parse(other).has_item("/var/run/", "bhyve/")


def test_on_the_bundled_2021_tree():
    root = TREES / "bhyve-2021"
    for rule in (var_run.MtreeVarRunBhyve(), var_run.HierVarRunBhyve()):
        outcome, changed = run_rule(rule, root)
        assert outcome.status == Status.APPLIED, (rule.id, outcome.reason)
        assert list(changed) == list(rule.files)
