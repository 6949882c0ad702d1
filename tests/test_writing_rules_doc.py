"""The worked example of docs/writing-rules.md, run from the page itself."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib

from conftest import ROOT
from harness import check_pair, plan_dir

from refactor.ops import OPS
from refactor.rule import Status

DOC = ROOT / "docs" / "writing-rules.md"


def test_the_worked_example_passes_its_before_after_test(tmp_path):
    blocks = dict(re.findall(r"```\w+ title=(\S+)\n(.*?)```", DOC.read_text(), re.S))
    assert set(blocks) == {
        "refactor/ops/warns.py", "fixtures/ops/warns/op.toml",
        "fixtures/ops/warns/before/usr.sbin/bhyve/Makefile",
        "fixtures/ops/warns/after/usr.sbin/bhyve/Makefile"}
    for path, text in blocks.items():
        p = tmp_path / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    spec = importlib.util.spec_from_file_location("doc_example_warns",
                                                  tmp_path / "refactor/ops/warns.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["doc_example_warns"] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)  # @register puts "warns" into OPS
        case = tmp_path / "fixtures/ops/warns"
        table = tomllib.loads((case / "op.toml").read_text())
        op = OPS["warns"].from_mapping(table, "op.toml")
        check_pair(op, case / "before", case / "after")
        assert "level: int (default 6)" in OPS["warns"].doc()
        [res] = plan_dir(OPS["warns"].from_mapping({"makefile": "Makefile"}, "t"),
                         tmp_path).rule_results()
        assert (res.status, res.reason) == (Status.CONFLICT, "Makefile does not exist")
    finally:
        OPS.pop("warns", None)
        sys.modules.pop("doc_example_warns", None)
