"""BsdMakefile: assignments, conditions, and word/line edits in the list's own style."""

from __future__ import annotations

import pytest
from formats_helpers import apply, outside

from refactor.formats.makefile import BsdMakefile, MakefileError

BHYVE = b"""\
#
# $FreeBSD$
#

.include <src.opts.mk>
CFLAGS+=-I${SRCTOP}/sys
.PATH:  ${SRCTOP}/sys/cam/ctl

PROG=\tbhyve

SRCS=\t\\
\tatkbdc.c\t\t\\
\tacpi.c\t\t\t\\
\tbhyverun.c\t\t\\
\tinout.c\t\t\t\\
\tmem.c\t\t\t\\
\tpci_hostbridge.c\t\\
\txmsr.c

.if ${MK_BHYVE_SNAPSHOT} != "no"
SRCS+=\tsnapshot.c
.endif

.PATH:  ${BHYVE_SYSDIR}/sys/amd64/vmm
SRCS+=\tvmm_instruction_emul.c

LIBADD=\tvmmapi md pthread z util sbuf cam

.if ${MK_OPENSSL} == "no"
CFLAGS+=-DNO_OPENSSL
.else
LIBADD+=\tcrypto
.endif

.if ${MK_BHYVE_SNAPSHOT} != "no"
CFLAGS+= -I${SRCTOP}/contrib/libucl/include

# Temporary disable capsicum, until we integrate checkpoint code with it.
CFLAGS+= -DWITHOUT_CAPSICUM
.endif

test: .PHONY
\tSRCS=notme echo ${SRCS}

.include <bsd.prog.mk>
"""

SNAP = '${MK_BHYVE_SNAPSHOT} != "no"'


def test_assignments_ops_words_and_conditions():
    mk = BsdMakefile.parse(BHYVE, "usr.sbin/bhyve/Makefile")
    assert mk.problems == []
    srcs = mk.assignments("SRCS")
    assert [(a.op, a.values[:2]) for a in srcs] == [
        ("=", ["atkbdc.c", "acpi.c"]), ("+=", ["snapshot.c"]), ("+=", ["vmm_instruction_emul.c"]),
    ]
    assert len(srcs[0].words) == 7 and srcs[0].values[-1] == "xmsr.c"
    assert srcs[0].conditions == ()
    assert [str(c) for c in srcs[1].conditions] == ['.if ${MK_BHYVE_SNAPSHOT} != "no"']
    w = srcs[0].words[1]
    assert BHYVE[w.start:w.end] == b"acpi.c"
    crypto = mk.assignments("LIBADD")[1]
    assert crypto.conditions[0].negated and "else" in str(crypto.conditions[0])
    assert not crypto.conditions[0].matches("MK_OPENSSL")
    assert [a.var for a in mk.assignments()].count("CFLAGS") == 4
    # a shell command line of a target is not an assignment
    assert all("notme" not in a.values for a in mk.assignments())
    assert mk.has_word("SRCS", "snapshot.c")
    assert mk.has_word("SRCS", "snapshot.c", SNAP)
    assert not mk.has_word("SRCS", "mem.c", SNAP)
    lines = BHYVE.split(b"\n")
    snap_ifs = [i for i, ln in enumerate(lines) if ln == b'.if ${MK_BHYVE_SNAPSHOT} != "no"']
    assert [b.line for b in mk.blocks("MK_BHYVE_SNAPSHOT")] == snap_ifs
    assert [lines[b.end_line] for b in mk.blocks(SNAP)] == [b".endif", b".endif"]


def test_add_word_one_per_line_aligns_the_backslash():
    mk = BsdMakefile.parse(BHYVE, "usr.sbin/bhyve/Makefile")
    edit = mk.add_word("SRCS", "ipc.c", rule="r")
    assert edit.rule == "r" and edit.text == b"\tipc.c\t\t\t\\\n"
    out = apply(BHYVE, edit)
    assert b"\tinout.c\t\t\t\\\n\tipc.c\t\t\t\\\n\tmem.c\t\t\t\\\n" in out
    outside(BHYVE, out, edit)
    again = BsdMakefile.parse(out)
    assert again.assignments("SRCS")[0].values[3:6] == ["inout.c", "ipc.c", "mem.c"]
    long = apply(BHYVE, mk.add_word("SRCS", "pci_virtio_console.c"))
    assert b"\tpci_hostbridge.c\t\\\n\tpci_virtio_console.c\t\\\n\txmsr.c\n" in long


def test_add_word_at_the_end_moves_the_list_end():
    mk = BsdMakefile.parse(BHYVE)
    out = apply(BHYVE, mk.add_word("SRCS", "zfs.c"))
    assert b"\tpci_hostbridge.c\t\\\n\txmsr.c\t\t\t\\\n\tzfs.c\n\n.if" in out
    assert BsdMakefile.parse(out).assignments("SRCS")[0].values[-2:] == ["xmsr.c", "zfs.c"]


def test_add_word_space_separated_under_condition():
    mk = BsdMakefile.parse(BHYVE)
    out = apply(BHYVE, mk.add_word("SRCS", "ipc.c", condition=SNAP))
    assert b'.if ${MK_BHYVE_SNAPSHOT} != "no"\nSRCS+=\tipc.c snapshot.c\n.endif' in out
    out = apply(BHYVE, mk.add_word("SRCS", "vmstate.c", condition="MK_BHYVE_SNAPSHOT"))
    assert b"SRCS+=\tsnapshot.c vmstate.c\n" in out
    # an unsorted list: the place with the fewest words out of order around it
    out = apply(BHYVE, mk.add_word("LIBADD", "nv"))
    assert b"LIBADD=\tvmmapi md nv pthread z util sbuf cam\n" in out
    with pytest.raises(MakefileError, match="no LIBADD assignment under MK_FOO"):
        mk.add_word("LIBADD", "nv", condition="MK_FOO")
    with pytest.raises(MakefileError, match="already has mem.c"):
        mk.add_word("SRCS", "mem.c")


