"""Recipes (ordered steps of rules, one commit a step) and the registry that finds them."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

from refactor.errors import UsageError
from refactor.rule import Rule


@dataclass
class Step:
    """Rules that make one commit.  `subject` and `body` are its commit message."""

    subject: str
    body: str
    rules: list[Rule]

    def message(self) -> str:
        return f"{self.subject}\n\n{self.body.strip()}\n"


@dataclass
class Recipe:
    name: str
    summary: str
    steps: list[Step]
    #: Files whose absence means the tree is not one this recipe can work on.
    anchors: tuple[str, ...] = ()
    doc: str = ""
    extra: dict = field(default_factory=dict)

    def rules(self) -> list[Rule]:
        return [r for s in self.steps for r in s.rules]

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules():
            if r.id == rule_id:
                return r
        raise UsageError(f"recipe {self.name} has no rule {rule_id!r}")


def recipes() -> dict[str, Recipe]:
    """Every recipe of the installed `refactor_rules` package: each subpackage's RECIPE."""
    import refactor_rules

    found: dict[str, Recipe] = {}
    for mod in pkgutil.iter_modules(refactor_rules.__path__):
        if not mod.ispkg:
            continue
        module = importlib.import_module(f"refactor_rules.{mod.name}")
        recipe = getattr(module, "RECIPE", None)
        if isinstance(recipe, Recipe):
            found[recipe.name] = recipe
    return found


def get_recipe(name: str) -> Recipe:
    all_ = recipes()
    if name not in all_:
        known = ", ".join(sorted(all_)) or "none"
        raise UsageError(f"unknown recipe {name!r} (known: {known})")
    return all_[name]


def find_rule(rule_id: str) -> tuple[Recipe, Rule]:
    for recipe in recipes().values():
        for rule in recipe.rules():
            if rule.id == rule_id:
                return recipe, rule
    raise UsageError(f"unknown rule {rule_id!r}; `refactor rules` lists them")
