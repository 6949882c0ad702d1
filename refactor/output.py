"""What the commands write for the user: JSON on stdout, and where output goes by default.

Its own module so that cli.py (which parses arguments) and the commands it
runs do not import each other.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def dump_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


def default_out(recipe: str) -> Path:
    return Path("refactor-out") / recipe
