"""``forcelab record``: record a session headless from a device or the simulated plates.

Connects (``--port`` or ``--simulate``), archives every sample as it arrives (flushed at least every
0.25 s), detects and analyses trials, prints each trial's key metrics as it lands, and stops after
``--seconds`` or ``--trials``. Ctrl-C stops cleanly and keeps the session.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from forcelab.analysis import catalog
from forcelab.analysis.balance import CONDITIONS, STANCES
from forcelab.cli import CliError, out
from forcelab.storage import bridge

#: The tests ``--test`` takes: those whose trials the recorder finds online (a ``record`` detection in
#: forcelab.analysis.catalog).
TESTS = catalog.keys(lambda e: e.recordable)

KEY_METRICS = {
    "cmj": ("jump_height_takeoff_velocity", "jump_height_flight_time", "rsi_modified", "peak_force",
            "peak_force_asymmetry"),
    "sj": ("jump_height_takeoff_velocity", "jump_height_flight_time", "peak_force", "peak_force_asymmetry"),
    "dj": ("jump_height_flight_time", "rsi", "contact_time", "peak_force"),
    "imtp": ("peak_force", "rfd_0_100ms", "force_at_200ms", "peak_force_asymmetry"),
    "rebound": ("hop_count", "rsi_best5_mean", "contact_time_best5_mean", "jump_height_best5_mean"),
    "landing": ("peak_landing_force_bw", "time_to_stabilisation", "loading_rate", "peak_landing_force"),
    "balance": ("cop_path_length", "cop_mean_velocity", "cop_ellipse_area", "balance_duration"),
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``record`` subcommand."""
    p = subparsers.add_parser("record", help="record a session headless from a device or the simulator")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--port", help="serial port of the plates (e.g. /dev/ttyACM0)")
    src.add_argument("--simulate", action="store_true", help="record from built-in simulated plates")
    p.add_argument("--athlete", required=True, help="athlete name")
    p.add_argument("--test", required=True, choices=TESTS)
    stop = p.add_mutually_exclusive_group()
    stop.add_argument("--seconds", type=float, help="stop after this many seconds")
    stop.add_argument("--trials", type=int, help="stop after this many trials")
    p.add_argument("--rate", type=float, default=1000.0, help="sample rate of the simulated plates in Hz (default 1000)")
    p.add_argument("--profile", default="forcelab-dual-plate",
                   help="device profile: channel map and plates (default forcelab-dual-plate)")
    p.add_argument("--load-kg", type=float, metavar="KG", dest="load_kg",
                   help="external load of a loaded CMJ or squat jump (barbell, vest), kg; kept with every trial")
    p.add_argument("--limb", choices=("left", "right"),
                   help="single-leg tests: the leg that jumps (default: the loaded plate of two)")
    p.add_argument("--drop-height", type=float, metavar="M", dest="drop_height",
                   help="drop jumps and drop landings: the box height in metres; kept with every trial")
    p.add_argument("--condition", choices=CONDITIONS, help="balance: eyes open or closed; kept with every trial")
    p.add_argument("--stance", choices=STANCES, help="balance: two-leg (bipedal), one leg, tandem; kept with every "
                   "trial")
    p.add_argument("--duration", type=float, metavar="S",
                   help=f"balance: how long each trial lasts from the settled start, s (default "
                   f"{catalog.BALANCE_DURATION:g})")
    p.add_argument("--tester", default="", help="who ran the session")
    p.add_argument("--archive", help="archive folder (default: $FORCELAB_ARCHIVE, else the user data directory)")
    p.set_defaults(func=run)




def _fmt(name: str, m: dict[str, Any]) -> str:
    """``name = value unit`` (a ratio's ``1`` and a count's ``count`` show no unit: labels.unit_text)."""
    from forcelab.analysis.labels import unit_text

    v = m.get("value")
    return f"{name} = {'not found' if v is None else f'{v:.4g}'} {unit_text(m.get('unit', ''))}".rstrip()


def key_metrics(test: str, metrics: dict[str, dict[str, Any]], limit: int = 4) -> list[str]:
    """The few metrics worth a line for ``test`` (the first found of the preferred list, else the first ones)."""
    names = [n for n in KEY_METRICS.get(test, ()) if n in metrics][:limit] or list(metrics)[:limit]
    return [_fmt(n, metrics[n]) for n in names]


