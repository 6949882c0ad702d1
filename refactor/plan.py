"""Plan a recipe over a tree, step by step, entirely in memory.

Within a step every rule plans against the same tree, so their edits can be
checked for overlap; each step then sees the tree the earlier steps left.
A manual page whose content a step changes gets the commit's date in `.Dd`
(formats.mdoc.commit_date), whichever rule changed it.
Nothing is written here: the result is handed to the emitter only when every
rule has planned without conflict.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from refactor.edits import Edit, EditSet
from refactor.errors import EditConflict, UsageError, did_you_mean
from refactor.formats.mdoc import commit_date, date_changed_pages
from refactor.recipe import Recipe, Step
from refactor.rule import Outcome, Rule, Status
from refactor.tree import Tree
from refactor.validate import new_problems


@dataclass
class RuleResult:
    rule: Rule
    status: Status
    reason: str = ""
    files: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "id": self.rule.id,
            "summary": self.rule.summary,
            "status": str(self.status),
            "reason": self.reason,
            "files": self.files,
        }


@dataclass
class StepResult:
    step: Step
    rules: list[RuleResult]
    before: Tree
    after: Tree
    #: path -> new bytes (None: removed), only files whose bytes really changed.
    changes: dict[str, bytes | None]

    @property
    def touched(self) -> list[str]:
        return sorted(self.changes)

    @property
    def subject(self) -> str:
        """The subject of this step's commit, made from what applied; else its title."""
        message = self.step.message(self.rules)
        return message.splitlines()[0] if message else self.step.title


@dataclass
class Plan:
    recipe: Recipe
    tree: Tree
    steps: list[StepResult]

    def rule_results(self) -> list[RuleResult]:
        return [r for s in self.steps for r in s.rules]

    @property
    def conflicts(self) -> list[RuleResult]:
        return [r for r in self.rule_results() if r.status == Status.CONFLICT]

    @property
    def final(self) -> Tree:
        return self.steps[-1].after if self.steps else self.tree

    @property
    def changed(self) -> bool:
        return any(s.changes for s in self.steps)


def _safe_plan(rule: Rule, tree: Tree) -> Outcome:
    try:
        return rule.plan(tree)
    except Exception as exc:  # a rule bug must stop the run, never write half a change
        if os.environ.get("REFACTOR_DEBUG"):
            raise
        return Outcome(Status.CONFLICT, f"rule failed: {type(exc).__name__}: {exc}")


def plan_recipe(recipe: Recipe, tree: Tree, skip=(), only=(), progress=None) -> Plan:
    skip, only = set(skip), set(only)
    known = {r.id for r in recipe.rules()}
    for rid in skip | only:
        if rid not in known:
            raise UsageError(f"recipe {recipe.name} has no rule {rid!r}"
                             + did_you_mean(rid, sorted(known)))

    status_of: dict[str, RuleResult] = {}
    steps: list[StepResult] = []
    current = tree
    day = commit_date()
    for step in recipe.steps:
        results: list[RuleResult] = []
        outcomes: dict[str, Outcome] = {}
        for rule in step.rules:
            if progress:
                progress(f"plan: {rule.id}")
            outcome = _gate(rule, status_of) or _within_files(rule, _safe_plan(rule, current))
            outcome = _select(rule, outcome, skip, only)
            outcomes[rule.id] = outcome
            res = RuleResult(rule, outcome.status, outcome.reason,
                             sorted({c.path for c in outcome.changes}))
            results.append(res)
            status_of[rule.id] = res

        for res in results:
            if res.status == Status.APPLIED:
                why = _into_parse_error(outcomes[res.rule.id].changes, current)
                if why:
                    res.status, res.reason = Status.CONFLICT, why
        edits = EditSet()
        for res in results:
            out = outcomes[res.rule.id]
            if res.status == Status.APPLIED:
                edits.extend(_tag(out.changes, res.rule.id))
        try:
            new = edits.apply(current.read)
        except EditConflict as exc:
            for res in results:
                if res.status == Status.APPLIED and res.rule.id in exc.rules:
                    res.status, res.reason = Status.CONFLICT, str(exc)
            new = {}
        changes = {p: d for p, d in new.items() if d != current.read(p)}
        # A manual page whose content changes gets the commit's date in .Dd.
        changes.update(date_changed_pages(current.read, changes, day))
        after = current.with_changes(changes)
        broken = new_problems(current, after, sorted(changes))
        if broken:
            for res in results:
                bad = [p for f in res.files for p in broken.get(f, [])]
                if res.status == Status.APPLIED and bad:
                    res.status = Status.CONFLICT
                    res.reason = f"its result does not parse: {bad[0]}"
            changes, after = {}, current
        if any(r.status == Status.CONFLICT for r in results):
            changes, after = {}, current  # the run stops; nothing of this step is kept
        for res in results:
            if changes and res.status == Status.APPLIED and not (set(res.files) & set(changes)):
                # Edits that rewrite bytes to themselves change nothing.
                res.status = Status.ALREADY_APPLIED
                res.reason = res.reason or "its edits change no bytes"
        steps.append(StepResult(step, results, current, after, changes))
        current = after
    return Plan(recipe, tree, steps)


