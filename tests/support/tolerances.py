"""How close forcelab must come to each reference and to synthetic truth, and why: the one place for both.

The real-data tests (tests/analysis/test_cmj.py, test_sj.py, test_dj.py, test_isometric.py, test_real_plates.py)
and the validation report (bench/validation.py -> docs/validation.md) import these, so the report counts exactly
what the tests hold. A :class:`ReferenceSet` is one recording of ../shared/data analysed with one group of
settings (the settings that reproduce the other program's); its :class:`Reference` values are what that program
computed on the same file (../shared/data/README.md), each with its :class:`Tolerance` and the reason for it.
References are not ground truth: every program weighs, finds onset and take-off and filters its own way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from forcelab.analysis.jump_rate import (
    CHECKED_RATES,
    FLIGHT_TIME_TOLERANCE,
    JUMP_HEIGHT_TOLERANCE,
    LOW_RATE_SAMPLE_FRACTION,
    MIN_ALIAS_FREQUENCY,
    alias_frequency,
    flight_time_tolerance,
)

INF = math.inf


@dataclass(frozen=True)
class Tolerance:
    """Allowed difference ``value - reference``: within ``max(abs, rel * |reference|)`` either way, or, when
    ``lowest``/``highest`` are given, inside ``[lowest, highest]`` (a one-sided or asymmetric bound)."""

    reason: str
    abs: float = 0.0
    rel: float = 0.0
    lowest: float | None = None
    highest: float | None = None

    def bound(self, reference: float) -> float:
        """Half-width of the symmetric band around ``reference``."""
        return max(self.abs, self.rel * abs(reference))

    def limits(self, reference: float) -> tuple[float, float]:
        """Least and greatest allowed difference."""
        b = self.bound(reference)
        return (-b if self.lowest is None else self.lowest, b if self.highest is None else self.highest)

    def holds(self, value: float | None, reference: float) -> bool:
        """True when ``value`` (``None``: not found, never within) is within tolerance of ``reference``."""
        if value is None or not math.isfinite(value):
            return False
        lo, hi = self.limits(reference)
        return lo <= value - reference <= hi

    def describe(self, reference: float, unit: str = "", scale: float = 1.0) -> str:
        """The tolerance in words, e.g. ``±0.01 m``, ``±2 %``, ``exact``, ``-2 to 0 samples``; ``scale`` converts
        to the display ``unit`` (100 for m shown in cm)."""
        u = f" {unit}" if unit else ""
        lo, hi = (v * scale for v in self.limits(reference))
        if self.lowest is not None or self.highest is not None:
            if hi == INF:
                return f"> {lo:+g}{u}" if lo else "above the reference"
            if lo == -INF:
                return f"< {hi:+g}{u}" if hi else "below the reference"
            return f"{lo:+g} to {hi:+g}{u}"
        if hi == 0:
            return "exact"
        if self.rel and self.rel * abs(reference) >= self.abs:
            return f"±{self.rel * 100:g} %"
        return f"±{hi:.3g}{u}"

    def approx(self, reference: float) -> Any:
        """``pytest.approx`` of ``reference`` with this (symmetric) tolerance, for ``assert x == ...``."""
        import pytest

        if self.lowest is not None or self.highest is not None:
            raise ValueError("a one-sided tolerance has no approx(); use holds()")
        return pytest.approx(reference, abs=self.abs, rel=self.rel)


@dataclass(frozen=True)
class Reference:
    """One reference value: ``name`` is a metric of the result (``kind="metric"``), an event's sample index
    (``"event"``), an event's time in the file's own time column (``"event_time"``) or a plain count
    (``"count"``). ``column`` (with ``scale``) names the column of a per-trial table holding the value instead."""

    name: str
    value: float | None
    tol: Tolerance
    kind: str = "metric"
    column: str | None = None
    scale: float = 1.0
    label: str | None = None

    @property
    def key(self) -> str:
        """What the reference is called in its set and in the report (``label``, else ``name``)."""
        return self.label or self.name

    def approx(self) -> Any:
        """``pytest.approx`` of this reference with its tolerance."""
        assert self.value is not None, f"{self.name}: per-trial reference; use at(row)"
        return self.tol.approx(self.value)

    def holds(self, value: float | None) -> bool:
        """``value`` within tolerance of this reference."""
        assert self.value is not None, f"{self.name}: per-trial reference; use at(row)"
        return self.tol.holds(value, self.value)

    def at(self, row: Mapping[str, str]) -> Reference:
        """This reference with its value read from ``row`` of a per-trial table (``column`` times ``scale``)."""
        if self.column is None:
            return self
        return Reference(self.name, float(row[self.column]) * self.scale, self.tol, self.kind, label=self.label)


@dataclass(frozen=True)
class ReferenceSet:
    """A recording of ../shared/data, how it is analysed, and the references for the result.

    ``file`` is relative to ../shared/data, read with ``read_force_file(path, rate=rate, trial=trial)``;
    ``total_only`` analyses the sum of the plates as one channel (as the reference program did). ``settings``
    are the flat settings that reproduce the reference program's (printed in the report). With
    ``cut_before_takeoff`` (s) the recording is first analysed with ``settings`` to find take-off, then cut to
    start that long before it (jumpmetrics' trial cut) and analysed again with ``settings`` plus ``cut_settings``.
    ``table_trial`` is the trial's row in a per-trial table of references (plateforce)."""

    key: str
    dataset: str
    title: str
    file: str
    test: str
    source: str
    refs: tuple[Reference, ...]
    rate: float | None = None
    trial: int | None = None
    total_only: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict)
    cut_before_takeoff: float | None = None
    cut_settings: Mapping[str, Any] = field(default_factory=dict)
    table_trial: int | None = None

    def __getitem__(self, name: str) -> Reference:
        for r in self.refs:
            if r.key == name:
                return r
        raise KeyError(f"{self.key} has no reference {name!r}; it has {', '.join(r.key for r in self.refs)}")


