"""style(9) on the lines the bhyve-ipc series adds, in every fixture era.

Our own checker (tests/style9.py) always runs; FreeBSD's checkstyle9.pl runs
too when FREEBSD_SRC names a source tree that has tools/build/checkstyle9.pl.
Either way the only lines allowed to be flagged are `$FreeBSD$` keyword lines,
which the series writes to match each era's files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import TREES
from style9 import KEYWORD, check, check_change

from refactor.plan import plan_recipe
from refactor.recipe import get_recipe
from refactor.tree import Tree

ERAS = sorted(p.name for p in TREES.iterdir() if p.is_dir())


def series(era: str):
    """[(step number, {path: (old, new)})] of the bhyve-ipc series on an era's tree."""
    plan = plan_recipe(get_recipe("bhyve-ipc"), Tree.from_dir(TREES / era))
    assert not plan.conflicts, [(r.rule.id, r.reason) for r in plan.conflicts]
    return [(n, {p: (step.before.read(p), d) for p, d in step.changes.items()})
            for n, step in enumerate(plan.steps, 1) if step.changes]


# --- the checker itself --------------------------------------------------------------------

BAD = b"""\
static int
f(int a,int b) {
\tif(a == b)
\t\treturn -1;
\tx=a;
\tg (a);
\tif ( a ) {
\t}
\telse {
\t}
\t/* A comment
\t   without stars */
\treturn (0);;
}
"""

GOOD = b"""\
/*
 * A block comment, as style(9) writes one.
 */
static int
f(int a, int b)
{
\tchar buf[sizeof(struct foo)];

\tif (a == b && b != 0)
\t\treturn (-1);
\tx = a->b;\t/* a short comment */
\tsnprintf(buf, sizeof(buf), "%s, %d (", "x,y", a);
\tswitch (a) {
\tcase 1:
\t\tbreak;
\t}
\treturn (0);
}
"""


def test_checker_finds_each_rule_on_added_lines():
    got = {(v.line, v.rule) for v in check("x.c", None, BAD)}
    assert got >= {
        (2, "a space after ,"), (2, "a function's { goes on the next line"),
        (3, "a space after the keyword, before ("), (4, "return's value goes in parentheses"),
        (5, "spaces around ="), (6, "no space between a function's name and its ("),
        (7, "no space after ("), (7, "no space before )"),
        (9, "else on the line of the }"),
        (11, "a block comment's /* goes on a line of its own"),
        (12, "a block comment's lines start with *"),
        (12, "a block comment's */ goes on a line of its own"),
        (13, "a superfluous ;"),
    }, sorted(got)


def test_checker_passes_style9_code_and_judges_only_added_lines():
    assert check("x.c", None, GOOD) == []
    # Only what the change adds is judged: BAD's old lines stay as they were.
    new = BAD.replace(b"\tx=a;\n", b"\tx=a;\n\ty = a;\n")
    assert [v.line for v in check("x.c", BAD, new)] == []
    worse = BAD.replace(b"\tx=a;\n", b"\tx=a;\n\ty=a;\n")
    assert [(v.line, v.rule) for v in check("x.c", BAD, worse)] == [(6, "spaces around =")]


def test_checker_flags_keywords_and_white_space_in_any_file():
    page = b".Dd May 1, 2021 \n.\\\" $FreeBSD$\n"
    assert [(v.line, v.rule) for v in check("foo.8", None, page)] == [
        (1, "trailing white space"), (2, KEYWORD)]


# --- the series in every era -------------------------------------------------------------

@pytest.mark.parametrize("era", ERAS)
def test_series_adds_no_style9_violation(era):
    found = [f"step {n}: {v}" for n, changes in series(era)
             for v in check_change(changes) if v.rule != KEYWORD]
    assert found == [], "\n".join(found)


CHECKSTYLE = Path(os.environ.get("FREEBSD_SRC", "/nonexistent")) / "tools/build/checkstyle9.pl"


def _patch(changes) -> str:
    """A git-style patch of one commit's changes, as checkstyle9.pl reads one."""
    import difflib
    out = []
    for path, (old, new) in sorted(changes.items()):
        a = (old or b"").decode("latin-1").splitlines(keepends=True)
        b = (new or b"").decode("latin-1").splitlines(keepends=True)
        out.append(f"diff --git a/{path} b/{path}\n")
        out += difflib.unified_diff(a, b, "/dev/null" if old is None else f"a/{path}",
                                    f"b/{path}", n=3)
    return "".join(out)


@pytest.mark.skipif(not CHECKSTYLE.is_file() or shutil.which("perl") is None,
                    reason="FREEBSD_SRC does not name a tree with tools/build/checkstyle9.pl "
                           "(or perl is missing)")
@pytest.mark.parametrize("era", ERAS)
def test_series_passes_checkstyle9(era, tmp_path):
    flagged = []
    for n, changes in series(era):
        patch = tmp_path / f"{n}.diff"
        patch.write_text(_patch(changes), encoding="latin-1")
        res = subprocess.run(["perl", str(CHECKSTYLE), "--no-color", "--patch", str(patch)],
                             capture_output=True, text=True, errors="replace")
        report = res.stdout.split("\n")
        for i, line in enumerate(report):
            if line.startswith(("ERROR:", "WARNING:")) and "CVS style keyword" not in line \
                    and "highly experimental" not in line:
                flagged.append(f"step {n}: {line} {' '.join(report[i + 1:i + 3])}")
    assert flagged == [], "\n".join(flagged)
