"""Onset, take-off and landing detection on hand-made traces with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forcelab.analysis.events import (
    FlightRegions,
    _first_run_above,
    detect_flight,
    detect_flights,
    detect_onset,
    first_run,
    first_true,
)
from forcelab.simulation import synthetic
from forcelab.storage.readers import read_force_file


def test_first_run_and_first_true() -> None:
    c = np.array([0, 1, 1, 0, 1, 1, 1, 0], dtype=bool)
    assert first_run(c, 3) == 4
    assert first_run(c, 2) == 1
    assert first_run(c, 2, start=3) == 4
    assert first_run(c, 4) is None
    assert first_true(c, 2) == 2 and first_true(c, 7) is None


def test_onset_persistence_floor_and_step_back() -> None:
    rate = 1000.0
    x = np.full(3000, 700.0)
    x[1200:1210] = 600.0          # 10 ms blip: shorter than the 30 ms persistence
    x[2000:] = 650.0              # the movement
    ev = detect_onset(x, rate, 700.0, 0.0, search_start=1000, search_stop=3000)
    assert ev.index == 2000       # SD 0 -> the 10 N floor decides, the blip is ignored
    ev = detect_onset(x, rate, 700.0, 0.0, search_start=1000, search_stop=3000, step_back=0.03)
    assert ev.index == 1970
    ev = detect_onset(x, rate, 700.0, 0.0, search_start=1000, search_stop=3000, direction="above")
    assert ev.index is None and "never left" in (ev.reason or "")


def _jump(rate: float = 1000.0, flight_noise: float = 0.0, landing: bool = True) -> np.ndarray:
    rng = np.random.default_rng(0)
    x = np.concatenate([np.full(1500, 700.0), np.linspace(700, 1400, 200), np.linspace(1400, 0, 100)])
    flight = rng.normal(0, flight_noise, 500) if flight_noise else np.zeros(500)
    parts = [x, flight]
    if landing:
        parts.append(np.linspace(0, 2000, 50))
        parts.append(np.full(1000, 700.0))
    return np.concatenate(parts)


def test_flight_fixed_and_noise_thresholds() -> None:
    x = _jump()
    fl = detect_flight(x, 1000.0, 700.0, search_start=1000, method="fixed", fixed_threshold=20.0)
    # 1400 -> 0 over 100 samples (14.14 N/sample): first sample below 20 N is index 1798
    assert fl.takeoff.index == 1798
    assert fl.landing.index == 1800 + 500 + 1  # linspace(0, 2000, 50): 2nd sample 40.8 N >= 20 N
    x = _jump(flight_noise=2.0)
    fl = detect_flight(x, 1000.0, 700.0, search_start=1000)
    assert fl.threshold is not None and 10.0 <= fl.threshold < 20.0  # mean+5SD of 2 N noise, floor 10 N
    assert fl.takeoff.index is not None and 1797 <= fl.takeoff.index <= 1800


def test_no_landing_and_no_flight() -> None:
    fl = detect_flight(_jump(landing=False), 1000.0, 700.0, search_start=1000)
    assert fl.takeoff.found and not fl.landing.found and "ends in flight" in (fl.landing.reason or "")
    fl = detect_flight(np.full(3000, 700.0), 1000.0, 700.0, search_start=1000)
    assert not fl.takeoff.found and "no flight" in (fl.takeoff.reason or "")


def test_backward_onset_skips_an_early_fidget() -> None:
    rate = 1000.0
    x = np.full(4000, 700.0)
    x[1500:1600] = 650.0          # a 100 ms fidget, then quiet again
    x[3000:] = 600.0              # the jump's unweighting
    fwd = detect_onset(x, rate, 700.0, 1.0, search_start=1000, search_stop=4000)
    back = detect_onset(x, rate, 700.0, 1.0, search_start=1000, search_stop=4000, search="backward")
    assert fwd.index == 1500 and back.index == 3000
    # with no quiet period at all, backward search starts at the region's start
    y = np.full(2000, 650.0)
    assert detect_onset(y, rate, 700.0, 1.0, search_start=0, search_stop=2000, search="backward").index == 0


def _chained(force: np.ndarray, rate: float, bw: float, start: int, **settings: object) -> list[object]:
    """detect_flights' list the slow way: each flight searched afresh (its own flight regions) from the landing."""
    out: list[object] = []
    while True:
        fl = detect_flight(force, rate, bw, search_start=start, **settings)  # type: ignore[arg-type]
        if fl.takeoff.index is None:
            return out
        out.append(fl)
        if fl.landing.index is None or fl.landing.index <= start:
            return out
        start = fl.landing.index


def test_flight_regions_once_per_trace_find_the_same_flights(shared_data: Path) -> None:
    """detect_flights computes the moving mean and its runs once per trace: every flight (indices, crossing times,
    thresholds, notes) is the one a fresh search from the previous landing finds, on hop series at 200 Hz-2 kHz
    (with a double contact) and on a real recording of many jumps."""
    traces = [synthetic.rebound(rate=rate, hops=6, noise_sd=noise, seed=k, double_contacts={3: 0.03}).trace
              for k, (rate, noise) in enumerate(((1000.0, 2.0), (2000.0, 4.0), (500.0, 1.0), (200.0, 0.0)))]
    traces.append(read_force_file(shared_data / "shiny-vertical-jump/example_data/long_4.csv", rate=1000).trace)
    for tr in traces:
        bw = float(np.median(tr.total[tr.total > 200.0]))
        on = int(np.argmax(tr.total > 0.5 * bw))  # from the first contact (a recording may start on an empty plate)
        for settings in ({"min_flight": 0.1}, {"method": "fixed", "fixed_threshold": 20.0},
                         {"absolute": True, "takeoff_persistence": 0.05, "landing_persistence": 0.015}):
            once = detect_flights(tr.total, tr.rate, bw, search_start=on, **settings)  # type: ignore[arg-type]
            assert len(once) >= 3
            assert once == _chained(tr.total, tr.rate, bw, on, **settings)


def test_sustained_contact_search_is_first_run_on_the_whole_remainder() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        x = rng.normal(size=int(rng.integers(5, 300)))
        level, length = float(rng.normal()), int(rng.integers(1, 6))
        start = int(rng.integers(0, x.size))
        full = first_run(x >= level, length, start)
        for guess in (0, start, start + length, int(rng.integers(0, x.size + 10)), x.size + 5):
            assert _first_run_above(x, level, length, start, guess) == full


def test_flight_regions_belong_to_one_array() -> None:
    x = np.full(2000, 700.0)
    with pytest.raises(ValueError, match="another force array"):
        detect_flight(x, 1000.0, 700.0, search_start=0, regions=FlightRegions(x.copy()))
