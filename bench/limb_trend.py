"""Limb asymmetry trend figures: one athlete's single-leg CMJ sessions read from the files and judged
(forcelab.compare.source.limb_asymmetry_trend), cold (every file read) and warm (files cached by version), and
the compare window's limb panel redrawing.

The archive (6 accepted + 1 rejected trial per session, written with the real writer and analysis by
tests/support/limb_archive.py) is built once in bench/out/limb-archive-<n> and reused (delete it to rebuild).

    .venv/bin/python bench/limb_trend.py [--sessions 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from forcelab.compare import source  # noqa: E402
from forcelab.storage.index import ArchiveIndex  # noqa: E402
from support import limb_archive  # noqa: E402


def median_ms(fn, repeat: int = 5, before=None) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sessions", type=int, default=100)
    args = ap.parse_args()
    path = ROOT / "bench" / "out" / f"limb-archive-{args.sessions}"
    if not (path / "built").exists():
        t0 = time.perf_counter()
        weeks = [(0.20, 0.19 if w % 9 else None) for w in range(args.sessions)]  # every ninth: left leg only
        limb_archive.build(path, weeks=weeks, landings=())
        (path / "built").write_text("ok")
        print(f"built {args.sessions} sessions in {time.perf_counter() - t0:.0f} s (once)")
    metric = "jump_height_takeoff_velocity"
    with ArchiveIndex(path) as index:
        def run() -> None:
            source.limb_asymmetry_trend(index, limb_archive.ATHLETE, metric)

        cold = median_ms(run, before=source._single_leg_trials.cache_clear)
        warm = median_ms(run)
        t = source.limb_asymmetry_trend(index, limb_archive.ATHLETE, metric)
        print(f"{len(t.points)} sessions ({sum(p.missing for p in t.points)} missing): limb trend cold "
              f"{cold[0]:.0f} ms (max {cold[1]:.0f}), warm {warm[0]:.1f} ms (max {warm[1]:.1f})")

        from PySide6 import QtWidgets

        from forcelab.gui.compare_window import LimbAsymmetryPanel

        app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
        panel = LimbAsymmetryPanel(index)
        panel.resize(620, 700)
        panel.show()
        panel.show_athlete(limb_archive.ATHLETE)
        app.processEvents()
        draw = median_ms(lambda: (panel.refresh(), app.processEvents()))
        print(f"limb panel refresh and paint (files cached): {draw[0]:.0f} ms (max {draw[1]:.0f})")
        panel.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
