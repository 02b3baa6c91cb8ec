"""``forcelab analyze FILE``: read a force recording, find every trial in it, analyse each, print the results.

The file is read by :func:`forcelab.storage.readers.read_force_file` (plain CSV and the layouts of other
programs), the trials are found by :func:`forcelab.analysis.segmentation.find_trials`, and each one is
analysed by :func:`forcelab.analysis.dispatch.analyze`. The output is a table of the key metrics (every
metric with ``--all-metrics``) or, with ``--json``, exactly one JSON document on stdout.

Anything wrong with the user's input (the file, the options, a recording without a trial) becomes a
:class:`forcelab.cli.CliError`: one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from forcelab.analysis.catalog import ANALYSABLE
from forcelab.analysis.isometric_tests import ISOMETRIC_TESTS, is_isometric, segmentation
from forcelab.analysis.single_leg import SINGLE_LEG_TESTS
from forcelab.analysis.types import ForceTrace
from forcelab.cli import CliError, plate_numbers
from forcelab.cli.output import AnalysedTrial, FileReport, format_table, report_to_json
from forcelab.storage.readers import LAYOUT_HELP, LAYOUTS, ForceFileError, Recording, read_force_file

log = logging.getLogger(__name__)

#: Test types the command accepts: every test the analysis takes (forcelab.analysis.catalog: the jumps, the
#: isometric definitions, the single-leg jumps, the drop landing, balance, which needs cop_x, cop_y columns);
#: ``auto`` lets the analysis tell a countermovement from a squat jump etc.
TESTS: tuple[str, ...] = ("auto", *ANALYSABLE)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``analyze`` subcommand."""
    layouts = "; ".join(f"{k}: {v}" for k, v in LAYOUT_HELP.items())
    p = subparsers.add_parser(
        "analyze",
        help="analyse a force recording (CSV and other programs' exports) and print its metrics",
        description="Find every trial in a force recording, analyse each one and print the key metrics "
        "(or, with --json, one JSON document with every metric, its unit, method, parameters and reference).",
        epilog=f"Layouts: {layouts}.",
    )
    p.add_argument("file", type=Path, metavar="FILE", help="the recording (text file, or C3D)")
    p.add_argument("--test", choices=TESTS, default="auto",
                   help="test type: countermovement jump, squat jump, drop jump, isometric pull, another "
                   "isometric test (iso_squat, iso_belly_press, hip_adduction, hip_abduction, iso_load_cell), or "
                   "auto (detect from the trace; default)")
    p.add_argument("--rate", type=float, metavar="HZ",
                   help="sample rate in Hz; required when the file has no time column, checked against it "
                   "when it has one")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    p.add_argument("--layout", choices=LAYOUTS, default="auto", help="file layout (default: detect)")
    p.add_argument("--force-column", metavar="NAME|N", help="column of the total vertical force (name or 1-based number)")
    p.add_argument("--left-column", metavar="NAME|N", help="column of the left plate's vertical force")
    p.add_argument("--right-column", metavar="NAME|N", help="column of the right plate's vertical force")
    p.add_argument("--trial", type=int, metavar="N",
                   help="which trial of a file holding several trials side by side (wide or PASCO exports)")
    p.add_argument("--plates", type=plate_numbers, metavar="N[,M]",
                   help="plates to read from a C3D or AMTI/Bertec file with more than two (e.g. 1,2)")
    p.add_argument("--filter", type=float, metavar="HZ", dest="filter_hz",
                   help="low-pass filter the force at HZ before analysis (off by default)")
    p.add_argument("--drop-height", type=float, metavar="M",
                   help="box height of a drop jump in metres (gives touchdown velocity and impulse-based height)")
    p.add_argument("--load-kg", type=float, metavar="KG", dest="load_kg",
                   help="external load carried in a CMJ or squat jump (barbell, vest) in kg: the analysis is then "
                   "the system's (athlete + load); weigh with the load")
    p.add_argument("--limb", choices=("left", "right"),
                   help="single-leg tests (sl_cmj, sl_dj): the leg that jumped (default: the loaded plate of two)")
    p.add_argument("--condition", choices=("eyes_open", "eyes_closed"),
                   help="balance: the visual condition the tester noted")
    p.add_argument("--stance", choices=("bipedal", "single_leg_left", "single_leg_right", "tandem"),
                   help="balance: the stance the tester noted")
    p.add_argument("--all-metrics", action="store_true", help="list every metric in the table, not only the key ones")
    p.set_defaults(func=run)


