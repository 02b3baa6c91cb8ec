"""The value types that analysis takes and gives back.

Every number forcelab reports is a :class:`Metric` that carries its unit, the id of the method that
produced it, the parameters of that method and a literature reference, so that the archive can store
the method with the value and a later version can recompute it. A metric or event that could not be
computed has ``value``/``index`` set to ``None`` and a ``reason`` saying why: never a silent fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ParamValue = float | int | str | bool | None


@dataclass(frozen=True)
class ForceTrace:
    """Vertical ground reaction force in newtons, sampled at one constant ``rate`` (Hz).

    ``total`` is always present. ``left`` and ``right`` are the per-plate forces when two plates were
    used; then ``total`` equals ``left + right``. ``cop_x`` and ``cop_y`` (metres; x to the athlete's right =
    medio-lateral, y forward = antero-posterior; NaN where the plate was unloaded) are the centre of pressure
    when the plate(s) have four positioned cells (:mod:`forcelab.devices.plates`): the balance tests use it.

    ``lost`` lists the samples the device sent but the host never got, inside this trace: ``(index, count)``
    pairs, ``count`` samples missing just before sample ``index`` (``None`` when the count is unknown: a counter
    reset or a reconnection). The trace itself is gap-free in its numbering (sample ``i`` is at ``i / rate``
    of the recording as received), so time across a gap is short by ``count / rate``: the analysis flags it
    (``samples_lost``, :func:`forcelab.analysis.artefacts.detect_lost_samples`) rather than pretending the
    stream was whole. :func:`lost_from_counter` derives it from a device sample counter.
    """

    rate: float
    total: np.ndarray
    left: np.ndarray | None = None
    right: np.ndarray | None = None
    cop_x: np.ndarray | None = None
    cop_y: np.ndarray | None = None
    lost: tuple[tuple[int, int | None], ...] = ()

    def __post_init__(self) -> None:
        n_total = int(np.shape(self.total)[0]) if np.ndim(self.total) else 0
        lost = tuple((int(i), None if c is None else int(c)) for i, c in self.lost)
        for i, c in lost:
            if not 0 < i < max(n_total, 1) or (c is not None and c < 1):
                raise ValueError(f"lost samples ({i}, {c}): the index must lie inside the trace (1..{n_total - 1}) "
                                 "and the count be at least 1 (or None: unknown)")
        object.__setattr__(self, "lost", lost)
        if not np.isfinite(self.rate) or self.rate <= 0:
            raise ValueError(f"sample rate must be a positive number of hertz, got {self.rate!r}")
        if (self.cop_x is None) != (self.cop_y is None):
            raise ValueError("give both cop_x and cop_y (centre of pressure), or neither")
        for name in ("cop_x", "cop_y"):
            arr = getattr(self, name)
            if arr is not None:
                arr = np.asarray(arr, dtype=np.float64)
                if arr.shape != np.shape(self.total):
                    raise ValueError(f"{name} has shape {arr.shape}; the force has {np.shape(self.total)}")
                object.__setattr__(self, name, arr)
        for name in ("total", "left", "right"):
            arr = getattr(self, name)
            if arr is None:
                continue
            arr = np.asarray(arr, dtype=np.float64)
            if arr.ndim != 1:
                raise ValueError(f"{name} force must be one-dimensional, got shape {arr.shape}")
            object.__setattr__(self, name, arr)
        if (self.left is None) != (self.right is None):
            raise ValueError("give both left and right plate forces, or neither")
        if self.left is not None and self.right is not None:
            if not (len(self.left) == len(self.right) == len(self.total)):
                raise ValueError(
                    f"left ({len(self.left)}), right ({len(self.right)}) and total ({len(self.total)}) "
                    "must have the same number of samples"
                )

    @classmethod
    def from_plates(cls, rate: float, left: np.ndarray, right: np.ndarray) -> ForceTrace:
        """Build a two-plate trace; ``total`` is ``left + right``."""
        left = np.asarray(left, dtype=np.float64)
        right = np.asarray(right, dtype=np.float64)
        return cls(rate=rate, total=left + right, left=left, right=right)

    @property
    def lost_samples(self) -> int:
        """How many samples are known to be missing inside the trace (gaps of unknown size count 0)."""
        return sum(c for _, c in self.lost if c is not None)

    @property
    def has_plates(self) -> bool:
        """True when left and right plate forces are available."""
        return self.left is not None

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(len(self.total))

    @property
    def duration(self) -> float:
        """Length of the trace in seconds."""
        return self.n / self.rate

    @property
    def has_cop(self) -> bool:
        """True when the centre of pressure is available."""
        return self.cop_x is not None

    def slice(self, start: int, stop: int) -> ForceTrace:
        """The samples ``[start, stop)`` as a new trace (views, no copy), with the lost samples inside it."""
        a, b, _ = slice(start, stop).indices(self.n)
        return ForceTrace(
            rate=self.rate,
            total=self.total[start:stop],
            left=None if self.left is None else self.left[start:stop],
            right=None if self.right is None else self.right[start:stop],
            cop_x=None if self.cop_x is None else self.cop_x[start:stop],
            cop_y=None if self.cop_y is None else self.cop_y[start:stop],
            lost=tuple((i - a, c) for i, c in self.lost if a < i < b),
        )


def lost_from_counter(counter: np.ndarray) -> tuple[tuple[int, int | None], ...]:
    """The :attr:`ForceTrace.lost` pairs of a trace from its device sample counter (one value per sample, as
    archived: counting up by one per sample). A step of ``k > 1`` is ``k - 1`` samples lost before that sample;
    a step of zero or backwards is a counter reset (count unknown)."""
    c = np.asarray(counter).astype(np.int64, copy=False)
    if c.size < 2:
        return ()
    step = np.diff(c)
    where = np.flatnonzero(step != 1)
    return tuple((int(i) + 1, int(step[i]) - 1 if step[i] > 1 else None) for i in where)



@dataclass(frozen=True)
class Metric:
    """One reported number with the method that produced it.

    ``name`` is a stable snake_case key (e.g. ``jump_height_takeoff_velocity``); ``unit`` is an SI unit
    string (``"N"``, ``"m"``, ``"s"``, ``"m/s"``, ``"W"``, ``"N*s"``, ``"N/s"``, ``"%"``, ``"N/kg"``,
    ``"W/kg"``, ``"1"`` for dimensionless). ``value`` is ``None`` when it could not be computed, and then
    ``reason`` says why.
    """

    name: str
    value: float | None
    unit: str
    method: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    reference: str = ""
    reason: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if self.value is None and not self.reason:
            raise ValueError(f"metric {self.name!r} has no value and no reason")
        if self.value is not None:
            v = float(self.value)
            if not np.isfinite(v):
                raise ValueError(f"metric {self.name!r} is not finite ({v}); report it as not found")
            object.__setattr__(self, "value", v)

    @property
    def found(self) -> bool:
        """True when the metric has a value."""
        return self.value is not None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (used by the CLI and the archive)."""
        d: dict[str, Any] = {
            "value": self.value,
            "unit": self.unit,
            "method": self.method,
            "params": dict(self.params),
            "reference": self.reference,
        }
        if self.reason is not None:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True)
