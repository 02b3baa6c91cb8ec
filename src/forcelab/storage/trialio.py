"""Write and read one trial's analysis (metrics, events, flags, per-item tables) inside its HDF5 group.

They are compound tables (``metrics``, ``events``, ``flags``) that MATLAB and R read as a struct / data
frame; forcelab reads them back into exactly the ``TrialResult.to_dict()`` form (missing numbers are NaN,
missing event indices -1, and empty reasons are dropped). A result's per-item tables (a repeated-hop trial's
``hops``, :class:`forcelab.analysis.types.Table`) go to ``tables/<name>``: one compound table each, its columns
the table's, with the attributes ``units`` (JSON, column -> unit) and ``description``.
"""

from __future__ import annotations

import json
from typing import Any

import h5py
import numpy as np

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
RESULT_PARTS = ("metrics", "events", "flags", "tables")
#: The group holding a result's per-item tables.
TABLES = "tables"


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
    _write_tables(group, result.get("tables") or {})
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
    tables = _read_tables(group)
    return {
        "test": attr_str(group, "analysis_test", attr_str(group, "test")),
        "metrics": metrics,
        "events": events,
        "flags": flags,
        "params": json.loads(attr_str(group, "analysis_params", "{}") or "{}"),
        **({"rate": rate} if rate is not None else {}),
        **({"tables": tables} if tables else {}),
    }


def _write_tables(group: h5py.Group, tables: dict[str, Any]) -> None:
    """``tables`` (name -> ``Table.to_dict()``) as ``tables/<name>``; a result without tables removes old ones."""
    if TABLES in group:
        del group[TABLES]
    if not tables:
        return
    g = group.create_group(TABLES)
    for name, table in tables.items():
        cols = [(str(c["name"]), "i8" if c.get("kind") == "i8" else "f8") for c in table.get("columns", [])]
        ds = write_table(g, name, cols, list(table.get("rows", [])))
        ds.attrs["units"] = json.dumps({str(c["name"]): str(c.get("unit", "")) for c in table.get("columns", [])})
        ds.attrs["description"] = str(table.get("description", ""))


def _read_tables(group: h5py.Group) -> dict[str, Any]:
    """The tables written by :func:`_write_tables`, as ``Table.to_dict()`` forms (``{}`` when there are none)."""
    if TABLES not in group:
        return {}
    out: dict[str, Any] = {}
    for name, ds in group[TABLES].items():
        units = json.loads(attr_str(ds, "units", "{}") or "{}")
        kinds = {n: ("i8" if np.issubdtype(ds.dtype[n], np.integer) else "f8") for n in ds.dtype.names or ()}
        columns = [{"name": n, "unit": units.get(n, ""), "kind": kinds[n]} for n in ds.dtype.names or ()]
        rows = [{k: (None if kinds[k] == "i8" and v == -1 else v) for k, v in r.items()} for r in read_table(ds)]
        out[name] = {"columns": columns, "rows": rows, "description": attr_str(ds, "description")}
    return out


def move_to_history(trial: h5py.Group, label: str) -> None:
    """Move the trial's current analysis into ``metrics_history/<label>`` (for re-analysis).

    The tables are moved, not copied (their links change group), so nothing is written twice.
    """
    if "metrics" not in trial:
        return
    hist = trial.require_group("metrics_history")
    if label in hist:
        raise ValueError(f"metrics history {label!r} exists already")
    dst = hist.create_group(label)
    for part in RESULT_PARTS:
        if part in trial:
            trial.move(part, f"metrics_history/{label}/{part}")
    for key in ("analysis_test", "analysis_software", "analysis_params", METHOD_VERSION_ATTR):
        if key in trial.attrs:
            dst.attrs[key] = trial.attrs[key]
            del trial.attrs[key]