def _exact(reason: str = "the same definition on the same samples: exact") -> Tolerance:
    return Tolerance(reason)


def _t(abs_: float = 0.0, reason: str = "", rel: float = 0.0) -> Tolerance:
    return Tolerance(reason, abs=abs_, rel=rel)


G = 9.80665
_SAMPLE_1200 = 1.0 / 1200
_ROUNDING = "a sample of the file, same filter and sample: exact to the reference's rounding"

# ------------------------------------------------------------------------------------------- plateforce

#: plateforce's own settings: 1 s fixed weighing window, onset below BW at 5 SD with 30 ms persistence and Owen's
#: 30 ms step back, fixed 20 N take-off threshold, no filter (result-parity.json).
PLATEFORCE_SETTINGS: dict[str, Any] = dict(weighing_method="fixed", onset_direction="below", onset_step_back=0.03,
                                           flight_threshold_method="fixed", flight_fixed_threshold=20.0)

PLATEFORCE_PARITY = ReferenceSet(
    key="plateforce_parity", dataset="plateforce", title="plateforce subject01 trial 1 with plateforce's settings",
    file="plateforce/subject01_trial1.force.txt", rate=1200.0, test="cmj",
    source="plateforce's own result (result-parity.json, result-parity-phases.json)",
    settings=PLATEFORCE_SETTINGS,
    refs=(
        Reference("onset", 4091, _exact(), kind="event"),
        Reference("takeoff", 5014, _exact(), kind="event"),
        Reference("landing", 5733, _exact("same definition (first sample at or above 20 N): exact"), kind="event"),
        Reference("body_weight", 587.1863215, _t(1e-6, "the same 1 s window: exact")),
        Reference("weighing_sd", 5.847321244125191, _t(1e-9, "the same 1 s window: exact")),
        Reference("flight_time", 0.5991666666666667, _t(
            1 / 1200, "plateforce counts samples between its take-off and touchdown samples; forcelab places both "
            "threshold crossings between samples (issue 9): within one sample (0.83 ms at 1200 Hz)")),
        Reference("time_to_takeoff", 0.7691666666666667, _t(1e-12, "same onset and take-off samples: exact")),
        Reference("jump_height_flight_time", 0.44007427, _t(G * 0.6 / 4 / 1200, "the flight time bound above: one "
                                                                               "sample is g·t·dt/4 of height")),
        Reference("takeoff_velocity", 2.8375352, _t(
            9.81 / 1200, "plateforce's trapezoid stops one sample before take-off, ours includes the segment that "
            "crosses the threshold: one segment of near free fall is g/rate = 0.0082 m/s at 1200 Hz")),
        Reference("net_impulse", 169.901226, _t(587.19 / 1200, "the same one segment: body weight / rate")),
        Reference("jump_height_takeoff_velocity", 0.41051766, _t(4e-3, "the take-off velocity bound above, "
                                                                       "times v/g: 2.4 mm, rounded up to 4 mm")),
        Reference("rsi_modified", 0.5337174, _t(6e-3, "the height bound above over 0.77 s to take-off")),
        Reference("propulsion_start", 4720, _t(1, "first zero velocity: the velocity bound moves it by a sample"),
                  kind="event"),
    ))