class Event:
    """A named instant of a trial as a sample index into the analysed trace.

    ``index`` is ``None`` when the event could not be found, and then ``reason`` says why.
    """

    name: str
    index: int | None
    rate: float
    method: str = ""
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.index is None and not self.reason:
            raise ValueError(f"event {self.name!r} not found but no reason given")

    @property
    def found(self) -> bool:
        """True when the event was located."""
        return self.index is not None

    @property
    def time(self) -> float | None:
        """Time of the event in seconds from the start of the analysed trace."""
        return None if self.index is None else self.index / self.rate

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form."""
        d: dict[str, Any] = {"index": self.index, "time": self.time, "method": self.method}
        if self.reason is not None:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True)
class Flag:
    """A quality gate that fired: a stable ``code`` and a sentence for the tester."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Plain JSON-able form."""
        return {"code": self.code, "message": self.message}


#: Kinds of a :class:`Table` column: ``"f8"`` (a number, ``None`` = not found) or ``"i8"`` (a whole number).
TABLE_KINDS = ("f8", "i8")


@dataclass(frozen=True)
class Table:
    """Values per item of a trial, one row per item (e.g. one row per hop of a repeated-hop test).

    ``columns`` are ``(name, unit, kind)`` triples (``kind`` in :data:`TABLE_KINDS`); each row maps every column
    name to its value (``None`` when it could not be measured for that item). The trial's metrics summarise
    the table; the table keeps what they summarise.
    """

    columns: tuple[tuple[str, str, str], ...]
    rows: tuple[Mapping[str, float | int | None], ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        names = [c[0] for c in self.columns]
        for name, _unit, kind in self.columns:
            if kind not in TABLE_KINDS:
                raise ValueError(f"table column {name!r} has kind {kind!r}; valid: {', '.join(TABLE_KINDS)}")
        for i, row in enumerate(self.rows):
            if sorted(row) != sorted(names):
                raise ValueError(f"table row {i} has columns {sorted(row)}, the table {sorted(names)}")

    def column(self, name: str) -> list[float | int | None]:
        """The values of column ``name``, row by row."""
        return [row[name] for row in self.rows]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form: ``{"columns": [{"name", "unit", "kind"}], "rows": [{...}], "description"}``."""
        return {
            "columns": [{"name": n, "unit": u, "kind": k} for n, u, k in self.columns],
            "rows": [dict(row) for row in self.rows],
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Table:
        """Back from :meth:`to_dict` (as stored in the archive)."""
        cols = tuple((str(c["name"]), str(c.get("unit", "")), str(c.get("kind", "f8"))) for c in d.get("columns", []))
        return cls(cols, tuple(dict(r) for r in d.get("rows", [])), str(d.get("description", "")))


@dataclass
class TrialResult:
    """Everything analysis says about one trial. ``tables`` holds per-item values (a repeated-hop test's
    hops), by name; most tests have none."""

    test: str
    rate: float
    events: dict[str, Event] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)
    params: dict[str, ParamValue] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)

    def add_metric(self, metric: Metric) -> None:
        """Add ``metric`` under its name (a duplicate name is a programming error)."""
        if metric.name in self.metrics:
            raise ValueError(f"metric {metric.name!r} added twice")
        self.metrics[metric.name] = metric

    def add_event(self, event: Event) -> None:
        """Add ``event`` under its name."""
        if event.name in self.events:
            raise ValueError(f"event {event.name!r} added twice")
        self.events[event.name] = event

    def flag(self, code: str, message: str) -> None:
        """Raise a quality flag."""
        self.flags.append(Flag(code, message))

    def value(self, name: str) -> float | None:
        """The value of metric ``name`` or ``None`` when missing or not found."""
        m = self.metrics.get(name)
        return None if m is None else m.value

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form: ``{"test", "metrics", "events", "flags", "params"}``, and ``"tables"`` (name ->
        :meth:`Table.to_dict`) when the trial has any."""
        d: dict[str, Any] = {
            "test": self.test,
            "metrics": {k: m.to_dict() for k, m in self.metrics.items()},
            "events": {k: e.to_dict() for k, e in self.events.items()},
            "flags": [f.to_dict() for f in self.flags],
            "params": dict(self.params),
        }
        if self.tables:
            d["tables"] = {k: t.to_dict() for k, t in self.tables.items()}
        return d

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any], *, rate: float, test: str = "") -> TrialResult:
        """The inverse of :meth:`to_dict` (the plain form the archive keeps): metrics, events, flags, tables, the
        analysis ``params`` (settings and tester inputs, so a re-analysis runs as the stored one did) and the test
        it was analysed as (the stored ``test``; ``test`` is only the fallback, e.g. the recorded test)."""
        res = cls(test=str(stored.get("test") or test), rate=rate, params=dict(stored.get("params") or {}))
        for name, m in (stored.get("metrics") or {}).items():
            res.add_metric(Metric(name, m.get("value"), m.get("unit", ""), m.get("method", ""),
                                  m.get("params", {}), m.get("reference", ""), m.get("reason")))
        for name, e in (stored.get("events") or {}).items():
            res.add_event(Event(name, e.get("index"), rate, e.get("method", ""), e.get("reason")))
        for f in stored.get("flags") or []:
            res.flags.append(Flag(code=f.get("code", ""), message=f.get("message", "")))  # stored codes, any
        for name, t in (stored.get("tables") or {}).items():
            res.tables[name] = Table.from_dict(t)
        return res
