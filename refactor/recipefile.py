"""Recipes written as data: a TOML file of steps, each a list of operations with options.

    [recipe]
    name = "bhyve-rename-bar"
    summary = "Rename pci_emul_alloc_bar"

    [[step]]
    subject = "bhyve: rename pci_emul_alloc_bar to pci_emul_alloc_bar_new"
    body = "Why the rename is made."

    [[step.op]]
    op = "rename"
    old = "pci_emul_alloc_bar"
    new = "pci_emul_alloc_bar_new"
    paths = ["usr.sbin/bhyve"]

`op` is a registered operation (`refactor rules` lists them), a Python rule
class (`refactor_rules.bhyve_ipc:SplitInit`), or the id of a rule of an
installed recipe.  Every mistake is a UsageError naming the file and line:
tomllib gives no line numbers for tables, so they are found in the text.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path
from typing import Any

from refactor.errors import UsageError
from refactor.recipe import Recipe, Step
from refactor.rule import Rule

RECIPE_KEYS = ("name", "summary", "doc", "anchors")
STEP_KEYS = ("subject", "body", "op")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\s\"'-]+?)\s*\]\]?\s*(#.*)?$")


class _Lines:
    """Line numbers of table headers and keys, which tomllib does not report."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[str, int]] = []  # (table name, 1-based line)
        for n, line in enumerate(self.lines, 1):
            m = _HEADER.match(line)
            if m and "=" not in line.split("#", 1)[0]:
                self.headers.append((re.sub(r"\s+", "", m.group(2)), n))

    def header(self, name: str, index: int) -> int:
        """The line of the index-th `[[name]]` (or `[name]`) header; 0 when not written so."""
        found = [n for t, n in self.headers if t == name]
        return found[index] if index < len(found) else 0

    def key(self, key: str, start: int) -> int:
        """The line of `key =` in the table whose header is on line `start`."""
        end = next((n for _, n in self.headers if n > start), len(self.lines) + 1)
        pat = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for n in range(max(start, 1), end):
            if pat.match(self.lines[n - 1]):
                return n
        return start


def load_recipe_file(path: str | Path) -> Recipe:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read recipe {path}: {exc}") from None
    return parse_recipe(text, str(path))


def parse_recipe(text: str, name: str) -> Recipe:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise UsageError(f"{name}:{m.group(1) if m else 1}: {msg}") from None
    lines = _Lines(text)

    def at(line: int) -> str:
        return f"{name}:{line or 1}"

    for key in data:
        if key not in ("recipe", "step"):
            raise UsageError(f"{at(lines.key(key, 0))}: unknown key {key!r} "
                             f"(a recipe file has [recipe] and [[step]] tables)")
    head = data.get("recipe")
    if not isinstance(head, dict):
        raise UsageError(f"{at(1)}: no [recipe] table with the recipe's name and summary")
    head_line = lines.header("recipe", 0)
    _known(head, RECIPE_KEYS, "[recipe]", lines, head_line, at)
    for key in ("name", "summary"):
        if not isinstance(head.get(key), str) or not head[key]:
            raise UsageError(f"{at(lines.key(key, head_line))}: [recipe] needs {key} = \"...\"")
    anchors = head.get("anchors", [])
    if not isinstance(anchors, list) or not all(isinstance(a, str) for a in anchors):
        raise UsageError(f"{at(lines.key('anchors', head_line))}: anchors must be a list of "
                         f"paths")

    steps_data = data.get("step")
    if not isinstance(steps_data, list) or not steps_data:
        raise UsageError(f"{at(head_line)}: the recipe has no [[step]]")
    steps, op_index, ids = [], 0, set()
    for i, sd in enumerate(steps_data):
        step_line = lines.header("step", i)
        if not isinstance(sd, dict):
            raise UsageError(f"{at(step_line)}: each step must be a [[step]] table")
        _known(sd, STEP_KEYS, "[[step]]", lines, step_line, at)
        subject = sd.get("subject")
        if not isinstance(subject, str) or not subject.strip():
            raise UsageError(f"{at(step_line)}: [[step]] needs subject = \"...\" "
                             f"(its commit's subject)")
        body = sd.get("body", "")
        if not isinstance(body, str):
            raise UsageError(f"{at(lines.key('body', step_line))}: body must be a string")
        ops = sd.get("op")
        if not isinstance(ops, list) or not ops:
            raise UsageError(f"{at(step_line)}: step {subject!r} has no [[step.op]]")
        rules = []
        for table in ops:
            op_line = lines.header("step.op", op_index) or step_line
            op_index += 1
            rule = make_rule(table, at(op_line), lines, op_line, at)
            if rule.id in ids:  # two ops of one kind on one name: keep ids unique
                n = 2
                while f"{rule.id}-{n}" in ids:
                    n += 1
                rule.id = f"{rule.id}-{n}"
            ids.add(rule.id)
            rules.append(rule)
        steps.append(Step(subject.strip(), body, rules))
    return Recipe(head["name"], head["summary"], steps, anchors=tuple(anchors),
                  doc=head.get("doc", ""), extra={"file": name})


