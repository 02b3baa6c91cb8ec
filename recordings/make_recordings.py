"""Build the sample sessions in recordings/ and their expected metrics (recordings/expected.json).

Run from the repository root: ``.venv/bin/python recordings/make_recordings.py``. It reads the
MIT-licensed real recordings from ../shared/data (jumpmetrics, vertical-jumps-fz; never the GPL ones) and
generates synthetic sessions with :mod:`forcelab.simulation.synthetic`, writes each as a forcelab session, analyses
it with today's methods, and stores the key metrics each must keep producing. Re-run it (and review the
diff of expected.json) when an analysis method changes on purpose.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.devices.types import SampleBlock
from forcelab.storage import bridge
from forcelab.storage.importer import import_file
from forcelab.storage.session import open_session
from forcelab.storage.writer import Calibration, SessionInfo, SessionWriter

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"
STARTED = datetime.fromisoformat("2026-01-15T10:00:00+00:00")

#: Metrics each sample must keep producing (those present in the analysis result are checked).
KEY_METRICS = (
    "body_weight", "jump_height_takeoff_velocity", "jump_height_flight_time", "takeoff_velocity",
    "flight_time", "peak_force", "net_impulse", "rsi_modified", "contact_time", "rsi", "peak_force_asymmetry",
)


def analyze(trace: ForceTrace, test: str) -> TrialResult:
    """Today's analysis with its default parameters (``forcelab.analysis.dispatch.analyze``)."""
    return bridge.analyze(trace, test)


#: (file name, source file, test, reader options, published references {metric: (value, tolerance, note)})
REAL = [
    ("jumpmetrics_F02_CTRL1_cmj.h5", "jumpmetrics/F02_CTRL1.txt", "cmj", {"layout": "jumpmetrics", "rate": 2000},
     {"peak_force": (1927.85, 10.0, "jumpmetrics 0.2.0 (26.64 Hz low-pass: peak within a few N)"),
      # jumpmetrics thresholds the low-passed force, which moves take-off and landing by ~10 ms each:
      "flight_time": (0.5095, 0.03, "jumpmetrics 0.2.0 (filtered threshold; ours is unfiltered)"),
      "jump_height_flight_time": (0.31832, 0.035, "jumpmetrics 0.2.0 (follows flight time)")}),
    ("jumpmetrics_FHOC_P30_sj.h5", "jumpmetrics/FHOC_P30_SQT300007.txt", "sj", {"layout": "jumpmetrics", "rate": 1000},
     {"peak_force": (1360.34, 10.0, "jumpmetrics 0.2.0, 50 Hz low-pass"),
      "flight_time": (0.427, 0.03, "jumpmetrics 0.2.0, 26.64 Hz settings (filtered threshold)")}),
    ("vertical_jumps_fz_cmj.h5", "vertical-jumps-fz/Dual-CMJ-Fz.txt", "cmj", {"rate": 1000}, {}),
    ("vertical_jumps_fz_sj.h5", "vertical-jumps-fz/Dual-SJ-Fz.txt", "sj", {"rate": 1000}, {}),
    ("vertical_jumps_fz_dj.h5", "vertical-jumps-fz/Dual-DJ-Fz.txt", "dj", {"rate": 1000}, {}),
]


def synthetic_session(path: Path) -> dict[str, Any]:
    """Three simulated CMJs on an 8-cell dual plate, written as raw counts through SessionWriter."""
    from forcelab.simulation import synthetic

    rate = 1000.0
    gain = np.full(8, 0.01)
    offset_counts = np.linspace(-5000, 5000, 8)
    cal = Calibration(gain, -gain * offset_counts)
    info = SessionInfo(athlete="Synthetic Athlete", rate=rate, tests=["cmj"], channels=8, plates=2,
                       calibration=cal, device_model="forcelab-synthetic", device_serial="SYN1",
                       channel_map={"left": [0, 1, 2, 3], "right": [4, 5, 6, 7]}, started=STARTED,
                       source="forcelab.simulation.synthetic")
    truths = []
    with SessionWriter(path, info) as w:
        row = 0
        for k, (height, asym) in enumerate([(0.30, 0.0), (0.35, 0.05), (0.40, -0.08)]):
            tr = synthetic.cmj(body_mass=72.0, jump_height=height, rate=rate, asymmetry=asym, noise_sd=1.0,
                               seed=k, quiet_before=1.5, quiet_after=1.0)
            left, right = tr.trace.left, tr.trace.right
            assert left is not None and right is not None
            cells = np.column_stack([left / 4] * 4 + [right / 4] * 4)
            counts = np.round(cells / gain + offset_counts).astype(np.int32)
            newtons = cal.apply(counts)
            n = counts.shape[0]
            counter = np.arange(row, row + n, dtype=np.uint64)
            w.append(SampleBlock(counter, counter / rate, counts), newtons.sum(axis=1),
                     newtons[:, :4].sum(axis=1), newtons[:, 4:].sum(axis=1))
            number = w.add_trial("cmj", row, row + n)
            trace = ForceTrace.from_plates(rate, newtons[:, :4].sum(axis=1), newtons[:, 4:].sum(axis=1))
            w.store_result(number, analyze(trace, "cmj"))
            w.set_decision(number, True, "")
            row += n
            truths.append({"jump_height_takeoff_velocity": (tr.truth["jump_height"], 0.01, "synthetic truth")})
    return {"references": truths}


def main() -> int:
    expected: dict[str, Any] = {}
    for name, src, test, options, refs in REAL:
        path = HERE / name
        path.unlink(missing_ok=True)
        try:
            import_file(SHARED / src, archive=HERE, athlete=Path(src).stem, test=test, whole=True,
                        started=STARTED, dest=path, analyze=analyze, **options)
        except bridge.AnalysisUnavailable as exc:
            print(f"skipped {name}: {exc}")  # noqa: T201 (a script)
            path.unlink(missing_ok=True)
            continue
        expected[name] = {"source": f"../shared/data/{src}", "licence": "MIT", "test": test,
                          "references": [{k: list(v) for k, v in refs.items()}]}
    syn = HERE / "synthetic_cmj_session.h5"
    syn.unlink(missing_ok=True)
    info = synthetic_session(syn)
    expected[syn.name] = {"source": "forcelab.simulation.synthetic.cmj (seeds 0-2)", "licence": "MIT", "test": "cmj",
                          "references": [{k: list(v) for k, v in r.items()} for r in info["references"]]}
    for name, entry in expected.items():
        s = open_session(HERE / name)
        entry["trials"] = [
            {k: t.metrics[k]["value"] for k in KEY_METRICS if k in t.metrics} for t in s.trials
        ]
        size = (HERE / name).stat().st_size
        print(f"{name}: {len(s.trials)} trials, {size / 1e6:.2f} MB")  # noqa: T201 (a script)
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
