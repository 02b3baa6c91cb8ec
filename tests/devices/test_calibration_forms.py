"""The one calibration type and the archive's form of it: N = gain * (counts - offset) here,
N = counts * conversion + offset_n in the file; converted both ways, and the sample recordings (written
before the type was one) still read to the same newtons."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from forcelab.devices.calibration import Calibration, CalibrationError
from forcelab.storage.session import open_session

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"

gains = st.floats(1e-6, 10.0) | st.floats(-10.0, -1e-6)
offsets = st.floats(-1e7, 1e7)


@given(st.lists(st.tuples(gains, offsets), min_size=1, max_size=8))
def test_to_archive_and_back_is_the_same_calibration(channels: list[tuple[float, float]]) -> None:
    cal = Calibration(tuple(g for g, _ in channels), tuple(o for _, o in channels))
    conversion, offset_n = cal.to_archive()
    counts = np.array([[0, 1, -1000, 2_000_000]], dtype=np.float64).T * np.ones(len(channels))
    # the archive's formula gives the engine's newtons ...
    np.testing.assert_allclose(counts * conversion + offset_n, cal.apply(counts), rtol=1e-9, atol=1e-6)
    # ... and reading it back gives the engine's calibration
    back = Calibration.from_archive(conversion, offset_n)
    assert back.gains == cal.gains
    np.testing.assert_allclose(back.offsets, cal.offsets, rtol=1e-12, atol=1e-9)


def test_known_values_both_ways() -> None:
    cal = Calibration((0.5, 2.0), (100.0, -10.0))
    conversion, offset_n = cal.to_archive()
    assert conversion.tolist() == [0.5, 2.0] and offset_n.tolist() == [-50.0, 20.0]
    assert Calibration.from_archive([0.5, 2.0], [-50.0, 20.0]).offsets == (100.0, -10.0)
    with pytest.raises(CalibrationError, match="zero gain"):
        Calibration.from_archive([0.0], [1.0])
    with pytest.raises(CalibrationError, match="2 gains and 1 offsets"):
        Calibration.from_archive([1.0, 1.0], [0.0])


@pytest.mark.parametrize("name", sorted(p.name for p in RECORDINGS.glob("*.h5")))
def test_sample_recordings_read_to_the_same_newtons(name: str) -> None:
    path = RECORDINGS / name
    with h5py.File(path, "r") as f:
        conversion, offset_n = f["stream/raw"].attrs["conversion"], f["stream/raw"].attrs["offset"]
    session = open_session(path)
    for trial in session.trials:
        raw = np.asarray(trial.raw, dtype=np.float64)
        np.testing.assert_allclose(trial.calibration.apply(raw), raw * conversion + offset_n, rtol=1e-12, atol=1e-9)
        total = trial.trace_from_raw(session.device["channel_map"]).total
        np.testing.assert_allclose(total, trial.total, rtol=1e-9, atol=1e-6)
