"""Data in and out: import speed of each vendor layout and long-format export throughput.

Run: ``.venv/bin/python bench/io.py [--seconds 10] [--rate 1000] [--weeks 8] [--repeat 5]``

Prints
* for each layout (plain CSV, VALD ForceDecks, Hawkin Dynamics, AMTI/Bertec text, C3D), the file size and the
  median time of :func:`read_force_file` on a ``--seconds`` two-plate recording at ``--rate``, and of
  :func:`import_file` (read + write the session + analyse the one trial), over ``--repeat`` runs;
* for an example archive (3 athletes x ``--weeks`` weekly sessions x 3 CMJ trials), the time and rows/s of
  :func:`query_rows` (index + reading every session file) and of writing the rows to CSV and to Parquet.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from forcelab.analysis.types import ForceTrace
from forcelab.simulation import example_archive, synthetic, vendor_files
from forcelab.storage.importer import import_file
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.metrics_export import MetricQuery, query_rows, write_rows
from forcelab.storage.readers import read_force_file


def _median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _plain_csv(trace: ForceTrace, path: Path) -> Path:
    assert trace.left is not None and trace.right is not None
    data = np.column_stack([np.arange(trace.n) / trace.rate, trace.left, trace.right])
    np.savetxt(path, data, delimiter=",", header="time,left,right", comments="", fmt="%.6f")
    return path


def recording(seconds: float, rate: float) -> ForceTrace:
    """A two-plate CMJ padded with quiet stance to ``seconds``."""
    jump = synthetic.cmj(body_mass=80.0, rate=rate, asymmetry=0.06, noise_sd=2.0, seed=1,
                         quiet_before=1.5, quiet_after=1.0).trace
    extra = max(0, int(round(seconds * rate)) - jump.n)
    assert jump.left is not None and jump.right is not None
    pad_l, pad_r = np.full(extra, jump.left[0]), np.full(extra, jump.right[0])
    return ForceTrace.from_plates(rate, np.concatenate([pad_l, jump.left]), np.concatenate([pad_r, jump.right]))


def bench_imports(folder: Path, seconds: float, rate: float, repeat: int) -> None:
    trace = recording(seconds, rate)
    writers: dict[str, Callable[[ForceTrace, Path], Path]] = {
        "csv": _plain_csv,
        "forcedecks": vendor_files.write_forcedecks,
        "hawkin": vendor_files.write_hawkin,
        "amti-bertec": vendor_files.write_amti_bertec,
        "c3d": vendor_files.write_c3d,
    }
    print(f"import of a {seconds:g} s two-plate recording at {rate:g} Hz ({trace.n} samples), median of {repeat}")
    print(f"{'layout':<12} {'file size':>10} {'read_force_file':>16} {'import_file':>12}")
    for layout, write in writers.items():
        src = write(trace, folder / f"rec_{layout}.{'c3d' if layout == 'c3d' else 'csv'}")
        rec = read_force_file(src)
        assert rec.layout == layout, (layout, rec.layout)
        t_read = _median_time(lambda src=src: read_force_file(src), repeat)
        archive = folder / f"archive_{layout}"
        t_import = _median_time(lambda src=src, archive=archive: import_file(
            src, archive=archive, athlete="Bench", test="cmj", whole=True), repeat)
        print(f"{layout:<12} {src.stat().st_size / 1e6:>8.2f} MB {t_read * 1e3:>13.1f} ms {t_import * 1e3:>9.1f} ms")


def bench_export(folder: Path, weeks: int, repeat: int) -> None:
    archive = folder / "export_archive"
    example_archive.build(archive, weeks=weeks, trials=3)
    with ArchiveIndex(archive) as index:
        t_query = _median_time(lambda: query_rows(index, MetricQuery()), repeat)
        rows = query_rows(index, MetricQuery())
    n = len(rows)
    sessions = len({r["session"] for r in rows})
    print(f"\nexport of {n} metric values ({sessions} sessions, 3 trials each), median of {repeat}")
    print(f"{'step':<28} {'time':>9} {'rows/s':>10} {'file size':>10}")
    print(f"{'query_rows (index + files)':<28} {t_query * 1e3:>6.1f} ms {n / t_query:>10.0f}")
    for suffix in ("csv", "parquet"):
        out = folder / f"metrics.{suffix}"
        t = _median_time(lambda out=out: write_rows(rows, out), repeat)
        print(f"{'write ' + suffix:<28} {t * 1e3:>6.1f} ms {n / t:>10.0f} {out.stat().st_size / 1e3:>7.1f} kB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_imports(Path(tmp), args.seconds, args.rate, args.repeat)
        bench_export(Path(tmp), args.weeks, args.repeat)


if __name__ == "__main__":
    main()
