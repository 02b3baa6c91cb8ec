"""Lab-scale figures (issue 11): batch re-analysis throughput, the trend query, publish latency.

Run: ``.venv/bin/python bench/scale.py [--trials 5000] [--per-session 20] [--modes serial,1,2] [--sample N] [--postgres]``

* The archive: at least ``--trials`` CMJ trials, written through the real writer and analysed with the real
  analysis (:func:`forcelab.simulation.example_archive.build`: 3 athletes, weekly sessions of
  ``--per-session`` trials), built once into ``bench/out/scale-archive-<trials>x<per-session>`` and reused.
  Its build rate is printed when it is built.
* Re-analysis throughput (trials/s), serial in this process and on a ``dask.distributed`` LocalCluster of 1
  and 2 single-threaded worker processes, each mode over every trial with ``force`` (the same work each
  time): the real path of ``forcelab reanalyze --all`` (:func:`forcelab.storage.batch.run_batch`: read on
  the worker, re-analyse from the raw data, stage the rewritten file, put it in place and in the index with
  a version check). Per-trial CPU cost: this process's CPU time (serial) or the workers' (Dask, read on
  each worker before and after), which the load of others does not inflate: the figure for a projection.
  The files' size before and after the passes shows whether re-analysis makes files grow. ``--sample N``
  times each mode on the first N sessions only (on a loaded shared machine a pass over 5,000 trials per
  mode takes longer than one can wait).
* The trend query: one athlete's jump height across all sessions (``ArchiveIndex.metric_values``, median
  of 30), on SQLite in the archive and, when ``FORCELAB_INDEX`` names a PostgreSQL index (or with
  ``--postgres``, which starts a throw-away server with ``tests/support/postgres.py`` and stops it after),
  on PostgreSQL too. The re-analysis updates the index at ``FORCELAB_INDEX`` when set, else SQLite.
* Publish latency: ``bench/index_backends.py``'s publish of a spooled 5 s session on each backend.

The machine is shared: wall-clock figures vary with the others' load; the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the PostgreSQL server helper the tests use

from forcelab.simulation import example_archive  # noqa: E402
from forcelab.storage import spool  # noqa: E402
from forcelab.storage.archive import INDEX_NAME  # noqa: E402
from forcelab.storage.batch import cluster, run_batch, select_sessions  # noqa: E402
from forcelab.storage.index import ArchiveIndex  # noqa: E402
from forcelab.storage.index_backend import INDEX_ENV  # noqa: E402
from index_backends import bench_publish  # noqa: E402  (bench/index_backends.py)
from support.postgres import PostgresServer, missing  # noqa: E402

OUT = ROOT / "bench" / "out"
METRIC = "jump_height_takeoff_velocity"
ATHLETE = example_archive.ATHLETES[0].name


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} cores, shared"


def build(trials: int, per_session: int) -> Path:
    """The cached archive of at least ``trials`` trials in sessions of ``per_session``."""
    weeks = -(-trials // (len(example_archive.ATHLETES) * per_session))
    path = OUT / f"scale-archive-{trials}x{per_session}"
    marker = path / "built"
    if not marker.exists():
        shutil.rmtree(path, ignore_errors=True)
        t0, c0 = time.perf_counter(), time.process_time()
        files = example_archive.build(path, weeks=weeks, trials=per_session)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        n = len(files) * per_session
        marker.write_text("ok\n")
        print(f"built {path.name}: {len(files)} sessions, {n} trials in {dt:.0f} s ({60 * len(files) / dt:.0f} "
              f"sessions/min, {n / dt:.1f} trials/s; {1000 * cpu / n:.1f} ms CPU per trial: synthesis, analysis, "
              f"writer, index) [{load()}]")
    return path


def _cpu(client: Any) -> float:
    """The summed CPU time of the cluster's worker processes."""
    return sum(client.run(time.process_time).values())


