"""``forcelab`` with no command opens the app; ``forcelab app --demo`` and ``forcelab --demo`` parse."""

from __future__ import annotations

from forcelab.cli import build_parser
from forcelab.cli.app import run_app


def test_app_subcommand_and_demo_flag_parse() -> None:
    parser = build_parser()
    args = parser.parse_args(["app", "--demo", "--archive", "/tmp/somewhere"])
    assert args.func is run_app and args.app_demo and args.archive == "/tmp/somewhere"
    top = parser.parse_args(["--demo"])
    assert top.demo and getattr(top, "func", None) is None  # main() then calls run_app
