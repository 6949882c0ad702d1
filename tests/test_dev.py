"""The README's quick start: after `eval "$(./dev env)"`, refactor and its manual are found."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import ROOT


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "refactor").exists(),
                    reason="needs the .venv that ./dev makes")
def test_dev_env_puts_refactor_and_its_manual_on_the_path(tmp_path):
    script = f'eval "$({ROOT}/dev env)"; cd {tmp_path}; command -v refactor; refactor --version; '
    if shutil.which("man"):
        script += "man -w refactor"
    res = subprocess.run(["sh", "-c", script], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == str(ROOT / ".venv" / "bin" / "refactor")
    assert lines[1].startswith("refactor ")
    if shutil.which("man"):
        assert lines[2].endswith("refactor.1")
