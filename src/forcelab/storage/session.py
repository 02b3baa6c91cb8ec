"""Read a session file: :func:`open_session` -> :class:`Session` with trials as numpy arrays.

Works on every layout this forcelab knows: a finalized file (``/trials`` groups), a file whose recorder was
killed (trials rebuilt from ``/stream`` and ``/journal``, the one in progress up to the last flush), and
older schema versions (upgraded in memory by :mod:`forcelab.storage.migrate`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from forcelab.analysis.types import ForceTrace
from forcelab.storage import journal, schema
from forcelab.storage.finalize import calibration_for
from forcelab.storage.h5open import SessionFileError, open_h5_read
from forcelab.storage.h5tables import attr_json, attr_num, attr_str
from forcelab.storage.trialio import read_result


@dataclass
class Trial:
    """One trial: its samples, calibration, analysis and the tester's decision."""

    number: int
    test: str
    start: int
    stop: int
    rate: float
    arrays: dict[str, np.ndarray] | None = field(default=None, repr=False)
    loader: Callable[[], dict[str, np.ndarray]] | None = field(default=None, repr=False, compare=False)
    gain: np.ndarray | None = None
    offset: np.ndarray | None = None
    raw_unit: str = "counts"
    accepted: bool | None = None
    note: str = ""
    complete: bool = True
    began_at: str = ""
    analysis: dict[str, Any] | None = None
    analysis_history: dict[str, dict[str, Any]] = field(default_factory=dict)
    analysis_loader: Callable[[], tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]] | None = field(
        default=None, repr=False, compare=False
    )

    def _load_analysis(self) -> None:
        if self.analysis_loader is not None:
            self.analysis, self.analysis_history = self.analysis_loader()
            self.analysis_loader = None  # read once, on first use

    @property
    def result(self) -> dict[str, Any] | None:
        """The analysis as ``TrialResult.to_dict()`` (``None`` if the trial was never analysed)."""
        self._load_analysis()
        return self.analysis

    @property
    def history(self) -> dict[str, dict[str, Any]]:
        """Earlier analyses kept by re-analysis, ``{label: result}``, oldest first."""
        self._load_analysis()
        return self.analysis_history

    def _array(self, name: str) -> np.ndarray | None:
        if self.arrays is None:
            if self.loader is None:
                raise ValueError(f"trial {self.number} has no samples")
            self.arrays = self.loader()  # read on first use: opening a session stays fast
        return self.arrays.get(name)

    def _required(self, name: str) -> np.ndarray:
        arr = self._array(name)
        if arr is None:
            raise KeyError(f"trial {self.number} has no {name!r} data")
        return arr

    @property
    def raw(self) -> np.ndarray:
        """Raw data ``(n, channels)``: int32 counts, or float64 newtons when ``raw_unit`` is ``"N"``."""
        return self._required("raw")

    @property
    def counter(self) -> np.ndarray:
        """The device's sample counter (uint64)."""
        return self._required("counter")

    @property
    def device_time(self) -> np.ndarray:
        """Seconds on the device clock."""
        return self._required("device_time")

    @property
    def total(self) -> np.ndarray:
        """Total vertical force in newtons."""
        return self._required("force_total")

    @property
    def left(self) -> np.ndarray | None:
        """Left plate force in newtons (two-plate sessions)."""
        return self._array("force_left")

    @property
    def right(self) -> np.ndarray | None:
        """Right plate force in newtons (two-plate sessions)."""
        return self._array("force_right")

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        """``{name: {"value", "unit", "method", "params", "reference", ["reason"]}}`` (empty if not analysed)."""
        return dict(self.result.get("metrics", {})) if self.result else {}

    @property
    def events(self) -> dict[str, dict[str, Any]]:
        """``{name: {"index", "time", "method", ["reason"]}}``, indices relative to the trial's first sample."""
        return dict(self.result.get("events", {})) if self.result else {}

    @property
    def flags(self) -> list[dict[str, str]]:
        """Quality flags ``[{"code", "message"}]``."""
        return list(self.result.get("flags", [])) if self.result else []

    @property
    def n(self) -> int:
        """Number of samples."""
        return self.stop - self.start

    def trace(self) -> ForceTrace:
        """The stored force as a :class:`ForceTrace`."""
        return ForceTrace(rate=self.rate, total=self.total, left=self.left, right=self.right)

    def trace_from_raw(self, channel_map: Mapping[str, Any] | None = None) -> ForceTrace:
        """Force recomputed from the raw data and the stored calibration (for re-analysis).

        ``channel_map`` may give ``{"left": [channels], "right": [channels]}``; without it every channel is
        summed into the total (and two-channel newton data is taken as left, right).
        """
        gain = np.ones(self.raw.shape[1]) if self.gain is None else self.gain
        offset = np.zeros(self.raw.shape[1]) if self.offset is None else self.offset
        newtons = np.asarray(self.raw, dtype=np.float64) * gain + offset
        plates = dict(channel_map or {})
        if "left" not in plates and self.left is not None and newtons.shape[1] == 2:
            plates = {"left": [0], "right": [1]}
        if "left" in plates and "right" in plates:
            left = newtons[:, list(plates["left"])].sum(axis=1)
            right = newtons[:, list(plates["right"])].sum(axis=1)
            return ForceTrace.from_plates(self.rate, left, right)
        return ForceTrace(rate=self.rate, total=newtons.sum(axis=1))


