"""MtreeSpec: parsing BSD.*.dist specs and inserting directories byte-exactly."""

from __future__ import annotations

import pytest
from formats_helpers import apply, outside

from refactor.formats.mtree import MtreeError, MtreeSpec

VAR = b"""\
# $FreeBSD$
#
# Please see the file src/etc/mtree/README before making changes to this file.
#

/set type=dir uname=root gname=wheel mode=0755
.
    account
    ..
    at
/set uname=daemon
        jobs
        ..
        spool
        ..
/set uname=root
    ..
    db
        entropy         uname=operator gname=operator mode=0700
        ..
    ..
    run
        named           uname=bind gname=bind
        ..
        ppp             gname=network mode=0770
        ..
        wpa_supplicant
        ..
    ..
    tmp             mode=01777
        vi.recover      mode=01777
        ..
    ..
..
"""


def test_parse_tree_and_keywords():
    spec = MtreeSpec.parse(VAR, "etc/mtree/BSD.var.dist")
    assert spec.problems == []
    assert [c.name for c in spec.find("run").children] == ["named", "ppp", "wpa_supplicant"]
    ppp = spec.find("run/ppp")
    assert ppp.path == "run/ppp" and ppp.is_dir
    assert ppp.keywords == {"gname": "network", "mode": "0770"}
    assert ppp.effective() == {"type": "dir", "uname": "root", "gname": "network", "mode": "0770"}
    assert spec.find("./tmp/vi.recover").keywords == {"mode": "01777"}
    assert spec.find("at/jobs").settings["uname"] == "daemon"
    assert spec.find("db").settings["uname"] == "root"
    assert spec.find("run/bhyve") is None
    assert list(spec.directories()) == [
        "account", "at", "at/jobs", "at/spool", "db", "db/entropy",
        "run", "run/named", "run/ppp", "run/wpa_supplicant", "tmp", "tmp/vi.recover",
    ]


def test_add_first_child_goes_before_the_first_sibling():
    spec = MtreeSpec.parse(VAR, "etc/mtree/BSD.var.dist")
    edit = spec.add_dir("run", "bhyve", rule="r")
    assert edit.path == "etc/mtree/BSD.var.dist" and edit.rule == "r"
    out = apply(VAR, edit)
    assert b"    run\n        bhyve\n        ..\n        named           uname=bind" in out
    outside(VAR, out, edit)
    again = MtreeSpec.parse(out)
    assert again.problems == []
    assert again.find("run/bhyve").is_dir
    assert again.find("run/bhyve").effective()["mode"] == "0755"
    assert [c.name for c in again.find("run").children][:2] == ["bhyve", "named"]


def test_add_middle_and_last_child_follow_the_previous_sibling():
    spec = MtreeSpec.parse(VAR)
    mid = apply(VAR, spec.add_dir("run", "opie"))
    assert b"uname=bind gname=bind\n        ..\n        opie\n        ..\n        ppp" in mid
    last = apply(VAR, spec.add_dir("run", "zfs"))
    assert b"        wpa_supplicant\n        ..\n        zfs\n        ..\n    ..\n    tmp" in last


def test_new_entry_keeps_the_set_defaults_of_its_neighbours():
    spec = MtreeSpec.parse(VAR)
    first = apply(VAR, spec.add_dir("at", "cron"))
    # after the `/set uname=daemon` that its siblings get, not before it
    assert b"/set uname=daemon\n        cron\n        ..\n        jobs" in first
    assert MtreeSpec.parse(first).find("at/cron").effective()["uname"] == "daemon"
    last = apply(VAR, spec.add_dir("at", "tmp"))
    assert b"        spool\n        ..\n        tmp\n        ..\n/set uname=root" in last
    assert MtreeSpec.parse(last).find("at/tmp").effective()["uname"] == "daemon"


def test_options_are_aligned_like_the_siblings():
    spec = MtreeSpec.parse(VAR)
    out = apply(VAR, spec.add_dir("run", "pkg", "uname=root gname=wheel mode=0750"))
    assert b"\n        pkg             uname=root gname=wheel mode=0750\n        ..\n" in out
    assert MtreeSpec.parse(out).find("run/pkg").keywords["mode"] == "0750"
    long = apply(VAR, spec.add_dir("run", "a_very_long_dirname", "mode=0700"))
    assert b"\n        a_very_long_dirname mode=0700\n" in long


