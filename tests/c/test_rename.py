"""Renames reach every occurrence of the right kind, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from refactor.c.lossless import CFile
from refactor.c.rename import rename, rename_edits
from refactor.edits import EditSet

INPUTS = Path(__file__).parent / "inputs"


def load(name: str) -> CFile:
    return CFile((INPUTS / name).read_bytes(), f"usr.sbin/bhyve/{name}")


def test_rename_variable_everywhere_incl_macro_body_and_data_set():
    c = load("vmm_sock.c")
    out = rename(c, "sock_count", "ipc_count")
    assert b"sock_count" not in out
    assert b"#define\tSOCK_DUP(a)\t((a) + ipc_count)\n" in out
    assert b"static int ipc_count;\t\t/* live clients */\n" in out
    # Nothing else moved: same length change per occurrence.
    assert len(out) - len(c.data) == 3 * (len("ipc_count") - len("sock_count"))
    assert CFile(out, c.path).errors == []


def test_rename_edits_are_edit_objects_for_the_file():
    c = load("vmm_sock.c")
    edits = rename_edits(c, "sock_default_handler", "ipc_handler", rule="rename-handler")
    assert [(c.line_of(e.start), e.text, e.rule, e.path) for e in edits] == [
        (67, b"ipc_handler", "rename-handler", "usr.sbin/bhyve/vmm_sock.c"),
        (71, b"ipc_handler", "rename-handler", "usr.sbin/bhyve/vmm_sock.c")]
    es = EditSet()
    es.extend(edits)
    new = es.apply(lambda p: c.data)[c.path]
    assert b"DATA_SET(sock_handler_set, ipc_handler);" in new


def test_kinds_are_respected():
    src = b"struct sc { int sc; };\nstatic int sc;\nint f(struct sc *p) { return (p->sc + sc); }\n"
    c = CFile(src, "k.c")
    assert rename(c, "sc", "n") == (b"struct sc { int sc; };\nstatic int n;\n"
                                    b"int f(struct sc *p) { return (p->sc + n); }\n")
    assert rename(c, "sc", "t", kinds={"tag"}) == (
        b"struct t { int sc; };\nstatic int sc;\nint f(struct t *p) { return (p->sc + sc); }\n")
    assert rename(c, "sc", "f_", kinds={"field"}).count(b"f_") == 2


def test_strings_and_comments_only_on_request():
    src = b'/* uses counter */\nint counter;\nconst char *s = "counter: %d";\nint counters;\n'
    c = CFile(src, "s.c")
    assert rename(c, "counter", "n") == src.replace(b"int counter;", b"int n;")
    both = rename(c, "counter", "n", in_strings=True, in_comments=True)
    assert both == (b'/* uses n */\nint n;\nconst char *s = "n: %d";\nint counters;\n')


def test_rename_in_both_branches_and_macros():
    src = (b"#define\tCKPT_DIR\t\"/var/run/bhyve/\"\n#ifdef BHYVE_SNAPSHOT\n"
           b"static int ckpt;\n#else\nstatic long ckpt;\n#endif\n"
           b"#if defined(CKPT_DIR)\nconst char *d = CKPT_DIR;\n#endif\n#undef CKPT_DIR\n")
    c = CFile(src, "m.c")
    assert rename(c, "ckpt", "ipc").count(b"ipc;") == 2
    out = rename(c, "CKPT_DIR", "BHYVE_RUN_DIR", kinds={"macro"})
    assert out.count(b"BHYVE_RUN_DIR") == 4 and b"CKPT_DIR" not in out


def test_new_name_must_be_an_identifier():
    with pytest.raises(ValueError):
        rename_edits(CFile(b"int a;\n"), "a", "not valid")
