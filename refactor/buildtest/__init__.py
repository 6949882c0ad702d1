"""Build-test every generated commit: compile what it touched, before and after.

    strategy, why = choose_strategy("auto")
    result = run_build_test(before, after, touched, strategy, log_dir)
    result.to_json()  # strategy, verdict, new, preexisting, fixed, seconds, log, why

Strategies: make (FreeBSD host), cross (zig clang, x86_64-freebsd), host (cc),
parse (the project's C front end), cmd:<shell command>.  Man pages get
mandoc -Tlint and mtree specs a hierarchy check under every strategy.
"""

from refactor.buildtest.diagnostics import BuildResult, Diagnostic
from refactor.buildtest.strategies import (
    STRATEGIES,
    available,
    build_test_command,
    choose_strategy,
    run_build_test,
)

__all__ = ["BuildResult", "Diagnostic", "STRATEGIES", "available", "build_test_command",
           "choose_strategy", "run_build_test"]
