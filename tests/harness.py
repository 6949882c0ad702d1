"""The one before/after harness: a rule, an operation or a whole recipe, through plan_recipe.

`check_pair(rules, before, after)` plans `rules` (a Rule, a list of rules making
one step, or a Recipe) on the tree in `before/` with the real planner, so the
re-parse check, `requires` gating and the `files` check all run, and asserts:

1. no rule conflicts, at least one applied, and the planned tree equals `after/`
   byte for byte (files added, changed and removed alike);
2. planned again on `after/`, every rule is already-applied and nothing changes.

An operation's fixture directory is fixtures/ops/<op>[@case]/ with before/,
after/ and op.toml, the operation's table as a recipe would write it
(`op = "rename"`, `old = ...`); `load_op_case(dir)` makes the operation from it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from refactor.plan import Plan, plan_recipe
from refactor.recipe import Recipe, Step
from refactor.rule import Rule, Status
from refactor.tree import Tree

ROOT = Path(__file__).resolve().parent.parent
OPS_FIXTURES = ROOT / "fixtures" / "ops"


def as_recipe(rules: Rule | list[Rule] | Recipe) -> Recipe:
    if isinstance(rules, Recipe):
        return rules
    if isinstance(rules, Rule):
        rules = [rules]
    return Recipe("harness", "one step of the rules under test",
                  [Step("harness: the rules under test", "Test.", list(rules))])


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def final_files(plan: Plan, root: Path) -> dict[str, bytes]:
    """Every file of the planned tree: the files under `root` with the plan's changes."""
    out = files_of(root)
    for step in plan.steps:
        for path, data in step.changes.items():
            if data is None:
                out.pop(path, None)
            else:
                out[path] = data
    return out


def plan_dir(rules: Rule | list[Rule] | Recipe, root: Path) -> Plan:
    return plan_recipe(as_recipe(rules), Tree.from_dir(root))


def check_pair(rules: Rule | list[Rule] | Recipe, before: Path, after: Path) -> Plan:
    """Assert before -> after through the planner, then that a second run changes nothing."""
    recipe = as_recipe(rules)
    plan = plan_dir(recipe, before)
    statuses = {r.rule.id: (str(r.status), r.reason) for r in plan.rule_results()}
    assert not plan.conflicts, f"conflicts: {statuses}"
    assert any(r.status == Status.APPLIED for r in plan.rule_results()), statuses
    got, want = final_files(plan, before), files_of(after)
    assert sorted(got) == sorted(want), "the planned tree has other files than after/"
    for path in want:
        assert got[path] == want[path], f"{path} differs from {after / path}"

    again = plan_dir(recipe, after)
    for res in again.rule_results():
        assert res.status == Status.ALREADY_APPLIED, \
            f"second run: {res.rule.id} is {res.status}: {res.reason}"
    assert not again.changed, "the second run changed the tree"
    return plan


def op_cases(op: str | None = None) -> list[str]:
    """Names of the operation fixture directories (for one op, or all)."""
    if not OPS_FIXTURES.is_dir():
        return []
    return sorted(p.name for p in OPS_FIXTURES.iterdir()
                  if (p / "before").is_dir() and (op is None or p.name.split("@")[0] == op))


def load_op_case(case: str) -> tuple[Rule, Path, Path]:
    """(operation, before/, after/) of fixtures/ops/<case>/."""
    from refactor.ops import get_op

    d = OPS_FIXTURES / case
    where = str(d / "op.toml")
    table = tomllib.loads((d / "op.toml").read_text())
    op = get_op(table.get("op", case.split("@")[0]), where).from_mapping(table, where)
    return op, d / "before", d / "after"
