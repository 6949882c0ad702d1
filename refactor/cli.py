"""The `refactor` command line: apply, rename, move, plan, rules, inspect, replay, build-test.

Exit status: 0 success (including "everything already applied"), 1 a rule
conflicts or a build-test fails, 2 bad usage or bad input.  Errors are one line.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys

from refactor import __version__
from refactor.errors import RefactorError
from refactor.output import (  # noqa: F401 - cli.py was the home of all three
    RECIPE_TRAILERS,
    default_out,
    dump_json,
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        self.exit(2, f"refactor: {message} (see `refactor --help`)\n")


def _common(p: argparse.ArgumentParser, tree: bool = True) -> None:
    if tree:
        p.add_argument("--tree", default="/usr/src", help="source tree (default /usr/src)")
    p.add_argument("--recipe", default="bhyve-ipc", help="recipe name (default bhyve-ipc)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    _colour(p)


def _colour(p: argparse.ArgumentParser) -> None:
    p.add_argument("--color", default="auto",
                   choices=("auto", "always", "never"),
                   help="colour the output: auto (on a terminal, unless NO_COLOR is set or "
                        "TERM=dumb), always or never")


def _select(p: argparse.ArgumentParser) -> None:
    p.add_argument("--skip", action="append", default=[], metavar="RULE",
                   help="leave this rule out (repeatable)")
    p.add_argument("--only", action="append", default=[], metavar="RULE",
                   help="apply only this rule (repeatable)")


def _strict(p: argparse.ArgumentParser) -> None:
    p.add_argument("--build-strict", action="store_true",
                   help="exit 1 when a build test is inconclusive, not only when it fails")


def _message(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trailer", action="append", default=[], nargs="?", const=RECIPE_TRAILERS,
                   metavar="'KEY: VALUE'",
                   help="end every commit message with this trailer; without a value, the "
                        "recipe's reference (Differential Revision: ...) (repeatable)")
    p.add_argument("--signoff", action="store_true",
                   help="add a Signed-off-by line of the committer to every commit")
    p.add_argument("--author", metavar="'NAME <MAIL>'",
                   help="write the commits with this author; you stay the committer")


def _apply_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default ./refactor-out/<recipe>/, or "
                        "<git-dir>/refactor-out/<recipe>/ when . is inside the tree)")
    p.add_argument("--branch", metavar="NAME",
                   help="branch to create (default refactor/<recipe>)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing branch; the old one is kept as <branch>.orig")
    p.add_argument("--build", default="auto", metavar="STRATEGY",
                   help="build-test strategy: auto, make, cross, host, parse, cmd:..., none")
    _strict(p)
    p.add_argument("--in-place", action="store_true",
                   help="also write the changed files into a plain (non-git) tree")
    p.add_argument("--allow-dirty", action="store_true",
                   help="go on when files the recipe touches have uncommitted changes")
    _message(p)


def _operation(p: argparse.ArgumentParser) -> None:
    """One operation as a one-commit recipe: apply's options, or --dry-run for plan's output."""
    p.add_argument("--tree", default="/usr/src", help="source tree (default /usr/src)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    _colour(p)
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan and the diff, like `refactor plan`; write nothing")
    _apply_options(p)
    p.set_defaults(skip=[], only=[], stat=False, name_only=False, no_diff=False,
                   no_pager=False)


#: What a bare --trailer stands for: the recipe's own trailers.
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="refactor", description="Carry out a refactoring of the FreeBSD "
                     "source tree as a build-tested git patch series.")
    parser.add_argument("--version", action="version", version=f"refactor {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = _command(sub, "apply", "carry out a recipe: branch, patch series, report",
                 "Plan the recipe and, when no rule conflicts, commit each step on a new "
                 "branch (git checkout) or in a scratch repository (plain tree), and write "
                 "the patch series, a full-context diff and report.json.")
    _common(p)
    _select(p)
    _apply_options(p)

    p = _command(sub, "rename", "rename a C identifier across files and directories",
                 "Rename a C identifier in the given files and directories, in every #if "
                 "branch and #define body, as one commit (the `rename` operation).  A "
                 "collision with a name already in scope is a conflict.")
    p.add_argument("old", help="the identifier as it is")
    p.add_argument("new", help="the identifier it becomes")
    p.add_argument("--path", action="append", default=[], metavar="P",
                   help="file or directory, relative to the tree (repeatable; default: all)")
    p.add_argument("--kind", default="any",
                   choices=("function", "variable", "type", "tag", "field", "macro", "any"),
                   help="rename only identifiers of this kind (default any)")
    p.add_argument("--comments", action="store_true", help="rename in comments too")
    _operation(p)

    p = _command(sub, "move", "move top-level C items into another file",
                 "Move named functions, file-scope variables, macros or types, with the "
                 "static helpers only they use, into another (new or existing) file, as one "
                 "commit (the `move` operation).")
    p.add_argument("names", nargs="+", metavar="NAME", help="the items to move")
    p.add_argument("--from", dest="source", required=True, metavar="FILE",
                   help="the file the items are in, relative to the tree")
    p.add_argument("--to", dest="dest", required=True, metavar="FILE",
                   help="the file they go to, relative to the tree (made when missing)")
    p.add_argument("--header", default="", metavar="H",
                   help="header for the prototypes of what is now called across files")
    _operation(p)

    p = _command(sub, "plan", "dry run: each rule's status and the diff; writes nothing",
                 "Plan the recipe in memory and show each rule's status, the diff of each "
                 "step and a one-line summary.  On a terminal the output goes through "
                 "$PAGER.  Nothing is written.")
    _common(p)
    _select(p)
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--stat", action="store_true",
                       help="show a diffstat of each step instead of the diff")
    shown.add_argument("--name-only", action="store_true",
                       help="show only the names of the files each step changes")
    shown.add_argument("--no-diff", action="store_true",
                       help="show only the statuses and the summary")
    p.add_argument("--no-pager", action="store_true", help="do not page the output")

    p = _command(sub, "rules", "list recipes and rules, or show one rule's documentation",
                 "Without an argument, list every recipe with its steps and rules; with a "
                 "recipe name or rule id, show its documentation.")
    p.add_argument("id", nargs="?", help="a rule id or recipe name")

    p = _command(sub, "inspect", "show what the C front end sees in a file",
                 "Show the top-level items of a C file with their lines and preprocessor "
                 "conditions, whether each configuration parses, and the names each "
                 "function uses.")
    p.add_argument("file", help="the C source or header file")
    p.add_argument("--define", action="append", default=[], metavar="NAME",
                   help="parse with NAME defined (repeatable)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")

    p = _command(sub, "replay", "plan, apply and build-test a recipe at several revisions",
                 "Plan, apply in memory and build-test the recipe at each revision of a git "
                 "repository, read from its objects (no checkout), and print a matrix of "
                 "rule statuses per revision.")
    _common(p)
    p.add_argument("--rev", action="append", required=True, metavar="REV",
                   help="a revision to replay at: commit, branch or tag (repeatable)")
    p.add_argument("--build", default="parse", metavar="STRATEGY",
                   help="build-test strategy (default parse)")
    _strict(p)
    p.add_argument("--out", metavar="DIR",
                   help="write each revision's patch series to DIR/<rev>/")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="replay N revisions at once (default 1)")

    p = _command(sub, "build-test", "build-test the recipe's programs in a tree as they are",
                 "Compile every unit of the programs whose files the recipe works on, as "
                 "they are in the tree, link them, and list the diagnostics.")
    p.add_argument("--tree", default="/usr/src", help="source tree (default /usr/src)")
    p.add_argument("--recipe", default="bhyve-ipc", help="recipe name (default bhyve-ipc)")
    p.add_argument("--build", "--strategy", dest="build", default="auto", metavar="STRATEGY",
                   help="build-test strategy as for apply (--strategy is its older name), "
                        "or `all` to compare them")
    _strict(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    return parser


def _command(sub, name: str, help: str, description: str) -> argparse.ArgumentParser:
    """A subcommand with a one-line help (in `refactor --help`) and a description."""
    return sub.add_parser(name, help=help, description=description)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        from refactor import commands

        return getattr(commands, "cmd_" + args.command.replace("-", "_"))(args)
    except RefactorError as exc:
        print(f"refactor: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print(f"refactor: interrupted; {_what_exists()}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # never a traceback for users; REFACTOR_DEBUG=1 shows it
        if os.environ.get("REFACTOR_DEBUG"):
            raise
        if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
            print(f"refactor: {exc.filename or 'cannot write'}: {exc.strerror}",
                  file=sys.stderr)
            return 2
        what = " ".join(str(exc).split())  # GitPython's messages span lines
        if type(exc).__module__.split(".")[0] == "git":  # GitPython: git itself failed
            print(f"refactor: git failed: {what[:300]}", file=sys.stderr)
            return 2
        print(f"refactor: internal error: {type(exc).__name__}: {what[:300]} "
              f"(set REFACTOR_DEBUG=1 for details)", file=sys.stderr)
        return 1


#: A full disk, a read-only file system, a missing permission, a quota, an immutable file.
WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT, errno.EPERM}


def _what_exists() -> str:
    """After Ctrl-C: what the run had already made visible (the emitter undoes the rest)."""
    emit = sys.modules.get("refactor.emit")
    made = getattr(emit, "published", None)
    return "already written: " + "; ".join(made) if made else "nothing was written"

