"""Small helpers to write and read tables that h5py, MATLAB and R all read.

A table is a one-dimensional compound dataset whose fields are 64-bit numbers or variable-length UTF-8
strings: MATLAB's ``h5read`` returns it as a struct of columns, R's ``rhdf5::h5read`` as a data frame,
and h5py as a numpy structured array.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import h5py
import numpy as np

STR = h5py.string_dtype("utf-8")


def write_table(
    group: h5py.Group, name: str, columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]]
) -> h5py.Dataset:
    """Write ``rows`` as compound dataset ``name``; ``columns`` is ``[(field, "f8" | "i8" | "str")]``.

    Missing numbers are written as NaN (floats) or -1 (integers); missing strings as "".
    """
    dtype = np.dtype([(col, STR if kind == "str" else np.dtype(kind)) for col, kind in columns])
    arr = np.zeros(len(rows), dtype=dtype)
    for i, row in enumerate(rows):
        for col, kind in columns:
            value = row.get(col)
            if kind == "str":
                arr[col][i] = "" if value is None else str(value)
            elif kind == "f8":
                arr[col][i] = np.nan if value is None else float(value)
            else:
                arr[col][i] = -1 if value is None else int(value)
    if name in group:
        del group[name]
    return group.create_dataset(name, data=arr)


def read_table(dataset: h5py.Dataset) -> list[dict[str, Any]]:
    """Rows of a table written by :func:`write_table` as plain dicts (NaN -> None, bytes -> str)."""
    arr = dataset[()]
    names = arr.dtype.names or ()
    rows: list[dict[str, Any]] = []
    for rec in np.atleast_1d(arr):
        row: dict[str, Any] = {}
        for col in names:
            v = rec[col]
            if isinstance(v, bytes):
                row[col] = v.decode("utf-8")
            elif isinstance(v, np.floating):
                row[col] = None if np.isnan(v) else float(v)
            elif isinstance(v, np.integer):
                row[col] = int(v)
            else:
                row[col] = v
        rows.append(row)
    return rows


def attr_str(obj: h5py.HLObject, name: str, default: str = "") -> str:
    """A string attribute, whatever way it was stored (bytes, str, numpy scalar)."""
    if name not in obj.attrs:
        return default
    v = obj.attrs[name]
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v[()]
        if isinstance(v, bytes):
            return v.decode("utf-8")
    return str(v)


def attr_json(obj: h5py.HLObject, name: str, default: Any = None) -> Any:
    """A JSON string attribute decoded, or ``default`` when absent."""
    text = attr_str(obj, name, "")
    return json.loads(text) if text else default


def attr_num(obj: h5py.HLObject, name: str, default: float | None = None) -> float | None:
    """A numeric scalar attribute as float, or ``default``."""
    if name not in obj.attrs:
        return default
    return float(np.asarray(obj.attrs[name]).reshape(-1)[0])