PLATEFORCE_MIN_FORCE = ReferenceSet(
    key="plateforce_min_force", dataset="plateforce",
    title="plateforce subject01 trial 1, braking from the force minimum (plateforce's definition)",
    file="plateforce/subject01_trial1.force.txt", rate=1200.0, test="cmj",
    source="plateforce's phase result (result-parity-phases.json)",
    settings=dict(PLATEFORCE_SETTINGS, braking_start="min_force"),
    refs=(
        Reference("braking_start", 4299, _exact("braking_start='min_force' is plateforce's definition: exact"),
                  kind="event"),
        Reference("force_at_zero_velocity", 1130.9519, _t(1e-6, "a sample of the file at the same zero-velocity "
                                                                "sample: exact")),
    ))


def _plateforce_table(trial: int) -> ReferenceSet:
    return ReferenceSet(
        key=f"plateforce_table_{trial}", dataset="plateforce",
        title=f"plateforce subject01 trial {trial} against the published methods of reference_subject01.csv",
        file=f"plateforce/subject01_trial{trial}.force.txt", rate=1200.0, test="cmj", table_trial=trial,
        source="reference_subject01.csv: plateforce's side-by-side results of published methods and AMTI "
               "AccuPower's values",
        settings=dict(weighing_method="fixed", onset_direction="below", onset_step_back=0.03,
                      flight_threshold_method="fixed"),
        refs=(
            Reference("body_weight", None, _t(1e-6, "the same 1 s window (bw_100): exact"), column="bw_100"),
            Reference("takeoff", None, Tolerance(
                "jumpmetrics-style take-off (20 N, unfiltered) lands 1-2 samples after our first sample below "
                "20 N", lowest=-2, highest=0), kind="event", column="takeoff_jm"),
            Reference("propulsion_start", None, _t(6, "the same zero-velocity definition; onsets differ by up to "
                                                      "50 samples, which moves it by up to 6 samples (5 ms)"),
                      kind="event", column="velocity_zero"),
            Reference("jump_height_takeoff_velocity", None, _t(0.006, "jumpmetrics without smoothing: its onset "
                                                                      "rule and take-off sample differ; 0.6 cm"),
                      column="jh_jm_nosmooth_cm", scale=0.01, label="jump_height_takeoff_velocity (jumpmetrics)"),
            Reference("jump_height_takeoff_velocity", None, Tolerance(
                "the commercial AccuPower sits 0.5-3.4 cm below the impulse-momentum methods on these trials "
                "(README): ours must be above it too", lowest=0.0, highest=INF),
                column="jh_accupower_cm", scale=0.01, label="jump_height_takeoff_velocity (AccuPower)"),
        ))


PLATEFORCE_TABLE = tuple(_plateforce_table(k) for k in range(1, 7))

# ------------------------------------------------------------------------------------------- jumpmetrics

#: jumpmetrics' take-off and landing: |F| < 10 N held for 0.25 s, landing where F >= 10 N for 30 frames.
JUMPMETRICS_FLIGHT: dict[str, Any] = dict(flight_threshold_method="fixed", flight_fixed_threshold=10.0,
                                          flight_abs=True, takeoff_persistence=0.25)