def test_tab_indented_spec_without_children():
    data = b"/set type=dir uname=root gname=wheel mode=0755\n.\n\tlog\n\t..\n\trun\n\t..\n" \
           b"\ttmp\tmode=01777\n\t..\n..\n"
    spec = MtreeSpec.parse(data)
    out = apply(data, spec.add_dir("run", "bhyve"))
    assert out == data.replace(b"\trun\n\t..\n", b"\trun\n\t\tbhyve\n\t\t..\n\t..\n")
    out = apply(data, spec.add_dir("run", "ppp", "mode=0770"))
    assert b"\trun\n\t\tppp\tmode=0770\n\t\t..\n\t..\n" in out


def test_set_type_file_makes_the_entry_say_type_dir():
    data = b"/set type=file uname=root\n.  type=dir\n    games   type=dir\n    ..\n..\n"
    spec = MtreeSpec.parse(data)
    assert spec.find("games").is_dir
    out = apply(data, spec.add_dir(".", "run"))
    assert b"    run     type=dir\n    ..\n" in out
    assert MtreeSpec.parse(out).find("run").is_dir


def test_crlf_latin1_and_missing_final_newline_are_kept():
    data = VAR.replace(b"\n", b"\r\n").replace(b"# $FreeBSD$", b"# caf\xe9 $FreeBSD$")
    data = data[: -len(b"\r\n")]  # no final line break after the root's `..`
    spec = MtreeSpec.parse(data)
    assert spec.problems == []
    edit = spec.add_dir("run", "bhyve")
    assert edit.text == b"        bhyve\r\n        ..\r\n"
    out = apply(data, edit)
    outside(data, out, edit)
    assert out.startswith(b"# caf\xe9") and out.endswith(b"\r\n..")
    assert MtreeSpec.parse(out).find("run/bhyve") is not None


def test_insert_at_end_of_file_without_final_newline():
    data = b"/set type=dir\n.\n    run\n    .."  # the root is never closed
    spec = MtreeSpec.parse(data)
    assert spec.problems == ["directory . is never closed by `..`"]
    out = apply(data, spec.add_dir(".", "tmp"))
    assert out == b"/set type=dir\n.\n    run\n    ..\n    tmp\n    ..\n"


def test_errors_name_the_problem():
    spec = MtreeSpec.parse(VAR, "etc/mtree/BSD.var.dist")
    with pytest.raises(MtreeError, match="no directory 'nope'"):
        spec.add_dir("nope", "bhyve")
    with pytest.raises(MtreeError, match="exists already"):
        spec.add_dir("run", "ppp")
    bad = MtreeSpec.parse(b"/set type=dir\n.\n    run\n    ..\n..\n..\n")
    assert bad.problems and "no open directory" in bad.problems[0]
    unclosed = MtreeSpec.parse(b"/set type=dir\n.\n    run\n..\n")
    assert unclosed.problems == ["directory . is never closed by `..`"]


def test_comments_and_continuations():
    data = b"/set type=dir\n.\n# run\n    run \\\n        mode=0755\n    ..\n..\n"
    spec = MtreeSpec.parse(data)
    assert spec.problems == []
    assert spec.find("run").keywords == {"mode": "0755"}
    out = apply(data, spec.add_dir("run", "bhyve"))
    assert out.endswith(b"        mode=0755\n        bhyve\n        ..\n    ..\n..\n")


def test_make_hierarchy(tmp_path):
    spec = MtreeSpec.parse(apply(VAR, MtreeSpec.parse(VAR).add_dir("run", "bhyve")))
    made = spec.make_hierarchy(tmp_path)
    assert (tmp_path / "run" / "bhyve").is_dir()
    assert (tmp_path / "at" / "jobs").is_dir()
    assert len(made) == len(list(spec.directories())) == 13
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == sorted(
        spec.directories()
    )
