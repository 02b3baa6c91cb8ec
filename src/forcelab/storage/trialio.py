"""Write and read one trial's analysis (metrics, events, flags) inside its HDF5 group.

Each is stored twice on purpose: as compound tables (``metrics``, ``events``, ``flags``) that MATLAB and R
read as a struct / data frame, and as the full ``result_json`` attribute that forcelab reads back exactly.
"""

from __future__ import annotations

import json
from typing import Any

import h5py

from forcelab.storage.h5tables import attr_str, write_table

METRIC_COLUMNS = [
    ("name", "str"),
    ("value", "f8"),
    ("unit", "str"),
    ("method", "str"),
    ("reference", "str"),
    ("params", "str"),
    ("reason", "str"),
]
EVENT_COLUMNS = [("name", "str"), ("index", "i8"), ("time", "f8"), ("method", "str"), ("reason", "str")]
FLAG_COLUMNS = [("code", "str"), ("message", "str")]
RESULT_PARTS = ("metrics", "events", "flags")


def write_result(group: h5py.Group, result: dict[str, Any], *, software: str = "") -> None:
    """Write a ``TrialResult.to_dict()`` (plus ``rate``) into ``group``, replacing what was there."""
    metrics = [
        {"name": k, **m, "params": json.dumps(m.get("params", {}), sort_keys=True)}
        for k, m in result.get("metrics", {}).items()
    ]
    events = [{"name": k, **e} for k, e in result.get("events", {}).items()]
    write_table(group, "metrics", METRIC_COLUMNS, metrics)
    write_table(group, "events", EVENT_COLUMNS, events)
    write_table(group, "flags", FLAG_COLUMNS, list(result.get("flags", [])))
    group.attrs["result_json"] = json.dumps(result, allow_nan=False)  # keeps the analysis order
    group.attrs["analysis_software"] = software
    group.attrs["analysis_params"] = json.dumps(result.get("params", {}), sort_keys=True)


def read_result(group: h5py.Group) -> dict[str, Any] | None:
    """The result dict written by :func:`write_result`, or ``None`` when the trial was never analysed."""
    text = attr_str(group, "result_json")
    if not text:
        return None
    out: dict[str, Any] = json.loads(text)
    return out


def move_to_history(trial: h5py.Group, label: str) -> None:
    """Move the trial's current analysis into ``metrics_history/<label>`` (for re-analysis)."""
    if "result_json" not in trial.attrs:
        return
    hist = trial.require_group("metrics_history")
    if label in hist:
        raise ValueError(f"metrics history {label!r} exists already")
    dst = hist.create_group(label)
    for part in RESULT_PARTS:
        if part in trial:
            trial.copy(trial[part], dst)
            del trial[part]
    for key in ("result_json", "analysis_software", "analysis_params"):
        if key in trial.attrs:
            dst.attrs[key] = trial.attrs[key]
            del trial.attrs[key]
