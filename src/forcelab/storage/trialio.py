"""Write and read one trial's analysis (metrics, events, flags) inside its HDF5 group.

They are compound tables (``metrics``, ``events``, ``flags``) that MATLAB and R read as a struct / data
frame; forcelab reads them back into exactly the ``TrialResult.to_dict()`` form (missing numbers are NaN,
missing event indices -1, and empty reasons are dropped).
"""

from __future__ import annotations

import json
from typing import Any

import h5py

from forcelab.storage.h5tables import attr_num, attr_str, read_table, write_table

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


#: Trial attribute naming the analysis method version that produced the current metrics (set by
#: re-analysis, :func:`forcelab.storage.bridge.method_version`; absent on trials analysed while recording).
METHOD_VERSION_ATTR = "analysis_method_version"


def write_result(
    group: h5py.Group, result: dict[str, Any], *, software: str = "", method_version: str = ""
) -> None:
    """Write a ``TrialResult.to_dict()`` (plus ``rate``) into ``group``, replacing what was there.

    ``method_version`` (when given) is stored as :data:`METHOD_VERSION_ATTR` so a batch re-analysis can
    skip the trial next time.
    """
    metrics = [
        {"name": k, **m, "params": json.dumps(m.get("params", {}), sort_keys=True)}
        for k, m in result.get("metrics", {}).items()
    ]
    events = [{"name": k, **e} for k, e in result.get("events", {}).items()]
    write_table(group, "metrics", METRIC_COLUMNS, metrics)
    write_table(group, "events", EVENT_COLUMNS, events)
    write_table(group, "flags", FLAG_COLUMNS, list(result.get("flags", [])))
    group.attrs["analysis_test"] = str(result.get("test", ""))
    group.attrs["analysis_software"] = software
    group.attrs["analysis_params"] = json.dumps(result.get("params", {}), sort_keys=True)
    if method_version:
        group.attrs[METHOD_VERSION_ATTR] = method_version
    elif METHOD_VERSION_ATTR in group.attrs:
        del group.attrs[METHOD_VERSION_ATTR]  # a result of unknown method must not keep an old version


def read_result(group: h5py.Group) -> dict[str, Any] | None:
    """The result dict written by :func:`write_result` (as ``TrialResult.to_dict()``), or ``None``."""
    if "metrics" not in group:
        return None
    metrics: dict[str, Any] = {}
    for row in read_table(group["metrics"]):
        m: dict[str, Any] = {
            "value": row["value"],
            "unit": row["unit"],
            "method": row["method"],
            "params": json.loads(row["params"] or "{}"),
            "reference": row["reference"],
        }
        if row["reason"]:
            m["reason"] = row["reason"]
        metrics[row["name"]] = m
    events: dict[str, Any] = {}
    for row in read_table(group["events"]) if "events" in group else []:
        e: dict[str, Any] = {
            "index": None if row["index"] < 0 else row["index"],
            "time": row["time"],
            "method": row["method"],
        }
        if row["reason"]:
            e["reason"] = row["reason"]
        events[row["name"]] = e
    flags = [{"code": r["code"], "message": r["message"]} for r in read_table(group["flags"])] if "flags" in group else []
    rate = attr_num(group, "rate")
    return {
        "test": attr_str(group, "analysis_test", attr_str(group, "test")),
        "metrics": metrics,
        "events": events,
        "flags": flags,
        "params": json.loads(attr_str(group, "analysis_params", "{}") or "{}"),
        **({"rate": rate} if rate is not None else {}),
    }


def move_to_history(trial: h5py.Group, label: str) -> None:
    """Move the trial's current analysis into ``metrics_history/<label>`` (for re-analysis)."""
    if "metrics" not in trial:
        return
    hist = trial.require_group("metrics_history")
    if label in hist:
        raise ValueError(f"metrics history {label!r} exists already")
    dst = hist.create_group(label)
    for part in RESULT_PARTS:
        if part in trial:
            trial.copy(trial[part], dst)
            del trial[part]
    for key in ("analysis_test", "analysis_software", "analysis_params", METHOD_VERSION_ATTR):
        if key in trial.attrs:
            dst.attrs[key] = trial.attrs[key]
            del trial.attrs[key]
