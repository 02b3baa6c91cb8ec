"""Lab-scale figures (issue 11): batch re-analysis throughput, the trend query, publish latency.

Re-analysis throughput (trials/s) over an archive of at least 5,000 CMJ trials written through the real
writer and analysed with the real analysis (forcelab.simulation.example_archive), serial in this process
and on a dask.distributed LocalCluster of 1 and 2 worker processes. Each mode re-runs every trial
(``force=True``: the same work each time; the files' histories grow by one entry per mode). The cluster's
start-up is timed apart. The archive is built once into bench/out/scale-archive-<trials> and reused.

The trend query: one athlete's jump height across all sessions from the index (median of 20), on SQLite;
on the index at FORCELAB_INDEX as well when given and this tree's ArchiveIndex takes a URL.

    .venv/bin/python bench/scale.py [--trials 5000] [--modes serial,1,2] [--sample SESSIONS]

``--sample N`` times each mode on the first N sessions of the archive only (for a loaded machine, where one
pass over 5,000 trials per mode takes longer than one can wait); the serial line also gives the CPU time
per trial of this process, which the load of others does not inflate (the figure for a projection).

The machine is shared: figures vary with the others' load; the script prints the load average beside them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from forcelab.simulation import example_archive
from forcelab.storage.batch import cluster, run_batch, select_sessions
from forcelab.storage.index import ArchiveIndex

OUT = Path(__file__).resolve().parent / "out"
TRIALS_PER_SESSION = 5


def build(trials: int) -> Path:
    """The cached archive of ``trials`` trials (3 athletes, weekly sessions of 5 CMJs)."""
    weeks = -(-trials // (len(example_archive.ATHLETES) * TRIALS_PER_SESSION))
    path = OUT / f"scale-archive-{trials}"
    marker = path / "built"
    if not marker.exists():
        t0 = time.perf_counter()
        example_archive.build(path, weeks=weeks, trials=TRIALS_PER_SESSION)
        marker.write_text("ok\n")
        print(f"built {path} in {time.perf_counter() - t0:.0f} s (once; reused)")
    return path


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} cores, shared with other engineers"


def reanalysis(archive: Path, modes: list[str], sample: int | None) -> None:
    with ArchiveIndex(archive) as index:
        planned = select_sessions(index)
    total = sum(s.n_trials for s in planned)
    planned = planned[:sample] if sample else planned
    n = sum(s.n_trials for s in planned)
    print(f"archive: {total} trials; re-analysis timed on {n} trials in {len(planned)} sessions per mode "
          "(force: every trial each time)")
    for mode in modes:
        if mode == "serial":
            t0, c0 = time.perf_counter(), time.process_time()
            report = run_batch(planned, force=True)
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            print(f"  serial (this process): {report.trials / dt:7.1f} trials/s  ({dt:.1f} s wall, "
                  f"{1000 * dt / report.trials:.1f} ms/trial wall, {1000 * cpu / report.trials:.1f} ms/trial CPU)"
                  f"  [{load()}]")
            continue
        workers = int(mode)
        t0 = time.perf_counter()
        with cluster(workers=workers) as client:
            client.wait_for_workers(workers)
            t1 = time.perf_counter()
            report = run_batch(planned, client=client, force=True)
            dt = time.perf_counter() - t1
        print(f"  dask, {workers} worker(s):  {report.trials / dt:7.1f} trials/s  ({dt:.1f} s; cluster start "
              f"{t1 - t0:.1f} s)  [{load()}]")
        assert not report.failures, report.failures[:3]


def trend_query(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        sessions = len(index.sessions("Stable Sam"))
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            values = index.metric_values("Stable Sam", "jump_height_takeoff_velocity")
            times.append(time.perf_counter() - t0)
    print(f"trend query (SQLite): {1000 * statistics.median(times):.1f} ms median for {len(values)} values "
          f"over {sessions} sessions")
    url = os.environ.get("FORCELAB_INDEX")
    if url:
        print(f"trend query (FORCELAB_INDEX={url}): not measured: this tree's ArchiveIndex is SQLite only "
              "(PostgreSQL comes with issue 11's index backends)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=5000)
    ap.add_argument("--modes", default="serial,1,2", help="comma list of serial and worker counts")
    ap.add_argument("--sample", type=int, help="time each mode on the first N sessions only")
    args = ap.parse_args()
    archive = build(args.trials)
    reanalysis(archive, args.modes.split(","), args.sample)
    trend_query(archive)
    print("publish latency: not measured: no publish API in this tree (issue 11, stations)")


if __name__ == "__main__":
    main()
