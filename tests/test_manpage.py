"""refactor.1 must be clean under the real mandoc -Tlint."""

import shutil
import subprocess
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "refactor" / "man" / "refactor.1"


def lint(page: Path) -> list[str]:
    res = subprocess.run(["mandoc", "-Tlint", "-W", "style", str(page)],
                         capture_output=True, text=True)
    lines = (res.stdout + res.stderr).splitlines()
    # Whether git-am(1) etc. are installed says nothing about this page.
    return [ln for ln in lines
            if "referenced manual not found" not in ln and "mandoc.db" not in ln]


def test_refactor_1_is_lint_clean():
    # ./dev test installs mandoc; the suite needs the real one.
    assert shutil.which("mandoc"), "mandoc is not installed"
    assert lint(PAGE) == []