def _known(table: dict, keys: tuple[str, ...], what: str, lines: _Lines, start: int,
           at) -> None:
    for key in table:
        if key not in keys:
            raise UsageError(f"{at(lines.key(key, start))}: {what} has no key {key!r} "
                             f"(it takes: {', '.join(keys)})")


def make_rule(table: Any, where: str, lines: _Lines | None = None, line: int = 0,
              at=None) -> Rule:
    """The rule one `[[step.op]]` table names, with its options."""
    from refactor.ops import Operation, all_ops

    if not isinstance(table, dict):
        raise UsageError(f"{where}: each op must be a [[step.op]] table")
    op = table.get("op")
    if not isinstance(op, str) or not op:
        raise UsageError(f"{where}: the table needs op = \"...\" (an operation, "
                         f"module:Class or a rule id)")
    try:
        ops = all_ops()
        if op in ops:
            return ops[op].from_mapping(table, where)
        if ":" in op:
            cls = _import_rule(op, where)
            if issubclass(cls, Operation):
                return cls.from_mapping(table, where)
            _no_options(table, op, where)
            try:
                return cls()
            except TypeError as exc:
                raise UsageError(f"{where}: {op} cannot be made from a recipe file "
                                 f"(it needs arguments: {exc})") from None
        rule = _registered_rule(op)
        if rule is None:
            raise UsageError(f"{where}: unknown op {op!r} (known: {', '.join(sorted(ops))}, "
                             f"module:Class, or the id of a rule of an installed recipe)")
        _no_options(table, op, where)
        return rule
    except UsageError as exc:
        # Point at the offending key's own line when the message names one.
        m = re.search(r"option '(\w+)'", str(exc))
        if m and lines is not None and at is not None:
            key_at = at(lines.key(m.group(1), line))
            if key_at != where:
                raise UsageError(str(exc).replace(where, key_at, 1)) from None
        raise


def _no_options(table: dict, op: str, where: str) -> None:
    extra = sorted(set(table) - {"op"})
    if extra:
        raise UsageError(f"{where}: rule {op!r} takes no options (got {extra[0]!r})")


def _import_rule(spec: str, where: str) -> type[Rule]:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"{where}: cannot import {module_name}: {exc}") from None
    cls = getattr(module, attr, None)
    if not (isinstance(cls, type) and issubclass(cls, Rule)):
        raise UsageError(f"{where}: {spec} is not a Rule class")
    return cls


def _registered_rule(rule_id: str) -> Rule | None:
    from refactor.recipe import python_recipes

    for recipe in python_recipes().values():
        for rule in recipe.rules():
            if rule.id == rule_id:
                return rule
    return None
