"""The bench's side of the spatch comparison is the rename operation, written in place."""

from __future__ import annotations

from bench import cgen
from bench.rename_run import rename_dir


def test_rename_dir_renames_functions_not_fields(tmp_path):
    root = cgen.make_dir(tmp_path / "d", 3, 120)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    changed = rename_dir(root, cgen.OLD, cgen.NEW)
    after = {p.name: p.read_bytes() for p in root.iterdir()}
    assert changed == sum(before[n] != after[n] for n in before) > 0
    for data in after.values():
        # Calls and prototypes are renamed; comments and the field of the same name are not.
        code = [ln for ln in data.splitlines() if b"/*" not in ln]
        assert not [ln for ln in code if f"{cgen.OLD}(".encode() in ln]
    assert any(f"st.{cgen.OLD};".encode() in d for d in after.values())
    assert rename_dir(root, cgen.OLD, cgen.NEW) == 0  # nothing left to rename
