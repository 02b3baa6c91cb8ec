"""Comparison figures: drawing one athlete's trends over 500 sessions, and writing a session report.

Goals (issue 6): trends of one athlete over 500 sessions drawn in < 200 ms; a PDF report in < 2 s.
The archive is built once with the real writer and analysis (forcelab.simulation.example_archive) in
bench/out/compare-archive and reused by later runs (delete it to rebuild).

    .venv/bin/python bench/compare.py [--sessions 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from forcelab.compare.source import athlete_trend  # noqa: E402
from forcelab.simulation import example_archive  # noqa: E402
from forcelab.storage.index import ArchiveIndex  # noqa: E402


def build(path: Path, sessions: int) -> None:
    marker = path / f"built-{sessions}"
    if marker.exists():
        return
    t0 = time.perf_counter()
    plan = example_archive.AthletePlan("Bench Athlete", 78.0, lambda w: 0.34 - 0.0001 * w, lambda w: 6.0)
    example_archive.build(path, weeks=sessions, trials=3, athletes=[plan])
    marker.write_text("ok")
    print(f"built {sessions} sessions in {time.perf_counter() - t0:.0f} s (once)")


def median_ms(fn, repeat: int = 7) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sessions", type=int, default=500)
    args = ap.parse_args()
    path = Path(__file__).resolve().parent / "out" / "compare-archive"
    build(path, args.sessions)

    from PySide6 import QtWidgets

    from forcelab.gui.compare_window import AthleteTrendView
    from forcelab.gui.report import write_session_report

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    with ArchiveIndex(path) as index:
        n = len(index.sessions("Bench Athlete"))
        q_med, q_max = median_ms(lambda: athlete_trend(index, "Bench Athlete", "jump_height_takeoff_velocity"))
        view = AthleteTrendView(index)
        view.resize(1280, 800)
        view.show()
        view.show_athlete("Bench Athlete", "jump_height_takeoff_velocity")

        def draw() -> None:
            view.refresh()
            view.grab()  # forces a full paint of the chart and table

        d_med, d_max = median_ms(draw)
        session = Path(index.archive) / index.sessions("Bench Athlete")[-1]["path"]
        out = path.parent / "bench-report.pdf"
        r_med, r_max = median_ms(lambda: write_session_report(session, out, index=index), repeat=3)
    print(f"sessions in the archive for the athlete: {n}")
    print(f"trend query + statistics:         median {q_med:7.1f} ms   max {q_max:7.1f} ms")
    print(f"trend drawn (query+chart+table):  median {d_med:7.1f} ms   max {d_max:7.1f} ms   goal < 200 ms")
    print(f"PDF session report with trends:   median {r_med:7.1f} ms   max {r_max:7.1f} ms   goal < 2000 ms")
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
