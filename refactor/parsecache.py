"""One run's parses, by content: every file and configuration is parsed once.

A run (a plan, its validation of every step, the resolution check and the
build-test's `parse` strategy) works on one Tree and the trees derived from it,
which share one ParseCache (`Tree.parses`).  Nothing is kept between runs: a
second run, even of a tree with other contents under the same path, starts
cold.  Entries are keyed by the bytes they were made from (and the
configuration), never by a path alone, so a later step that changes a file
misses and a step that leaves it alone hits.

Memory is bounded: each table drops its least recently used entries once the
weight it holds (bytes of source or of preprocessed text) passes its budget.
`counts` says how often each kind of work was done, per file: the bench and
the tests read it to see that nothing was parsed twice.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

MiB = 1 << 20
# Weight budgets per table (bytes of what the entries were made from).  A
# lossless view costs about 45 times its source in Python objects (plus
# tree-sitter's tree), an AST about 60 times its preprocessed text (measured on
# sys/rpc/clnt_vc.c), so each table stays under about 500 MiB at worst; the units
# and ASTs tables hold the same trees.  Tables not named here hold small
# values: only their count is bounded.
BUDGETS = {"view": 8 * MiB, "unit": 8 * MiB, "ast": 8 * MiB}
MAX_ENTRIES = 4096


class _Failed:
    """A factory that raised: remembered, so a bad file is not parsed again."""

    def __init__(self, exc: Exception):
        self.exc = exc


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Python's cycle collector off while a parser builds its view.

    A parse allocates hundreds of thousands of objects, none of them garbage,
    and every full collection it triggers walks the run's whole heap again (the
    ASTs and views this cache holds): on a kernel file that was half of
    pycparser's time.  Collection resumes afterwards; nothing is lost.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


class ParseCache:
    def __init__(self, budgets: dict[str, int] | None = None):
        self.budgets = dict(BUDGETS if budgets is None else budgets)
        self._tables: dict[str, OrderedDict[Hashable, tuple[Any, int]]] = {}
        self._weights: Counter[str] = Counter()
        #: (what, label) -> how often it was done: ("view:CFile", path),
        #: ("cpp", path), ("pycparser", path), ...
        self.counts: Counter[tuple[str, str]] = Counter()

    def count(self, what: str, label: str = "") -> None:
        self.counts[(what, label)] += 1

    def total(self, what: str) -> int:
        return sum(n for (w, _), n in self.counts.items() if w == what)

    def peek(self, table: str, key: Hashable) -> Any | None:
        entries = self._tables.get(table)
        if entries is None or key not in entries:
            return None
        entries.move_to_end(key)
        return entries[key][0]

    def put(self, table: str, key: Hashable, value: T, weight: int = 0) -> T:
        entries = self._tables.setdefault(table, OrderedDict())
        if key in entries:
            self._weights[table] -= entries.pop(key)[1]
        entries[key] = (value, weight)
        self._weights[table] += weight
        budget = self.budgets.get(table)
        while len(entries) > 1 and (len(entries) > MAX_ENTRIES or (
                budget is not None and self._weights[table] > budget)):
            _, (_, w) = entries.popitem(last=False)
            self._weights[table] -= w
        return value

    def get(self, table: str, key: Hashable, make: Callable[[], T], *, weight: int = 0,
            label: str = "") -> T:
        """The entry for `key`, made (and counted as `table`, `label`) when missing."""
        entries = self._tables.get(table)
        if entries is not None and key in entries:
            entries.move_to_end(key)
            return entries[key][0]
        # Room first: a big file's old view is freed before its new one is built,
        # so the two are not held at once.
        self._evict(table, weight)
        value = make()
        self.count(table, label)
        return self.put(table, key, value, weight)

    def _evict(self, table: str, coming: int) -> None:
        entries = self._tables.get(table)
        budget = self.budgets.get(table)
        while entries and budget is not None and self._weights[table] + coming > budget:
            _, (_, w) = entries.popitem(last=False)
            self._weights[table] -= w

    def view(self, factory: Callable[[bytes, str], T], path: str, data: bytes) -> T:
        """`factory(data, path)` (a CFile, an MtreeSpec, ...), once per content."""
        got = self._view(factory, path, data)
        if isinstance(got, _Failed):
            raise got.exc
        return got

    def lossless(self, data: bytes, path: str):
        """The lossless CFile of a C file, or None when it cannot be built."""
        from refactor.c.lossless import CFile

        got = self._view(CFile, path, data)
        return None if isinstance(got, _Failed) else got

    def _view(self, factory, path: str, data: bytes):
        def make():
            try:
                with no_gc():
                    return factory(data, path)
            except Exception as exc:  # noqa: BLE001 - re-raised by view()
                return _Failed(exc)

        name = getattr(factory, "__qualname__", repr(factory))
        return self.get("view", (factory, path, digest(data)), make, weight=len(data),
                        label=f"{name} {path}")

    def held(self, table: str) -> int:
        """Entries the table holds now."""
        return len(self._tables.get(table, ()))
