"""Golden before/after pairs for every rule, plus idempotence.

fixtures/rules/<rule-id>/before/ is a small tree; after/ is what the rule must
make of it, byte for byte.  Running the rule again on after/ must change nothing
and report already-applied (like Coccinelle's .c/.res pairs).
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES, snapshot

from refactor.edits import EditSet
from refactor.recipe import find_rule
from refactor.rule import Status
from refactor.tree import Tree

CASES = sorted(p.name for p in (FIXTURES / "rules").iterdir() if (p / "before").is_dir())


def _case_rule(case: str) -> str:
    # A directory may hold several cases of one rule: "<rule-id>@<case>".
    return case.split("@", 1)[0]


def _run(rule, root):
    tree = Tree.from_dir(root)
    outcome = rule.plan(tree)
    edits = EditSet()
    edits.extend(outcome.changes)
    return outcome, edits.apply(tree.read)


@pytest.mark.parametrize("case", CASES)
def test_before_after(case):
    _, rule = find_rule(_case_rule(case))
    before = FIXTURES / "rules" / case / "before"
    after = FIXTURES / "rules" / case / "after"
    outcome, changed = _run(rule, before)
    assert outcome.status == Status.APPLIED, outcome.reason
    result = snapshot(before)
    for path, data in changed.items():
        if data is None:
            result.pop(path, None)
        else:
            result[path] = data
    expected = snapshot(after)
    assert sorted(result) == sorted(expected)
    for path in expected:
        assert result[path] == expected[path], f"{case}: {path} differs from the golden file"


@pytest.mark.parametrize("case", CASES)
def test_idempotent(case):
    _, rule = find_rule(_case_rule(case))
    after = FIXTURES / "rules" / case / "after"
    outcome, changed = _run(rule, after)
    assert outcome.status == Status.ALREADY_APPLIED, outcome.reason
    assert changed == {}