F02_JUMPMETRICS = ReferenceSet(
    key="f02_jumpmetrics", dataset="jumpmetrics", title="jumpmetrics F02_CTRL1 (CMJ, 2000 Hz) with its settings",
    file="jumpmetrics/F02_CTRL1.txt", rate=2000.0, test="cmj", total_only=True,
    source="jumpmetrics' regression output (expected/example_process_jump_trial_output.csv)",
    settings=dict(JUMPMETRICS_FLIGHT, filter_cutoff=26.64, landing_persistence=0.015),
    cut_before_takeoff=2.0, cut_settings=dict(weighing_method="fixed", weighing_window=0.25),
    refs=(
        Reference("peak_force", 1927.8546, _t(1e-3, _ROUNDING)),
        Reference("peak_landing_force", 2745.19, _t(0.01, _ROUNDING)),
        Reference("flight_time", 0.5095, _t(1.01 / 2000, "frame counting differs by at most one frame")),
        Reference("jump_height_flight_time", 0.31832, _t(1e-3, "the flight time bound above: 1 mm")),
        Reference("jump_height_takeoff_velocity", 0.28695, _t(0.01, "jumpmetrics starts integrating at an earlier "
                                                                    "onset with another body weight: 1 cm")),
        Reference("takeoff_velocity", 2.37275, _t(0.04, "1 cm of height is 0.04 m/s at this velocity")),
        Reference("net_impulse", 175.02, _t(2.0, "2 N·s is 0.028 m/s at 73.8 kg: inside the velocity bound")),
        Reference("braking_net_impulse", 36.45, _t(1.5, "the body-weight difference over the braking phase")),
        Reference("propulsive_net_impulse", 175.08, _t(2.0, "as net impulse")),
        Reference("braking_start", 3123, _exact("braking starts at the velocity minimum in both: the same frame"),
                  kind="event"),
        Reference("braking_time", 0.185, _t(0.005, "phase boundaries within a few ms of each other")),
        Reference("propulsive_time", 0.2535, _t(0.005, "phase boundaries within a few ms of each other")),
        Reference("unweighting_time", 0.6525, _t(0.05, "jumpmetrics' onset rule starts 40 ms earlier here")),
        Reference("countermovement_depth", 0.1745, _t(0.015, "the velocity difference from the earlier onset, "
                                                              "integrated over the countermovement")),
    ))

F02_DEFAULTS = ReferenceSet(
    key="f02_defaults", dataset="jumpmetrics", title="jumpmetrics F02_CTRL1, forcelab's defaults, whole 20 s file",
    file="jumpmetrics/F02_CTRL1.txt", rate=2000.0, test="cmj", total_only=True,
    source="../shared/data/README.md (body weight ≈ 723 N)",
    refs=(Reference("body_weight", 723.0, _t(3.0, "the README gives it to the newton; weighing windows differ "
                                                  "by a few N on a quiet stance")),))


def _p30(cutoff: float, refs: tuple[Reference, ...], source: str) -> ReferenceSet:
    return ReferenceSet(
        key=f"p30_{cutoff:g}hz", dataset="jumpmetrics",
        title=f"jumpmetrics FHOC_P30 (squat jump, 1000 Hz), {cutoff:g} Hz low-pass, with its settings",
        file="jumpmetrics/FHOC_P30_SQT300007.txt", rate=1000.0, test="sj", total_only=True, source=source,
        settings=dict(JUMPMETRICS_FLIGHT, filter_cutoff=cutoff, landing_persistence=0.03),
        cut_before_takeoff=2.0, cut_settings=dict(weighing_method="fixed", weighing_window=0.5), refs=refs)


_P30_V = _t(0.1, "jumpmetrics integrates from another start over an unsteady stance (SD 13 N, flagged here); its "
                 "own two settings rows differ by 0.078 m/s, so 0.1 m/s is the honest tolerance")
