"""A tiny recipe for testing the engine apart from any real rule."""

from __future__ import annotations

from refactor.edits import NewFile, insert, replace
from refactor.recipe import Recipe, Step
from refactor.rule import AlreadyApplied, Conflict, Edits, NotApplicable, Rule


class AppendLine(Rule):
    """Append a line to a file unless it is there."""

    def __init__(self, rid, path, line):
        self.id, self.path, self.line = rid, path, line.encode()
        self.summary = f"append to {path}"
        self.files = (path,)

    def plan(self, tree):
        data = tree.read(self.path)
        if data is None:
            return Conflict(f"{self.path} is missing")
        if self.line in data:
            return AlreadyApplied()
        return Edits([insert(self.path, len(data), self.line + b"\n")])


class Rename(Rule):
    def __init__(self, rid, path, old, new, requires=()):
        self.id, self.path, self.old, self.new = rid, path, old.encode(), new.encode()
        self.summary, self.files, self.requires = f"rename in {path}", (path,), requires

    def plan(self, tree):
        data = tree.read(self.path) or b""
        at = data.find(self.old)
        if at < 0:
            return AlreadyApplied() if self.new in data else NotApplicable(
                f"{self.old.decode()} is gone from {self.path}")
        return Edits([replace(self.path, at, at + len(self.old), self.new)])


class Create(Rule):
    def __init__(self, rid, path, content):
        self.id, self.path, self.content = rid, path, content
        self.summary, self.files = f"create {path}", (path,)

    def plan(self, tree):
        if tree.exists(self.path):
            return AlreadyApplied()
        return Edits([NewFile(self.path, self.content)])


def toy_recipe(*steps) -> Recipe:
    return Recipe("toy", "a toy", [Step(f"toy: step {i}", "Because.", list(rules))
                                   for i, rules in enumerate(steps, 1)])
