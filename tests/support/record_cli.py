"""``forcelab record`` as a real process, for the tests that record a session from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

RUNNER = """
import argparse, sys
from forcelab.cli import CliError, record
p = argparse.ArgumentParser(prog="forcelab")
record.register(p.add_subparsers())
a = p.parse_args(sys.argv[1:])
try:
    sys.exit(a.func(a))
except CliError as e:
    sys.stderr.write(f"forcelab: error: {e}\\n"); sys.exit(2)
"""


def record_command(archive: Path, *extra: str, athlete: str = "Sim Athlete", test: str = "cmj",
                   port: str | None = None) -> list[str]:
    """The command line of ``forcelab record --simulate`` (or ``--port PORT``, a device such as ``forcelab
    simulate``'s pty) into ``archive`` (``extra``: more options)."""
    source = ["--simulate"] if port is None else ["--port", port]
    return [sys.executable, "-c", RUNNER, "record", *source, "--athlete", athlete, "--test", test,
            "--archive", str(archive), *extra]