_P30_H = _t(0.025, "the velocity bound above: 0.1 m/s is 2.5 cm of height")
P30_50HZ = _p30(50.0, (
    Reference("peak_force", 1360.34, _t(0.01, _ROUNDING)),
    Reference("takeoff_velocity", 2.1176, _P30_V),
    Reference("jump_height_takeoff_velocity", 0.2286, _P30_H),
), "jumpmetrics' example result (expected/p30_squat_jump_example_results.csv)")
P30_26HZ = _p30(26.64, (
    Reference("peak_force", 1359.96, _t(0.01, _ROUNDING)),
    Reference("peak_landing_force", 2085.58, _t(0.01, _ROUNDING)),
    Reference("flight_time", 0.427, _t(1e-3, "jumpmetrics counts samples; forcelab's crossings lie between samples: "
                                             "within one sample (1 ms)")),
    Reference("jump_height_flight_time", 0.2236, _t(1.1e-3, "the flight time bound above: g·t·(1 ms)/4, one sample")),
    Reference("takeoff_velocity", 2.0395, _P30_V),
    Reference("jump_height_takeoff_velocity", 0.2120, _P30_H),
), "jumpmetrics' regression output (expected/example_process_squat_jump_trial_output.csv)")

# ------------------------------------------------------------------------------------------- shiny-vertical-jump

_SHINY_2019 = "the shiny-vertical-jump app's own 2019 output (historical_app_outputs/offline_2019-11-08_analysis.csv)"
_SHINY_ONSET = "their onset comes 56 ms later than our 5 SD onset on this trace"

SHINY_SINGLE_TOTAL = ReferenceSet(
    key="shiny_single_total", dataset="shiny-vertical-jump", title="shiny single_trial.csv (CMJ), total force",
    file="shiny-vertical-jump/example_data/single_trial.csv", rate=1000.0, test="cmj", total_only=True,
    source=_SHINY_2019,
    refs=(
        Reference("peak_force", 1959.73, _t(0.01, "a sample of the file: exact")),
        Reference("body_mass", 80.506, _t(0.5, "their weighing window differs")),
        Reference("flight_time", 0.554, _t(0.003, "take-off and landing thresholds differ by a sample or two")),
        Reference("net_impulse", 206.14, _t(rel=0.02, reason=f"{_SHINY_ONSET}, and their weighing differs: 2 %")),
        Reference("takeoff_velocity", 2.5606, _t(rel=0.02, reason="as net impulse: 2 %")),
        Reference("unweighting_time", 0.377, _t(0.06, f"{_SHINY_ONSET}: 60 ms")),
        Reference("braking_time", 0.154, _t(0.01, "phases after the onset agree within 10 ms")),
        Reference("propulsive_time", 0.276, _t(0.01, "phases after the onset agree within 10 ms")),
    ))

SHINY_SINGLE_PLATES = ReferenceSet(
    key="shiny_single_plates", dataset="shiny-vertical-jump",
    title="shiny single_trial.csv (CMJ), left and right plates, their asymmetry formula",
    file="shiny-vertical-jump/example_data/single_trial.csv", rate=1000.0, test="cmj", source=_SHINY_2019,
    settings=dict(asymmetry_formula="mean_normalised"),
    refs=(
        Reference("left_peak_force", 989.14, _t(1e-6, "a sample of the file: exact")),
        Reference("right_peak_force", 970.59, _t(1e-6, "a sample of the file: exact")),
        Reference("peak_force", 1959.73, _t(1e-6, "a sample of the file: exact")),
        Reference("peak_force_asymmetry", 1.89311792951069, _t(1e-9, "the same formula on the same samples")),
        Reference("left_net_impulse", 93.38, _t(3.0, f"{_SHINY_ONSET} and their per-plate weighing differs; each "
                                                     "N of body weight split moves 0.87 N·s between the plates")),
        Reference("right_net_impulse", 112.77, _t(3.0, "as left net impulse")),
        Reference("net_impulse_asymmetry", -18.8, _t(4.0, "the per-plate impulse bounds above, as a percentage")),
    ))

_SHINY_WIDE = "the app's online 2019 output (historical_app_outputs/online_2019-11-08_analysis.csv)"