@dataclass
class Session:
    """A session file's content. Trials are loaded; the whole stream is read on demand (:meth:`stream`)."""

    path: Path
    athlete: str
    started: datetime | None
    tests: list[str]
    rate: float
    plates: int
    complete: bool
    schema_version: int
    software_version: str = ""
    tester: str = ""
    device: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    notes: str = ""
    recovered: bool = False
    stream_rows: int = 0
    trials: list[Trial] = field(default_factory=list)

    def trial(self, number: int) -> Trial:
        """Trial ``number`` (1-based, as numbered in the file)."""
        for t in self.trials:
            if t.number == number:
                return t
        raise KeyError(f"{self.path}: no trial {number} (trials: {[t.number for t in self.trials]})")

    def stream(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """Rows ``[start, stop)`` of the continuous stream (``raw``, ``counter``, ``device_time``, ``force_*``)."""
        with open_h5_read(self.path) as f:
            if schema.STREAM not in f:
                raise SessionFileError(self.path, "this file has no continuous stream (older layout)")
            s = f[schema.STREAM]
            n = valid_rows(f)
            stop = n if stop is None else min(stop, n)
            return {name: s[name][start:stop] for name in s}

    def metric_rows(self) -> list[dict[str, Any]]:
        """Long format: one dict per (trial, metric) with session facts, value, unit, method, accepted."""
        rows = []
        for t in self.trials:
            for name, m in t.metrics.items():
                rows.append(
                    {
                        "athlete": self.athlete,
                        "started": self.started.isoformat() if self.started else "",
                        "trial": t.number,
                        "test": t.test,
                        "metric": name,
                        "value": m.get("value"),
                        "unit": m.get("unit", ""),
                        "method": m.get("method", ""),
                        "accepted": t.accepted,
                    }
                )
        return rows

    def to_dataframe(self) -> Any:
        """The metrics as a pandas DataFrame (long format, see :meth:`metric_rows`); needs pandas."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("Session.to_dataframe needs pandas: pip install pandas") from exc
        return pd.DataFrame(self.metric_rows())


def open_session(path: str | os.PathLike[str], *, load_analysis: bool = False) -> Session:
    """Read the session at ``path``; raises :class:`SessionFileError` naming the file when it cannot.

    Samples and (unless ``load_analysis``) metrics are read on first use, so opening stays fast; pass
    ``load_analysis=True`` when every trial's metrics are needed at once (the index does).
    """
    p = Path(path)
    with open_h5_read(p) as f:
        try:
            version = int(f.attrs["schema_version"])
            if version == 1:
                from forcelab.storage.migrate import read_v1

                return read_v1(p, f)
            session = _read_current(p, f)
            if load_analysis:
                for t in session.trials:
                    if t.analysis_loader is not None:
                        t.analysis, t.analysis_history = _read_analysis(f[schema.TRIALS][schema.trial_group_name(t.number)])
                        t.analysis_loader = None
            return session
        except SessionFileError:
            raise
        except (OSError, KeyError, ValueError, TypeError, json.JSONDecodeError) as exc:
            raise SessionFileError(p, f"damaged session file: {type(exc).__name__}: {exc}") from exc


def valid_rows(f: h5py.File) -> int:
    """Stream rows a reader can trust: all of them, but never past the writer's commit mark."""
    stream = f[schema.STREAM]
    n = int(stream["counter"].shape[0])
    if schema.COMMITTED in f:
        n = min(n, int(f[schema.COMMITTED][0]))
    real_size = getattr(f, "forcelab_real_size", None)
    if real_size is not None:  # a file cut short: no row may come from a chunk past its real end
        for ds in stream.values():
            for i in range(ds.id.get_num_chunks()):
                info = ds.id.get_chunk_info(i)
                if info.byte_offset + info.size > real_size:
                    n = min(n, int(info.chunk_offset[0]))
    return n


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


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
        },
        source=attr_str(f, "source"),
        notes=attr_str(f, "notes"),
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


def _analysis_loader(
    path: Path, group: str
) -> Callable[[], tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]]:
    """Read a trial group's analysis and its history when first asked."""

    def load() -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
        with open_h5_read(path) as f:
            return _read_analysis(f[group])

    return load


def _read_analysis(g: h5py.Group) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
    history: dict[str, dict[str, Any]] = {}
    if schema.HISTORY in g:
        for label in sorted(g[schema.HISTORY].keys()):
            old = read_result(g[schema.HISTORY][label])
            if old is not None:
                history[label] = old
    return read_result(g), history


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
        analysis_loader=_analysis_loader(path, g.name),
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
                analysis=rec.result,
            )
        )
    return trials