def reanalysis(archive: Path, url: str, modes: list[str], sample: int | None) -> None:
    with ArchiveIndex(archive, url) as index:
        index.sync()
        planned = select_sessions(index)
        total = sum(s.n_trials for s in planned)
        planned = planned[:sample] if sample else planned
        files = [s.path for s in planned]
        n = sum(s.n_trials for s in planned)
        size0 = sum(p.stat().st_size for p in files)
        print(f"archive: {total} trials; re-analysis of {n} trials in {len(planned)} sessions per mode (force: every "
              f"trial each time; index {index.describe()}); those files {size0 / 1e6:.1f} MB")
        for mode in modes:
            planned = select_sessions(index)[: len(planned)]  # each pass edits the versions the last one left
            if mode == "serial":
                t0, c0 = time.perf_counter(), time.process_time()
                report = run_batch(planned, index=index, force=True)
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                print(f"  serial (this process): {report.trials / dt:6.1f} trials/s ({dt:.0f} s wall, "
                      f"{1000 * cpu / report.trials:.1f} ms CPU per trial) [{load()}]")
            else:
                workers = int(mode)
                t0 = time.perf_counter()
                with cluster(workers=workers) as client:
                    client.wait_for_workers(workers)
                    t1 = time.perf_counter()
                    w0, c0 = _cpu(client), time.process_time()
                    report = run_batch(planned, index=index, client=client, force=True)
                    dt = time.perf_counter() - t1
                    worker_cpu, own_cpu = _cpu(client) - w0, time.process_time() - c0
                print(f"  dask, {workers} worker(s): {report.trials / dt:6.1f} trials/s ({dt:.0f} s wall; cluster start "
                      f"{t1 - t0:.1f} s; {1000 * worker_cpu / report.trials:.1f} ms worker CPU + "
                      f"{1000 * own_cpu / report.trials:.1f} ms CPU here (index, publish) per trial) [{load()}]")
            assert not report.failures, report.failures[:3]
            assert report.trials == n, (report.trials, n)
        size1 = sum(p.stat().st_size for p in files)
        print(f"  those files after {len(modes)} more passes: {size1 / 1e6:.1f} MB ({100 * (size1 / size0 - 1):+.1f} %)")


def trend_query(name: str, archive: Path, url: str) -> None:
    with ArchiveIndex(archive, url) as index:
        t0 = time.perf_counter()
        report = index.sync()
        filled = time.perf_counter() - t0
        sessions = len(index.sessions(ATHLETE))
        times = []
        for _ in range(30):
            t0 = time.perf_counter()
            values = index.metric_values(ATHLETE, METRIC)
            times.append(time.perf_counter() - t0)
    print(f"trend query ({name}): median {1000 * statistics.median(times):.1f} ms, max {1000 * max(times):.1f} ms "
          f"for {len(values)} values over {sessions} sessions of one athlete (goal < 100 ms; index brought up to "
          f"date in {filled:.1f} s, {report.added} added) [{load()}]")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=5000, help="trials in the archive (at least)")
    ap.add_argument("--per-session", type=int, default=20, help="CMJ trials per session")
    ap.add_argument("--modes", default="serial,1,2", help="comma list of serial and worker counts")
    ap.add_argument("--postgres", action="store_true",
                    help="start a throw-away PostgreSQL (tests/support/postgres.py) as FORCELAB_INDEX")
    ap.add_argument("--sample", type=int, metavar="SESSIONS",
                    help="time each mode on the first SESSIONS sessions of the archive only (a loaded machine)")
    ap.add_argument("--publishes", type=int, default=20, help="sessions to publish for the latency figure")
    args = ap.parse_args()
    server = None
    if args.postgres:
        why = missing()
        if why is not None:
            raise SystemExit(f"cannot start PostgreSQL here: {why}")
        server = PostgresServer()
        server.start()
        os.environ[INDEX_ENV] = server.create_database("scale")
    try:
        archive = build(args.trials, args.per_session)
        sqlite = f"sqlite:///{archive / INDEX_NAME}"
        pg = os.environ.get(INDEX_ENV, "")
        reanalysis(archive, pg or sqlite, args.modes.split(","), args.sample)
        trend_query("SQLite", archive, sqlite)
        if pg:
            trend_query("PostgreSQL", archive, pg)
        with tempfile.TemporaryDirectory() as d:
            os.environ[spool.SPOOL_ENV] = str(Path(d) / "spool")
            bench_publish("SQLite", Path(d), sqlite_of(Path(d)), args.publishes)
            if server is not None:  # a database of its own: two archives must not share one index
                bench_publish("PostgreSQL", Path(d), server.create_database("publish"), args.publishes)
            elif pg:
                print("publish latency (PostgreSQL): run with --postgres (it needs an empty database of its own)")
    finally:
        if server is not None:
            server.cleanup()


def sqlite_of(tmp: Path) -> str:
    """The SQLite index of the publish benchmark's archive (``bench_publish`` puts it in ``shared-SQLite``)."""
    return f"sqlite:///{tmp / 'shared-SQLite' / INDEX_NAME}"


if __name__ == "__main__":
    main()
