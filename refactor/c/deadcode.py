"""What a cut leaves unused: helpers, their prototypes, macros and includes.

When a rule cuts statements out of a file (a call and its error check), the
static helpers they called, the macros only those used and the system header
that only they needed may be left without a use.  Judged on the lossless view,
in every #if branch: a name counts as used when it appears outside the cut and
outside what goes.
"""

from __future__ import annotations

from collections.abc import Iterable

from refactor.c.lossless import CFile, Item
from refactor.c.spans import Span, inside, uses_between
from refactor.c.stubs import SYSTEM_HOMES


def left_unused(cf: CFile, cut: list[Span], helpers: Iterable[Item]) -> list[Item]:
    """The items that go with the cut spans: each of `helpers` that nothing outside the
    cut, its own body and its prototypes uses (with those prototypes), then the macros
    only the going code used, then the top-level system includes whose known names
    were used only there.  In file order."""
    gone: list[Item] = []

    def elsewhere(i_start: int) -> bool:
        return not inside(i_start, cut) and not any(g.start <= i_start < g.end for g in gone)

    for h in helpers:
        protos = cf.items_named(h.name, "declaration")
        others = [i for i in cf.idents(h.name) if not h.start <= i.start < h.end
                  and not inside(i.start, cut) and not any(d.start <= i.start < d.end
                                                             for d in protos)]
        if not others:
            gone += [h, *protos]
    for name, it in cf.macros().items():
        used_by_gone = any(uses_between(cf, name, g.start, g.end) for g in gone)
        if used_by_gone and not any(i.kind in ("ordinary", "macro") and elsewhere(i.start)
                                    for i in cf.idents(name)):
            gone.append(it)
    for inc in cf.includes():
        homed = {n for n, h in SYSTEM_HOMES.items() if f"<{h}>" == inc.name}
        if inc.parent is not None or not homed:
            continue
        uses = [i for i in cf.identifiers if i.name in homed]
        if uses and not any(elsewhere(i.start) for i in uses):
            gone.append(inc)
    return sorted(gone, key=lambda i: i.start)