def declares(rule: Rule, path: str) -> bool:
    """Is `path` one of the files, or under one of the directories, the rule declares?"""
    for f in rule.files:
        f = f.strip("/")
        if f in ("", ".") or path == f or path.startswith(f + "/"):
            return True
    return False


def _within_files(rule: Rule, outcome: Outcome) -> Outcome:
    """A rule may change only what it declares in `files`: anything else is a conflict,
    so `refactor rules ID` and the build-test's file list never understate a change."""
    if outcome.status != Status.APPLIED:
        return outcome
    outside = sorted({c.path for c in outcome.changes if not declares(rule, c.path)})
    if not outside:
        return outcome
    declared = ", ".join(rule.files) or "none"
    return Outcome(Status.CONFLICT, f"it changes {outside[0]}, outside the files it "
                                    f"declares ({declared})")


def _into_parse_error(changes, tree: Tree) -> str:
    """Why an edit may not be made: it touches a line of a C file the parser could
    not read, where which word is a name, a type or a macro was only guessed.
    Empty when every edit stays clear of them."""
    from refactor.c.lossless import CFile

    for c in changes:
        if isinstance(c, Edit) and c.path.endswith((".c", ".h")):
            cfile = tree.view(c.path, CFile)
            err = cfile.error_at(c.start, c.end) if cfile is not None else None
            if err is not None:
                return f"it edits text the C parser could not read: {err.plain(c.path)}"
    return ""


def _tag(changes, rule_id):
    # Every change carries the id of the rule that planned it, so an overlap
    # names the two rules whatever their helpers wrote into Edit.rule.
    return [replace(c, rule=rule_id) for c in changes]


def _select(rule: Rule, outcome: Outcome, skip: set, only: set) -> Outcome:
    """Honour --skip/--only.  A left-out rule still says when its change is already there."""
    left_out = rule.id in skip or (only and rule.id not in only)
    if not left_out or outcome.status in (Status.ALREADY_APPLIED, Status.NOT_APPLICABLE):
        return outcome
    return Outcome(Status.NOT_APPLICABLE,
                   "left out with --skip" if rule.id in skip else "not chosen with --only")


def _gate(rule: Rule, status_of: dict[str, RuleResult]) -> Outcome | None:
    """Not-applicable when a prerequisite was not applied, else None: the rule plans."""
    for req in rule.requires:
        dep = status_of.get(req)
        if dep is None:
            continue
        if dep.status in (Status.NOT_APPLICABLE, Status.CONFLICT):
            # A chain names each link once and ends with the first cause.
            why = dep.reason if dep.reason.startswith("prerequisite ") else \
                f"{dep.status}: {dep.reason}" if dep.reason else str(dep.status)
            return Outcome(Status.NOT_APPLICABLE,
                           f"prerequisite {req} was not applied; {why}")
    return None
