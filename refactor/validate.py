"""Re-parse every file a step touched: a rule must never leave a file worse than it found it.

Only errors the step introduced count, so a file that already had a parse
problem upstream does not block the recipe.  The C semantic checks (resolution
in each configuration) run as the `parse` build-test, per commit.
"""

from __future__ import annotations

import re

from refactor.parsecache import ParseCache
from refactor.tree import Tree


def parse_problems(path: str, data: bytes, cache: ParseCache | None = None) -> list[str]:
    """The parse errors of one file, as 'path:line: text', for the formats we know.

    The parse is the run's (`cache`), so the rules' own views are reused.
    """
    cache = cache or ParseCache()
    if path.endswith((".c", ".h")):
        from refactor.c.lossless import CFile

        return [f"{path}:{e.line}: cannot parse: {e.text.strip()}"
                for e in cache.view(CFile, path, data).errors]
    parser = _format_parser(path)
    if parser is None:
        return []
    # The format views record what they cannot make sense of instead of raising,
    # as "line N: what"; give it the C form "path:N: what" so lines compare alike.
    return [re.sub(r"^line (\d+): ", rf"{path}:\1: ", problem) if problem.startswith("line ")
            else f"{path}: {problem}" for problem in cache.view(parser, path, data).problems]


def _format_parser(path: str):
    name = path.rsplit("/", 1)[-1]
    if path.startswith("etc/mtree/") and name.endswith(".dist"):
        from refactor.formats.mtree import MtreeSpec

        return MtreeSpec.parse
    if name == "Makefile" or name.startswith("Makefile."):
        from refactor.formats.makefile import BsdMakefile

        return BsdMakefile.parse
    from refactor.formats.mdoc import MdocPage, is_man_page

    if is_man_page(name):
        return MdocPage.parse
    return None


def new_problems(before: Tree, after: Tree, paths: list[str]) -> dict[str, list[str]]:
    """Per touched path, the parse errors `after` has that `before` did not."""
    found: dict[str, list[str]] = {}
    for path in paths:
        new = after.read(path)
        if new is None:
            continue
        old = before.read(path)
        old_errors = (_texts(parse_problems(path, old, before.parses)) if old is not None
                      else set())
        fresh = [p for p in parse_problems(path, new, after.parses) if _text(p) not in old_errors]
        if fresh:
            found[path] = fresh
    return found


def _text(problem: str) -> str:
    # Line numbers move when a step edits above an old error: compare the text.
    return re.sub(r"^([^:]+):\d+:", r"\1:", problem)


def _texts(problems: list[str]) -> set[str]:
    return {_text(p) for p in problems}