def _wide(trial: int, peak: float, left: float, right: float, flight: float) -> ReferenceSet:
    return ReferenceSet(
        key=f"shiny_wide_{trial}", dataset="shiny-vertical-jump",
        title=f"shiny wide_data.csv squat jump {trial}", file="shiny-vertical-jump/example_data/wide_data.csv",
        rate=1000.0, trial=trial, test="sj", source=_SHINY_WIDE + " (README: trust peak force and flight time)",
        refs=(
            Reference("peak_force", peak, _t(1e-6, "a sample of the file: exact")),
            Reference("left_peak_force", left, _t(1e-6, "each plate's own peak (limb_peak='own', as the app): exact")),
            Reference("right_peak_force", right, _t(1e-6, "each plate's own peak: exact")),
            Reference("flight_time", flight, _t(1.01e-3, "thresholds differ by up to a sample")),
        ))


SHINY_WIDE = (_wide(1, 1421.60, 751.19, 689.53, 0.604), _wide(2, 1515.59, 808.32, 708.76, 0.582))

SHINY_LONG = tuple(
    ReferenceSet(key=f"shiny_{name}", dataset="shiny-vertical-jump", title=f"shiny {name}.csv: jumps found",
                 file=f"shiny-vertical-jump/example_data/{name}.csv", rate=1000.0, test="segments",
                 source="../shared/data/README.md (the number of jumps in the recording)",
                 refs=(Reference("jumps", n, _exact("a jump is a jump: every one found, nothing else"),
                                 kind="count"),))
    for name, n in (("long_1", 4), ("long_4", 3)))

#: The 2021 per-sample phase export: with body weight at their onset (its first sample), every sample's phase.
SHINY_PHASES = ReferenceSet(
    key="shiny_phases", dataset="shiny-vertical-jump", title="shiny 2021 export: phase of every sample",
    file="shiny-vertical-jump/historical_app_outputs/app_2021-07-17_raw_force_time.csv", rate=1000.0,
    test="phases", source="the app's 2021 export (app_2021-07-17_raw_force_time.csv), one phase label per sample",
    refs=(Reference("samples_in_another_phase", 0, _exact("the same McMahon boundaries (velocity minimum, first "
                                                          "v >= 0) on the same samples"), kind="count"),))

# ------------------------------------------------------------------------------------------- vertical-jumps-fz

_VJFZ_BW = _t(3.0, "values move in 2.8 N steps: about one step between their quiet second and our steadiest one")
VJFZ = (
    ReferenceSet(key="vjfz_cmj", dataset="vertical-jumps-fz", title="vertical-jumps-fz Dual-CMJ-Fz (CMJ)",
                 file="vertical-jumps-fz/Dual-CMJ-Fz.txt", rate=1000.0, test="cmj", total_only=True,
                 source="../shared/data/README.md (body weight ≈ 662 N, their first second)",
                 refs=(Reference("body_weight", 662.0, _VJFZ_BW),)),
    ReferenceSet(key="vjfz_sj", dataset="vertical-jumps-fz", title="vertical-jumps-fz Dual-SJ-Fz (squat jump)",
                 file="vertical-jumps-fz/Dual-SJ-Fz.txt", rate=1000.0, test="sj",
                 source="the quiet second at the end of the file (≈ 660 N; README: their method weighs there)",
                 refs=(Reference("body_weight", 660.0, _VJFZ_BW),)),
    ReferenceSet(key="vjfz_dj", dataset="vertical-jumps-fz", title="vertical-jumps-fz Dual-DJ-Fz (drop jump)",
                 file="vertical-jumps-fz/Dual-DJ-Fz.txt", rate=1000.0, test="dj",
                 source="../shared/data/README.md (1 s quiet stance at the end ≈ 665 N)",
                 refs=(Reference("body_weight", 665.0, _VJFZ_BW),)),
)

# ------------------------------------------------------------------------------------------- isometric-analyzer

