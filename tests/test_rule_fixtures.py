"""Golden before/after pairs for every rule, plus idempotence, through the real planner.

fixtures/rules/<rule-id>/before/ is a small tree; after/ is what the rule must
make of it, byte for byte.  Running the rule again on after/ must change nothing
and report already-applied (like Coccinelle's .c/.res pairs).  tests/harness.py
does both, with plan_recipe, so the re-parse check and the `files` check run too.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES
from harness import check_pair

from refactor.recipe import find_rule

CASES = sorted(p.name for p in (FIXTURES / "rules").iterdir() if (p / "before").is_dir())


def _case_rule(case: str) -> str:
    # A directory may hold several cases of one rule: "<rule-id>@<case>".
    return case.split("@", 1)[0]


@pytest.mark.parametrize("case", CASES)
def test_before_after_and_idempotent(case):
    _, rule = find_rule(_case_rule(case))
    check_pair(rule, FIXTURES / "rules" / case / "before", FIXTURES / "rules" / case / "after")
