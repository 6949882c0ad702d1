"""MdocPage: the nested lists of hier(7), new items in sorted place, real mandoc -Tlint."""

from __future__ import annotations

import shutil

import pytest
from formats_helpers import apply, mandoc_lint, outside

from refactor.formats.mdoc import MdocError, MdocPage

HIER = b"""\
.\\" A shortened hier(7).
.Dd January 10, 2021
.Dt HIER 7
.Os
.Sh NAME
.Nm hier
.Nd layout of file systems
.Sh DESCRIPTION
A sketch of the file system hierarchy.
.Bl -tag -width "/stand/"
.It Pa /
root directory of the file system
.It Pa /tmp/
temporary files
.It Pa /var/
multi-purpose log, temporary, transient, and spool files
.Pp
.Bl -tag -width "preserve/" -compact
.It Pa account/
system accounting files
.Pp
.Bl -tag -width Fl -compact
.It Pa acct
execution accounting file;
see
.Xr acct 5
.El
.Pp
.It Pa run/
system information files describing various info about
system since it was booted
.Bl -tag -width Fl -compact
.\\" .It Pa bhyve/
.\\" a commented-out item is no item
.It Pa ppp/
writable by the
.Dq network
group for command connection sockets
.It Pa utx.active
database of current users
.El
.Pp
.It Pa tmp/
temporary files that are kept between system reboots
.El
.El
.Sh SEE ALSO
.Xr ls 1
"""

DESC = "control sockets of\n.Xr bhyve 8\nvirtual machines"


@pytest.fixture(scope="module")
def mandoc():
    assert shutil.which("mandoc"), "mandoc is needed: apt-get install -y mandoc"


def test_items_and_paths():
    page = MdocPage.parse(HIER, "share/man/man7/hier.7")
    assert page.problems == []
    run = page.find_item("/var/run/")
    assert run is not None and run.macro == "Pa" and run.name == "run/"
    assert page.find_item("/var/run") is run
    assert [c.name for c in page.children("/var/run/")] == ["ppp/", "utx.active"]
    assert page.find_item("/var/run/ppp/").path == "/var/run/ppp/"
    assert page.find_item("/var/account/acct") is not None
    assert page.find_item("/tmp/").path == "/tmp/"
    assert page.find_item("/var/tmp/").path == "/var/tmp/"
    assert page.has_item("/var/run/", "ppp/") and page.has_item("/var/run/", "ppp")
    assert not page.has_item("/var/run/", "bhyve/")  # only in a comment


def test_add_item_in_sorted_place(tmp_path, mandoc):
    page = MdocPage.parse(HIER, "share/man/man7/hier.7")
    edit = page.add_item("/var/run/", "bhyve/", DESC, rule="r")
    assert edit.path == "share/man/man7/hier.7" and edit.rule == "r"
    out = apply(HIER, edit)
    outside(HIER, out, edit)
    assert b".\\\" a commented-out item is no item\n.It Pa bhyve/\ncontrol sockets of\n" \
           b".Xr bhyve 8\nvirtual machines\n.It Pa ppp/\n" in out
    again = MdocPage.parse(out)
    assert again.problems == []
    assert [c.name for c in again.children("/var/run/")] == ["bhyve/", "ppp/", "utx.active"]
    (tmp_path / "hier.7").write_bytes(out)
    assert mandoc_lint(tmp_path / "hier.7") == []


def test_add_item_between_and_at_the_end():
    page = MdocPage.parse(HIER)
    mid = apply(HIER, page.add_item("/var/run/", "sshd/", "sshd sockets"))
    assert b"command connection sockets\n.It Pa sshd/\nsshd sockets\n.It Pa utx.active" in mid
    end = apply(HIER, page.add_item("/var/run/", "wpa_supplicant/", "wpa sockets"))
    assert b"current users\n.It Pa wpa_supplicant/\nwpa sockets\n.El\n.Pp\n.It Pa tmp/" in end
    # case does not decide the order
    up = apply(HIER, page.add_item("/var/run/", "Quux", "q"))
    assert b"sockets\n.It Pa Quux\nq\n.It Pa utx.active" in up


