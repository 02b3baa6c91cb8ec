"""How long the demo squad's archive takes to write (``forcelab --demo`` builds it once, on a worker thread,
while the window is already open and the simulated plates stream).

    .venv/bin/python bench/demo_archive.py [--repeat 2]

Prints the seconds per build (4 athletes x 10 weekly CMJ sessions x 3 trials, real writer and analysis) and
the archive's size; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from forcelab.simulation import example_archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    for run in range(args.repeat):
        folder = Path(tempfile.mkdtemp(prefix="forcelab-demo-bench-"))
        try:
            t0 = time.perf_counter()
            paths = example_archive.build_demo(folder)
            seconds = time.perf_counter() - t0
            size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            trials = len(paths) * 3
            sys.stdout.write(f"run {run + 1}: {len(paths)} sessions, {trials} trials in {seconds:.1f} s "
                             f"({seconds / trials * 1000:.0f} ms a trial), {size / 1e6:.1f} MB\n")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
