"""Turn a recorded (or crashed) session into its final layout, atomically.

The recording layout is the continuous ``/stream`` plus the ``/journal``. Finalizing replays the journal
and writes one ``/trials/trial_NNN`` group per trial with its samples (virtual datasets: views into the
stream that take no space), its calibration and its analysis, so a trial reads on its own in any HDF5 tool. The new file is written beside the old one
and renamed over it (``os.replace``), so a crash while finalizing leaves the recorded file untouched.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import h5py
import numpy as np

from forcelab.storage import journal, schema
from forcelab.storage.h5open import open_h5_read
from forcelab.storage.trialio import write_result

log = logging.getLogger(__name__)

def finalize(
    path: str | os.PathLike[str], *, complete: bool, extra_trials: Sequence[journal.TrialRecord] = ()
) -> None:
    """Rewrite ``path`` with trial groups; ``complete=False`` for a session recovered after a crash.

    ``extra_trials`` are trials the journal does not know (found in the samples after a crash).
    """
    p = Path(path)
    tmp = p.with_name(p.name + ".finalizing")
    try:
        with open_h5_read(p) as src, h5py.File(tmp, "w", libver="latest") as dst:
            _copy_final(src, dst, complete=complete, extra_trials=extra_trials)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()


def _copy_final(
    src: h5py.File, dst: h5py.File, *, complete: bool, extra_trials: Sequence[journal.TrialRecord]
) -> None:
    for key, value in src.attrs.items():
        dst.attrs[key] = value
    src.copy(src[schema.STREAM], dst, name=schema.STREAM)
    n_valid = int(src[schema.STREAM]["counter"].shape[0])
    if schema.COMMITTED in src:
        n_valid = min(n_valid, int(src[schema.COMMITTED][0]))
    for ds in dst[schema.STREAM].values():
        if ds.shape[0] > n_valid:
            ds.resize(n_valid, axis=0)  # rows past the commit mark may be half written: drop them
    dst.create_dataset(schema.COMMITTED, data=np.array([n_valid], dtype=np.uint64)).attrs["unit"] = "samples"
    src.copy(src[schema.CALIBRATION], dst, name=schema.CALIBRATION)
    jbytes = src[schema.JOURNAL][()].tobytes()
    dst.create_dataset(schema.JOURNAL, data=np.frombuffer(jbytes, dtype=np.uint8), maxshape=(None,),
                       chunks=(65536,), compression="gzip", compression_opts=6)
    rep = journal.replay(journal.decode(jbytes))
    stream = dst[schema.STREAM]
    n_rows = int(stream["counter"].shape[0])
    rate = float(src.attrs["rate"])
    trials = dst.create_group(schema.TRIALS)
    for rec in [*rep.trials, *extra_trials]:
        write_trial_group(trials, stream, rec, rep.calibrations, rate=rate, n_rows=n_rows)
    dst.attrs["n_trials"] = len(rep.trials) + len(extra_trials)
    dst.attrs["complete"] = np.int8(1 if complete else 0)
    if not complete:
        dst.attrs["recovered"] = datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def calibration_for(calibrations: list[journal.CalibrationRecord], row: int) -> journal.CalibrationRecord | None:
    """The calibration in force at stream ``row`` (the last one that starts at or before it)."""
    found = None
    for cal in calibrations:
        if cal.row <= row:
            found = cal
    return found


def _trial_view(g: h5py.Group, name: str, ds: h5py.Dataset, start: int, stop: int) -> h5py.Dataset:
    """Rows ``[start, stop)`` of stream dataset ``ds`` as a virtual dataset (a view: no copy, no space).

    The source is named ``"."`` (this same file), so the view survives renaming or moving the file.
    """
    n = stop - start
    if n <= 0:
        return g.create_dataset(name, shape=(0,) + ds.shape[1:], dtype=ds.dtype)
    layout = h5py.VirtualLayout(shape=(n,) + ds.shape[1:], dtype=ds.dtype)
    source = h5py.VirtualSource(".", ds.name, shape=ds.shape, dtype=ds.dtype)
    layout[:] = source[start:stop]
    return g.create_virtual_dataset(name, layout)


def write_trial_group(
    trials: h5py.Group,
    stream: h5py.Group,
    rec: journal.TrialRecord,
    calibrations: list[journal.CalibrationRecord],
    *,
    rate: float,
    n_rows: int,
) -> h5py.Group:
    """Write ``/trials/trial_NNN`` for ``rec``: sample views, calibration, analysis, decision."""
    start = min(rec.start, n_rows)
    stop = n_rows if rec.stop is None else min(rec.stop, n_rows)
    g = trials.create_group(schema.trial_group_name(rec.number))
    g.attrs["number"] = rec.number
    g.attrs["test"] = rec.test
    g.attrs["start"] = start
    g.attrs["stop"] = stop
    g.attrs["rate"] = rate
    g.attrs["began_at"] = rec.began_at
    g.attrs["complete"] = np.int8(0 if rec.stop is None or rec.stop > n_rows else 1)
    accepted = schema.UNDECIDED if rec.accepted is None else (schema.ACCEPTED if rec.accepted else schema.REJECTED)
    g.attrs["accepted"] = np.int8(accepted)
    g.attrs["note"] = rec.note
    for key, value in rec.meta.items():  # the protocol step and limb (schema.TRIAL_META), when there was one
        g.attrs[key] = value
    for name in stream:
        ds = stream[name]
        out = _trial_view(g, name, ds, start, stop)
        for key, value in ds.attrs.items():
            out.attrs[key] = value
    cal = calibration_for(calibrations, start)
    if cal is not None:
        c = g.create_group(schema.CALIBRATION)
        c.create_dataset("gain", data=np.asarray(cal.gain, dtype=np.float64))
        c.create_dataset("offset", data=np.asarray(cal.offset, dtype=np.float64)).attrs["unit"] = cal.unit
        if "raw" in g:
            g["raw"].attrs["conversion"] = np.asarray(cal.gain, dtype=np.float64)
            g["raw"].attrs["offset"] = np.asarray(cal.offset, dtype=np.float64)
    if rec.result is not None:
        write_result(g, rec.result)
    return g
