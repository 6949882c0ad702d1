"""`refactor rename` end to end: a real git repository, one commit, --dry-run, bad usage."""

from __future__ import annotations

from conftest import FIXTURES, git, make_repo, run_cli

BEFORE = FIXTURES / "ops" / "rename" / "before"
AFTER = FIXTURES / "ops" / "rename" / "after"


def test_rename_makes_one_commit_on_a_branch(tmp_path):
    repo = make_repo(BEFORE, tmp_path / "src")
    res = run_cli("rename", "pci_emul_alloc_bar", "pci_emul_alloc_bar_new", "--tree", str(repo),
                  "--path", "usr.sbin/bhyve", "--kind", "function", "--build", "none",
                  "--out", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    branch = "refactor/rename-pci_emul_alloc_bar"
    assert git(repo, "log", "--format=%s", f"main..{branch}").splitlines() == [
        "bhyve: rename pci_emul_alloc_bar to pci_emul_alloc_bar_new"]
    for f in ("pci_emul.c", "pci_emul.h", "pci_virtio.c"):
        shown = git(repo, "show", f"{branch}:usr.sbin/bhyve/{f}")
        assert shown == (AFTER / "usr.sbin/bhyve" / f).read_text()
    assert git(repo, "status", "--porcelain") == ""
    assert len(list((tmp_path / "out").glob("0001-bhyve-rename-*.patch"))) == 1


def test_dry_run_prints_plan_and_diff_and_writes_nothing(tmp_path):
    repo = make_repo(BEFORE, tmp_path / "src")
    res = run_cli("rename", "pci_emul_alloc_bar", "pci_emul_alloc_bar_new", "--tree", str(repo),
                  "--path", "usr.sbin/bhyve/pci_emul.c", "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "renames 2 sites in 1 files; pci_emul_alloc_bar is still used in " \
           "usr.sbin/bhyve/pci_emul.h, usr.sbin/bhyve/pci_virtio.c, outside the paths" in res.stdout
    assert "+pci_emul_alloc_bar_new(struct pci_devinst *pdi" in res.stdout
    assert git(repo, "branch", "--list").split() == ["*", "main"]


def test_bad_names_and_collisions(tmp_path):
    repo = make_repo(BEFORE, tmp_path / "src")
    res = run_cli("rename", "pci_emul_alloc_bar", "2bad", "--tree", str(repo))
    assert (res.returncode, res.stderr) == (
        2, "refactor: refactor rename: rename: '2bad' is not a C identifier\n")
    res = run_cli("rename", "pci_emul_alloc_bar", "pci_emul_add_msicap", "--tree", str(repo),
                  "--dry-run")
    assert res.returncode == 1
    assert "pci_emul_add_msicap is already declared in usr.sbin/bhyve/pci_emul.c:25" in res.stdout


def test_the_subject_names_the_area_of_the_files():
    from refactor.ops.cli import area

    assert area(["usr.sbin/bhyve/pci_emul.c", "usr.sbin/bhyve/pci_emul.h"]) == "bhyve"
    assert area(["usr.sbin/bhyve/a.c", "usr.sbin/bhyvectl/b.c"]) == "bhyve, bhyvectl"
    assert area(["lib/libvmmapi/vmmapi.h"]) == "libvmmapi"
    assert area(["sys/amd64/vmm/vmm.c"]) == "vmm"
    assert area(["a.c"]) == "tree"
