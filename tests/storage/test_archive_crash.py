"""A real recorder process killed with SIGKILL mid-trial, and a recorder hitting a full disk.

The child is a small Python writer loop (real SessionWriter, real HDF5 file, real-time pacing) that
reports on stdout how many rows it has handed to the writer; the test kills it in the middle of a trial
and checks what survived on disk.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from forcelab.storage.archive import SESSIONS_DIR
from forcelab.storage.h5open import SessionFileError
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import open_session
from support.archive import RATE, block_for, counts_for

TESTS = Path(__file__).resolve().parents[1]  # tests/, where the support package lives

CHILD = """
import sys, time
sys.path.insert(0, {tests!r})
from support.archive import block_for, info, result_for
from forcelab.storage.writer import SessionWriter
w = SessionWriter({path!r}, info(), flush_interval=0.25)
row = 0
def feed(n):
    global row
    for _ in range(n // 20):
        b, t, l, r = block_for(row, 20)
        w.append(b, t, l, r)
        row += 20
        print("rows", row, flush=True)
        time.sleep(0.01)  # 20 samples at 2 kHz: real time
feed(400)
n = w.begin_trial("cmj"); feed(1200); w.end_trial(n); w.store_result(n, result_for(n)); w.set_decision(n, True, "ok")
print("trial1", n, flush=True)
n = w.begin_trial("cmj"); print("trial2", w.rows, flush=True)
feed(10**7)
"""


def test_sigkill_mid_trial_keeps_completed_trials_and_last_flush(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    path = archive / SESSIONS_DIR / "2026" / "crash.h5"
    path.parent.mkdir(parents=True)
    with ArchiveIndex(archive) as index:
        assert index.sync().added == 0
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(tests=str(TESTS), path=str(path))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    reported = 0
    trial2_start = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        assert line, "recorder exited early"
        word, value = line.split()
        if word == "trial2":
            trial2_start = int(value)
        elif word == "rows":
            reported = int(value)
            if trial2_start is not None and reported >= trial2_start + 2100:  # > 1 s into trial 2
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert trial2_start is not None

    s = open_session(path)  # opens although the writer never closed it (SWMR)
    assert not s.complete
    assert [t.number for t in s.trials] == [1, 2]
    t1, t2 = s.trials
    assert t1.complete and t1.accepted is True and t1.metrics["peak_force"]["value"] == 2001.0
    rows1 = np.arange(t1.start, t1.stop, dtype=np.uint64)
    assert len(rows1) == 1200
    np.testing.assert_array_equal(t1.raw, counts_for(rows1))
    np.testing.assert_array_equal(t1.total, block_for(t1.start, 1200)[1])
    # trial in progress: present up to the last flush, at most 0.5 s lost, and exact
    assert not t2.complete and t2.start == trial2_start
    lost = reported - t2.stop
    assert 0 <= lost <= 0.5 * RATE, f"lost {lost} samples"
    rows2 = np.arange(t2.start, t2.stop, dtype=np.uint64)
    np.testing.assert_array_equal(t2.raw, counts_for(rows2))
    np.testing.assert_array_equal(t2.counter, rows2)

    # the index is repaired on next start: session known, marked incomplete, completed trial indexed
    with ArchiveIndex(archive) as index:
        report = index.sync()
        assert (report.added, report.incomplete) == (1, 1)
        (row,) = index.sessions()
        assert row["complete"] == 0 and row["n_trials"] == 2
        values = index.metric_values("Ada Example", "peak_force")
        assert [(v.trial, v.value, v.complete) for v in values] == [(1, 2001.0, False)]

    # that start also repaired the file: final layout, still marked incomplete, same samples
    import h5py

    with h5py.File(path, "r") as f:  # a plain open works again: no writer's mark left
        assert "trials/trial_002" in f and int(f.attrs["complete"]) == 0
    r = open_session(path)
    assert not r.complete and r.recovered and not r.trials[1].complete
    np.testing.assert_array_equal(r.trials[1].raw, t2.raw)
    assert not path.with_name(path.name + ".lock").exists()


def test_interrupted_trial_the_journal_never_saw_is_found_in_the_samples(tmp_path: Path) -> None:
    """The engine reports a trial only when it ends: after a crash mid-jump, segmentation finds it."""
    from forcelab.simulation import synthetic
    from forcelab.storage.writer import SessionInfo, SessionWriter

    archive = tmp_path / "archive"
    path = archive / SESSIONS_DIR / "2026" / "cut.h5"
    path.parent.mkdir(parents=True)
    jump = synthetic.cmj(body_mass=70.0, jump_height=0.3, rate=1000.0, noise_sd=1.0, seed=4).trace
    assert jump.left is not None and jump.right is not None
    cut = int(jump.n * 0.75)  # killed during the landing
    w = SessionWriter(path, SessionInfo(athlete="Cut", rate=1000.0, tests=["cmj"], channels=2, plates=2, raw_unit="N"))
    lr = np.column_stack([jump.left, jump.right])[:cut]
    w.append_arrays(lr, jump.total[:cut], jump.left[:cut], jump.right[:cut])
    w.abort()  # leaves the recording layout, exactly as a killed recorder does
    with ArchiveIndex(archive) as index:
        assert index.sync().incomplete == 1
    s = open_session(path)
    assert not s.complete and s.recovered
    (trial,) = s.trials
    assert trial.start < int(1.5 * 1000) < trial.stop <= cut  # it starts in the quiet stance before the jump
    assert "abnormally" in trial.note


FULL_DISK_CHILD = """
import os, resource, signal, sys
sys.path.insert(0, {tests!r})
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG from write() instead of being killed
from support.archive import block_for, info, result_for
from forcelab.storage.writer import SessionWriter, ArchiveWriteError
w = SessionWriter({path!r}, info(), flush_interval=0.0)
n = w.begin_trial("cmj"); row = 0
for _ in range(200): b, t, l, r = block_for(row, 100); w.append(b, t, l, r); row += 100
w.end_trial(n); w.store_result(n, result_for(n))
limit = os.path.getsize({path!r}) + 300_000  # the disk is 'full' 300 kB further on
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
n = w.begin_trial("cmj")
try:
    while True:
        b, t, l, r = block_for(row, 100); w.append(b, t, l, r); row += 100
except ArchiveWriteError as exc:
    print("STOPPED", w.flushed_rows, file=sys.stdout, flush=True)
    print(exc, file=sys.stderr, flush=True)
    w.abort()
    sys.stdout.flush(); sys.stderr.flush()
    os._exit(3)  # HDF5 2.0 can crash at interpreter shutdown after a failed write; forcelab record does the same
"""


def test_full_disk_stops_with_clear_message_and_keeps_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "full.h5"
    proc = subprocess.run(
        [sys.executable, "-c", FULL_DISK_CHILD.format(tests=str(TESTS), path=str(path))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 3, proc.stderr
    # (h5py also prints "Exception ignored" noise from freeing ids of the failed file; the CLI hides it)
    assert f"{path}: writing failed" in proc.stderr and "the disk may be full. Recording stopped" in proc.stderr
    flushed = int(proc.stdout.split()[1])
    s = open_session(path)
    assert not s.complete
    t1 = s.trials[0]
    assert t1.complete and t1.n == 20000 and t1.metrics["peak_force"]["value"] == 2001.0
    np.testing.assert_array_equal(t1.raw, counts_for(np.arange(20000, dtype=np.uint64)))
    assert s.stream_rows >= 20000
    # everything committed before the failure is there, and whatever the file offers is exact
    assert s.stream_rows >= flushed > 20000
    assert len(s.trials) == 2 and not s.trials[1].complete
    data = s.stream()
    np.testing.assert_array_equal(data["raw"], counts_for(np.arange(s.stream_rows, dtype=np.uint64)))


def test_truncated_and_corrupted_files_fail_clearly_and_others_still_open(tmp_path: Path) -> None:
    from support.archive import write_session

    archive = tmp_path / "archive"
    folder = archive / SESSIONS_DIR / "2026"
    folder.mkdir(parents=True)
    good = write_session(folder / "good.h5", trials=2)
    data = good.read_bytes()
    truncated = folder / "truncated.h5"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = folder / "garbage.h5"
    garbage.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(range(256)) * 40)
    foreign = folder / "foreign.h5"
    import h5py

    with h5py.File(foreign, "w") as f:
        f["x"] = [1, 2, 3]
    for bad, words in [(truncated, "truncated"), (garbage, "truncated"), (foreign, "not a forcelab session")]:
        try:
            open_session(bad)
        except SessionFileError as exc:
            assert str(bad) in str(exc) and words in str(exc)
        else:
            raise AssertionError(f"{bad} opened")
    assert len(open_session(good).trials) == 2
    with ArchiveIndex(archive) as index:
        report = index.sync()
        assert report.added == 1 and len(report.errors) == 3
        assert all(any(p.name in e for e in report.errors) for p in (truncated, garbage, foreign))
        assert len(index.metric_values("Ada Example", "peak_force")) == 2
