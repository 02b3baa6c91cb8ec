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
from datetime import datetime
from typing import Any

from forcelab.cli import CliError
from forcelab.storage import bridge

KEY_METRICS = {
    "cmj": ("jump_height_takeoff_velocity", "jump_height_flight_time", "rsi_modified", "peak_force",
            "peak_force_asymmetry"),
    "sj": ("jump_height_takeoff_velocity", "jump_height_flight_time", "peak_force", "peak_force_asymmetry"),
    "dj": ("jump_height_flight_time", "rsi", "contact_time", "peak_force"),
    "imtp": ("peak_force", "rfd_0_100ms", "force_at_200ms", "peak_force_asymmetry"),
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``record`` subcommand."""
    p = subparsers.add_parser("record", help="record a session headless from a device or the simulator")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--port", help="serial port of the plates (e.g. /dev/ttyACM0)")
    src.add_argument("--simulate", action="store_true", help="record from built-in simulated plates")
    p.add_argument("--athlete", required=True, help="athlete name")
    p.add_argument("--test", required=True, choices=bridge.TESTS)
    stop = p.add_mutually_exclusive_group()
    stop.add_argument("--seconds", type=float, help="stop after this many seconds")
    stop.add_argument("--trials", type=int, help="stop after this many trials")
    p.add_argument("--rate", type=float, default=1000.0, help="sample rate in Hz (default 1000)")
    p.add_argument("--tester", default="", help="who ran the session")
    p.add_argument("--archive", help="archive folder (default: $FORCELAB_ARCHIVE, else the user data directory)")
    p.set_defaults(func=run)


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _fmt(name: str, m: dict[str, Any]) -> str:
    v = m.get("value")
    return f"{name} = {'not found' if v is None else f'{v:.4g}'} {m.get('unit', '')}".rstrip()


def key_metrics(test: str, metrics: dict[str, dict[str, Any]], limit: int = 4) -> list[str]:
    """The few metrics worth a line for ``test`` (the first found of the preferred list, else the first ones)."""
    names = [n for n in KEY_METRICS.get(test, ()) if n in metrics][:limit] or list(metrics)[:limit]
    return [_fmt(n, metrics[n]) for n in names]


def _dual_plate_map() -> Any:
    from forcelab.acquisition.plates import PlateLayout, PlateMap

    cells = ((-0.2, 0.3), (0.2, 0.3), (0.2, -0.3), (-0.2, -0.3))
    return PlateMap(8, (PlateLayout("left", (0, 1, 2, 3), cells), PlateLayout("right", (4, 5, 6, 7), cells)))


def _detector_factory(test: str) -> Any:
    try:
        from forcelab.analysis.segmentation import OnlineTrialDetector
    except ImportError:
        return None
    kind = "pull" if test == "imtp" else "jump"
    return lambda rate: OnlineTrialDetector(rate, kind=kind)


def run(args: argparse.Namespace) -> int:  # noqa: C901 - one linear story: connect, record, close
    """Record until ``--seconds``/``--trials`` or Ctrl-C."""
    from forcelab.acquisition.calibration import Calibration as AcqCalibration
    from forcelab.acquisition.engine import AcquisitionEngine
    from forcelab.devices.binary_decoder import BinaryDecoder
    from forcelab.devices.protocol import Start, encode_command
    from forcelab.devices.serial_transport import SerialTransport, TransportError
    from forcelab.storage.archive import archive_dir, new_session_path
    from forcelab.storage.index import ArchiveIndex
    from forcelab.storage.recorder import EngineRecorder, archive_calibration
    from forcelab.storage.session import open_session
    from forcelab.storage.writer import ArchiveWriteError, SessionInfo, SessionWriter

    if args.seconds is None and args.trials is None:
        raise CliError("give --seconds S or --trials N (or stop with Ctrl-C after giving one)")
    if (args.seconds is not None and not args.seconds > 0) or (args.trials is not None and args.trials < 1):
        raise CliError("--seconds must be positive and --trials at least 1")
    detector = _detector_factory(args.test)
    if detector is None and args.trials is not None:
        raise CliError("online trial detection is not available in this build; record with --seconds")
    archive = archive_dir(args.archive)
    _out(f"archive: {archive}")
    with ArchiveIndex(archive) as index:  # repairs the index after a crash of an earlier recording
        report = index.sync()
    if report.incomplete:
        _out(f"index: {report.incomplete} session(s) found incomplete (a recorder stopped abnormally)")
    plate_map = _dual_plate_map()
    sim = None
    model, serial, firmware = "", "", ""
    if args.simulate:
        from forcelab.devices.sim_motion import Script
        from forcelab.devices.simulator import SimulatedPlates

        n = args.trials if args.trials is not None else max(1, int((args.seconds or 10) // 6))
        sim = SimulatedPlates(rate=args.rate, channels=8, noise=2.0, seed=1,
                              script=Script(trials=tuple(args.test for _ in range(n)), pause=4.0, repeat=True),
                              autostart=True)
        sim.start()
        port = sim.port
        cal = AcqCalibration(tuple(sim.calibration.gains), tuple(sim.calibration.offsets),
                             device_serial=sim.serial, source="device")
        model, serial, firmware = sim.model, sim.serial, "simulator"
    else:
        port = args.port
        cal = AcqCalibration.identity(8)
    started = datetime.now().astimezone()
    path = new_session_path(archive, args.athlete, [args.test], started)
    info = SessionInfo(
        athlete=args.athlete, rate=args.rate, tests=[args.test], channels=8, plates=2,
        calibration=archive_calibration(cal.gains, cal.offsets), tester=args.tester, device_model=model,
        device_serial=serial, device_firmware=firmware,
        channel_map={"left": [0, 1, 2, 3], "right": [4, 5, 6, 7]}, started=started,
        source="simulator" if sim else f"device:{port}",
    )
    start_cmd = encode_command(Start())

    def start_streaming(t: SerialTransport) -> None:
        time.sleep(0.5)  # opening the port resets an Arduino-class board: bytes sent while it boots are lost
        t.write(start_cmd)

    transport = SerialTransport(port, reconnect_interval=0.2, silent_after=1.0,
                                on_connect=None if sim is not None else start_streaming)
    engine = AcquisitionEngine(transport, BinaryDecoder(8), rate=args.rate, plate_map=plate_map, calibration=cal,
                               ring_seconds=120.0, detector_factory=detector, status_interval=1.0)
    writer = SessionWriter(path, info)
    recorder = EngineRecorder(writer, engine.columns, test=args.test, analyze=bridge.analyze)
    engine.add_block_listener(recorder.on_block)
    engine.add_trial_listener(recorder.on_trial)
    _out(f"session: {path}")
    trials = 0
    try:
        try:
            engine.start()
        except TransportError as exc:
            raise CliError(str(exc)) from exc
        deadline = None if args.seconds is None else time.monotonic() + args.seconds
        while (deadline is None or time.monotonic() < deadline) and (args.trials is None or trials < args.trials):
            for rec in recorder.pump(timeout=0.1):
                trials += 1
                if rec.result is None:
                    _out(f"trial {rec.number}: kept, not analysed ({rec.error})")
                else:
                    metrics = {k: m.to_dict() for k, m in rec.result.metrics.items()}
                    _out(f"trial {rec.number}: " + "; ".join(key_metrics(args.test, metrics)))
                    for flag in rec.result.flags:
                        _out(f"  flag {flag.code}: {flag.message}")
            recorder.poll()
            if recorder.error is not None:
                break
    except KeyboardInterrupt:
        _out("stopped by Ctrl-C")
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
    session = open_session(path)
    with ArchiveIndex(archive) as index:
        index.add_session(session)
    _out(f"saved {len(session.trials)} trials, {session.stream_rows / session.rate:.1f} s: {path}")
    return 0
