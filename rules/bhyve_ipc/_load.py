"""Find the recipe's rule classes by id in the modules of this package."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from refactor.errors import UsageError
from refactor.ops import COMMON_KEYS
from refactor.rule import Rule

_MODULES = ("var_run", "makefiles", "extract", "bhyvectl_path", "messages", "dgram")


def _all_rules() -> dict[str, type[Rule]]:
    found: dict[str, type[Rule]] = {}
    package = __name__.rsplit(".", 1)[0]
    for mod in _MODULES:
        module = importlib.import_module(f"{package}.{mod}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and obj.id:
                found[obj.id] = obj
    return found


def load(*ids: str) -> list[Rule]:
    """Instances of the rules with these ids, in this order."""
    rules = _all_rules()
    missing = [i for i in ids if i not in rules]
    if missing:
        raise ImportError(f"bhyve-ipc names rules that no module defines: {missing}")
    return [rules[i]() for i in ids]


class Preset:
    """Mixed into a rule that is a generic operation with its options set by the recipe.

    Such a rule is made with no arguments, from the recipe's Python list or a
    recipe file (`op = "mtree-var-run-bhyve"`), which may give it no options.
    """

    id: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str) -> Rule:
        extra = sorted(set(data) - set(COMMON_KEYS))
        if extra:
            raise UsageError(f"{where}: rule {cls.id!r} takes no option {extra[0]!r}")
        return cls()  # type: ignore[call-arg]
