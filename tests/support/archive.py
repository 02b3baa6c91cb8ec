"""Shared helpers for the archive tests: deterministic synthetic sessions written through SessionWriter."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from forcelab.analysis.types import Event, Metric, TrialResult
from forcelab.devices.calibration import Calibration
from forcelab.devices.types import SampleBlock
from forcelab.storage.writer import SessionInfo, SessionWriter

RATE = 2000.0
CHANNELS = 8
GAIN = np.linspace(0.010, 0.017, CHANNELS)
OFFSET = np.linspace(-5.0, 5.0, CHANNELS)
CHANNEL_MAP = {"left": [0, 1, 2, 3], "right": [4, 5, 6, 7]}


def counts_for(rows: np.ndarray) -> np.ndarray:
    """Deterministic raw counts for absolute stream rows: anyone can recompute what must be on disk."""
    r = rows.astype(np.int64)[:, None]
    ch = np.arange(CHANNELS, dtype=np.int64)[None, :]
    return (10000 + 37 * ch + (r * (ch + 3)) % 4093).astype(np.int32)


def block_for(start: int, n: int) -> tuple[SampleBlock, np.ndarray, np.ndarray, np.ndarray]:
    """A block of rows ``[start, start+n)`` and its total/left/right forces."""
    rows = np.arange(start, start + n, dtype=np.uint64)
    counts = counts_for(rows)
    newtons = counts * GAIN + OFFSET
    left = newtons[:, :4].sum(axis=1)
    right = newtons[:, 4:].sum(axis=1)
    block = SampleBlock(rows, rows.astype(np.float64) / RATE, counts)
    return block, left + right, left, right


def info(athlete: str = "Ada Example", tests: tuple[str, ...] = ("cmj",)) -> SessionInfo:
    """Session facts for a two-plate, eight-channel device."""
    return SessionInfo(
        athlete=athlete,
        rate=RATE,
        tests=tests,
        channels=CHANNELS,
        plates=2,
        calibration=Calibration.from_archive(GAIN, OFFSET),
        tester="T. Ester",
        device_model="forcelab-dual",
        device_serial="SN42",
        device_firmware="1.0.0",
        channel_map=CHANNEL_MAP,
        source="test",
    )


def result_for(number: int, *, peak: float = 2000.0) -> TrialResult:
    """A small analysis result with a metric, an event and a flag."""
    r = TrialResult(test="cmj", rate=RATE, params={"weighing_window_s": 1.0})
    r.add_metric(Metric("peak_force", peak + number, "N", "max", {"filter": "none"}, "ref A"))
    r.add_metric(Metric("peak_force_asymmetry", 3.0 * number, "%", "si", {}, "Bishop 2018"))
    r.add_metric(Metric("jump_height_takeoff_velocity", None, "m", "impulse", {}, "ref B", reason="no take-off"))
    r.add_event(Event("onset", 120, RATE, "5sd"))
    r.add_event(Event("takeoff", None, RATE, "20N", reason="never left the plate"))
    r.flag("weighing_unsteady", "body weight varied by 3 %")
    return r


def write_session(
    path: Path,
    *,
    athlete: str = "Ada Example",
    trials: int = 3,
    trial_rows: int = 3000,
    gap_rows: int = 1000,
    block: int = 100,
) -> Path:
    """A complete session with ``trials`` trials, results and decisions (trial 2 rejected)."""
    w = SessionWriter(path, info(athlete))
    row = 0

    def feed(n: int) -> None:
        nonlocal row
        for s in range(0, n, block):
            b, t, lft, rgt = block_for(row, min(block, n - s))
            w.append(b, t, lft, rgt)
            row += b.n

    for k in range(1, trials + 1):
        feed(gap_rows)
        num = w.begin_trial("cmj")
        feed(trial_rows)
        w.end_trial(num)
        w.store_result(num, result_for(num))
        w.set_decision(num, k != 2, "stumbled" if k == 2 else "")
    feed(gap_rows)
    w.close()
    return path


#: The hop series of :func:`rebound_session`: ten hops, hop 4 a long (slow) contact, hop 7 a double contact.
REBOUND_CONTACT_TIMES = (0.20, 0.18, 0.21, 0.30, 0.19, 0.17, 0.22, 0.20, 0.23, 0.19)
REBOUND_JUMP_HEIGHTS = (0.20, 0.22, 0.19, 0.25, 0.21, 0.23, 0.18, 0.20, 0.17, 0.21)
REBOUND_DOUBLE_CONTACTS = {7: 0.012}


def rebound_session(folder: Path, archive: Path, *, athlete: str = "Hopper", started: datetime | None = None,
                    recorded_as: str = "rebound", **settings: Any) -> Path:
    """A real session file in ``archive`` holding one simulated repeated-hop trial (two plates, 1 kHz, light
    noise; the hops of :data:`REBOUND_CONTACT_TIMES`), imported from a plain CSV written into ``folder`` through
    :func:`forcelab.storage.importer.import_file` with the real analysis: what ``forcelab import --test rebound``
    makes of a recording; ``settings`` (archive keys, e.g. ``best_hops=3``) are passed to the analysis.
    ``recorded_as`` is the test the trial was recorded as (``cmj``: a hop series the tester then confirmed as the
    repeated-hop test; the analysis is the repeated-hop test's either way)."""
    from forcelab.analysis.dispatch import analyze
    from forcelab.simulation import synthetic
    from forcelab.storage.importer import import_file

    trace = synthetic.rebound(contact_times=REBOUND_CONTACT_TIMES, jump_heights=REBOUND_JUMP_HEIGHTS,
                              double_contacts=REBOUND_DOUBLE_CONTACTS, noise_sd=1.0, seed=3, asymmetry=0.04).trace
    assert trace.left is not None and trace.right is not None
    source = folder / f"{athlete.replace(' ', '_')}_hops.csv"
    t = np.arange(trace.n) / trace.rate
    np.savetxt(source, np.column_stack([t, trace.left, trace.right]), delimiter=",", header="time,left,right",
               comments="", fmt="%.6f")
    return import_file(source, archive=archive, athlete=athlete, test=recorded_as, started=started,
                       analyze=lambda tr, _test: analyze(tr, "rebound", **settings))