def _tester_inputs(args: argparse.Namespace, test: catalog.TestEntry) -> dict[str, Any]:
    """``--drop-height``, ``--condition``, ``--stance``, ``--duration`` as the analysis' keywords, each checked
    against the tests it applies to (the catalogue entry's ``inputs``)."""
    given = {"drop_height": args.drop_height, "condition": args.condition, "stance": args.stance,
             "duration": args.duration}
    inputs: dict[str, Any] = {}
    for name, value in given.items():
        if value is None:
            continue
        option = "--" + name.replace("_", "-")
        if name not in test.inputs:
            which = ", ".join(k for k, e in catalog.CATALOG.items() if name in e.inputs)
            raise CliError(f"{option} applies to --test {which}, not to --test {test.key}")
        if isinstance(value, float) and not (0 < value < float("inf")):
            raise CliError(f"{option} must be a positive number, got {value:g}")
        inputs[name] = value
    if "duration" in test.inputs and "duration" not in inputs and test.record is not None:
        inputs["duration"] = test.record.thresholds["duration"]  # measured as long as the trial is cut
    return inputs


def run(args: argparse.Namespace) -> int:  # noqa: C901 - one linear story: connect, record, close
    """Record until ``--seconds``/``--trials`` or Ctrl-C."""
    from forcelab.acquisition.connect import open_device, trial_detector
    from forcelab.cli.archive import open_index, publish
    from forcelab.devices.profiles import ProfileError
    from forcelab.devices.serial_transport import TransportError
    from forcelab.storage.archive import archive_dir
    from forcelab.storage.publish import publish_pending
    from forcelab.storage.recorder import EngineRecorder, plate_columns, session_info_from
    from forcelab.storage.session import open_session
    from forcelab.storage.spool import new_spooled_path
    from forcelab.storage.writer import ArchiveWriteError, SessionWriter

    if args.seconds is None and args.trials is None:
        raise CliError("give --seconds S or --trials N (or stop with Ctrl-C after giving one)")
    if (args.seconds is not None and not args.seconds > 0) or (args.trials is not None and args.trials < 1):
        raise CliError("--seconds must be positive and --trials at least 1")
    from functools import partial

    test = catalog.entry(args.test)
    assert test.record is not None  # the --test choices are the recordable tests
    inputs: dict[str, Any] = {}  # the tester's trial inputs, kept with every trial
    load = None
    if args.load_kg is not None:
        from forcelab.cli.analyze import load_kg

        load = inputs["load_mass"] = load_kg(args.load_kg, args.test)
    if args.limb is not None:
        from forcelab.analysis.single_leg import SINGLE_LEG_TESTS

        if args.test not in SINGLE_LEG_TESTS:
            raise CliError(f"--limb applies to single-leg tests ({', '.join(SINGLE_LEG_TESTS)}), not to --test "
                           f"{args.test}")
        inputs["limb"] = args.limb
    inputs.update(_tester_inputs(args, test))
    analyze: Any = partial(bridge.analyze, **inputs) if inputs else bridge.analyze
    kind, thresholds = test.record.setup()
    if "duration" in inputs:  # the stance lasts what the tester asked: the detector cuts it, the analysis measures it
        thresholds["duration"] = inputs["duration"]
    detector = trial_detector(kind, **thresholds)
    archive = archive_dir(args.archive)
    out(f"archive: {archive}")
    try:
        with open_index(archive) as index:  # repairs the index after a crash of an earlier recording
            waiting = publish_pending(archive, index=index)  # sessions an earlier run could not publish
            report = index.sync()
    except CliError as exc:  # the database is down: record all the same, the session waits in the spool
        sys.stderr.write(f"forcelab: warning: {exc}; recording anyway, published when the index is back\n")
    else:
        for p in waiting.published:
            out(f"published waiting session: {p}")
        if waiting.message():
            sys.stderr.write(f"forcelab: warning: {waiting.message()}\n")
        if report.incomplete + waiting.incomplete:
            out(f"index: {report.incomplete + waiting.incomplete} session(s) found incomplete "
                "(a recorder stopped abnormally)")
    sim = None
    port = args.port
    if args.simulate:
        from forcelab.cli.simulate import (
            LOAD_CELL_PEAK_N,
            LOAD_CELL_REST_KG,
            SINGLE_LEG,
            SINGLE_LEG_JUMP_M,
            simulated_test,
            single_leg_asymmetry,
        )
        from forcelab.simulation.motion import Script
        from forcelab.simulation.simulator import SimulatedPlates

        n = args.trials if args.trials is not None else max(1, int((args.seconds or 10) // 8))
        sim_test, load_cell = simulated_test(args.test)
        if sim_test == "balance":  # quiet stance: step on, stand (swaying) a little longer than a trial, step off
            n = 0
        # the simulated athlete (75 kg) holds the load: the plates see the system; a load cell rests at 4.9 N
        mass = LOAD_CELL_REST_KG if load_cell else 75.0 + (load or 0.0)
        steps: list[tuple[str, dict[str, float]]] = [
            (sim_test, {"peak_force": LOAD_CELL_PEAK_N} if load_cell else {}) for _ in range(n)]
        if args.test in SINGLE_LEG:  # one leg on one plate: the named one, else left and right in turn
            for k, (_, step_params) in enumerate(steps):
                step_params.update(jump_height=SINGLE_LEG_JUMP_M, asymmetry=single_leg_asymmetry(
                    args.limb or ("left" if k % 2 == 0 else "right")))
        if "drop_height" in inputs:  # the simulated athlete drops from the box the tester named
            for _, step_params in steps:
                step_params["drop_height"] = inputs["drop_height"]
        stand = thresholds["duration"] + 4.0 if sim_test == "balance" else 2.0  # settling (2 s) and a margin
        sim = SimulatedPlates(rate=args.rate, channels=8, noise=2.0, seed=1, body_mass=mass,
                              script=Script(trials=tuple(steps), stand=stand, pause=4.0, repeat=True))
        sim.start()
        port = sim.port
    try:
        engine = open_device(port, protocol="binary", profile=args.profile, rate=args.rate if sim else None,
                             detector_factory=detector)
    except (TransportError, ProfileError) as exc:
        if sim is not None:
            sim.stop()
        raise CliError(str(exc)) from exc
    info = session_info_from(engine, athlete=args.athlete, tests=[args.test], tester=args.tester,
                             source="simulator" if sim else f"device:{port}")
    assert info.started is not None
    path = new_spooled_path(archive, args.athlete, [args.test], info.started)  # local; published when closed
    writer = SessionWriter(path, info)
    recorder = EngineRecorder(writer, engine.columns, test=args.test, analyze=analyze,
                              plates=plate_columns(engine))
    engine.add_block_listener(recorder.on_block)
    engine.add_trial_listener(recorder.on_trial)
    out(f"recording: {path}")  # in this station's spool; published to the archive when it closes
    trials = 0
    try:
        engine.start()
        deadline = None if args.seconds is None else time.monotonic() + args.seconds
        while (deadline is None or time.monotonic() < deadline) and (args.trials is None or trials < args.trials):
            for rec in recorder.pump(timeout=0.1):
                trials += 1
                if rec.result is None:
                    out(f"trial {rec.number}: kept, not analysed ({rec.error})")
                else:
                    metrics = {k: m.to_dict() for k, m in rec.result.metrics.items()}
                    out(f"trial {rec.number}: " + "; ".join(key_metrics(args.test, metrics)))
                    for flag in rec.result.flags:
                        out(f"  flag {flag.code}: {flag.message}")
            recorder.poll()
            if recorder.error is not None:
                break
    except KeyboardInterrupt:
        out("stopped by Ctrl-C")
    except ArchiveWriteError as exc:
        recorder.error = exc
    finally:
        engine.stop()
        if sim is not None:
            sim.stop()
    if recorder.error is not None:
        recorder.close()
        sys.stderr.write(f"forcelab: error: {recorder.error}\n")
        sys.stdout.flush()
        sys.stderr.flush()
        # HDF5 2.0 can crash at interpreter shutdown after a failed write; what is on disk is safe.
        os._exit(1)
    recorder.close()
    session = open_session(path, load_analysis=True)  # read before publishing moves the file
    where = publish(archive, path)
    out(f"session: {where}")
    out(f"saved {len(session.trials)} trials, {session.stream_rows / session.rate:.1f} s: {where}")
    return 0
