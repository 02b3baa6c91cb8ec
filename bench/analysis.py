"""Speed of forcelab's analysis on real recordings, and of the ``jumpmetrics`` package on the same jump.

Prints, in one run:

* reading: milliseconds per file and MB/s for every real recording read;
* per test type (cmj, sj, dj, imtp): milliseconds per trial for ``forcelab.analysis.dispatch.analyze`` on
  the trials ``find_trials`` finds in real files (best of ``--repeat`` runs, like ``timeit``);
* repeated hops (rebound): milliseconds per trial on simulated 10/5 series (``forcelab.simulation.synthetic.rebound``,
  10 hops, two plates, 2 N noise; ../shared/data holds no repeated-hop recording), at 1 and 2 kHz, the test
  detection (``analysis.detect.detect_test_type``) on the same trials, and the series' flights found with the
  flight regions computed once per trace against searched afresh per flight;
* every test of ``analysis.dispatch.TESTS`` (and the loaded jumps): milliseconds per trial on one synthetic
  trial each, with the ratio to a CMJ timed in the same run;
* online detection: how many times faster than real time ``analysis.segmentation.OnlineTrialDetector`` takes a
  1 kHz stream in 20-sample blocks (the engine's typical read), per trial kind: jumps (CMJ sessions), drop
  landings held (``kind="landing"``) and balance stances (``kind="stance"``), against the jump kind in this run;
* the goal case: every CMJ metric of a 5 s, 1 kHz, two-plate trial (recordings/examples/cmj_two_plates.csv),
  against the goal of 5 ms;
* batch: trials per second for every trial of every real file, read once, found and analysed;
* baseline: ``jumpmetrics.core.jump_processing.process_jump_trial`` on F02_CTRL1 (its own example, 2000 Hz,
  26.64 Hz low-pass, 0.25 s weighing) against forcelab on the same recording with the same low-pass, as a ratio
  (goal: 10x faster).

jumpmetrics is not a forcelab dependency. Install it beside forcelab in a separate environment, e.g.::

    python3 -m venv .bench-venv
    .bench-venv/bin/pip install jumpmetrics
    .bench-venv/bin/pip install --no-deps -e .
    .bench-venv/bin/python bench/analysis.py

Without it, this script prints forcelab's figures and says how to get the baseline. The real recordings
are read from ../shared/data (beside the repository); without them only recordings/examples is used.
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from forcelab.analysis.dispatch import analyze
from forcelab.analysis.types import ForceTrace
from forcelab.cli.analyze import analyse_recording
from forcelab.storage.readers import Recording, read_force_file

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
EXAMPLES = ROOT / "recordings" / "examples"
GOAL_MS = 5.0
GOAL_RATIO = 10.0


@dataclass
class Source:
    """A real recording, how to read it and what test it holds."""

    path: Path
    test: str
    read: dict[str, Any]


def sources() -> list[Source]:
    """Every real recording this bench uses that exists on this machine."""
    s = [
        Source(EXAMPLES / "cmj_two_plates.csv", "cmj", {}),
        Source(EXAMPLES / "sj_two_plates.csv", "sj", {}),
        Source(EXAMPLES / "dj_two_plates.csv", "dj", {}),
        Source(DATA / "jumpmetrics/F02_CTRL1.txt", "cmj", {"rate": 2000}),
        Source(DATA / "jumpmetrics/FHOC_P30_SQT300007.txt", "sj", {"rate": 1000}),
        Source(DATA / "shiny-vertical-jump/example_data/single_trial.csv", "cmj", {"rate": 1000}),
        Source(DATA / "shiny-vertical-jump/example_data/long_1.csv", "cmj", {"rate": 1000}),
        Source(DATA / "shiny-vertical-jump/example_data/long_4.csv", "cmj", {"rate": 1000}),
        *[Source(DATA / "shiny-vertical-jump/example_data/wide_data.csv", "sj", {"rate": 1000, "trial": k})
          for k in (1, 2, 3, 4)],
        *[Source(DATA / f"plateforce/subject01_trial{k}.force.txt", "cmj", {"rate": 1200}) for k in range(1, 7)],
        *[Source(DATA / f"isometric-analyzer/{n}.csv", "imtp", {}) for n in ("Example1", "Example2", "Example3")],
    ]
    return [x for x in s if x.path.is_file()]


def best_ms(fn: Callable[[], object], repeat: int, number: int = 1) -> float:
    """Best mean time of ``number`` calls over ``repeat`` runs, in milliseconds (``timeit``'s convention)."""
    fn()  # warm-up: imports, caches
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best * 1e3


def trials_of(rec: Recording, test: str) -> list[ForceTrace]:
    """The trials ``forcelab analyze`` finds in ``rec`` (segmentation, or the whole file), as slices."""
    found, _notes = analyse_recording(rec, test, {})
    return [rec.trace.slice(t.start_index, t.end_index) for t in found]


def bench_reading(srcs: list[Source], repeat: int) -> None:
    print("== reading (storage.readers.read_force_file)")
    seen: set[Path] = set()
    for s in srcs:
        if s.path in seen:
            continue
        seen.add(s.path)
        ms = best_ms(lambda s=s: read_force_file(s.path, **s.read), repeat)
        mb = s.path.stat().st_size / 1e6
        print(f"  {s.path.name:<34} {mb:6.2f} MB  {ms:7.1f} ms  {mb / (ms / 1e3):6.1f} MB/s")


def bench_per_test(srcs: list[Source], repeat: int) -> None:
    print("== analysis per trial (analysis.dispatch.analyze; best of runs)")
    for test in ("cmj", "sj", "dj", "imtp"):
        times = []
        for s in (x for x in srcs if x.test == test):
            rec = read_force_file(s.path, **s.read)
            for piece in trials_of(rec, test):
                ms = best_ms(lambda p=piece, t=test: analyze(p, t), repeat)
                times.append(ms)
        if times:
            print(f"  {test:<5} {len(times):3d} trials   median {np.median(times):6.2f} ms/trial   "
                  f"min {min(times):6.2f}   max {max(times):6.2f}")
        else:
            print(f"  {test:<5} no trial found in the real files")


def bench_rebound(repeat: int) -> None:
    from forcelab.analysis.detect import detect_test_type
    from forcelab.simulation.synthetic import rebound

    print("== repeated hops per trial (simulated 10/5 series: 10 hops, two plates, 2 N noise; best of runs)")
    for rate in (1000.0, 2000.0):
        traces = [rebound(rate=rate, noise_sd=2.0, seed=k, asymmetry=0.03).trace for k in range(5)]
        times = [best_ms(lambda p=p: analyze(p, "rebound"), repeat) for p in traces]
        det = [best_ms(lambda p=p: detect_test_type(p), repeat) for p in traces]
        print(f"  rebound {rate:6.0f} Hz {len(times):2d} trials ({traces[0].duration:.1f} s)   median "
              f"{np.median(times):6.2f} ms/trial   min {min(times):6.2f}   max {max(times):6.2f}   "
              f"detection median {np.median(det):5.2f} ms")
        once = [best_ms(lambda p=p: _flights_once(p), repeat) for p in traces]
        fresh = [best_ms(lambda p=p: _flights_fresh(p), repeat) for p in traces]
        print(f"    flights of the series: detect_flights (flight regions once per trace) median "
              f"{np.median(once):5.2f} ms; searched afresh per flight {np.median(fresh):5.2f} ms "
              f"({np.median(fresh) / np.median(once):.1f}x)")


def _flights_once(trace: ForceTrace) -> int:
    """The flights of a hop series as the rebound analysis finds them: one :class:`FlightRegions` per trace."""
    from forcelab.analysis.events import detect_flights

    return len(detect_flights(trace.total, trace.rate, trace.total.max() / 4.0, min_flight=0.1))


def _flights_fresh(trace: ForceTrace) -> int:
    """The same flights with every search computing its own flight regions (the moving mean per flight)."""
    from forcelab.analysis.events import detect_flight

    n, start = 0, 0
    while True:
        fl = detect_flight(trace.total, trace.rate, trace.total.max() / 4.0, search_start=start, min_flight=0.1)
        if fl.takeoff.index is None or fl.landing.index is None or fl.landing.index <= start:
            return n + (fl.takeoff.index is not None)
        n, start = n + 1, fl.landing.index
#: The CMJ every battery line is compared with, measured in the same run: 1 kHz, two plates, 2 N noise.
BASELINE = "cmj"


def battery_cases() -> list[tuple[str, ForceTrace, str, dict[str, Any]]]:
    """One synthetic trial (1 kHz, two plates, 2 N noise unless said) for every test of
    :data:`forcelab.analysis.dispatch.TESTS`, and the loaded jumps: ``(label, trace, test, params)``, the CMJ
    baseline first. ../shared/data holds no recording of most battery tests, so every test is timed on the
    simulator's trials, the same for all."""
    from forcelab.analysis.isometric_tests import DEFINITIONS
    from forcelab.simulation import synthetic

    cases: list[tuple[str, ForceTrace, str, dict[str, Any]]] = [
        ("cmj (baseline)", synthetic.cmj(noise_sd=2.0, seed=1).trace, BASELINE, {}),
        ("squat jump", synthetic.squat_jump(noise_sd=2.0, seed=1).trace, "sj", {}),
        ("drop jump (30 cm)", synthetic.drop_jump(noise_sd=2.0, seed=1).trace, "dj", {"drop_height": 0.3}),
        ("repeated hops (10/5)", synthetic.rebound(noise_sd=2.0, seed=1, asymmetry=0.03).trace, "rebound", {}),
        ("cmj + 40 kg load", synthetic.cmj(load_mass=40.0, jump_height=0.2, noise_sd=2.0, seed=1).trace, "cmj",
         {"load_mass": 40.0}),
        ("sj + 20 kg load", synthetic.squat_jump(load_mass=20.0, noise_sd=2.0, seed=1).trace, "sj",
         {"load_mass": 20.0}),
        ("single-leg cmj (left plate)", synthetic.cmj(asymmetry=1.0, jump_height=0.15, noise_sd=2.0, seed=1).trace,
         "sl_cmj", {}),
        ("single-leg dj (right plate)", synthetic.drop_jump(asymmetry=-1.0, jump_height=0.12, noise_sd=2.0,
                                                           seed=1).trace, "sl_dj", {"drop_height": 0.3}),
        ("drop landing, held (30 cm)", synthetic.drop_landing(noise_sd=2.0, seed=1).trace, "landing",
         {"drop_height": 0.3}),
        ("balance, 30 s at 100 Hz", synthetic.quiet_stance(duration=30.0, rate=100.0, noise_sd=1.0, seed=1).trace,
         "balance", {}),
        ("balance, 30 s at 1 kHz", synthetic.quiet_stance(duration=30.0, rate=1000.0, noise_sd=1.0, seed=1).trace,
         "balance", {}),
    ]
    for key, d in DEFINITIONS.items():  # every isometric definition, the pull (imtp) among them
        if d.device == "load_cell":
            trace = synthetic.isometric_load_cell(noise_sd=0.5, seed=1, plates=True).trace
            cases.append((f"load cell: {d.name}", trace, key, {}))
        else:
            cases.append((d.name, synthetic.isometric_pull(noise_sd=2.0, seed=1).trace, key, {}))
    return cases


def battery_tests() -> set[str]:
    """The tests :func:`bench_battery` times (tests/analysis/test_bench_battery.py: every test of the dispatch)."""
    return {test for _, _, test, _ in battery_cases()}


def bench_battery(repeat: int) -> None:
    print("== every test of the battery per trial (analysis.dispatch.analyze on synthetic trials; best of runs; "
          "ratio: time over the CMJ baseline's in this run)")
    cases = battery_cases()
    base = None
    for label, trace, test, params in cases:
        ms = best_ms(lambda tr=trace, t=test, p=params: analyze(tr, t, **p), repeat)
        base = ms if base is None else base  # the first case is the CMJ baseline
        print(f"  {label:<38} {test:<16} {trace.duration:5.1f} s  {trace.rate:5.0f} Hz  {ms:7.2f} ms/trial  "
              f"{ms / base:5.2f}x cmj")


def bench_goal(repeat: int) -> None:
    print(f"== goal: every CMJ metric of a 5 s, 1 kHz, two-plate trial in under {GOAL_MS:g} ms")
    path = EXAMPLES / "cmj_two_plates.csv"
    trace = read_force_file(path).trace
    ms = best_ms(lambda: analyze(trace, "cmj"), repeat, number=5)
    n_metrics = len(analyze(trace, "cmj").metrics)
    verdict = "meets" if ms < GOAL_MS else "MISSES"
    print(f"  {path.name}: {trace.duration:.1f} s, {trace.rate:g} Hz, two plates={trace.has_plates}: "
          f"{ms:.2f} ms for {n_metrics} metrics ({verdict} the goal)")


def bench_batch(srcs: list[Source]) -> None:
    print("== batch: every trial of every real file, read once, then found and analysed as forcelab analyze does")
    recs = [(read_force_file(s.path, **s.read), s.test) for s in srcs]
    t0 = time.perf_counter()
    n = 0
    for rec, test in recs:
        n += len(analyse_recording(rec, test, {})[0])
    dt = time.perf_counter() - t0
    print(f"  {n} trials from {len(recs)} recordings in {dt * 1e3:.0f} ms: {n / dt:.0f} trials/s "
          "(segmentation included)")


def bench_jumpmetrics(repeat: int) -> None:
    print("== baseline: jumpmetrics 0.2 on F02_CTRL1 (2000 Hz, two plates summed, 26.64 Hz low-pass)")
    path = DATA / "jumpmetrics/F02_CTRL1.txt"
    if not path.is_file():
        print(f"  skipped: {path} not found")
        return
    rec = read_force_file(path, rate=2000)
    total = rec.trace.total
    try:
        from jumpmetrics.core.jump_processing import process_jump_trial  # type: ignore[import-not-found]
    except ImportError:
        print("  jumpmetrics is not installed here; install it in a separate environment beside forcelab:\n"
              "    python3 -m venv .bench-venv && .bench-venv/bin/pip install jumpmetrics\n"
              "    .bench-venv/bin/pip install --no-deps -e . && .bench-venv/bin/python bench/analysis.py")
        return

    def jm() -> dict[str, Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return process_jump_trial(total, 2000, "countermovement", 0.25, "F02",
                                      lowpass_cutoff_frequency=26.64, compute_jump_height_from_flight_time=True)

    jm_ms = best_ms(jm, max(5, repeat // 5))
    df = jm()["results_dataframe"]
    pieces = trials_of(rec, "cmj")
    if not pieces:
        print("  forcelab found no CMJ in F02_CTRL1; no ratio")
        return
    piece = pieces[0]
    fl_ms = best_ms(lambda: analyze(piece, "cmj", filter_cutoff=26.64), repeat)
    whole_ms = best_ms(lambda: analyse_recording(rec, "cmj", {"filter_cutoff": 26.64}), repeat)
    fl = analyze(piece, "cmj", filter_cutoff=26.64)
    print(f"  {'jumpmetrics process_jump_trial, whole 20 s file':<52} {jm_ms:8.2f} ms")
    print(f"  {f'forcelab analyze, the trial found ({piece.duration:.1f} s)':<52} {fl_ms:8.2f} ms "
          f"{jm_ms / fl_ms:6.1f}x faster")
    print(f"  {'forcelab find_trials + analyze, whole 20 s file':<52} {whole_ms:8.2f} ms "
          f"{jm_ms / whole_ms:6.1f}x faster (goal {GOAL_RATIO:g}x)")
    # forcelab again with jumpmetrics' own choices (tests/test_cmj.py::test_jumpmetrics_f02): take-off where
    # |F| < 10 N for 0.25 s, trial cut 2 s before take-off, weighing on its first 0.25 s
    their_rules: dict[str, Any] = dict(filter_cutoff=26.64, flight_threshold_method="fixed",
                                       flight_fixed_threshold=10.0, flight_abs=True, takeoff_persistence=0.25,
                                       landing_persistence=0.015)
    to = analyze(rec.trace, "cmj", **their_rules).events["takeoff"].index
    same = None if to is None else analyze(rec.trace.slice(to - 4000, rec.trace.n), "cmj",
                                           weighing_method="fixed", weighing_window=0.25, **their_rules)
    print(f"  {'':<41}{'forcelab defaults':>18}{'forcelab, their rules':>23}{'jumpmetrics':>13}")
    for name in ("jump_height_takeoff_velocity", "takeoff_velocity", "peak_force"):
        mv = fl.value(name)
        mt = None if same is None else same.value(name)
        their = float(df[name].iloc[0]) if name in df else float("nan")
        print(f"  same jump: {name:<30}{'—' if mv is None else f'{mv:.4f}':>18}"
              f"{'—' if mt is None else f'{mt:.4f}':>23}{their:>13.4f}")


def _stream(kind: str) -> tuple[np.ndarray, dict[str, float]]:
    """Ten trials of ``kind`` back to back as one 1 kHz total-force stream (2 N noise), and its thresholds."""
    from forcelab.simulation import synthetic

    rng = np.random.default_rng(1)
    if kind == "jump":
        piece, thr = synthetic.cmj(noise_sd=2.0, seed=1, quiet_after=2.0).trace.total, {}
    elif kind == "landing":
        piece, thr = synthetic.drop_landing(noise_sd=2.0, seed=1, quiet_after=4.0).trace.total, {}
    else:  # a 20 s stance, stepped on and off the empty plate
        stand = synthetic.quiet_stance(duration=20.0, rate=1000.0, noise_sd=2.0, seed=1).trace.total
        piece, thr = np.concatenate([np.zeros(1500), stand, np.zeros(1500)]), {"duration": 15.0}
    total = np.concatenate([piece] * 10)
    return total + rng.normal(0.0, 0.5, total.size) * (total > 0), thr


def bench_online_detection(repeat: int) -> None:
    from forcelab.analysis.segmentation import OnlineTrialDetector

    print("== online detection (analysis.segmentation.OnlineTrialDetector, 1 kHz, 20-sample blocks; best of runs; "
          "ratio: real-time factor over the jump kind's in this run)")
    base = None
    for kind in ("jump", "landing", "stance"):
        total, thr = _stream(kind)
        blocks = [total[i:i + 20] for i in range(0, total.size, 20)]
        found: list[int] = []

        def run(k: str = kind, t: dict[str, float] = thr, b: list[np.ndarray] = blocks,
                out: list[int] = found) -> None:
            det = OnlineTrialDetector(1000.0, kind=k, **t)
            out[:] = [sum(len(det.feed(x)) for x in b) + len(det.finish())]

        ms = best_ms(run, max(1, repeat // 10))
        factor = (total.size / 1000.0) / (ms / 1000.0)
        base = factor if base is None else base
        print(f"  {kind:<8} {total.size / 1000.0:6.1f} s stream, {found[0]:2d} trials found  {ms:8.1f} ms  "
              f"{factor:7.0f}x real time  {factor / base:5.2f}x jump")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=30, help="runs per timing; the best is reported")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    srcs = sources()
    print(f"forcelab analysis bench: {len(srcs)} real recordings; numpy {np.__version__}")
    bench_reading(srcs, max(3, args.repeat // 5))
    bench_per_test(srcs, args.repeat)
    bench_rebound(args.repeat)
    bench_battery(args.repeat)
    bench_online_detection(args.repeat)
    bench_goal(args.repeat)
    bench_batch(srcs)
    bench_jumpmetrics(args.repeat)


if __name__ == "__main__":
    main()
