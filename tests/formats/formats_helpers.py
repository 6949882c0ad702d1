"""Helpers shared by the tests of refactor.formats and of the rules built on them."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
from pathlib import Path

from refactor.edits import Edit, EditSet
from refactor.rule import Outcome
from refactor.tree import Tree

ROOT = Path(__file__).resolve().parents[2]
RULE_FIXTURES = ROOT / "fixtures" / "rules"
TREES = ROOT / "fixtures" / "trees"


def apply(data: bytes, *edits: Edit) -> bytes:
    """The bytes of one file after `edits`, through the real EditSet."""
    es = EditSet()
    es.extend(edits)
    return es.apply(lambda p: data)[edits[0].path]


def outside(before: bytes, after: bytes, edit: Edit) -> None:
    """Assert that every byte outside the edit's span is unchanged."""
    assert after[: edit.start] == before[: edit.start]
    assert after[edit.start + len(edit.text):] == before[edit.end:]


def rules_module(name: str):
    """refactor_rules.bhyve_ipc.<name>, the module the installed recipe registers its rules
    from (never a copy loaded from a path, whose classes no recipe would know)."""
    return importlib.import_module(f"refactor_rules.bhyve_ipc.{name}")


def run_rule(rule, root: Path) -> tuple[Outcome, dict[str, bytes | None]]:
    """Plan `rule` on the tree at `root` and apply its changes in memory."""
    tree = Tree.from_dir(root)
    outcome = rule.plan(tree)
    es = EditSet()
    es.extend(outcome.changes)
    return outcome, es.apply(tree.read)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def check_golden_cases(rule) -> list[str]:
    """Run `rule` on every fixtures/rules/<id>[@case] pair through tests/harness.py.

    Returns the case names; the harness asserts before -> after byte for byte
    through plan_recipe, and that a second run is already-applied with no change.
    """
    from harness import check_pair

    cases = sorted(
        p for p in RULE_FIXTURES.iterdir()
        if p.name.split("@", 1)[0] == rule.id and (p / "before").is_dir()
    )
    assert cases, f"no golden fixture for {rule.id}"
    for case in cases:
        check_pair(rule, case / "before", case / "after")
    return [c.name for c in cases]


def mandoc_lint(path: Path) -> list[str]:
    """mandoc -Tlint messages, without those about this host's manual database."""
    res = subprocess.run(["mandoc", "-Tlint", str(path)], capture_output=True, text=True)
    lines = (res.stdout + res.stderr).splitlines()
    return [
        ln for ln in lines
        if "referenced manual not found" not in ln and "mandoc.db" not in ln
    ]