_PEAK = _exact("peak force is a plain fact of the file (README): exact, to the file's own digits")
_PEAK_T = _t(1e-9, "the time column's value at the peak sample: exact")
ISOMETRIC = tuple(
    ReferenceSet(key=f"imtp_{name.lower()}", dataset="isometric-analyzer", title=f"IsometricAnalyzer {name}.csv",
                 file=f"isometric-analyzer/{name}.csv", test="imtp",
                 source="the file itself (README: peak force and its time are plain facts of the file)",
                 refs=(Reference("peak_force", peak, _PEAK), Reference("peak_force", time, _PEAK_T, kind="event_time",
                                                                    label="peak_force_time")))
    for name, peak, time in (("Example1", 2803.552322, 17.016), ("Example1_500hz", 2803.552322, 17.016),
                             ("Example2", 3650.781414, 16.308), ("Example3", 3710.865072, 18.623)))

ISOMETRIC_EXAMPLE3_FIRST = ReferenceSet(
    key="imtp_example3_first", dataset="isometric-analyzer",
    title="IsometricAnalyzer Example3.csv, first second as baseline (IsometricAnalyzer's default)",
    file="isometric-analyzer/Example3.csv", test="imtp", settings=dict(baseline="first"),
    source="../shared/data/README.md (an unstable first second, SD ≈ 83 N)",
    refs=(Reference("baseline_sd", 83.0, _t(0.5, "the README gives the SD to the newton")),))

#: Every reference set, in report order.
REFERENCE_SETS: tuple[ReferenceSet, ...] = (
    PLATEFORCE_PARITY, PLATEFORCE_MIN_FORCE, *PLATEFORCE_TABLE, F02_JUMPMETRICS, F02_DEFAULTS, P30_50HZ, P30_26HZ,
    SHINY_SINGLE_TOTAL, SHINY_SINGLE_PLATES, *SHINY_WIDE, *SHINY_LONG, SHINY_PHASES, *VJFZ, *ISOMETRIC,
    ISOMETRIC_EXAMPLE3_FIRST)

# ------------------------------------------------------------------------------------------- synthetic truth

#: Issue 9: synthetic jumps with known truth, on plates that ring, are not zeroed, are noisy and drift
#: (tests/analysis/test_real_plates.py). The bounds themselves live beside the code they bound, in
#: :mod:`forcelab.analysis.jump_rate` (and docs/methods-jumps.md); these wrap them with their reasons.
SYNTHETIC_JUMP_HEIGHT = Tolerance(f"issue 9: within {JUMP_HEIGHT_TOLERANCE * 100:g} cm of the known truth, whatever "
                                  "the plate does (forcelab.analysis.jump_rate)", abs=JUMP_HEIGHT_TOLERANCE)

#: The rates (Hz) the synthetic bounds are claimed at.
SYNTHETIC_RATES = CHECKED_RATES


def synthetic_flight_time(rate: float) -> Tolerance:
    """Flight time against synthetic truth at ``rate`` Hz (:func:`forcelab.analysis.jump_rate.flight_time_tolerance`)."""
    tol = flight_time_tolerance(rate)
    why = (f"issue 9: within {FLIGHT_TIME_TOLERANCE * 1000:g} ms of the known truth" if tol == FLIGHT_TIME_TOLERANCE
           else f"{LOW_RATE_SAMPLE_FRACTION:g} of a sample ({tol * 1000:.2g} ms) at {rate:g} Hz: the documented "
                "low-rate bound")
    return Tolerance(why + " (forcelab.analysis.jump_rate)", abs=tol)


def synthetic_covered(rate: float, ringing_freq: float | None) -> bool:
    """Whether the synthetic bounds are claimed for a jump at ``rate`` Hz on a plate ringing at ``ringing_freq``
    Hz (``None``: no ringing): inside :data:`SYNTHETIC_RATES`, and the ringing not aliased below
    :data:`forcelab.analysis.jump_rate.MIN_ALIAS_FREQUENCY` (slow false force no method can separate)."""
    lo, hi = SYNTHETIC_RATES
    if not lo <= rate <= hi:
        return False
    return ringing_freq is None or alias_frequency(ringing_freq, rate) >= MIN_ALIAS_FREQUENCY
