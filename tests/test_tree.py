from conftest import git

from refactor.target import open_target
from refactor.tree import Tree


def test_dir_tree_reads_bytes_exactly(tmp_path):
    raw = b"a\r\nb\xe9\tc"  # CRLF, Latin-1, tab, no final newline
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.c").write_bytes(raw)
    tree = Tree.from_dir(tmp_path)
    assert tree.read("d/f.c") == raw
    assert tree.read("./d/../d/f.c") == raw
    assert tree.text("d/f.c").encode("latin-1") == raw
    assert tree.read("missing.c") is None
    assert tree.read("d") is None


def test_changes_layer_over_the_source(tmp_path):
    (tmp_path / "f").write_bytes(b"old")
    base = Tree.from_dir(tmp_path)
    new = base.with_changes({"f": b"new", "g": b"made", "h": None})
    assert new.read("f") == b"new" and new.read("g") == b"made"
    assert base.read("f") == b"old" and not base.exists("g")
    assert new.original("f") == b"old"


def test_views_are_cached_by_content(tmp_path):
    (tmp_path / "f").write_bytes(b"x")
    calls = []

    def factory(data, path):
        calls.append(path)
        return len(data)

    tree = Tree.from_dir(tmp_path)
    assert tree.view("f", factory) == 1
    assert tree.view("f", factory) == 1
    assert tree.with_changes({"f": b"xyz"}).view("f", factory) == 3
    assert calls == ["f", "f"]


def test_git_tree_reads_the_commit_not_the_worktree(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "f.c").write_bytes(b"committed\n")
    git(tmp_path, "add", "f.c")
    git(tmp_path, "commit", "-q", "-m", "c")
    (tmp_path / "f.c").write_bytes(b"dirty\n")
    target = open_target(tmp_path)
    assert target.is_git
    assert target.tree.read("f.c") == b"committed\n"
