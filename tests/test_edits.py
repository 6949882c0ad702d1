import pytest

from refactor.edits import Edit, EditSet, NewFile, RemoveFile, insert, replace
from refactor.errors import EditConflict

FILES = {"a.c": b"int a;\r\nint b;\n\xe9t\xe9", "b.h": b"x"}


def test_edits_keep_every_other_byte():
    es = EditSet()
    es.add(replace("a.c", 4, 5, "A", "r1"))
    es.add(insert("a.c", len(FILES["a.c"]), "\n", "r2"))
    out = es.apply(FILES.get)
    assert out == {"a.c": b"int A;\r\nint b;\n\xe9t\xe9\n"}


def test_overlap_names_both_rules():
    es = EditSet()
    es.add(replace("a.c", 0, 5, "", "first-rule"))
    es.add(replace("a.c", 4, 8, "", "second-rule"))
    with pytest.raises(EditConflict) as exc:
        es.apply(FILES.get)
    assert set(exc.value.rules) == {"first-rule", "second-rule"}
    assert "a.c" in str(exc.value)


def test_two_insertions_at_one_point_conflict():
    es = EditSet()
    es.add(insert("a.c", 3, "x", "r1"))
    es.add(insert("a.c", 3, "y", "r2"))
    with pytest.raises(EditConflict):
        es.apply(FILES.get)


def test_adjacent_edits_do_not_conflict():
    es = EditSet()
    es.add(replace("a.c", 0, 3, "long", "r1"))
    es.add(replace("a.c", 3, 4, "_", "r2"))
    assert es.apply(FILES.get)["a.c"].startswith(b"long_a;")


def test_new_and_removed_files():
    es = EditSet([NewFile("n.c", b"new\n", "r1"), RemoveFile("b.h", "r1")])
    assert es.apply(FILES.get) == {"n.c": b"new\n", "b.h": None}


def test_new_file_over_existing_conflicts():
    with pytest.raises(EditConflict):
        EditSet([NewFile("b.h", b"", "r1")]).apply(FILES.get)


def test_new_file_and_edit_of_it_conflict():
    es = EditSet([NewFile("n.c", b"x", "r1"), Edit("n.c", 0, 0, b"y", "r2")])
    with pytest.raises(EditConflict) as exc:
        es.apply(FILES.get)
    assert set(exc.value.rules) == {"r1", "r2"}


def test_bad_spans_are_refused():
    with pytest.raises(ValueError):
        Edit("a.c", 5, 4, b"")
    with pytest.raises(EditConflict):
        EditSet([Edit("b.h", 0, 10, b"", "r")]).apply(FILES.get)


CRLF = {"w.c": b"int a;\r\nint b;\r\n", "u.c": b"int a;\nint b;\n", "mixed.c": b"a\r\nb\n"}


def test_inserted_lines_take_the_line_ending_of_their_file():
    es = EditSet()
    es.add(insert("w.c", 8, "int x;\nint y;\n", "r1"))
    es.add(insert("u.c", 7, b"int x;\r\n", "r2"))
    es.add(insert("mixed.c", 3, "c\n", "r3"))  # mixed: left as the rule wrote it
    out = es.apply(CRLF.get)
    assert out["w.c"] == b"int a;\r\nint x;\r\nint y;\r\nint b;\r\n"
    assert out["u.c"] == b"int a;\nint x;\nint b;\n"
    assert out["mixed.c"] == b"a\r\nc\nb\n"


def test_a_new_file_takes_the_line_ending_of_its_source():
    es = EditSet()
    es.add(replace("w.c", 0, 8, "", "mover"))
    es.add(NewFile("new.c", b"/* moved */\nint a;\r\n", "mover"))  # from the file it edits
    es.add(NewFile("named.c", b"x\ny\n", "other", eol_from="w.c"))
    es.add(NewFile("plain.c", b"x\r\ny\n", "lone"))  # no source: as written
    out = es.apply(CRLF.get)
    assert out["new.c"] == b"/* moved */\r\nint a;\r\n"
    assert out["named.c"] == b"x\r\ny\r\n"
    assert out["plain.c"] == b"x\r\ny\n"


def test_many_edits_in_one_file_give_what_one_at_a_time_gives():
    # The one-pass splice must equal splicing each edit in, last first.
    import random

    rng = random.Random(5)
    data = bytes(rng.randrange(97, 123) for _ in range(20000))
    starts = sorted(rng.sample(range(0, 19990, 10), 300))
    es = EditSet()
    expect = data
    spans = []
    for n, s in enumerate(starts):
        e = s + rng.randrange(0, 9)
        spans.append((s, e, f"<{n}>"))
    for s, e, text in reversed(spans):
        expect = expect[:s] + text.encode() + expect[e:]
    for s, e, text in rng.sample(spans, len(spans)):  # in any order
        es.add(replace("big.c", s, e, text, "r"))
    assert es.apply({"big.c": data}.get)["big.c"] == expect
