"""pycparser and pycparserext are pinned as a pair that works together."""

from __future__ import annotations

from importlib.metadata import version

from pycparser import c_ast
from pycparserext.ext_c_parser import GnuCParser

PINNED = {"pycparser": "3.0", "pycparserext": "2026.1"}


def test_installed_versions_are_the_pinned_pair():
    assert {name: version(name) for name in PINNED} == PINNED


def test_gnu_parser_reads_attributes_and_typeof():
    src = """
    struct pkt { int len; } __attribute__((packed));
    static int twice(int v __attribute__((unused)), int w)
    {
        __typeof__(w) x = w;
        typeof(x) y = x * 2;
        return y;
    }
    """
    ast = GnuCParser().parse(src, filename="pin.c")
    fd = ast.ext[-1]
    assert isinstance(fd, c_ast.FuncDef) and fd.decl.name == "twice"
    x, y, ret = fd.body.block_items
    assert type(x.type.type).__name__ == "TypeOfExpression"
    assert x.type.type.expr.name == "w"
    assert type(y.type.type).__name__ == "TypeOfExpression" and y.name == "y"
    assert isinstance(ret, c_ast.Return) and ret.expr.name == "y"
