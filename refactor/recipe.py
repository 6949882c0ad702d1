"""Recipes (ordered steps of rules, one commit a step) and the registry that finds them."""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from refactor.errors import UsageError, did_you_mean
from refactor.rule import Rule


@dataclass
class Step:
    """Rules that make one commit.

    `subject` is the step's title, and its commit subject when every rule
    applies; otherwise the subject and body come from what applied
    (refactor.messages).  `body` opens the commit body whenever the step
    makes a commit, so it may say only what holds whichever of its rules
    apply (why the step exists), or nothing.  `area` prefixes the subject
    (`bhyve: ...`; default: the area `subject` names); `texts` gives per
    rule id what it says in the message (a refactor.messages.Text), else the
    rule's own summary and message.
    """

    subject: str
    body: str
    rules: list[Rule]
    area: str = ""
    texts: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        ids = {r.id for r in self.rules}
        stray = sorted(set(self.texts) - ids)
        if stray:
            raise ValueError(f"step {self.subject!r} has texts for rules it lacks: {stray}")

    def message(self, results, options=None) -> str | None:
        """The commit message for these rule results, or None: nothing applied, no commit."""
        from refactor.messages import compose

        return compose(self, results, options)

    @property
    def title(self) -> str:
        from refactor.messages import area_of, with_prefix

        return with_prefix(area_of(self), self.subject)


@dataclass
class Recipe:
    name: str
    summary: str
    steps: list[Step]
    #: Files whose absence means the tree is not one this recipe can work on.
    anchors: tuple[str, ...] = ()
    doc: str = ""
    extra: dict = field(default_factory=dict)
    #: Trailers `apply --trailer` (without a value) adds, e.g. "Differential
    #: Revision: https://reviews.freebsd.org/D28199".
    trailers: tuple[str, ...] = ()

    def rules(self) -> list[Rule]:
        return [r for s in self.steps for r in s.rules]

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules():
            if r.id == rule_id:
                return r
        raise UsageError(f"recipe {self.name} has no rule {rule_id!r}"
                         + did_you_mean(rule_id, [r.id for r in self.rules()]))


RECIPE_PATH_VAR = "REFACTOR_RECIPE_PATH"


def python_recipes() -> dict[str, Recipe]:
    """Every recipe written in Python: each subpackage of the installed `refactor_rules`
    that has a RECIPE, then the packages in the directories of $REFACTOR_RECIPE_PATH
    (a downstream tree's own recipes, kept outside this project)."""
    import refactor_rules

    found: dict[str, Recipe] = {}
    for mod in pkgutil.iter_modules(refactor_rules.__path__):
        if mod.ispkg:
            _add(found, importlib.import_module(f"refactor_rules.{mod.name}"))
    for directory in _path_entries():
        if directory.is_dir():
            for mod in pkgutil.iter_modules([str(directory)]):
                if mod.ispkg:
                    _add(found, _import_from(directory / mod.name, mod.name))
    return found


def recipes() -> dict[str, Recipe]:
    """Every recipe: the Python ones, then `.toml` recipe files installed with
    `refactor_rules`, in the directories of $REFACTOR_RECIPE_PATH, or named there."""
    import refactor_rules
    from refactor.recipefile import load_recipe_file

    found = python_recipes()
    files = [f for d in refactor_rules.__path__ for f in sorted(Path(d).glob("*.toml"))]
    for entry in _path_entries():
        if entry.is_dir():
            files += sorted(entry.glob("*.toml"))
        elif entry.suffix == ".toml":
            files.append(entry)
    for f in files:
        recipe = load_recipe_file(f)
        found.setdefault(recipe.name, recipe)
    return found


def _path_entries() -> list[Path]:
    return [Path(e) for e in os.environ.get(RECIPE_PATH_VAR, "").split(os.pathsep) if e]


def _add(found: dict[str, Recipe], module: ModuleType) -> None:
    recipe = getattr(module, "RECIPE", None)
    if isinstance(recipe, Recipe):
        found.setdefault(recipe.name, recipe)


def _import_from(package_dir: Path, name: str) -> ModuleType:
    qualified = f"refactor_recipe_path.{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(
        qualified, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)])
    if spec is None or spec.loader is None:  # no loader for the path: not a package
        raise UsageError(f"cannot load recipe package {package_dir}")
    loader = spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    try:
        loader.exec_module(module)
    except Exception as exc:
        del sys.modules[qualified]
        raise UsageError(f"cannot load recipe package {package_dir}: "
                         f"{type(exc).__name__}: {exc}") from None
    return module


def get_recipe(name: str) -> Recipe:
    """A recipe by name, or the recipe file NAME.toml (a path)."""
    if name.endswith(".toml") or os.sep in name:
        from refactor.recipefile import load_recipe_file

        if not Path(name).is_file():
            raise UsageError(f"no recipe file {name}")
        return load_recipe_file(name)
    all_ = recipes()
    if name not in all_:
        known = ", ".join(sorted(all_)) or "none"
        raise UsageError(f"unknown recipe {name!r}{did_you_mean(name, all_)}; known: {known}")
    return all_[name]


def find_rule(rule_id: str) -> tuple[Recipe, Rule]:
    all_ = recipes()
    for recipe in all_.values():
        for rule in recipe.rules():
            if rule.id == rule_id:
                return recipe, rule
    names = [*all_, *(r.id for recipe in all_.values() for r in recipe.rules())]
    raise UsageError(f"unknown rule {rule_id!r}{did_you_mean(rule_id, names)}; "
                     f"`refactor rules` lists them")