def test_empty_and_first_line_words():
    data = b"SRCS=\nOBJS=\tfoo.o \\\n\tzed.o\n"
    mk = BsdMakefile.parse(data)
    assert apply(data, mk.add_word("SRCS", "a.c")) == b"SRCS=\ta.c\nOBJS=\tfoo.o \\\n\tzed.o\n"
    # before a word that shares the first line: joined with a space there
    assert apply(data, mk.add_word("OBJS", "bar.o")).startswith(b"SRCS=\nOBJS=\tbar.o foo.o \\")


def test_remove_word_in_each_style():
    mk = BsdMakefile.parse(BHYVE)
    out = apply(BHYVE, mk.remove_word("SRCS", "mem.c"))
    assert out == BHYVE.replace(b"\tmem.c\t\t\t\\\n", b"")
    out = apply(BHYVE, mk.remove_word("SRCS", "xmsr.c"))
    assert b"\tmem.c\t\t\t\\\n\tpci_hostbridge.c\n\n.if" in out
    out = apply(BHYVE, mk.remove_word("LIBADD", "md"))
    assert b"LIBADD=\tvmmapi pthread z util sbuf cam\n" in out
    out = apply(BHYVE, mk.remove_word("LIBADD", "cam"))
    assert b"LIBADD=\tvmmapi md pthread z util sbuf\n" in out
    out = apply(BHYVE, mk.remove_word("SRCS", "snapshot.c"))
    assert b'.if ${MK_BHYVE_SNAPSHOT} != "no"\n.endif' in out
    assert not BsdMakefile.parse(out).has_word("SRCS", "snapshot.c")
    with pytest.raises(MakefileError, match="SRCS has no ipc.c"):
        mk.remove_word("SRCS", "ipc.c")


def test_add_assignment_inside_a_block_and_at_top_level():
    mk = BsdMakefile.parse(BHYVE)
    edit = mk.add_assignment("CFLAGS", "+=", "-I${SRCTOP}/usr.sbin/bhyve", SNAP)
    out = apply(BHYVE, edit)
    assert b"CFLAGS+= -DWITHOUT_CAPSICUM\nCFLAGS+= -I${SRCTOP}/usr.sbin/bhyve\n.endif" in out
    added = [a for a in BsdMakefile.parse(out).assignments("CFLAGS")
             if "-I${SRCTOP}/usr.sbin/bhyve" in a.values]
    assert len(added) == 1 and added[0].conditions[0].matches(SNAP)
    # no block sets the variable: the first block, just before its .endif
    out = apply(BHYVE, mk.add_assignment("LDFLAGS", "+=", "-lfoo", SNAP))
    assert b"SRCS+=\tsnapshot.c\nLDFLAGS+= -lfoo\n.endif" in out
    # top level: after the last top-level assignment, with its blank after the operator
    out = apply(BHYVE, mk.add_assignment("CFLAGS", "+=", "-DFOO"))
    assert b"CFLAGS+=-I${SRCTOP}/sys\nCFLAGS+=-DFOO\n.PATH:" in out
    out = apply(BHYVE, mk.add_assignment("WARNS", "?=", "6"))
    assert out.endswith(b"\tSRCS=notme echo ${SRCS}\n\nWARNS?= 6\n.include <bsd.prog.mk>\n")
    with pytest.raises(MakefileError, match="no .if block"):
        mk.add_assignment("CFLAGS", "+=", "-DX", "MK_NOPE")


def test_crlf_latin1_and_no_final_newline():
    data = (BHYVE.replace(b"\n", b"\r\n").replace(b"$FreeBSD$", b"$FreeBSD$ \xa9"))[:-2]
    mk = BsdMakefile.parse(data)
    assert [len(a.words) for a in mk.assignments("SRCS")] == [7, 1, 1]
    edit = mk.add_word("SRCS", "ipc.c")
    assert edit.text == b"\tipc.c\t\t\t\\\r\n"
    out = apply(data, edit)
    outside(data, out, edit)
    assert b"\xa9" in out and out.endswith(b"<bsd.prog.mk>")
    end = apply(data, mk.add_word("SRCS", "zfs.c"))
    assert b"\txmsr.c\t\t\t\\\r\n\tzfs.c\r\n" in end
    tail = b"PROG=\tx\nCFLAGS+= -DA"
    out = apply(tail, BsdMakefile.parse(tail).add_assignment("CFLAGS", "+=", "-DB"))
    assert out == b"PROG=\tx\nCFLAGS+= -DA\nCFLAGS+= -DB\n"


def test_nested_conditions_elif_and_for():
    data = b""".if ${MACHINE} == "amd64"
.  if defined(FOO)
SRCS+=\tfoo.c
.  elif ${BAR} == "yes"
SRCS+=\tbar.c
.  endif
.endif
.for f in a b
SRCS+=\t${f}.c
.endfor
SRCS+=\t${FOO:S/ /_/g} x.c
"""
    mk = BsdMakefile.parse(data)
    assert mk.problems == []
    foo, bar, loop, last = mk.assignments("SRCS")
    assert [c.expr for c in foo.conditions] == ['${MACHINE} == "amd64"', "defined(FOO)"]
    assert [c.directive for c in bar.conditions] == ["if", "elif"]
    assert loop.conditions[0].directive == "for"
    assert last.values == ["${FOO:S/ /_/g}", "x.c"]
    assert mk.has_word("SRCS", "bar.c", "BAR") and not mk.has_word("SRCS", "bar.c", "FOO")
    assert BsdMakefile.parse(b".endif\n").problems
