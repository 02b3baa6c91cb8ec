"""The ``forcelab`` command line.

Each subcommand lives in its own module under ``forcelab.cli`` and exposes
``register(subparsers) -> None``, which adds its parser and sets ``func`` (a callable taking the parsed
namespace and returning an exit code). ``forcelab`` with no subcommand starts the desktop app.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from forcelab import __version__

log = logging.getLogger(__name__)

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "forcelab.cli.analyze",
    "forcelab.cli.simulate",
    "forcelab.cli.monitor",
    "forcelab.cli.record",
    "forcelab.cli.archive",
    "forcelab.cli.compare",
    "forcelab.cli.app",
)


#: Help text of every command's ``--archive`` option.
ARCHIVE_HELP = "archive folder (default: $FORCELAB_ARCHIVE, else the user data directory)"
#: Help text of the ``--index`` option every command takes.
INDEX_HELP = ("index database: postgresql://USER@HOST:PORT/DB for a lab's shared index "
              "(default: $FORCELAB_INDEX, else index.sqlite in the archive folder)")


def plate_numbers(text: str) -> list[int]:
    """``--plates 1,2``: one or two 1-based plate numbers (an argparse type)."""
    try:
        plates = [int(p) for p in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not plate numbers (e.g. 1,2)") from None
    if not 1 <= len(plates) <= 2 or min(plates) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give one or two plate numbers from 1, e.g. 1,2")
    return plates


def out(text: object = "") -> None:
    """One line to stdout, flushed (the commands' output; library code logs instead)."""
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


class CliError(Exception):
    """A problem with the user's input: printed as one clear line, exit code 2, no traceback."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="forcelab",
        description="Force-plate testing: live acquisition, jump and isometric analysis, HDF5 archive. "
        "Run with no command to open the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"forcelab {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    parser.add_argument("--demo", action="store_true", help="open the app on simulated plates")
    parser.add_argument("--index", metavar="URL", help=INDEX_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise  # a real missing dependency inside the module must not be hidden
            continue
        module.register(sub)
    for command in sub.choices.values():  # ``forcelab import --index URL ...`` as well as ``forcelab --index URL import``
        command.add_argument("--index", metavar="URL", default=argparse.SUPPRESS, help=INDEX_HELP)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``forcelab`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.index:
        from forcelab.storage.index_backend import INDEX_ENV

        # one place for every command and the app: the index opened anywhere in this process (and in the
        # processes it starts) is the one named here
        os.environ[INDEX_ENV] = args.index
    func = getattr(args, "func", None)
    if func is None:
        app = importlib.import_module("forcelab.cli.app")
        func = app.run_app
    try:
        return int(func(args))
    except CliError as exc:
        sys.stderr.write(f"forcelab: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
