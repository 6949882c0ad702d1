"""Recipes written as TOML: loading, the planner, the CLI, and one-line errors for bad forms."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, git, make_repo, run_cli
from harness import check_pair

from refactor.errors import UsageError
from refactor.recipe import get_recipe, recipes
from refactor.recipefile import parse_recipe

TWO = FIXTURES / "recipes" / "two-steps"


def test_two_step_recipe_through_the_planner_and_again():
    recipe = get_recipe(str(TWO / "recipe.toml"))
    assert [s.subject for s in recipe.steps] == [
        "bhyve: rename pci_emul_alloc_bar to pci_emul_alloc_bar_new",
        "Create /var/run/bhyve through mtree"]
    check_pair(recipe, TWO / "before", TWO / "after")


def test_apply_a_recipe_file_makes_two_commits_and_is_idempotent(tmp_path):
    repo = make_repo(TWO / "before", tmp_path / "src")
    res = run_cli("apply", "--recipe", str(TWO / "recipe.toml"), "--tree", str(repo),
                  "--out", str(tmp_path / "out"), "--build", "none")
    assert res.returncode == 0, res.stderr
    log = git(repo, "log", "--format=%s", "main..refactor/two-steps").splitlines()
    assert log == ["Create /var/run/bhyve through mtree",
                   "bhyve: rename pci_emul_alloc_bar to pci_emul_alloc_bar_new"]
    git(repo, "checkout", "-q", "refactor/two-steps")
    again = run_cli("plan", "--recipe", str(TWO / "recipe.toml"), "--tree", str(repo))
    assert again.returncode == 0, again.stderr
    assert "already-applied" in again.stdout and "applied " not in again.stdout.replace(
        "already-applied", "")


def test_recipe_path_finds_toml_recipes_by_name(tmp_path):
    (tmp_path / "mine.toml").write_text((TWO / "recipe.toml").read_text())
    mp = pytest.MonkeyPatch()
    mp.setenv("REFACTOR_RECIPE_PATH", str(tmp_path))
    try:
        assert "two-steps" in recipes()
        assert get_recipe("two-steps").steps[1].rules[0].id == "mtree-dir-run/bhyve"
    finally:
        mp.undo()
    res = run_cli("rules", "two-steps", env={"REFACTOR_RECIPE_PATH": str(tmp_path / "mine.toml")})
    assert res.returncode == 0, res.stderr
    assert "rename-pci_emul_alloc_bar" in res.stdout


HEAD = '[recipe]\nname = "r"\nsummary = "s"\n\n[[step]]\nsubject = "x: y"\n\n'


@pytest.mark.parametrize("text, message", [
    (HEAD + '[[step.op]]\nop = "rename"\nold = "a"\n',
     "r.toml:8: op 'rename' needs option 'new'"),
    (HEAD + '[[step.op]]\nop = "rename"\nold = "a"\nnew = "b"\nolour = 1\n',
     "r.toml:12: op 'rename' has no option 'olour' (it takes: old, new, paths, kind, "
     "comments, strings, include_dirs)"),
    (HEAD + '[[step.op]]\nop = "renam"\n', "r.toml:8: unknown op 'renam' (known: "),
    (HEAD + '[[step.op]]\nop = "mtree-dir"\npath = "run/x"\n\n[[step.op]]\nop = "nope:X"\n',
     "r.toml:12: cannot import nope"),
    (HEAD.replace('summary = "s"\n', 'summary = "s"\ncolour = 1\n') + '[[step.op]]\nop = "x"\n',
     "r.toml:4: [recipe] has no key 'colour'"),
    ('[recipe]\nname = "r"\nsummary = "s"\n', "r.toml:1: the recipe has no [[step]]"),
    (HEAD, "r.toml:5: step 'x: y' has no [[step.op]]"),
    (HEAD + '[[step.op]]\nop = "rename"\nold = "a"\nnew = "b"\nkind = 3\n',
     "r.toml:12: option 'kind' must be one of"),
    ('[recipe]\nname = "r"\nsummary = \n', "r.toml:3: Invalid value"),
    (HEAD + '[[step.op]]\nop = "mtree-var-run-bhyve"\npath = "x"\n',
     "r.toml:8: rule 'mtree-var-run-bhyve' takes no options (got 'path')"),
])
def test_bad_recipe_files_are_one_line_errors(text, message):
    with pytest.raises(UsageError) as exc:
        parse_recipe(text, "r.toml")
    assert str(exc.value).startswith(message), str(exc.value)
    assert "\n" not in str(exc.value)


def test_python_rules_by_class_and_by_id():
    recipe = parse_recipe(HEAD + '[[step.op]]\nop = "refactor_rules.bhyve_ipc.var_run:'
                          'MtreeVarRunBhyve"\n\n[[step.op]]\nop = "hier-var-run-bhyve"\n',
                          "r.toml")
    assert [r.id for r in recipe.rules()] == ["mtree-var-run-bhyve", "hier-var-run-bhyve"]


def test_a_rule_class_that_needs_arguments_is_a_usage_error():
    with pytest.raises(UsageError) as exc:
        parse_recipe(HEAD + '[[step.op]]\nop = "refactor.ops.rename:Rename"\nold = "a"\n',
                     "r.toml")
    assert str(exc.value) == "r.toml:8: op 'rename' needs option 'new'"
    with pytest.raises(UsageError, match=r"^r.toml:8: toy:Rename cannot be made from a "
                                         r"recipe file \(it needs arguments: "):
        parse_recipe(HEAD + '[[step.op]]\nop = "toy:Rename"\n', "r.toml")


def test_bad_recipe_file_on_the_command_line_exits_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + '[[step.op]]\nop = "rename"\n')
    res = run_cli("plan", "--recipe", str(bad), "--tree", str(tmp_path))
    assert res.returncode == 2
    assert res.stderr == f"refactor: {bad}:8: op 'rename' needs option 'old'\n"
