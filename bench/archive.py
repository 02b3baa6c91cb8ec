"""Archive benchmarks: write throughput, size, open+read time, cross-session query time.

Run: ``.venv/bin/python bench/archive.py [--seconds 300] [--sessions 1000]``

Prints
* write throughput of :class:`SessionWriter` for 8 channels x 2 kHz, as a multiple of real time (goal
  >= 100x), for gzip (the default: MATLAB and R read it with no plugin), lzf and no compression, next to a
  baseline that dumps the same arrays with ``ndarray.tofile`` in the same run;
* bytes per minute of recording (file size after closing / minutes recorded);
* time to open a session and read one trial;
* time to answer "asymmetry of peak force for one athlete across all sessions" from the SQLite index
  with ``--sessions`` session files in the archive (goal < 100 ms), and the time to rebuild that index.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from forcelab.analysis.types import Metric, TrialResult
from forcelab.devices.calibration import Calibration
from forcelab.devices.types import SampleBlock
from forcelab.storage.archive import SESSIONS_DIR, archive_dir
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import open_session
from forcelab.storage.writer import SessionInfo, SessionWriter

RATE = 2000.0
CHANNELS = 8
BLOCK = 20  # rows per engine block (10 ms at 2 kHz)
GAIN = np.full(CHANNELS, 0.005)


def synthetic_counts(seconds: float, seed: int = 0) -> np.ndarray:
    """Plausible load-cell counts: a slowly varying load per cell (jumps every ~5 s) plus ADC noise."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    body = 180.0 + 60.0 * np.clip(np.sin(2 * np.pi * t / 5.0), 0, None) ** 4  # newtons per cell
    cells = body[:, None] * (1.0 + 0.1 * np.arange(CHANNELS)[None, :] / CHANNELS)
    counts = cells / GAIN + rng.normal(0.0, 25.0, (n, CHANNELS)) + 2_000_000
    return counts.astype(np.int32)


def write_session(path: Path, counts: np.ndarray, *, compression: str | None) -> tuple[float, float]:
    """Write ``counts`` block by block through SessionWriter with one trial per 5 s.

    Returns ``(wall seconds, CPU seconds of this process)``: on a shared machine the CPU figure is the
    one that does not depend on what else runs.
    """
    cal = Calibration(tuple(GAIN), (2_000_000.0,) * CHANNELS)  # N = gain * (counts - 2e6)
    info = SessionInfo(athlete="Bench", rate=RATE, tests=["cmj"], channels=CHANNELS, plates=2, calibration=cal,
                       channel_map={"left": [0, 1, 2, 3], "right": [4, 5, 6, 7]})
    n = counts.shape[0]
    counter = np.arange(n, dtype=np.uint64)
    dtime = counter / RATE
    newtons = cal.apply(counts)
    left = newtons[:, :4].sum(axis=1)
    right = newtons[:, 4:].sum(axis=1)
    total = left + right
    t0 = time.perf_counter()
    c0 = time.process_time()
    w = SessionWriter(path, info, compression=compression)
    trial = None
    for s in range(0, n, BLOCK):
        e = min(n, s + BLOCK)
        w.append(SampleBlock(counter[s:e], dtime[s:e], counts[s:e]), total[s:e], left[s:e], right[s:e])
        if s % int(5 * RATE) == int(RATE):
            trial = w.begin_trial("cmj")
        elif trial is not None and s % int(5 * RATE) == int(4 * RATE):
            w.end_trial(trial)
            r = TrialResult(test="cmj", rate=RATE)
            r.add_metric(Metric("peak_force", float(total[s - 2000 : s].max()), "N", "max", {}, "-"))
            w.store_result(trial, r)
            trial = None
    w.close()
    return time.perf_counter() - t0, time.process_time() - c0


def bench_write(seconds: float, tmp: Path) -> Path:
    counts = synthetic_counts(seconds)
    t0 = time.perf_counter()
    base = tmp / "baseline.bin"
    for s in range(0, counts.shape[0], BLOCK * 25):  # same data, plain appends of 0.25 s, no HDF5
        with open(base, "ab") as fh:
            counts[s : s + BLOCK * 25].tofile(fh)
    baseline = time.perf_counter() - t0
    print(f"write {seconds:.0f} s of 8 ch x 2 kHz (trial every 5 s, flush every 0.25 s of wall time):")
    print(f"  baseline ndarray.tofile (raw counts only): {seconds / baseline:8.0f}x real time")
    keep = tmp / "gzip.h5"
    for comp in ("gzip", "lzf", None):
        path = tmp / f"{comp}.h5"
        wall, cpu = write_session(path, counts, compression=comp)
        size = path.stat().st_size
        print(
            f"  SessionWriter {str(comp):5s}: {seconds / wall:6.0f}x real time (wall), "
            f"{seconds / cpu:6.0f}x per CPU second, "
            f"{size / (seconds / 60) / 1e6:6.2f} MB per minute "
            f"(uncompressed raw counts alone: {counts.nbytes / (seconds / 60) / 1e6:.2f} MB/min)"
        )
    return keep


