"""``forcelab monitor``: connect to a plate and print its health once a second.

What a person setting up a plate runs first: achieved sample rate, samples, lost samples, CRC errors,
malformed frames, link state and the mean force of each channel over the last second. ``--list``
shows the serial ports the system sees (device, VID:PID, serial number, description).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from forcelab.acquisition.connect import PROTOCOLS, open_device
from forcelab.acquisition.engine import AcquisitionEngine
from forcelab.cli import CliError, out
from forcelab.devices.serial_transport import TransportError, list_serial_ports


def register(subparsers: Any) -> None:
    """Add the ``monitor`` subcommand."""
    p = subparsers.add_parser(
        "monitor",
        help="connect to a device and print rate, losses, errors and mean force per channel each second",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--port", help="serial port (e.g. /dev/ttyACM0, COM3, or the simulator's pty)")
    where.add_argument("--serial-number", help="open the USB device with this serial number")
    where.add_argument("--list", action="store_true", help="list serial ports and exit")
    p.add_argument("--seconds", type=float, default=None, help="stop after this many seconds (default: Ctrl-C)")
    p.add_argument("--protocol", choices=PROTOCOLS, default=None,
                   help="wire protocol (default: the profile's, else binary)")
    p.add_argument("--profile", help="device profile name (channel map, plates, default calibration)")
    p.add_argument("--rate", type=float, default=None, help="sample rate in Hz when the device does not say")
    p.set_defaults(func=run)


def _line(engine: AcquisitionEngine, elapsed: float) -> str:
    st = engine.status()
    nch = engine.plate_map.channels
    rows = engine.ring.latest(max(1, int(engine.rate)))
    f0 = engine.column("f0")
    if rows.shape[0]:
        means = np.nanmean(rows[:, f0 : f0 + nch], axis=0)
        forces = " ".join(f"{m:8.1f}" for m in means)
        total = f"{float(np.mean(rows[:, engine.column('total')])):8.1f}"
    else:
        forces = " ".join(f"{'-':>8}" for _ in range(nch))
        total = f"{'-':>8}"
    return (f"{elapsed:6.0f} s  {st.state:<12} {st.achieved_rate:8.1f} Hz {st.samples:>10,} "
            f"{st.lost_samples:>7,} {st.crc_errors:>5} {st.malformed:>5}  {total} | {forces}")


def run(args: argparse.Namespace) -> int:
    """Run the monitor; returns the exit code (0, or 1 when samples were lost or damaged)."""
    if args.list:
        ports = list_serial_ports()
        if not ports:
            out("no serial ports found")
        for p in ports:
            out(p.summary())
        return 0
    if not args.port and not args.serial_number:
        raise CliError("give --port PORT or --serial-number SN (or --list to see the ports)")
    if args.seconds is not None and not args.seconds > 0:
        raise CliError(f"--seconds must be positive, got {args.seconds}")
    if args.rate is not None and not args.rate > 0:
        raise CliError(f"--rate must be positive, got {args.rate}")
    try:
        engine = open_device(args.port, serial_number=args.serial_number, protocol=args.protocol,
                             profile=args.profile, rate=args.rate)
    except TransportError as exc:
        raise CliError(str(exc)) from exc
    info = engine.device_info
    out(f"{info.get('port', args.port)}: {info.get('model', info.get('protocol', ''))} "
          f"SN {info.get('serial') or '?'}, {engine.plate_map.channels} channels at {engine.rate:g} Hz, "
          f"calibration: {engine.calibration.source}")
    nch = engine.plate_map.channels
    out(f"{'time':>8}  {'state':<12} {'rate':>11} {'samples':>10} {'lost':>7} {'crc':>5} {'bad':>5}  "
          f"{'total N':>8} | " + " ".join(f"{'ch' + str(i) + ' N':>8}" for i in range(nch)))
    engine.start()
    t0 = time.monotonic()
    try:
        next_print = t0 + 1.0
        while args.seconds is None or time.monotonic() - t0 < args.seconds:
            time.sleep(max(0.0, min(next_print, t0 + (args.seconds or 1e12)) - time.monotonic()))
            now = time.monotonic()
            if now >= next_print:
                out(_line(engine, now - t0))
                next_print += 1.0
    except KeyboardInterrupt:
        pass
    finally:
        engine.stop()
    st = engine.status()
    gaps = engine.gaps()
    out(f"total: {st.samples:,} samples, {st.lost_samples:,} lost, {st.crc_errors} CRC errors, "
          f"{st.malformed} malformed, {st.reconnects} reconnects, {len(gaps)} gaps")
    for msg in st.messages:
        out(f"device said: {msg}")
    return 1 if st.lost_samples or st.crc_errors or st.malformed or gaps else 0