def read(args: argparse.Namespace) -> Recording:
    """Read the file named in ``args``; a bad file or option becomes a :class:`CliError`."""
    try:
        return read_force_file(
            args.file,
            rate=args.rate,
            layout=args.layout,
            force_column=args.force_column,
            left_column=args.left_column,
            right_column=args.right_column,
            trial=args.trial,
            plates=args.plates,
        )
    except ForceFileError as exc:
        raise CliError(str(exc)) from None


def analysis_params(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword parameters for the analysis from the command-line options."""
    params: dict[str, Any] = {}
    if args.filter_hz is not None:
        if not args.filter_hz > 0:
            raise CliError(f"--filter must be a positive cut-off frequency in Hz, got {args.filter_hz:g}")
        params["filter_cutoff"] = float(args.filter_hz)
    if args.drop_height is not None:
        if args.test not in ("dj", "sl_dj", "landing", "auto"):
            raise CliError(f"--drop-height applies to drop jumps and drop landings (--test dj, sl_dj, landing), "
                           f"not to --test {args.test}")
        params["drop_height"] = float(args.drop_height)
    for name in ("condition", "stance"):
        value = getattr(args, name, None)
        if value is not None:
            if args.test != "balance":
                raise CliError(f"--{name} applies to --test balance, not to --test {args.test}")
            params[name] = value
    limb = getattr(args, "limb", None)
    if limb is not None:
        if args.test not in SINGLE_LEG_TESTS:
            raise CliError(f"--limb applies to single-leg tests ({', '.join(SINGLE_LEG_TESTS)}), not to --test "
                           f"{args.test}")
        params["limb"] = limb
    load = getattr(args, "load_kg", None)
    if load is not None:
        params["load_mass"] = load_kg(load, args.test)
    return params


#: The tests that carry an external load (``--load-kg``).
LOADED_TESTS = ("cmj", "sj")


def load_kg(value: float, test: str) -> float:
    """``--load-kg`` checked: a finite number of kilograms >= 0, for a CMJ or squat jump (or ``auto``)."""
    if test not in (*LOADED_TESTS, "auto"):
        raise CliError(f"--load-kg applies to loaded jumps (--test cmj or sj), not to --test {test}")
    if not (value >= 0 and value < float("inf")):
        raise CliError(f"--load-kg must be a load in kilograms, zero or more, got {value:g}")
    return float(value)


#: The event without which an analysis found no trial at all, per test.
KEY_EVENTS: dict[str, str] = {"cmj": "takeoff", "sj": "takeoff", "dj": "takeoff", "imtp": "onset",
                              "rebound": "takeoff_1"}
KEY_EVENTS.update(dict.fromkeys(ISOMETRIC_TESTS, "onset"))
KEY_EVENTS.update(dict.fromkeys(SINGLE_LEG_TESTS, "takeoff"))
KEY_EVENTS["landing"] = "contact"
KEY_EVENTS["balance"] = "balance_start"


def _kind_for(trace: ForceTrace, test: str) -> str:
    """Which segmentation to run: ``pull`` for isometric tests, ``landing`` for the drop landing (an arrival that
    is held, as the live path finds it: forcelab.analysis.segmentation_hold), ``jump`` otherwise (told from the
    trace for auto)."""
    if test == "landing":
        return "landing"
    if test != "auto":
        return "pull" if is_isometric(test) else "jump"
    from forcelab.analysis.detect import detect_test_type

    try:
        detected, _why = detect_test_type(trace)
    except ValueError:
        return "jump"  # each trial found is detected again on its own; a failure there is reported
    return "pull" if detected == "imtp" else "jump"


def analyse_recording(rec: Recording, test: str, params: dict[str, Any]) -> tuple[list[AnalysedTrial], list[str]]:
    """Find the trials of ``rec`` and analyse each; also returns notes about how the trials were found.

    When segmentation finds no trial (a file cut tightly around one jump, with no quiet stance after the
    landing, or one that ends in flight), the whole recording is analysed as one trial and a note says so;
    if that analysis does not find the trial's key event either (take-off, or a pull's onset), the file
    holds no trial and :class:`CliError` says why.
    """
    # Imported here so that ``forcelab --help`` and reading errors do not wait for scipy to load.
    from forcelab.analysis.dispatch import analyze
    from forcelab.analysis.segmentation import find_trials

    trace = rec.trace
    if params.get("filter_cutoff") is not None and params["filter_cutoff"] >= trace.rate / 2:
        raise CliError(
            f"--filter {params['filter_cutoff']:g} Hz is at or above half the sample rate "
            f"({trace.rate / 2:g} Hz); choose a lower cut-off"
        )
    try:
        kind = _kind_for(trace, test)
        segments = find_trials(trace, kind=kind, **(segmentation(test)[1] if kind == "pull" else {}))
    except ValueError as exc:
        raise CliError(f"{rec.source}: {exc}") from None
    notes: list[str] = []
    spans = [(seg.start, seg.end) for seg in segments]
    if not spans:
        spans = [(0, trace.n)]
        notes.append("no trial boundaries found (no quiet stance around a trial); the whole recording was "
                     "analysed as one trial")
    trials = []
    for start, end in spans:
        piece: ForceTrace = trace.slice(start, end)
        try:
            # With "auto", dispatch tells the test from the trial and records what it saw and why.
            result = analyze(piece, test, **params)
        except ValueError as exc:
            where = "" if not segments else f" trial at {start / trace.rate:.2f} s:"
            raise CliError(f"{rec.source}:{where} {exc}") from None
        if not segments:
            key = result.events.get(KEY_EVENTS.get(result.test, ""))
            if key is None or not key.found:
                why = "" if key is None else f": {key.reason}"
                raise CliError(
                    f"{rec.source}: no {result.test} trial found in {trace.duration:.2f} s of force "
                    f"(from {float(trace.total.min()):.0f} to {float(trace.total.max()):.0f} N){why}"
                )
        trials.append(AnalysedTrial(start=start / trace.rate, end=end / trace.rate, start_index=start,
                                    result=result, end_index=end))
    return trials, notes


def _limb_asymmetry(trials: list[AnalysedTrial]) -> list[Any]:
    """The limb asymmetry across the single-leg trials of the file (one test), or nothing."""
    results = [t.result for t in trials]
    if not results or any(r.test not in SINGLE_LEG_TESTS for r in results) or len({r.test for r in results}) > 1:
        return []
    from forcelab.analysis.single_leg import limb_asymmetry

    return limb_asymmetry(results)


def run(args: argparse.Namespace) -> int:
    """Run ``forcelab analyze``; returns the exit code."""
    params = analysis_params(args)
    rec = read(args)
    trials, notes = analyse_recording(rec, args.test, params)
    report = FileReport(
        test=args.test,
        file=rec.source,
        rate=rec.trace.rate,
        layout=rec.layout,
        duration=rec.trace.duration,
        two_plates=rec.trace.has_plates,
        trials=trials,
        notes=(*rec.notes, *notes),
        columns=rec.columns,
        params=params,
        limb_asymmetry=_limb_asymmetry(trials),
    )
    if args.json:
        sys.stdout.write(report_to_json(report) + "\n")
    else:
        sys.stdout.write(format_table(report, all_metrics=args.all_metrics))
    return 0
