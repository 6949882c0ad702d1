"""Rules and what their planning says.

A rule looks at a Tree and says one of four things:

- applied: here are the edits that carry out the change;
- already-applied: the tree has the change already (perhaps in another form);
- not-applicable: the change has no meaning here any more (target gone or replaced);
- conflict: the tree drifted in a way the rule cannot judge; nothing may be written.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from enum import StrEnum

from refactor.edits import Change
from refactor.tree import Tree


class Status(StrEnum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already-applied"
    NOT_APPLICABLE = "not-applicable"
    CONFLICT = "conflict"


@dataclass
class Outcome:
    status: Status
    reason: str = ""
    changes: list[Change] = field(default_factory=list)


def Edits(changes: list[Change], reason: str = "") -> Outcome:  # noqa: N802 - reads as a status
    return Outcome(Status.APPLIED, reason, list(changes))


def AlreadyApplied(reason: str = "") -> Outcome:  # noqa: N802
    return Outcome(Status.ALREADY_APPLIED, reason)


def NotApplicable(reason: str) -> Outcome:  # noqa: N802
    return Outcome(Status.NOT_APPLICABLE, reason)


def Conflict(reason: str) -> Outcome:  # noqa: N802
    return Outcome(Status.CONFLICT, reason)


class Rule:
    """One mechanical change.  Subclasses set the class attributes and write plan().

    The class docstring is the rule's documentation (`refactor rules ID`): what it
    changes, what it expects to find, and any choice it makes where the review
    left one open.
    """

    id: str = ""
    summary: str = ""
    #: Files (or directories) the rule reads or changes, relative to the tree root.
    #: The planner makes a change outside them a conflict.
    files: tuple[str, ...] = ()
    #: Rule ids whose change this rule builds on.  When one of them was not
    #: applied and is not already in the tree, this rule is not applicable either.
    requires: tuple[str, ...] = ()
    #: The rule's sentence(s) for the commit body of its step, when the step
    #: does not give its own (refactor.messages): said only if the rule applied.
    message: str = ""

    def plan(self, tree: Tree) -> Outcome:
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or cls.summary)

    def __repr__(self) -> str:
        return f"<Rule {self.id}>"
