"""Every operation fixture (fixtures/ops/<op>[@case]/) through the real planner, then again."""

from __future__ import annotations

import pytest
from harness import check_pair, load_op_case, op_cases

from refactor.ops import all_ops


@pytest.mark.parametrize("case", op_cases())
def test_op_fixture(case):
    op, before, after = load_op_case(case)
    check_pair(op, before, after)


def test_every_op_has_a_fixture():
    have = {c.split("@")[0] for c in op_cases()}
    # move and export are another module's; each registered op needs a pair.
    assert set(all_ops()) - have == set(), f"ops without fixtures: {set(all_ops()) - have}"
