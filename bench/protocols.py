"""Protocol figures: reading the protocol library, and finding an athlete's previous best for a step's target.

The previous best is looked up when a step starts, on the GUI thread (forcelab.gui.protocol_control.previous_best):
one index query, plus, when the protocol has several steps of the same test, the step labels read from the
trial attributes of the files those values are in. This prints both costs for an athlete with ``--sessions``
weekly CMJ sessions (built once with the real writer and analysis in
bench/out/protocol-archive-N; delete it to rebuild).

    .venv/bin/python bench/protocols.py [--sessions 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from forcelab.gui.protocol_control import previous_best  # noqa: E402
from forcelab.gui.services import Archive  # noqa: E402
from forcelab.protocols import library  # noqa: E402
from forcelab.protocols.model import protocol_from_dict  # noqa: E402
from forcelab.simulation import example_archive  # noqa: E402

ATHLETE = "Bench Athlete"


def build(path: Path, sessions: int) -> None:
    marker = path / "built"
    if marker.exists():
        return
    t0 = time.perf_counter()
    plan = example_archive.AthletePlan(ATHLETE, 78.0, lambda w: 0.34 - 0.0001 * w, lambda w: 6.0)
    example_archive.build(path, weeks=sessions, trials=3, athletes=[plan])
    marker.write_text("ok")
    print(f"built {sessions} sessions in {time.perf_counter() - t0:.0f} s (once)")


def timed(fn, repeat: int = 7) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall and CPU milliseconds of ``fn()``."""
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=100)
    args = ap.parse_args()
    folder = Path(__file__).resolve().parent / "out" / f"protocol-archive-{args.sessions}"
    build(folder, args.sessions)
    archive = Archive.open(folder)
    archive.index.sync()
    protocol = protocol_from_dict({"name": "Bench", "steps": [
        {"test": "cmj", "target": {"kind": "previous_best", "metric": "peak_force"}}]})
    step = protocol.steps[0]
    best = previous_best(archive, ATHLETE, protocol, step)
    assert best is not None, "the bench archive has no CMJ peak force"
    wall, cpu = timed(lambda: library.available())
    print(f"protocol library (shipped + user folder): {wall:.1f} ms wall, {cpu:.1f} ms CPU")
    wall, cpu = timed(lambda: previous_best(archive, ATHLETE, protocol, step), repeat=5)
    print(f"previous best from the index, {args.sessions} sessions: {wall:.1f} ms wall, {cpu:.1f} ms CPU; "
          f"best peak force {best[0]:.0f} {best[1]}")
    shared = protocol_from_dict({"name": "Bench", "steps": [
        {"test": "cmj", "label": "A", "target": {"kind": "previous_best", "metric": "peak_force"}},
        {"test": "cmj", "label": "B"}]})
    wall, cpu = timed(lambda: previous_best(archive, ATHLETE, shared, shared.steps[0]), repeat=5)
    print(f"previous best with step labels read from {args.sessions} files: {wall:.0f} ms wall, {cpu:.0f} ms CPU "
          f"({wall / args.sessions:.2f} ms per file)")
    archive.close()


if __name__ == "__main__":
    main()
