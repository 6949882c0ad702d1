"""`refactor rules` lists every operation; `refactor rules OP` documents it with its options."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import run_cli

from refactor.ops import all_ops


def test_rules_lists_the_operations():
    res = run_cli("rules")
    assert res.returncode == 0, res.stderr
    listed = res.stdout.split("operations (`refactor rules OP` for options):\n", 1)[1]
    assert [line.split()[0] for line in listed.splitlines()] == sorted(all_ops())


@pytest.mark.parametrize("op", sorted(all_ops()))
def test_rules_op_documents_every_option(op):
    res = run_cli("rules", op)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f'{op} (operation; in a recipe: op = "{op}")\n')
    options = res.stdout.split("\noptions:\n", 1)[1].splitlines()
    names = [f.name for f in dataclasses.fields(all_ops()[op].Options)]
    assert [line.split(":")[0].strip() for line in options] == names
    # The doc says what is a conflict and what is already applied.
    assert "conflict" in res.stdout and "lready applied" in res.stdout
