"""``forcelab`` with no command (or ``forcelab app``): the desktop app."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add ``forcelab app [--demo] [--archive DIR]``."""
    p = subparsers.add_parser("app", help="open the desktop app (the same as running forcelab alone)")
    p.add_argument("--archive", help="archive folder (default: $FORCELAB_ARCHIVE or the user data folder)")
    p.add_argument("--demo", action="store_true", dest="app_demo", help="start on simulated plates")
    p.set_defaults(func=run_app)


def run_app(args: argparse.Namespace) -> int:
    """Open the main window; ``--demo`` connects the simulated plates at once."""
    from forcelab.gui.app import run

    demo = bool(getattr(args, "demo", False) or getattr(args, "app_demo", False))
    return run(archive=getattr(args, "archive", None), demo=demo)
