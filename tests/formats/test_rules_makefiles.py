"""The Makefile rules on their golden fixtures and on drifted trees."""

from __future__ import annotations

from formats_helpers import TREES, check_golden_cases, rules_module, run_rule

from refactor.rule import Rule, Status

makefiles = rules_module("makefiles")
BHYVE_MK = "usr.sbin/bhyve/Makefile"
BHYVECTL_MK = "usr.sbin/bhyvectl/Makefile"


def _tree(root, rel: str, data: bytes):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return root


def test_rule_attributes():
    for cls, rid in ((makefiles.BhyveMakefileIpcC, "makefile-bhyve-ipc-c"),
                     (makefiles.BhyvectlMakefileIpcH, "makefile-bhyvectl-ipc-h")):
        assert issubclass(cls, Rule) and cls.id == rid
        assert cls.summary and cls.files and "Already applied" in cls.doc()


def test_bhyve_golden_cases():
    assert check_golden_cases(makefiles.BhyveMakefileIpcC()) == [
        "makefile-bhyve-ipc-c", "makefile-bhyve-ipc-c@one-per-line",
    ]


def test_bhyvectl_golden_cases():
    assert check_golden_cases(makefiles.BhyvectlMakefileIpcH()) == [
        "makefile-bhyvectl-ipc-h", "makefile-bhyvectl-ipc-h@no-snapshot-block",
    ]


def test_bhyve_conflict_and_already_applied(tmp_path):
    rule = makefiles.BhyveMakefileIpcC()
    outcome, _ = run_rule(rule, tmp_path / "empty")
    assert outcome.status == Status.CONFLICT and "does not exist" in outcome.reason
    no_snapshot = b"PROG=\tbhyve\nSRCS=\tbhyverun.c mem.c\n\n.include <bsd.prog.mk>\n"
    outcome, _ = run_rule(rule, _tree(tmp_path / "nosnap", BHYVE_MK, no_snapshot))
    assert outcome.status == Status.CONFLICT
    assert "snapshot.c is in no SRCS list" in outcome.reason
    # ipc.c already built, even unconditionally and in another list
    elsewhere = no_snapshot.replace(b"mem.c", b"ipc.c mem.c")
    outcome, changed = run_rule(rule, _tree(tmp_path / "done", BHYVE_MK, elsewhere))
    assert outcome.status == Status.ALREADY_APPLIED and changed == {}


def test_bhyve_prefers_the_snapshot_block(tmp_path):
    data = (b"SRCS=\tsnapshot.c x.c\n.if ${MK_BHYVE_SNAPSHOT} != \"no\"\n"
            b"SRCS+=\tsnapshot.c\n.endif\n")
    outcome, changed = run_rule(makefiles.BhyveMakefileIpcC(), _tree(tmp_path, BHYVE_MK, data))
    assert outcome.status == Status.APPLIED and "MK_BHYVE_SNAPSHOT" in outcome.reason
    assert changed[BHYVE_MK] == data.replace(b"SRCS+=\tsnapshot.c", b"SRCS+=\tipc.c snapshot.c")


def test_bhyvectl_equivalent_includes(tmp_path):
    rule = makefiles.BhyvectlMakefileIpcH()
    outcome, _ = run_rule(rule, tmp_path / "empty")
    assert outcome.status == Status.CONFLICT
    base = b"PROG=\tbhyvectl\nCFLAGS+= -I${SRCTOP}/sys/amd64/vmm\n%s\n.include <bsd.prog.mk>\n"
    for i, line in enumerate((
        b"CFLAGS+= -I${.CURDIR}/../bhyve",
        b"CFLAGS+=\t-I ${.CURDIR:H}/bhyve",
        b"CFLAGS+= -I${SRCTOP}/usr.sbin/bhyve/",
        b"CPPFLAGS+= -I${.CURDIR}/../../usr.sbin/bhyve",
        b"CFLAGS.bhyvectl.c+= -I../bhyve",
    )):
        outcome, changed = run_rule(rule, _tree(tmp_path / f"t{i}", BHYVECTL_MK, base % line))
        assert outcome.status == Status.ALREADY_APPLIED, line
        assert changed == {}
    for i, line in enumerate((
        b"CFLAGS+= -I${SRCTOP}/usr.sbin/bhyveload",
        b"CFLAGS+= -I${BHYVEDIR}",
        b"CFLAGS+= -DBHYVE=../bhyve",
    )):
        outcome, changed = run_rule(rule, _tree(tmp_path / f"n{i}", BHYVECTL_MK, base % line))
        assert outcome.status == Status.APPLIED, line
        assert b"\nCFLAGS+= -I${SRCTOP}/usr.sbin/bhyve\n" in changed[BHYVECTL_MK]


def test_on_the_bundled_2021_tree():
    root = TREES / "bhyve-2021"
    for rule in (makefiles.BhyveMakefileIpcC(), makefiles.BhyvectlMakefileIpcH()):
        outcome, changed = run_rule(rule, root)
        assert outcome.status == Status.APPLIED, (rule.id, outcome.reason)
        assert list(changed) == list(rule.files)
