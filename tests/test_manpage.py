"""refactor.1 must be clean under the real mandoc -Tlint."""

import argparse
import re
import shutil
import subprocess
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "refactor" / "man" / "refactor.1"


def lint(page: Path) -> list[str]:
    res = subprocess.run(["mandoc", "-Tlint", "-W", "style", str(page)],
                         capture_output=True, text=True)
    lines = (res.stdout + res.stderr).splitlines()
    # Whether git-am(1) etc. are installed says nothing about this page.
    return [ln for ln in lines
            if "referenced manual not found" not in ln and "mandoc.db" not in ln]


def test_refactor_1_is_lint_clean():
    # ./dev test installs mandoc; the suite needs the real one.
    assert shutil.which("mandoc"), "mandoc is not installed"
    assert lint(PAGE) == []


def _sections(text: str) -> dict[str, str]:
    parts = text.split("\n.Sh ")
    return {p.split("\n", 1)[0]: p for p in parts[1:]}


def _flags(text: str) -> set[str]:
    return {"-" + f for f in re.findall(r"\bFl (-[\w-]+|\w)\b", text)}


def _subparsers(parser):
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def _options(parser) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings if o not in ("-h", "--help")}


def test_every_option_has_help_and_every_command_a_description():
    from refactor.cli import build_parser

    parser = build_parser()
    for name, sub in _subparsers(parser).items():
        assert sub.description, f"{name} has no description"
        for a in sub._actions:
            if a.option_strings != ["-h", "--help"]:
                assert a.help, f"{name} {a.option_strings or a.dest} has no help text"


def test_man_page_lists_exactly_the_options_argparse_has():
    from refactor.cli import build_parser

    parser = build_parser()
    sections = _sections(PAGE.read_text())
    synopsis = sections["SYNOPSIS"].split("\n.Nm\n")
    per_command = {}
    for block in synopsis:
        m = re.search(r"^\.Cm (\S+)", block, re.M)
        per_command[m.group(1) if m else ""] = {f for f in _flags(block) if f.startswith("--")}
    assert per_command.pop("") == {o for o in _options(parser) if o.startswith("--")}
    subs = _subparsers(parser)
    assert set(per_command) == set(subs)
    described = _flags(sections["OPTIONS"])
    for name, sub in subs.items():
        opts = _options(sub)
        assert per_command[name] == {o for o in opts if o.startswith("--")}, name
        assert opts <= described, f"{name}: {sorted(opts - described)} not in OPTIONS"
    every = set().union(_options(parser), *(_options(s) for s in subs.values()))
    assert described == every, f"OPTIONS describes options no command has: {described - every}"
