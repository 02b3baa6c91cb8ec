"""Files written by the older schema (version 1, the draft layout) keep opening."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from forcelab.storage.h5open import SessionFileError
from forcelab.storage.session import open_session


def _write_v1(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A version-1 file made by hand, exactly as the draft layout was written."""
    rng = np.random.default_rng(3)
    left = 300 + rng.normal(0, 2, 500)
    right = 320 + rng.normal(0, 2, 500)
    with h5py.File(path, "w") as f:
        f.attrs.update({"format": "forcelab-session", "schema_version": 1, "athlete": "Old Timer",
                        "date": "2025-03-01T10:00:00+01:00", "test": "sj", "rate": 1000.0})
        g = f.create_group("trials/1")
        g["force"] = np.column_stack([left + right, left, right])
        g.attrs.update({"columns": "total,left,right", "test": "sj", "accepted": 1, "note": "fine"})
        g.attrs["metrics_json"] = json.dumps(
            {"metrics": {"peak_force": {"value": 640.0, "unit": "N", "method": "max", "params": {}, "reference": "r"}},
             "events": {}, "flags": []}
        )
        g2 = f.create_group("trials/2")
        g2["force"] = (left + right)[:, None]
        g2.attrs.update({"columns": "total", "test": "sj", "accepted": 0, "note": ""})
    return left, right


def test_version_1_file_opens_with_todays_api(tmp_path: Path) -> None:
    left, right = _write_v1(tmp_path / "old.h5")
    s = open_session(tmp_path / "old.h5")
    assert s.schema_version == 1 and s.athlete == "Old Timer" and s.tests == ["sj"] and s.rate == 1000.0
    assert s.started is not None and s.started.year == 2025
    t1, t2 = s.trials
    np.testing.assert_array_equal(t1.left, left)
    np.testing.assert_array_equal(t1.total, left + right)
    np.testing.assert_array_equal(t1.trace_from_raw().total, left + right)
    assert t1.metrics["peak_force"]["value"] == 640.0 and t1.accepted is True and t1.note == "fine"
    assert t2.left is None and t2.accepted is False and t2.metrics == {}
    assert t1.raw_unit == "N" and t1.counter.tolist()[:3] == [0, 1, 2]


def test_newer_schema_is_refused_by_name(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "new.h5", "w") as f:
        f.attrs.update({"format": "forcelab-session", "schema_version": 99})
    with pytest.raises(SessionFileError, match=r"new\.h5.*schema version 99.*update forcelab"):
        open_session(tmp_path / "new.h5")
