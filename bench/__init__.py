"""Benchmarks of freebsd-refactor, each next to a baseline measured in the same run.

Run on demand with `python -m bench [--quick] [--json FILE]`; never part of the tests.
"""
