"""The `refactor` command line: apply, plan, rules, inspect, replay, build-test.

Exit status: 0 success (including "everything already applied"), 1 a rule
conflicts or a build-test fails, 2 bad usage or bad input.  Errors are one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from refactor import __version__
from refactor.errors import RefactorError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        self.exit(2, f"refactor: {message} (see `refactor --help`)\n")


def _common(p: argparse.ArgumentParser, tree: bool = True) -> None:
    if tree:
        p.add_argument("--tree", default="/usr/src", help="source tree (default /usr/src)")
    p.add_argument("--recipe", default="bhyve-ipc", help="recipe name (default bhyve-ipc)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _select(p: argparse.ArgumentParser) -> None:
    p.add_argument("--skip", action="append", default=[], metavar="RULE",
                   help="leave this rule out (repeatable)")
    p.add_argument("--only", action="append", default=[], metavar="RULE",
                   help="apply only this rule (repeatable)")


def _strict(p: argparse.ArgumentParser) -> None:
    p.add_argument("--build-strict", action="store_true",
                   help="exit 1 when a build test is inconclusive, not only when it fails")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="refactor", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"refactor {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("apply", help="carry out a recipe: branch, patch series, report")
    _common(p)
    _select(p)
    p.add_argument("--out", help="output folder (default ./refactor-out/<recipe>/)")
    p.add_argument("--branch", help="branch to create (default refactor/<recipe>)")
    p.add_argument("--build", default="auto",
                   help="build-test strategy: auto, make, cross, host, parse, cmd:..., none")
    _strict(p)
    p.add_argument("--in-place", action="store_true",
                   help="also write the changed files into a plain (non-git) tree")
    p.add_argument("--allow-dirty", action="store_true",
                   help="go on when files the recipe touches have uncommitted changes")

    p = sub.add_parser("plan", help="dry run: each rule's status and the diff; writes nothing")
    _common(p)
    _select(p)

    p = sub.add_parser("rules", help="list recipes and rules, or show one rule's documentation")
    p.add_argument("id", nargs="?", help="a rule id or recipe name")

    p = sub.add_parser("inspect", help="show what the C front end sees in a file")
    p.add_argument("file")
    p.add_argument("--define", action="append", default=[], metavar="NAME",
                   help="parse with NAME defined (repeatable)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("replay", help="plan, apply and build-test a recipe at several revisions")
    _common(p)
    p.add_argument("--rev", action="append", required=True, metavar="REV")
    p.add_argument("--build", default="parse", help="build-test strategy (default parse)")
    _strict(p)
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="replay N revisions at once (default 1)")

    p = sub.add_parser("build-test", help="build-test the recipe's files of a tree as they are")
    p.add_argument("--tree", default="/usr/src")
    p.add_argument("--recipe", default="bhyve-ipc")
    p.add_argument("--build", "--strategy", dest="build", default="auto",
                   help="build-test strategy as for apply, or `all` to compare them")
    _strict(p)
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        from refactor import commands

        return getattr(commands, "cmd_" + args.command.replace("-", "_"))(args)
    except RefactorError as exc:
        print(f"refactor: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("refactor: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # never a traceback for users; REFACTOR_DEBUG=1 shows it
        if os.environ.get("REFACTOR_DEBUG"):
            raise
        print(f"refactor: internal error: {type(exc).__name__}: {exc} "
              f"(set REFACTOR_DEBUG=1 for details)", file=sys.stderr)
        return 1


def dump_json(data) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


def default_out(recipe: str) -> Path:
    return Path("refactor-out") / recipe
