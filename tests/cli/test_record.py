"""``forcelab record --simulate`` as a real process: simulator -> pty -> engine -> SessionWriter -> HDF5."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from forcelab.storage.h5open import SessionFileError, open_h5_read
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.schema import COMMITTED
from forcelab.storage.session import open_session
from support.record_cli import record_command


def _cmd(archive: Path, *extra: str) -> list[str]:
    return record_command(archive, *extra)


def test_record_simulated_session_is_archived_and_indexed(tmp_path: Path) -> None:
    proc = subprocess.run(_cmd(tmp_path, "--seconds", "3"), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert f"archive: {tmp_path}" in proc.stdout
    path = Path(next(line for line in proc.stdout.splitlines() if line.startswith("session: ")).split(": ", 1)[1])
    s = open_session(path)
    assert s.complete and s.athlete == "Sim Athlete" and s.device["model"] == "forcelab-sim"
    assert s.stream_rows > 1500  # 3 s at 1 kHz, minus the simulator's boot and any overrun gaps
    data = s.stream()
    assert data["raw"].dtype == np.int32 and data["raw"].shape[1] == 8
    standing = np.median(data["force_total"][-500:])
    assert 700 < standing < 770  # the simulated athlete is 75 kg: 735 N
    np.testing.assert_allclose(data["force_left"] + data["force_right"], data["force_total"], rtol=1e-9)
    with ArchiveIndex(tmp_path) as index:
        assert [r["complete"] for r in index.sessions()] == [1]


def _committed_rows(path: Path) -> int:
    try:
        with open_h5_read(path) as f:
            return int(f[COMMITTED][0])
    except (SessionFileError, OSError, KeyError):
        return 0  # not created or not readable yet


def _wait_until_committed(path: Path, *, rows: int, proc: subprocess.Popen[str], limit: float = 60.0) -> None:
    """Wait (polling, at most ``limit`` s so a broken recorder cannot hang the suite) until the recorder
    has committed ``rows`` samples to ``path``."""
    deadline = time.monotonic() + limit
    while _committed_rows(path) < rows:
        assert proc.poll() is None, "recorder exited before committing samples"
        assert time.monotonic() < deadline, f"{path}: fewer than {rows} rows committed after {limit:g} s"
        time.sleep(0.05)


def test_record_killed_keeps_what_was_flushed_and_index_repairs(tmp_path: Path) -> None:
    proc = subprocess.Popen(_cmd(tmp_path, "--seconds", "60"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    path = None
    while path is None:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "recorder exited"
        if line.startswith("recording: "):  # the file in the station's spool, while it is recorded
            path = Path(line.split(": ", 1)[1].strip())
    _wait_until_committed(path, rows=2000, proc=proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    s = open_session(path)
    assert not s.complete
    assert s.stream_rows > 1000
    assert np.all(np.diff(s.stream()["counter"].astype(np.int64)) >= 1)  # sample counter only moves forward
    # the next start of the recorder repairs the index
    proc = subprocess.run(_cmd(tmp_path, "--seconds", "1"), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "1 session(s) found incomplete" in proc.stdout
    with ArchiveIndex(tmp_path) as index:
        assert sorted(r["complete"] for r in index.sessions()) == [0, 1]


def test_record_refuses_bad_arguments_clearly(tmp_path: Path) -> None:
    proc = subprocess.run(_cmd(tmp_path, "--seconds", "-1"), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--seconds must be positive" in proc.stderr and "Traceback" not in proc.stderr


def test_record_detects_analyses_and_prints_each_trial(tmp_path: Path) -> None:
    proc = subprocess.run(_cmd(tmp_path, "--trials", "2"), capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("trial ")]
    assert [line.split(":")[0] for line in lines] == ["trial 1", "trial 2"]
    assert all("jump_height_takeoff_velocity = " in line and " m;" in line for line in lines)
    path = Path(next(line for line in proc.stdout.splitlines() if line.startswith("session: ")).split(": ", 1)[1])
    s = open_session(path)
    assert s.complete and len(s.trials) == 2
    counter = s.stream()["counter"].astype(np.int64)
    for t in s.trials:
        assert t.metrics["jump_height_takeoff_velocity"]["method"]
        # the simulator's default jump: 0.35 m (forcelab.simulation.synthetic.cmj), measured when the trial's
        # samples all arrived. On a loaded machine the simulated device (a thread of the recorder) can fall
        # behind and drop frames, as a real device overruns: the counter shows it, and a stretch missing
        # from the flight shortens the flight time. Such a trial is not a measure of the analysis.
        lost = int(np.sum(np.diff(counter[t.start:t.stop]) - 1))
        if lost == 0:
            assert abs(t.metrics["jump_height_flight_time"]["value"] - 0.35) < 0.02
        else:  # ... and the trial says so, with where the samples went missing
            assert any(f["code"] == "samples_lost" for f in t.flags), t.flags
        assert t.n == t.stop - t.start and t.raw.shape == (t.n, 8)
        # the raw counts and the stored calibration give back exactly the force the engine computed
        np.testing.assert_allclose(t.trace_from_raw(s.device["channel_map"]).total, t.total, rtol=1e-12)
    assert s.device["serial"] == "SIM00001" and s.device["firmware"]  # from the device's identify reply


def test_record_with_the_index_down_keeps_the_session_on_the_station_until_it_can_publish(tmp_path: Path) -> None:
    from forcelab.storage.spool import pending
    from support.postgres import free_port

    down = f"postgresql://forcelab@127.0.0.1:{free_port()}/lab"  # nothing listens there
    proc = subprocess.run(_cmd(tmp_path, "--seconds", "2"), capture_output=True, text=True, timeout=60,
                          env={**os.environ, "FORCELAB_INDEX": down})
    assert proc.returncode == 0, proc.stderr
    assert "unreachable" in proc.stderr and "recording anyway" in proc.stderr and "Traceback" not in proc.stderr
    (waiting,) = pending(tmp_path)
    assert open_session(waiting).complete and not list((tmp_path / "sessions").rglob("*.h5"))
    # the next command that can reach an index publishes it
    proc = subprocess.run([sys.executable, "-c", "from forcelab.cli import main; raise SystemExit(main())", "index",
                           "--archive", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "published waiting session" in proc.stdout and pending(tmp_path) == []
    with ArchiveIndex(tmp_path) as index:
        assert [r["path"] for r in index.sessions()] == [f"sessions/{waiting.parent.name}/{waiting.name}"]
