"""Read a session file: :func:`open_session` -> :class:`Session` with trials as numpy arrays.

Works on every layout this forcelab knows: a finalized file (``/trials`` groups), a file whose recorder was
killed (trials rebuilt from ``/stream`` and ``/journal``, the one in progress up to the last flush), and
older schema versions (upgraded in memory by :mod:`forcelab.storage.migrate`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from forcelab.storage import journal, schema
from forcelab.storage.finalize import calibration_for
from forcelab.storage.h5open import SessionFileError, open_h5_read
from forcelab.storage.h5tables import attr_json, attr_num, attr_str
from forcelab.storage.migrate import read_v1
from forcelab.storage.session_model import Session, Trial, _parse_time, valid_rows
from forcelab.storage.trialio import read_result


def open_session(path: str | os.PathLike[str], *, load_analysis: bool = False) -> Session:
    """Read the session at ``path``; raises :class:`SessionFileError` naming the file when it cannot.

    Samples, the history of earlier analyses and (unless ``load_analysis``) metrics are read on first use, so
    opening stays fast; pass ``load_analysis=True`` when every trial's metrics are needed at once (the index
    does).
    """
    p = Path(path)
    with open_h5_read(p) as f:
        try:
            version = int(f.attrs["schema_version"])
            if version == 1:
                return read_v1(p, f)
            session = _read_current(p, f)
            if load_analysis:
                for t in session.trials:
                    if t.analysis_loader is not None:
                        t.analysis = read_result(f[schema.TRIALS][schema.trial_group_name(t.number)])
                        t.analysis_loader = None
            return session
        except SessionFileError:
            raise
        except (OSError, KeyError, ValueError, TypeError, json.JSONDecodeError) as exc:
            raise SessionFileError(p, f"damaged session file: {type(exc).__name__}: {exc}") from exc


def _session_header(p: Path, f: h5py.File) -> Session:
    return Session(
        path=p,
        athlete=attr_str(f, "athlete"),
        started=_parse_time(attr_str(f, "started")),
        tests=[t for t in attr_str(f, "tests").split(",") if t],
        rate=float(attr_num(f, "rate") or 0.0),
        plates=int(attr_num(f, "plates", 1) or 1),
        complete=bool(attr_num(f, "complete", 0)),
        schema_version=int(f.attrs["schema_version"]),
        software_version=attr_str(f, "software_version"),
        tester=attr_str(f, "tester"),
        device={
            "model": attr_str(f, "device_model"),
            "serial": attr_str(f, "device_serial"),
            "firmware": attr_str(f, "device_firmware"),
            "channel_map": attr_json(f, "channel_map", {}),
            "plate_geometry": attr_json(f, "plate_geometry", {}),
        },
        source=attr_str(f, "source"),
        station=attr_str(f, "station"),
        notes=attr_str(f, "notes"),
        protocol=attr_str(f, "protocol"),
        recovered="recovered" in f.attrs,
    )


def _read_current(p: Path, f: h5py.File) -> Session:
    s = _session_header(p, f)
    if schema.STREAM in f:
        s.stream_rows = valid_rows(f)
    if schema.TRIALS in f:
        groups = sorted(f[schema.TRIALS].keys())
        s.trials = [_read_trial_group(f[schema.TRIALS][name], s.rate, p, s.stream_rows) for name in groups]
    else:
        s.trials = _trials_from_journal(f, s.rate, s.stream_rows, p)
    return s


def _stream_loader(path: Path, start: int, stop: int) -> Callable[[], dict[str, np.ndarray]]:
    """Read rows ``[start, stop)`` of every stream dataset when first asked."""

    def load() -> dict[str, np.ndarray]:
        with open_h5_read(path) as f:
            s = f[schema.STREAM]
            return {name: s[name][start:stop] for name in s}

    return load


def _analysis_loader(path: Path, group: str) -> Callable[[], dict[str, Any] | None]:
    """Read a trial group's current analysis when first asked."""

    def load() -> dict[str, Any] | None:
        with open_h5_read(path) as f:
            return read_result(f[group])

    return load


def _history_loader(path: Path, group: str) -> Callable[[], dict[str, dict[str, Any]]]:
    """Read a trial group's earlier analyses (``metrics_history``) when first asked."""

    def load() -> dict[str, dict[str, Any]]:
        history: dict[str, dict[str, Any]] = {}
        with open_h5_read(path) as f:
            g = f[group]
            if schema.HISTORY in g:
                for label in sorted(g[schema.HISTORY].keys()):
                    old = read_result(g[schema.HISTORY][label])
                    if old is not None:
                        history[label] = old
        return history

    return load


def _trial_meta(g: h5py.Group) -> dict[str, str | int]:
    """The trial's protocol attributes (:data:`schema.TRIAL_META`) that it has."""
    meta: dict[str, str | int] = {}
    for key in schema.TRIAL_META:
        if key in g.attrs:
            value = g.attrs[key]
            meta[key] = int(value) if isinstance(value, np.integer) else attr_str(g, key)
    return meta


def _read_trial_group(g: h5py.Group, rate: float, path: Path, n_rows: int) -> Trial:
    acc = int(attr_num(g, "accepted", schema.UNDECIDED) or 0)
    start = int(attr_num(g, "start") or 0)
    stop = min(int(attr_num(g, "stop") or 0), n_rows)
    cal = g.get(schema.CALIBRATION)
    return Trial(
        number=int(attr_num(g, "number") or 0),
        test=attr_str(g, "test"),
        start=start,
        stop=stop,
        rate=float(attr_num(g, "rate", rate) or rate),
        loader=_stream_loader(path, start, stop),
        gain=None if cal is None else cal["gain"][()],
        offset=None if cal is None else cal["offset"][()],
        raw_unit=attr_str(g["raw"], "unit", "counts") if "raw" in g else "counts",
        accepted=None if acc == schema.UNDECIDED else acc == schema.ACCEPTED,
        note=attr_str(g, "note"),
        complete=bool(attr_num(g, "complete", 1)),
        began_at=attr_str(g, "began_at"),
        meta=_trial_meta(g),
        analysis_loader=_analysis_loader(path, g.name),
        history_loader=_history_loader(path, g.name),
    )


def _trials_from_journal(f: h5py.File, rate: float, n_rows: int, path: Path) -> list[Trial]:
    """Trials of a session that was never finalized: journal replay over the stream (up to the last flush)."""
    rep = journal.replay(journal.decode(f[schema.JOURNAL][()].tobytes()))
    stream = f[schema.STREAM]
    trials = []
    for rec in rep.trials:
        start = min(rec.start, n_rows)
        stop = n_rows if rec.stop is None else min(rec.stop, n_rows)
        cal = calibration_for(rep.calibrations, start)
        trials.append(
            Trial(
                number=rec.number,
                test=rec.test,
                start=start,
                stop=stop,
                rate=rate,
                loader=_stream_loader(path, start, stop),
                gain=None if cal is None else np.asarray(cal.gain),
                offset=None if cal is None else np.asarray(cal.offset),
                raw_unit=attr_str(stream["raw"], "unit", "counts"),
                accepted=rec.accepted,
                note=rec.note,
                complete=rec.stop is not None and rec.stop <= n_rows,
                began_at=rec.began_at,
                meta=dict(rec.meta),
                analysis=rec.result,
            )
        )
    return trials