def test_new_child_list_in_the_siblings_style(tmp_path, mandoc):
    page = MdocPage.parse(HIER)
    desc = "the directory where recovery files are stored"
    edit = page.add_item("/var/tmp/", "vi.recover/", desc)
    out = apply(HIER, edit)
    # account/ has a .Pp before its list, run/ has none: on a tie, no .Pp
    assert b".It Pa tmp/\ntemporary files that are kept between system reboots\n" \
           b".Bl -tag -width Fl -compact\n.It Pa vi.recover/\n" \
           b"the directory where recovery files are stored\n.El\n.El\n.El\n" in out
    again = MdocPage.parse(out)
    assert again.problems == [] and again.has_item("/var/tmp/", "vi.recover/")
    (tmp_path / "hier.7").write_bytes(out)
    assert mandoc_lint(tmp_path / "hier.7") == []


def test_new_child_list_goes_before_trailing_pp():
    data = HIER.replace(b".It Pa account/\nsystem accounting files\n.Pp\n"
                        b".Bl -tag -width Fl -compact\n.It Pa acct\nexecution accounting file;\n"
                        b"see\n.Xr acct 5\n.El\n", b".It Pa account/\nsystem accounting files\n")
    page = MdocPage.parse(data)
    assert page.children("/var/account/") == []
    out = apply(data, page.add_item("/var/account/", "acct", "accounting file"))
    # run/ is the only sibling with a list and has no .Pp before it: neither has this one
    assert b"system accounting files\n.Bl -tag -width Fl -compact\n.It Pa acct\n" \
           b"accounting file\n.El\n.Pp\n.It Pa run/" in out


def test_li_heads_are_followed():
    data = HIER.replace(b".It Pa ", b".It Li ")
    page = MdocPage.parse(data)
    out = apply(data, page.add_item("/var/run/", "bhyve/", "sockets"))
    assert b".It Li bhyve/\nsockets\n.It Li ppp/" in out


def test_crlf_latin1_no_final_newline(tmp_path, mandoc):
    data = HIER.replace(b"\n", b"\r\n").replace(b"A sketch", b"A sk\xe9tch")[:-2]
    page = MdocPage.parse(data)
    edit = page.add_item("/var/run/", "bhyve/", DESC)
    assert edit.text == (
        b".It Pa bhyve/\r\ncontrol sockets of\r\n.Xr bhyve 8\r\nvirtual machines\r\n"
    )
    out = apply(data, edit)
    outside(data, out, edit)
    assert b"A sk\xe9tch" in out and out.endswith(b".Xr ls 1")
    assert MdocPage.parse(out).has_item("/var/run/", "bhyve/")


def test_errors_and_problems():
    page = MdocPage.parse(HIER, "hier.7")
    with pytest.raises(MdocError, match="no item '/usr/'"):
        page.add_item("/usr/", "bin/", "x")
    with pytest.raises(MdocError, match="already lists ppp/"):
        page.add_item("/var/run/", "ppp/", "x")
    broken = MdocPage.parse(HIER.replace(b".El\n.Sh SEE ALSO", b".Sh SEE ALSO"))
    assert broken.problems and "never closed" in broken.problems[0]


def test_lint_catches_a_broken_page(tmp_path, mandoc):
    # The lint helper is real: an unclosed list is reported.
    (tmp_path / "bad.7").write_bytes(HIER.replace(b".El\n.Sh SEE ALSO", b".Sh SEE ALSO"))
    assert mandoc_lint(tmp_path / "bad.7") != []


# --- .Dd: the date of a page whose content changes --------------------------------------

def test_mdoc_date_is_month_day_year():
    import datetime

    from refactor.formats.mdoc import mdoc_date
    assert mdoc_date(datetime.date(2021, 1, 5)) == "January 5, 2021"
    assert mdoc_date(datetime.date(2026, 12, 2)) == "December 2, 2026"


def test_set_date_rewrites_only_the_dd_line():
    import datetime

    from refactor.formats.mdoc import set_date
    page = HIER.replace(b"\n", b"\r\n", 3)  # the line ending of the .Dd line is kept
    got = set_date(page, datetime.date(2022, 3, 14))
    assert got == page.replace(b".Dd January 10, 2021\r\n", b".Dd March 14, 2022\r\n")
    assert set_date(b".TH FOO 8\nman(7), not mdoc\n", datetime.date(2022, 3, 14)) is None
    # A commented-out .Dd is not the page's date.
    assert set_date(b'.\\" .Dd May 1, 1999\n.Dt X 1\n', datetime.date(2022, 3, 14)) is None


def test_commit_date_comes_from_source_date_epoch(monkeypatch):
    import datetime

    from refactor.formats.mdoc import commit_date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1612137600")  # 2021-02-01T00:00:00Z
    assert commit_date() == datetime.date(2021, 2, 1)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert commit_date() == datetime.datetime.now(datetime.UTC).date()
