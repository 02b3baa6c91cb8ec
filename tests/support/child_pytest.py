"""Run one test in a fresh Python process: for what a process fixes once and for all at start.

Which sound server QtMultimedia talks to, or whether a module can be imported at all, is decided the first
time the process needs it, so a test of "no audio device" or "PySide6-Addons not installed" cannot share a
process with tests that have them. :func:`run_child` runs ``pytest NODEID`` in a new interpreter with extra
environment variables and, with ``block=``, modules that really cannot be imported there (a finder placed
first on ``sys.meta_path`` before pytest starts raises ``ModuleNotFoundError`` for them, as a missing wheel
would). The child's tests check ``CHILD_FLAG`` so that run on their own they skip instead of failing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD_FLAG = "FORCELAB_TEST_CHILD"

_LAUNCH = """
import importlib.abc, sys
BLOCKED = {blocked!r}

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked by the test)", name=name)
        return None

sys.meta_path.insert(0, Blocked())
import pytest
sys.exit(pytest.main(sys.argv[1:]))
"""


def run_child(nodeid: str, basetemp: Path, env: dict[str, str] | None = None, block: tuple[str, ...] = (),
              timeout: float = 240.0) -> subprocess.CompletedProcess[str]:
    """``pytest -q NODEID`` (relative to the repository root) in a new interpreter; its own temp folder is
    ``basetemp``. Returns the finished process (output as text, stderr folded into stdout)."""
    child_env = {**os.environ, **(env or {}), CHILD_FLAG: "1"}
    cmd = [sys.executable, "-c", _LAUNCH.format(blocked=set(block)), "-q", "-p", "no:cacheprovider",
           f"--basetemp={basetemp}", nodeid]
    return subprocess.run(cmd, cwd=ROOT, env=child_env, capture_output=False, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)
