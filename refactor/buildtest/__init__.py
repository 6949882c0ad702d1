"""Build-test every generated commit: the whole of each program it touched, before and after.

    strategy = BuildStrategy.choose("auto")        # once per run
    result = strategy.run(before, after, touched, log_dir)
    result.verdict  # pass | fail | inconclusive | skipped; result.to_json() for the report

Strategies: make (FreeBSD host), cross (zig clang, x86_64-freebsd), host (cc),
parse (the project's C front end), cmd:<shell command>.  Man pages get
mandoc -Tlint and mtree specs a hierarchy check under every strategy.
"""

from typing import TYPE_CHECKING

from refactor.buildtest.diagnostics import BuildResult, Diagnostic

if TYPE_CHECKING:
    from refactor.buildtest.strategies import (
        STRATEGIES,
        BuildStrategy,
        available,
        build_test_command,
        choose_strategy,
        run_build_test,
    )

__all__ = ["BuildResult", "BuildStrategy", "Diagnostic", "STRATEGIES", "available",
           "build_test_command", "choose_strategy", "run_build_test"]
_FROM_STRATEGIES = frozenset(__all__) - {"BuildResult", "Diagnostic"}


def __getattr__(name: str):
    # The strategies (and the compilers' machinery) load on first use: a plan
    # that runs no build test, or reads only a BuildResult, does not pay for them.
    if name in _FROM_STRATEGIES:
        from refactor.buildtest import strategies

        return getattr(strategies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
