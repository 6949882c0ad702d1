"""Find the recipe's rule classes by id in the modules of this package."""

from __future__ import annotations

import importlib
import pkgutil

from refactor.rule import Rule

_MODULES = ("var_run", "makefiles", "extract", "bhyvectl_path", "messages", "dgram")


def _all_rules() -> dict[str, type[Rule]]:
    found: dict[str, type[Rule]] = {}
    package = __name__.rsplit(".", 1)[0]
    names = {m.name for m in pkgutil.iter_modules(importlib.import_module(package).__path__)}
    for mod in _MODULES:
        if mod not in names:
            continue
        module = importlib.import_module(f"{package}.{mod}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and obj.id:
                found[obj.id] = obj
    return found


def load(*ids: str) -> list[Rule]:
    """Instances of the rules with these ids, in this order; ids not written yet are left out."""
    rules = _all_rules()
    return [rules[i]() for i in ids if i in rules]
