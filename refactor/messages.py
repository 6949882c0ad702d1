"""Commit messages made from what a step's rules actually did.

A step's message says only what applied in this tree: each applied rule
contributes its subject phrase and its sentences; rules whose change is
already in the tree are named in one line; rules that were left out or do
not apply are not mentioned.  A step in which nothing applied has no
message and makes no commit.  The form is FreeBSD's: an `area: ` prefix on
the subject, a body wrapped at 72 columns, trailers last (`Key:<TAB>value`).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from refactor.errors import UsageError
from refactor.report import join_words
from refactor.rule import Status

WIDTH = 72


@dataclass(frozen=True)
class Text:
    """What one rule says in its step's commit message.

    `subject`: a short imperative phrase for the subject line; `body`: its
    sentences for the body, or a function of the rule's result (a
    refactor.plan.RuleResult) returning them, for a sentence that holds only
    in some trees; `name`: a noun phrase for the line that lists changes
    already in the tree.  Empty fields fall back to the rule's own `summary`
    and `message`.
    """

    subject: str = ""
    body: str | Callable = ""
    name: str = ""


@dataclass(frozen=True)
class Options:
    """What the user adds to every message: trailers and a Signed-off-by line."""

    trailers: tuple[str, ...] = ()
    signoff: bool = False
    signer: str = ""  # "Name <mail>" for Signed-off-by; emit fills in the committer


def text_of(step, rule) -> Text:
    given = step.texts.get(rule.id, Text())
    return Text(subject=given.subject or rule.summary,
                body=given.body or getattr(rule, "message", ""),
                name=given.name or rule.summary)


def compose(step, results, options: Options | None = None) -> str | None:
    """The commit message of `step` from its rules' results, or None if nothing applied."""
    options = options or Options()
    applied = [r for r in results if r.status == Status.APPLIED]
    if not applied:
        return None
    texts = [text_of(step, r.rule) for r in applied]
    bodies = [t.body(r) if callable(t.body) else t.body for t, r in zip(texts, applied,
                                                                      strict=True)]
    area = area_of(step)
    if step.subject and len(applied) == len(step.rules):
        subject = step.subject  # the step as designed: its own title says it best
    else:
        subject = fit_phrases(_unique(t.subject for t in texts), WIDTH - len(prefix(area)))
    subject = with_prefix(area, subject)

    lead = [p for p in re.split(r"\n\s*\n", step.body.strip()) if p.strip()]
    paragraphs = [wrap(b) for b in _unique([*lead, *bodies])]
    already = _unique(text_of(step, r.rule).name for r in results
                      if r.status == Status.ALREADY_APPLIED)
    if already:
        paragraphs.append(wrap(f"Already in this tree: {join_words(already)}."))
    trailer_lines = [format_trailer(t) for t in options.trailers]
    if options.signoff and options.signer:
        trailer_lines.append(f"Signed-off-by: {options.signer}")
    if trailer_lines:
        paragraphs.append("\n".join(_unique(trailer_lines)))
    return "\n\n".join([subject, *paragraphs]) + "\n"


def area_of(step) -> str:
    """The step's area: given, or the one its own subject names (`bhyve: ...`)."""
    if step.area:
        return step.area
    m = AREA.match(step.subject)
    return m.group(0)[:-2] if m else ""


def prefix(area: str) -> str:
    return f"{area}: " if area else ""


def with_prefix(area: str, subject: str) -> str:
    """`area: subject`, unless the subject names its area already."""
    if not area or AREA.match(subject):
        return subject
    if subject[:1].isupper() and subject[1:2].islower():
        subject = subject[0].lower() + subject[1:]  # "Create ..." -> "bhyve: create ..."
    return prefix(area) + subject


AREA = re.compile(r"^[\w.()/-]+: ")


def fit_phrases(phrases: list[str], width: int) -> str:
    """Join as many phrases, in order, as fit in `width` columns; always the first."""
    chosen = phrases[:1]
    for phrase in phrases[1:]:
        if len(join_words(chosen + [phrase])) > width:
            break
        chosen.append(phrase)
    return join_words(chosen)


def wrap(paragraph: str) -> str:
    """One paragraph, re-flowed at 72 columns; long words (paths) are never split."""
    words = " ".join(paragraph.split())
    return textwrap.fill(words, WIDTH, break_long_words=False, break_on_hyphens=False)


TRAILER = re.compile(r"^([A-Za-z][A-Za-z -]*[A-Za-z]):\s*(\S.*)$")


def format_trailer(text: str) -> str:
    """'Key: value' as FreeBSD writes trailers, with a tab after the colon."""
    m = TRAILER.match(text.strip())
    if not m:
        raise UsageError(f"--trailer {text!r}: expected 'Key: value'")
    return f"{m.group(1)}:\t{m.group(2)}"


IDENT = re.compile(r"^\s*([^<>]*?)\s*<([^<>\s]+)>\s*$")


def parse_ident(text: str, option: str = "--author") -> tuple[str, str]:
    """'Name <mail>' -> (name, mail), or a usage error."""
    m = IDENT.match(text)
    if not m or not m.group(1):
        raise UsageError(f"{option} {text!r}: expected 'Name <mail>'")
    return m.group(1), m.group(2)


def _unique(items) -> list[str]:
    seen: list[str] = []
    for i in items:
        if i and i not in seen:
            seen.append(i)
    return seen
