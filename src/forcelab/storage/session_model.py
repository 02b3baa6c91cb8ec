"""What a session file holds, in memory: :class:`Session` and its :class:`Trial` s.

The types alone, apart from the readers that fill them (:mod:`forcelab.storage.session` for today's
layout, :mod:`forcelab.storage.migrate` for older ones), so the readers import the types and not each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from forcelab.analysis.types import ForceTrace, lost_from_counter
from forcelab.devices.calibration import Calibration
from forcelab.devices.plates import PlateMap
from forcelab.storage import schema
from forcelab.storage.h5open import SessionFileError, open_h5_read


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
    #: where the trial stood in a test protocol: ``protocol``, ``protocol_step`` (int), ``protocol_step_label``,
    #: ``limb`` (:data:`forcelab.storage.schema.TRIAL_META`); empty outside a protocol
    meta: dict[str, str | int] = field(default_factory=dict)
    analysis: dict[str, Any] | None = None
    analysis_history: dict[str, dict[str, Any]] = field(default_factory=dict)
    analysis_loader: Callable[[], dict[str, Any] | None] | None = field(default=None, repr=False, compare=False)
    #: reads the history apart from the current analysis: re-analysis and the index need only the current
    #: one, and a file's history grows with every re-analysis
    history_loader: Callable[[], dict[str, dict[str, Any]]] | None = field(default=None, repr=False, compare=False)

    def _load_analysis(self) -> None:
        if self.analysis_loader is not None:
            self.analysis = self.analysis_loader()
            self.analysis_loader = None  # read once, on first use

    @property
    def result(self) -> dict[str, Any] | None:
        """The analysis as ``TrialResult.to_dict()`` (``None`` if the trial was never analysed)."""
        self._load_analysis()
        return self.analysis

    @property
    def history(self) -> dict[str, dict[str, Any]]:
        """Earlier analyses kept by re-analysis, ``{label: result}``, oldest first."""
        if self.history_loader is not None:
            self.analysis_history = self.history_loader()
            self.history_loader = None
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

    def trace(self, plate_geometry: Mapping[str, Any] | None = None) -> ForceTrace:
        """The stored force as a :class:`ForceTrace`; with the session's ``plate_geometry`` (see
        :meth:`trace_from_raw`) also the centre of pressure, from the raw counts."""
        return self._with_cop(ForceTrace(rate=self.rate, total=self.total, left=self.left, right=self.right,
                                         lost=self._lost()), plate_geometry)

    def _lost(self) -> tuple[tuple[int, int | None], ...]:
        """Samples missing inside the trial, from the archived device counter (the analysis flags them)."""
        counter = self._array("counter")
        return () if counter is None else lost_from_counter(counter)

    @property
    def calibration(self) -> Calibration:
        """The trial's calibration (stored in the archive's ``counts * gain + offset`` form); identity for
        raw data already in newtons."""
        channels = self.raw.shape[1]
        if self.gain is None or self.offset is None:
            return Calibration.identity(channels)
        return Calibration.from_archive(self.gain, self.offset)

    def trace_from_raw(self, channel_map: Mapping[str, Any] | None = None,
                       plate_geometry: Mapping[str, Any] | None = None) -> ForceTrace:
        """Force recomputed from the raw data and the stored calibration (for re-analysis).

        ``channel_map`` may give ``{"left": [channels], "right": [channels]}``; without it every channel is
        summed into the total (and two-channel newton data is taken as left, right). ``plate_geometry`` (the
        session's, :meth:`forcelab.devices.plates.PlateMap.to_dict`) with plates of four positioned cells adds
        the combined centre of pressure, as the engine computed it live (the balance test needs it).
        """
        return self._with_cop(replace(self._force_from_raw(channel_map), lost=self._lost()), plate_geometry)

    def _with_cop(self, trace: ForceTrace, plate_geometry: Mapping[str, Any] | None) -> ForceTrace:
        """``trace`` with the combined centre of pressure of the raw counts, when the geometry has plates of four
        positioned cells over the trial's channels (else ``trace`` as it is)."""
        if not plate_geometry or not plate_geometry.get("plates"):
            return trace
        pm = PlateMap.from_profile(dict(plate_geometry))
        if not pm.has_cop or pm.channels != self.raw.shape[1]:
            return trace
        x, y = pm.centre_of_pressure(self.calibration.apply(self.raw))
        return replace(trace, cop_x=x, cop_y=y)

    def _force_from_raw(self, channel_map: Mapping[str, Any] | None) -> ForceTrace:
        newtons = self.calibration.apply(self.raw)
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
    station: str = ""  # the station that recorded it ("" in files written before stations existed)
    notes: str = ""
    #: the test protocol the session was recorded for (JSON, forcelab.protocols.resume); "" for none
    protocol: str = ""
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


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


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
