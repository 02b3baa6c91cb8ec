"""Index backends: the trend query and the publish latency on SQLite and on a real PostgreSQL server.

Run: ``.venv/bin/python bench/index_backends.py [--sessions 1000] [--publishes 20]``

Prints, for SQLite (``index.sqlite`` in the archive) and for PostgreSQL (a throw-away server started on
127.0.0.1 by ``tests/support/postgres.py``, fsync off like the tests' server: a floor, not a tuned lab
server), over an archive of ``--sessions`` session files written through the real writer
(``bench/archive.py``'s ``write_index_archive``: 10 athletes, 3 trials x 4 metrics per session):

* the time to rebuild the index from the files;
* the trend query "peak force asymmetry of one athlete across all sessions": ``ArchiveIndex.metric_values``
  and the whole ``compare.source.athlete_trend`` the app's trend view calls (goal < 100 ms);
* publish latency: ``publish_session`` of a spooled session (a 5 s two-plate import, ~0.2 MB) into the
  archive and the index (copy, fsync, register, rename, commit), median and max of ``--publishes``.
  The "shared" folder is a local disk here; on a network share add its copy time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the PostgreSQL server helper the tests use

from archive import ATHLETES, write_index_archive  # noqa: E402  (bench/archive.py)
from forcelab.compare.source import athlete_trend  # noqa: E402
from forcelab.storage import spool  # noqa: E402
from forcelab.storage.archive import archive_dir, new_session_path  # noqa: E402
from forcelab.storage.importer import import_file  # noqa: E402
from forcelab.storage.index import ArchiveIndex  # noqa: E402
from forcelab.storage.publish import publish_session  # noqa: E402
from support.postgres import PostgresServer, missing  # noqa: E402

EXAMPLE = ROOT / "recordings" / "examples" / "cmj_two_plates.csv"
METRIC = "peak_force_asymmetry"


def _times(fn: Callable[[], object], n: int) -> tuple[float, float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out) * 1000, max(out) * 1000


def bench_queries(name: str, archive: Path, url: str | None) -> None:
    with ArchiveIndex(archive, url) as index:
        t0 = time.perf_counter()
        report = index.rebuild()
        rebuild = time.perf_counter() - t0
        values = index.metric_values(ATHLETES[0], METRIC)
        k = iter(range(10**9))
        q_med, q_max = _times(lambda: index.metric_values(ATHLETES[next(k) % 10], METRIC), 30)
        t_med, t_max = _times(lambda: athlete_trend(index, ATHLETES[next(k) % 10], METRIC), 30)
    print(f"{name}: rebuild of {report.added} sessions {rebuild:.2f} s")
    print(f"  metric_values ({len(values)} trial values of one athlete): median {q_med:.2f} ms, max {q_max:.2f} ms")
    print(f"  athlete_trend (the app's trend view):           median {t_med:.2f} ms, max {t_max:.2f} ms"
          " (goal < 100 ms)")


def bench_publish(name: str, tmp: Path, url: str | None, n: int) -> None:
    archive = archive_dir(tmp / f"shared-{name}")
    when = datetime(2026, 1, 1, 9, 0).astimezone()
    spooled = []
    for i in range(n):
        started = when + timedelta(minutes=i)
        dest = new_session_path(spool.spool_dir(archive), "Bench", ["cmj"], started, also_free_in=[archive])
        spooled.append(import_file(EXAMPLE, archive=archive, athlete="Bench", test="cmj", started=started, dest=dest))
    size = spooled[0].stat().st_size
    with ArchiveIndex(archive, url) as index:
        it = iter(spooled)
        med, worst = _times(lambda: publish_session(next(it), archive, index=index), n)
        assert len(index.sessions()) == n
    print(f"{name}: publish of a {size / 1e6:.2f} MB session: median {med:.1f} ms, max {worst:.1f} ms ({n} sessions)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000, help="sessions in the archive for the query benchmark")
    parser.add_argument("--publishes", type=int, default=20, help="sessions to publish for the latency figure")
    args = parser.parse_args()
    why = missing()
    if why is not None:
        raise SystemExit(f"cannot start PostgreSQL here: {why}")
    server = PostgresServer()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        spool_env = tmp / "spool"
        os.environ[spool.SPOOL_ENV] = str(spool_env)
        try:
            server.start()
            t0 = time.perf_counter()
            archive = write_index_archive(args.sessions, tmp / "archive")
            print(f"archive of {args.sessions} sessions written in {time.perf_counter() - t0:.1f} s")
            bench_queries("sqlite", archive, None)
            bench_queries("postgresql", archive, server.create_database("bench"))
            bench_publish("sqlite", tmp, None, args.publishes)
            bench_publish("postgresql", tmp, server.create_database("bench_publish"), args.publishes)
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