def bench_read(path: Path) -> None:
    for p in (path, _typical_session(path.parent)):
        trials = open_session(p).trials
        if not trials:  # a trial starts every 5 s, so a recording shorter than that has none
            print(f"open a session (no trial, {p.stat().st_size / 1e6:.1f} MB): nothing to read; give --seconds 5 or more")
            continue
        number = trials[min(2, len(trials) - 1)].number  # the third trial, or the last of a shorter session
        times, cpus = [], []
        for _ in range(10):
            t0, c0 = time.perf_counter(), time.process_time()
            s = open_session(p)
            trial = s.trial(number)
            _ = trial.raw.sum() + trial.total.sum()
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        print(f"open a session ({len(s.trials)} trials, {p.stat().st_size / 1e6:.1f} MB) and read trial {number}: "
              f"median {statistics.median(times) * 1000:.1f} ms wall, {statistics.median(cpus) * 1000:.1f} ms CPU")


def _typical_session(tmp: Path) -> Path:
    """30 s with 5 trials: a typical athlete's CMJ session."""
    path = tmp / "typical.h5"
    write_session(path, synthetic_counts(30.0, seed=2), compression="gzip")
    return path


ATHLETES = [f"Athlete {k}" for k in range(10)]


def write_index_archive(n_sessions: int, folder: Path) -> Path:
    """An archive of ``n_sessions`` small sessions (10 athletes, 3 trials x 4 metrics each) written through
    :class:`SessionWriter`; the archive for the cross-session query benchmarks (also bench/index_backends.py)."""
    archive = archive_dir(folder)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rng = np.random.default_rng(1)
    folder = archive / SESSIONS_DIR / "2024"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_sessions):
        athlete = ATHLETES[i % len(ATHLETES)]
        info = SessionInfo(athlete=athlete, rate=1000.0, tests=["cmj"], channels=2, plates=2, raw_unit="N",
                           started=start + timedelta(days=i))
        with SessionWriter(folder / f"s{i:05d}.h5", info) as w:
            force = 700 + rng.normal(0, 5, (300, 2))
            w.append_arrays(force, force.sum(axis=1), force[:, 0], force[:, 1])
            for k in range(3):
                r = TrialResult(test="cmj", rate=1000.0)
                for name in ("peak_force", "peak_force_asymmetry", "jump_height_takeoff_velocity", "rsi_modified"):
                    r.add_metric(Metric(name, float(rng.normal(10, 2)), "1", "m", {}, "-"))
                w.add_trial("cmj", k * 100, k * 100 + 100, r)
    return archive


def bench_index(n_sessions: int, tmp: Path) -> None:
    athletes = ATHLETES
    t0 = time.perf_counter()
    archive = write_index_archive(n_sessions, tmp / "archive")
    made = time.perf_counter() - t0
    (archive / "index.sqlite").unlink(missing_ok=True)
    with ArchiveIndex(archive) as index:
        t0 = time.perf_counter()
        report = index.rebuild()
        rebuild = time.perf_counter() - t0
        times = []
        for k in range(20):
            t0 = time.perf_counter()
            values = index.metric_values(athletes[k % 10], "peak_force_asymmetry")
            times.append(time.perf_counter() - t0)
    print(f"archive of {n_sessions} sessions ({made:.1f} s to write them); index rebuild from the files: "
          f"{rebuild:.2f} s ({report.added} sessions)")
    print(f"  'peak force asymmetry of one athlete across all sessions' ({len(values)} trial values): "
          f"median {statistics.median(times) * 1000:.2f} ms, max {max(times) * 1000:.2f} ms (goal < 100 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="recording length for the write benchmark")
    parser.add_argument("--sessions", type=int, default=1000, help="sessions in the archive for the query benchmark")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = bench_write(args.seconds, tmp)
        bench_read(path)
        bench_index(args.sessions, tmp)


if __name__ == "__main__":
    main()
