"""SessionWriter -> open_session round trip on real HDF5 files, and the format's promises."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from forcelab.storage import schema
from forcelab.storage.session import open_session
from forcelab.storage.writer import SessionWriter
from support.archive import CHANNEL_MAP, GAIN, OFFSET, RATE, block_for, counts_for, info, write_session


def test_round_trip_samples_metrics_and_decisions(tmp_path: Path) -> None:
    path = write_session(tmp_path / "s.h5", trials=3, trial_rows=3000, gap_rows=1000)
    s = open_session(path)
    assert s.complete and s.athlete == "Ada Example" and s.tests == ["cmj"]
    assert s.rate == RATE and s.plates == 2 and s.schema_version == schema.SCHEMA_VERSION
    assert s.device == {"model": "forcelab-dual", "serial": "SN42", "firmware": "1.0.0", "channel_map": CHANNEL_MAP,
                        "plate_geometry": {}}  # none given (a recorder gives its plate map's)
    assert s.started is not None and s.started.tzinfo is not None
    assert [t.number for t in s.trials] == [1, 2, 3]
    assert s.stream_rows == 4 * 1000 + 3 * 3000
    for k, t in enumerate(s.trials):
        start = 1000 + k * 4000
        assert (t.start, t.stop) == (start, start + 3000)
        rows = np.arange(start, start + 3000, dtype=np.uint64)
        np.testing.assert_array_equal(t.counter, rows)
        np.testing.assert_array_equal(t.raw, counts_for(rows))
        assert t.raw.dtype == np.int32
        _, total, left, right = block_for(start, 3000)
        np.testing.assert_array_equal(t.total, total)
        np.testing.assert_array_equal(t.left, left)
        np.testing.assert_array_equal(t.right, right)
        np.testing.assert_allclose(t.trace_from_raw(CHANNEL_MAP).total, total, rtol=1e-12)
        np.testing.assert_array_equal(t.gain, GAIN)
        np.testing.assert_allclose(t.offset, OFFSET, rtol=0, atol=1e-12)
        assert t.metrics["peak_force"]["value"] == 2000.0 + t.number
        assert t.metrics["peak_force"]["params"] == {"filter": "none"}
        assert t.metrics["jump_height_takeoff_velocity"] == {
            "value": None, "unit": "m", "method": "impulse", "params": {}, "reference": "ref B", "reason": "no take-off"
        }
        assert t.events["onset"]["index"] == 120 and t.events["takeoff"]["reason"] == "never left the plate"
        assert t.flags == [{"code": "weighing_unsteady", "message": "body weight varied by 3 %"}]
        assert t.complete
    assert [t.accepted for t in s.trials] == [True, False, True]
    assert s.trials[1].note == "stumbled"
    stream = s.stream(0, 10)
    np.testing.assert_array_equal(stream["raw"], counts_for(np.arange(10)))


def test_file_is_plain_hdf5_with_nwb_style_attributes_and_tables(tmp_path: Path) -> None:
    """What a MATLAB / R user sees: attributes, compound tables, units and rates."""
    path = write_session(tmp_path / "s.h5", trials=1)
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == "forcelab-session" and int(f.attrs["complete"]) == 1
        g = f["trials/trial_001"]
        assert g["force_total"].attrs["unit"] == "N" and g["force_total"].attrs["rate"] == RATE
        assert g["force_total"].attrs["conversion"] == 1.0
        np.testing.assert_array_equal(g["raw"].attrs["conversion"], GAIN)
        assert g["raw"].attrs["unit"] == "counts"
        assert f["stream/raw"].compression == "gzip" and f["stream/raw"].chunks is not None
        metrics = g["metrics"][()]
        names = [n.decode() for n in metrics["name"]]
        assert names == ["peak_force", "peak_force_asymmetry", "jump_height_takeoff_velocity"]
        assert np.isnan(metrics["value"][2]) and metrics["reason"][2] == b"no take-off"
        assert json.loads(metrics["params"][0]) == {"filter": "none"}
        assert g["events"][()]["index"].tolist() == [120, -1]
        assert int(g.attrs["accepted"]) == schema.ACCEPTED


def test_flushes_are_timed_not_per_block(tmp_path: Path) -> None:
    now = [0.0]
    w = SessionWriter(tmp_path / "s.h5", info(), flush_interval=0.25, clock=lambda: now[0])
    start_flushes = w.flushes
    for i in range(100):  # 100 blocks of 10 ms
        b, t, lft, rgt = block_for(i * 20, 20)
        w.append(b, t, lft, rgt)
        now[0] += 0.01
    # one flush per 0.25 s of appends (the first block opens the window), never one per block
    assert 3 <= w.flushes - start_flushes <= 4
    assert w.rows - w.flushed_rows < 0.25 * RATE + 20
    w.close()
    assert open_session(w.path).stream_rows == 2000


def test_writer_rejects_bad_input_clearly(tmp_path: Path) -> None:
    w = SessionWriter(tmp_path / "s.h5", info())
    b, t, lft, rgt = block_for(0, 10)
    with pytest.raises(ValueError, match="left and right"):
        w.append(b, t)
    with pytest.raises(ValueError, match="shape"):
        w.append(b, t[:5], lft, rgt)
    with pytest.raises(ValueError, match="not open"):
        w.end_trial(7)
    w.close()
    with pytest.raises(FileExistsError, match="already exists"):
        SessionWriter(w.path, info())


def test_two_sessions_keep_separate_trials(tmp_path: Path) -> None:
    a = open_session(write_session(tmp_path / "a.h5", athlete="A", trials=2))
    b = open_session(write_session(tmp_path / "b.h5", athlete="B", trials=1))
    assert (len(a.trials), len(b.trials)) == (2, 1)
    assert {r["athlete"] for r in a.metric_rows()} == {"A"}


def test_h5py_example_in_the_format_doc_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The 10-line h5py example of docs/archive-format.md works on a real session file."""
    import re

    doc = (Path(__file__).resolve().parents[2] / "docs" / "archive-format.md").read_text()
    code = re.search(r"```python\n(.*?)```", doc, re.S)
    assert code is not None
    path = write_session(tmp_path / "session.h5", trials=2, trial_rows=300, gap_rows=100)
    exec(compile(code.group(1).replace('"session.h5"', repr(str(path))), "archive-format.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Ada Example") and out[1] == "trial_001 cmj 1 nan" and out[2] == "trial_002 cmj 0 nan"


def test_a_re_tare_applies_to_later_trials_only(tmp_path: Path) -> None:
    from forcelab.devices.calibration import Calibration

    w = SessionWriter(tmp_path / "s.h5", info())
    for k in range(2):
        n = w.begin_trial("cmj")
        b, t, lft, rgt = block_for(k * 100, 100)
        w.append(b, t, lft, rgt)
        w.end_trial(n)
        w.set_calibration(Calibration.from_archive(GAIN * 2, OFFSET + 1.0))
    w.close()
    t1, t2 = open_session(w.path).trials
    np.testing.assert_array_equal(t1.gain, GAIN)
    np.testing.assert_array_equal(t2.gain, GAIN * 2)
    np.testing.assert_allclose(t2.offset, OFFSET + 1.0, rtol=0, atol=1e-12)


def test_journal_decoding_survives_any_damage() -> None:
    """A journal cut or scrambled by a crash never raises: damaged lines are skipped and counted."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from forcelab.storage import journal

    good = b"".join(
        journal.encode(e)
        for e in (
            {"t": "begin", "trial": 1, "test": "cmj", "start": 0},
            {"t": "end", "trial": 1, "stop": 10},
            {"t": "decision", "trial": 1, "accepted": True, "note": "x"},
        )
    )

    @settings(max_examples=200, deadline=None)
    @given(st.integers(0, len(good)), st.binary(max_size=40), st.integers(0, len(good)))
    def check(cut: int, noise: bytes, at: int) -> None:
        data = good[:at] + noise + good[at:cut] if at < cut else good[:cut]
        rep = journal.replay(journal.decode(data))
        assert len(rep.trials) <= 1

    check()
    assert journal.replay(journal.decode(good)).trials[0].accepted is True


def test_decision_changed_after_the_session_closed(tmp_path: Path) -> None:
    from forcelab.storage.edit import set_trial_decision
    from forcelab.storage.h5open import SessionFileError

    path = write_session(tmp_path / "s.h5", trials=2, trial_rows=200, gap_rows=100)
    set_trial_decision(path, 2, True, "re-watched the video: fine")
    set_trial_decision(path, 1, None)
    s = open_session(path)
    assert [(t.accepted, t.note) for t in s.trials] == [(None, ""), (True, "re-watched the video: fine")]
    assert s.trials[1].metrics["peak_force"]["value"] == 2002.0  # nothing else changed
    with pytest.raises(SessionFileError, match="no trial 9"):
        set_trial_decision(path, 9, True)


def test_package_level_reading_api(tmp_path: Path) -> None:
    import forcelab.storage as storage

    path = write_session(tmp_path / "s.h5", trials=1, trial_rows=100, gap_rows=10)
    s = storage.open_session(path)
    assert isinstance(s, storage.Session) and isinstance(s.trials[0], storage.Trial)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        storage.nope  # noqa: B018


def test_a_stored_trial_knows_the_samples_lost_inside_it(tmp_path: Path) -> None:
    """The archived device counter keeps the loss: a trial read back (and re-analysed) says where samples are
    missing, as the live trace did."""
    w = SessionWriter(tmp_path / "s.h5", info())
    for start in (0, 500):
        b, t, lft, rgt = block_for(start, 500)
        w.append(b, t, lft, rgt)
    num = w.begin_trial("cmj")
    for start in (1000, 1520):  # 20 samples the host never got, before counter 1520
        b, t, lft, rgt = block_for(start, 500)
        w.append(b, t, lft, rgt)
    w.end_trial(num)
    b, t, lft, rgt = block_for(2020, 500)
    w.append(b, t, lft, rgt)
    w.close()
    (trial,) = open_session(w.path).trials
    assert trial.trace().lost == ((500, 20),)
    assert trial.trace_from_raw(CHANNEL_MAP).lost == ((500, 20),)
