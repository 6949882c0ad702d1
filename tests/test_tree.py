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


def _listing_tree(tmp_path):
    for rel in ("a.c", "d/b.c", "d/c.h", "d/e/f.c", "d/e/g.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    return tmp_path


def _check_listing(tree):
    assert tree.list("") == ["a.c"]
    assert tree.list("d") == ["d/b.c", "d/c.h"]
    assert tree.subdirs("d") == ["e"]
    assert tree.list("nowhere") == []
    assert tree.glob("d/*.c") == ["d/b.c"]
    assert tree.glob("**/*.c") == ["a.c", "d/b.c", "d/e/f.c"]
    assert tree.glob("d/**") == ["d/b.c", "d/c.h", "d/e/f.c", "d/e/g.txt"]
    changed = tree.with_changes({"d/new.c": b"n", "d/b.c": None, "z/y.c": b"y"})
    assert changed.list("d") == ["d/c.h", "d/new.c"]
    assert changed.subdirs("") == ["d", "z"]
    assert changed.glob("**/*.c") == ["a.c", "d/e/f.c", "d/new.c", "z/y.c"]


def test_list_and_glob_on_a_directory(tmp_path):
    _check_listing(Tree.from_dir(_listing_tree(tmp_path)))


def test_list_and_glob_on_a_git_commit_ignore_the_worktree(tmp_path):
    root = _listing_tree(tmp_path)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "c")
    (root / "untracked.c").write_bytes(b"u")
    target = open_target(root)
    assert target.is_git
    _check_listing(target.tree)
