"""forcelab's validation report: every reference of ../shared/data and a synthetic suite with known truth.

Writes ``docs/validation.md`` and its plots ``docs/validation/*.png``, prints the summary table and the closing
line ``N of M reference values within tolerance``. Run from the repository, beside ``../shared``::

    .venv/bin/python bench/validation.py            # or --out DIR to write elsewhere

What is compared, how closely and why comes from ``tests/support/tolerances.py``, the module the real-data
tests import: the report counts exactly what the tests hold (one reference is one value another program
computed on the same file, analysed with the settings that reproduce that program's). The synthetic suite runs
countermovement jumps of known truth (``tests/support/plates.py`` over ``forcelab.simulation.synthetic``) on
plain, noisy, unzeroed, drifting and ringing plates at 80 Hz - 4 kHz. The plots are painted with the same
QPainter charts the PDF session report uses (``forcelab.gui.painter_charts``), offscreen: no extra dependency.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "tests"))  # the tolerances and loaders the tests use

from forcelab import __version__  # noqa: E402
from forcelab.analysis.dispatch import analyze  # noqa: E402
from forcelab.analysis.jump_rate import MIN_ALIAS_FREQUENCY  # noqa: E402
from forcelab.analysis.kinematics import countermovement_phases, integrate  # noqa: E402
from forcelab.analysis.segmentation import find_trials  # noqa: E402
from forcelab.analysis.settings import CMJSettings, DJSettings, IsometricSettings, SJSettings  # noqa: E402
from forcelab.analysis.types import ForceTrace, TrialResult  # noqa: E402
from forcelab.storage.readers import Recording, read_force_file  # noqa: E402
from support.plates import ringing_cmj  # noqa: E402
from support.real_data import plateforce_reference_row, shiny_phase_file  # noqa: E402
from support.tolerances import (  # noqa: E402
    REFERENCE_SETS,
    SYNTHETIC_JUMP_HEIGHT,
    SYNTHETIC_RATES,
    Reference,
    ReferenceSet,
    synthetic_covered,
    synthetic_flight_time,
)

LOA_Z = 1.96  # Bland & Altman (1986): 95 % limits of agreement, bias ± 1.96 SD of the differences


# ------------------------------------------------------------------------------------------- the numbers


@dataclass(frozen=True)
class Agreement:
    """Bland–Altman summary of differences (forcelab − reference): ``n``, ``bias`` (mean difference), ``sd``
    (sample SD, ``None`` for one difference), the 95 % limits of agreement and the worst (largest |d|) one."""

    n: int
    bias: float
    sd: float | None
    lower: float | None
    upper: float | None
    worst: float


def bland_altman(differences: Sequence[float]) -> Agreement:
    """Bias, SD and limits of agreement (bias ± 1.96 SD) of ``differences``; a ``ValueError`` when empty."""
    d = np.asarray(differences, dtype=float)
    if d.size == 0 or not np.all(np.isfinite(d)):
        raise ValueError(f"Bland–Altman needs finite differences, got {list(differences)!r}")
    bias = float(d.mean())
    worst = float(d[np.argmax(np.abs(d))])
    if d.size < 2:
        return Agreement(1, bias, None, None, None, worst)
    sd = float(d.std(ddof=1))
    return Agreement(int(d.size), bias, sd, bias - LOA_Z * sd, bias + LOA_Z * sd, worst)


def closing_line(within: int, total: int) -> str:
    """The report's last line."""
    if not 0 <= within <= total:
        raise ValueError(f"within ({within}) must be between 0 and the total ({total})")
    return f"{within} of {total} reference values within tolerance"


@dataclass(frozen=True)
class Comparison:
    """One reference value against forcelab's value on the same recording."""

    refset: ReferenceSet
    ref: Reference
    value: float | None
    unit: str

    @property
    def reference(self) -> float:
        assert self.ref.value is not None
        return float(self.ref.value)

    @property
    def difference(self) -> float | None:
        return None if self.value is None else self.value - self.reference

    @property
    def ok(self) -> bool:
        return self.ref.tol.holds(self.value, self.reference)


def load(refset: ReferenceSet, data: Path) -> Recording:
    """The recording of ``refset`` as the tests read it (the sum of the plates only when ``total_only``)."""
    rec = read_force_file(data / refset.file, rate=refset.rate, trial=refset.trial)
    if refset.total_only:
        rec = dataclasses.replace(rec, trace=ForceTrace(rec.trace.rate, rec.trace.total))
    return rec


def analyse(refset: ReferenceSet, trace: ForceTrace) -> TrialResult:
    """``refset``'s analysis: its settings, and jumpmetrics' trial cut before take-off when it has one."""
    result = analyze(trace, refset.test, **refset.settings)
    if refset.cut_before_takeoff is None:
        return result
    to = result.events["takeoff"].index
    if to is None:
        raise ValueError(f"{refset.file}: no take-off to cut the trial at ({result.events['takeoff'].reason})")
    start = max(0, to - int(round(refset.cut_before_takeoff * trace.rate)))
    return analyze(trace.slice(start, trace.n), refset.test, **refset.settings, **refset.cut_settings)


def _phase_mismatches(data: Path) -> float:
    """Samples of the shiny 2021 export whose phase forcelab puts elsewhere (body weight at their onset)."""
    f, phase = shiny_phase_file(data)
    k = integrate(f, 1000.0, float(f[0]), 0, f.size)
    jmin, jz = countermovement_phases(k.velocity)
    if jmin is None or jz is None:
        return float(f.size)
    ours = np.array(["Unweighting"] * f.size, dtype=object)
    ours[jmin:jz] = "Braking"
    ours[jz:] = "Propulsion"
    return float(sum(a != b for a, b in zip(ours, phase, strict=True)))


def compare(refset: ReferenceSet, data: Path) -> list[Comparison]:
    """Every reference of ``refset`` against forcelab's value on its recording in ``data``."""
    refs = refset.refs
    if refset.table_trial is not None:
        row = plateforce_reference_row(data, refset.table_trial)
        refs = tuple(r.at(row) for r in refs)
    if refset.test == "phases":
        return [Comparison(refset, refs[0], _phase_mismatches(data), "samples")]
    rec = load(refset, data)
    if refset.test == "segments":
        return [Comparison(refset, refs[0], float(len(find_trials(rec.trace))), "jumps")]
    result = analyse(refset, rec.trace)
    out = []
    for r in refs:
        if r.kind == "metric":
            m = result.metrics.get(r.name)
            out.append(Comparison(refset, r, None if m is None else m.value, "" if m is None else m.unit))
            continue
        idx = result.events[r.name].index
        if r.kind == "event":
            out.append(Comparison(refset, r, None if idx is None else float(idx), "samples"))
        else:  # event_time: the file's own time column at the event's sample
            t = None if idx is None else (float(rec.time[idx]) if rec.time is not None else idx / rec.trace.rate)
            out.append(Comparison(refset, r, t, "s in file"))
    return out


# ------------------------------------------------------------------------------------------- synthetic suite


@dataclass(frozen=True)
class Condition:
    """A plate condition of the synthetic suite: ``ringing_cmj`` keyword arguments, and words for the report."""

    name: str
    words: str
    offset: float = 0.0
    amp_bw: float = 0.0  # ringing amplitude as a share of body weight
    freq: float = 60.0
    before_landing: bool = False
    noise: float = 0.0
    drift: float = 0.0


BW = 75.0 * 9.80665  # the synthetic athlete (75 kg)
CONDITIONS = (
    Condition("plain", "a clean, zeroed, noiseless plate"),
    Condition("noise", "white noise, 5 N SD", noise=5.0),
    Condition("offset +30 N", "not zeroed: +30 N on the plates", offset=30.0, noise=2.0),
    Condition("offset -30 N", "not zeroed: −30 N on the plates", offset=-30.0, noise=2.0),
    Condition("drift", "5 N of drift over the trial", drift=5.0, noise=2.0),
    Condition("ringing 30 Hz", "ringing after take-off, 15 % BW at 30 Hz", amp_bw=0.15, freq=30.0, noise=2.0),
    Condition("ringing 120 Hz", "ringing after take-off, 15 % BW at 120 Hz", amp_bw=0.15, freq=120.0, noise=2.0),
    Condition("ringing both", "ringing after take-off and before landing, 15 % BW at 60 Hz", amp_bw=0.15,
              freq=60.0, before_landing=True, noise=2.0),
    Condition("issue 9 case", "+10 N unzeroed, ±90 N ringing at 80 Hz after take-off (the issue's plate)",
              offset=10.0, amp_bw=90.0 / BW, freq=80.0, noise=2.0),
)
RATES = (80.0, 100.0, 120.0, 150.0, 200.0, 500.0, 1000.0, 2000.0, 4000.0)
LO, HI = SYNTHETIC_RATES
CLAIMED = (f"{LO:g} Hz – {HI / 1000:g} kHz, ringing not aliased below {MIN_ALIAS_FREQUENCY:g} Hz")
HEIGHTS = (0.20, 0.35, 0.50)


@dataclass(frozen=True)
class SyntheticCase:
    """One synthetic jump: its condition, rate, true height, and forcelab's errors against the truth."""

    condition: Condition
    rate: float
    height: float
    jh_error: float | None  # jump height by take-off velocity − truth (m)
    ft_error: float | None  # flight time − truth (s)
    jh_ft_error: float | None  # jump height by flight time − truth (m)
    airborne_flag: bool

    @property
    def covered(self) -> bool:
        """Inside the range the tests bound (:func:`support.tolerances.synthetic_covered`)."""
        return synthetic_covered(self.rate, self.condition.freq if self.condition.amp_bw > 0 else None)

    @property
    def ok(self) -> bool:
        """Both bounds of the tests hold and no hop was seen in a plain jump."""
        return (SYNTHETIC_JUMP_HEIGHT.holds(self.jh_error, 0.0)
                and synthetic_flight_time(self.rate).holds(self.ft_error, 0.0) and not self.airborne_flag)


def run_synthetic(condition: Condition, rate: float, height: float, seed: int = 1) -> SyntheticCase:
    """One synthetic jump of the suite, analysed with the defaults."""
    s, tr = ringing_cmj(rate, condition.offset, condition.amp_bw * BW, condition.freq,
                        before_landing=condition.before_landing, noise=condition.noise, drift=condition.drift,
                        seed=seed, height=height)
    r = analyze(tr, "cmj")

    def err(name: str, truth: float) -> float | None:
        v = r.value(name)
        return None if v is None else v - truth

    return SyntheticCase(condition, rate, height, err("jump_height_takeoff_velocity", s.truth["jump_height"]),
                         err("flight_time", s.truth["flight_time"]), err("jump_height_flight_time",
                                                                         s.truth["jump_height"]),
                         any(f.code == "airborne_before_takeoff" for f in r.flags))


def synthetic_suite(conditions: Iterable[Condition] = CONDITIONS, rates: Iterable[float] = RATES,
                    heights: Iterable[float] = HEIGHTS) -> list[SyntheticCase]:
    """Every condition at every rate and height."""
    return [run_synthetic(c, r, h) for c in conditions for r in rates for h in heights]


# ------------------------------------------------------------------------------------------- the page


#: Units shown to a sports scientist: heights and depths in cm, times in ms (scale, display unit).
DISPLAY = {"m": (100.0, "cm"), "s": (1000.0, "ms")}


def shown(unit: str) -> tuple[float, str]:
    """The display scale and unit of an SI ``unit``."""
    return DISPLAY.get(unit, (1.0, unit))


def fmt(v: float | None, unit: str = "", signed: bool = False) -> str:
    """``v`` (in SI ``unit``) in its display unit, to 4 significant digits (whole numbers for samples and
    counts), with a sign when ``signed``; ``–`` for none. Below 1e-9 (float rounding) it is 0."""
    if v is None or not math.isfinite(v):
        return "–"
    scale, _ = shown(unit)
    v = v * scale
    sign = "+" if signed else ""
    if unit in ("samples", "jumps", ""):
        if float(v).is_integer():
            return f"{v:{sign}.0f}"
    a = abs(v)
    if a < 1e-9 * scale:
        return "0"
    if a >= 1000:
        return f"{v:{sign}.1f}"
    if a < 1e-3:
        return f"{v:{sign}.1e}"
    return f"{v:{sign}.4g}"


def tol_text(c: Comparison) -> str:
    """The tolerance of comparison ``c`` in its display unit."""
    scale, unit = shown(c.unit)
    return c.ref.tol.describe(c.reference, unit, scale)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _groups(comparisons: Sequence[Comparison]) -> dict[tuple[str, str, str], list[Comparison]]:
    """Comparisons by dataset, reference and tolerance (the same metric held two ways is two rows)."""
    out: dict[tuple[str, str, str], list[Comparison]] = {}
    for c in comparisons:
        out.setdefault((c.refset.dataset, c.ref.key, c.ref.tol.reason), []).append(c)
    return out


def agreement_row(cs: Sequence[Comparison]) -> list[str]:
    """n, bias, limits of agreement, worst case and how many within tolerance, for one metric's comparisons."""
    unit = cs[0].unit
    diffs = [c.difference for c in cs if c.difference is not None]
    missing = len(cs) - len(diffs)
    if diffs:
        a = bland_altman(diffs)
        loa = "–" if a.lower is None else f"{fmt(a.lower, unit, True)} to {fmt(a.upper, unit, True)}"
        cells = [str(len(cs)), fmt(a.bias, unit, True), loa, fmt(a.worst, unit, True)]
    else:
        cells = [str(len(cs)), "–", "–", "–"]
    tol = tol_text(cs[0])
    within = sum(c.ok for c in cs)
    note = f" ({missing} not found)" if missing else ""
    return cells + [tol, f"{within}/{len(cs)}{note}"]


def _origin(cs: Sequence[Comparison]) -> str:
    """Where a group's reference values come from, shortly (the sources up to their details)."""
    return "; ".join(dict.fromkeys(re.split(r" \(|: ", c.refset.source)[0] for c in cs))


def _settings_text(refset: ReferenceSet) -> str:
    parts = [f"`{k}={v}`" for k, v in refset.settings.items()]
    if refset.cut_before_takeoff is not None:
        parts.append(f"trial cut {refset.cut_before_takeoff:g} s before take-off, then "
                     + ", ".join(f"`{k}={v}`" for k, v in refset.cut_settings.items()))
    if refset.total_only:
        parts.append("total force only")
    return ", ".join(parts) if parts else "forcelab's defaults"


DATASETS = {
    "plateforce": "one athlete, six CMJs at 1200 Hz (trimmed to the jump), with plateforce's own result and the "
                  "values of several published methods and of the commercial AMTI AccuPower software",
    "jumpmetrics": "dual AMTI plates: a CMJ at 2000 Hz and a squat jump at 1000 Hz, with the jumpmetrics "
                   "package's regression outputs",
    "shiny-vertical-jump": "left/right plates at 1000 Hz: single and long recordings, with the shiny-vertical-jump "
                           "app's own 2019 and 2021 outputs",
    "vertical-jumps-fz": "left/right plates at 1000 Hz: a CMJ, a squat jump and a drop jump; no published numbers "
                         "beyond body weight",
    "isometric-analyzer": "single-plate isometric pulls at 1000 and 500 Hz; peak force and its time are facts of "
                          "the file",
}


def _metric_rows(comparisons: Sequence[Comparison], names: Sequence[str]) -> list[list[str]]:
    rows = []
    for name in names:
        cs = [c for c in comparisons if c.ref.name == name and c.ref.kind == "metric"]
        if not cs:
            continue
        diffs = [c.difference for c in cs if c.difference is not None]
        if not diffs:
            continue
        a = bland_altman(diffs)
        unit = cs[0].unit
        loa = "–" if a.lower is None else f"{fmt(a.lower, unit, True)} to {fmt(a.upper, unit, True)}"
        rows.append([f"{name} ({shown(unit)[1]})", str(len(cs)), fmt(a.bias, unit, True), loa,
                     fmt(a.worst, unit, True),
                     f"{sum(c.ok for c in cs)}/{len(cs)}"])
    return rows


KEY_METRICS = ("jump_height_takeoff_velocity", "jump_height_flight_time", "flight_time", "takeoff_velocity",
               "peak_force", "body_weight", "net_impulse")


def _synthetic_rows(cases: Sequence[SyntheticCase]) -> list[list[str]]:
    rows = []
    for rate in sorted({c.rate for c in cases}):
        cs = [c for c in cases if c.rate == rate]
        jh = [c.jh_error for c in cs if c.jh_error is not None]
        ft = [c.ft_error for c in cs if c.ft_error is not None]
        a, b = bland_altman(jh), bland_altman(ft)
        bound = synthetic_flight_time(rate)
        inside = [c for c in cs if c.covered]
        rows.append([f"{rate:g}", str(len(cs)),
                     f"{a.bias * 100:+.2f} ({a.lower * 100:+.2f} to {a.upper * 100:+.2f})" if a.lower is not None
                     else f"{a.bias * 100:+.2f}", f"{a.worst * 100:+.2f}",
                     f"{b.bias * 1000:+.2f} ({b.lower * 1000:+.2f} to {b.upper * 1000:+.2f})" if b.lower is not None
                     else f"{b.bias * 1000:+.2f}", f"{b.worst * 1000:+.2f}", f"±{bound.abs * 1000:.3g}",
                     str(sum(c.airborne_flag for c in cs)),
                     (f"{sum(c.ok for c in inside)}/{len(inside)}" if inside else "–")
                     + (f" ({len(cs) - len(inside)} not bounded, {sum(c.ok for c in cs if not c.covered)} of them "
                        "would pass)" if len(inside) < len(cs) else "")])
    return rows


def _condition_rows(cases: Sequence[SyntheticCase]) -> list[list[str]]:
    rows = []
    for cond in dict.fromkeys(c.condition for c in cases):
        cs = [c for c in cases if c.condition == cond and c.covered]
        if not cs:
            continue
        jh = bland_altman([c.jh_error for c in cs if c.jh_error is not None])
        ft = bland_altman([c.ft_error for c in cs if c.ft_error is not None])
        rows.append([cond.name, cond.words, str(len(cs)), f"{jh.worst * 100:+.2f}", f"{ft.worst * 1000:+.2f}",
                     f"{sum(c.ok for c in cs)}/{len(cs)}"])
    return rows


def _defaults_table() -> list[str]:
    kinds = {"CMJ": CMJSettings.defaults(), "squat jump": SJSettings.defaults(), "drop jump": DJSettings.defaults(),
             "isometric": IsometricSettings().params()}
    keys = list(dict.fromkeys(k for d in kinds.values() for k in d))
    rows = [[f"`{k}`", *("" if k not in d else f"{d[k]}" for d in kinds.values())] for k in keys]
    return table(["setting", *kinds], rows)


def render(comparisons: Sequence[Comparison], cases: Sequence[SyntheticCase],
           images: Sequence[tuple[str, str]] = ()) -> str:
    """docs/validation.md from the comparisons, the synthetic cases and the plots (file name, caption)."""
    within, total = sum(c.ok for c in comparisons), len(comparisons)
    sets = list({c.refset.key: c.refset for c in comparisons}.values())
    datasets = list(dict.fromkeys(s.dataset for s in sets))
    covered = [c for c in cases if c.covered]
    L: list[str] = [
        "# Validation: forcelab against other programs and against known truth",
        "",
        "_Generated by `bench/validation.py` (forcelab " + __version__ + "); do not edit by hand — run "
        "`.venv/bin/python bench/validation.py` from a checkout with `../shared/data` beside it._",
        "",
        "This page is what to read before trusting forcelab's numbers. It compares them two ways:",
        "",
        "1. **Against other programs, on real recordings.** Every recording in `../shared/data` "
        "(published by others on real force plates) comes with values another program computed on the same "
        "file: jumpmetrics, plateforce, the shiny-vertical-jump app, the commercial AMTI AccuPower, or facts of "
        "the file itself. forcelab analyses each file with the settings that reproduce that program's "
        "(weighing window, onset rule, take-off threshold, filter), and each of its values is compared with the "
        "reference value. These references are **not ground truth**: each program weighs, finds the onset and "
        "take-off, and filters its own way, so each comparison has a tolerance, with the reason beside it. The "
        "tolerances are the ones forcelab's test suite holds (`tests/support/tolerances.py`).",
        "2. **Against known truth, on synthetic jumps.** Countermovement jumps built from a closed-form "
        "movement (so take-off velocity, jump height and flight time are known exactly), on plates that are "
        "clean, noisy, not zeroed (±30 N), drifting, or ringing after take-off and before landing (the "
        "oscillation of an unloaded plate), sampled from 80 Hz (a cheap load cell) to 4 kHz.",
        "",
        "**How to read the numbers.** Differences are forcelab − reference, in the metric's unit (events in "
        "samples). _n_ is the number of comparisons; _bias_ the mean difference; the _limits of agreement_ "
        "(Bland & Altman 1986) are bias ± 1.96 SD of the differences, the range in which 95 % of differences "
        "are expected to fall (shown from two comparisons up); _worst_ is the largest difference seen. A "
        "comparison is _within tolerance_ when its difference lies inside the tolerance of the test suite.",
        "",
        "## Summary",
        "",
    ]
    rows = []
    for ds in datasets:
        cs = [c for c in comparisons if c.refset.dataset == ds]
        files = len({c.refset.file for c in cs})
        bad = sorted({f"{c.refset.key}: {c.ref.key}" for c in cs if not c.ok})
        rows.append([ds, str(files), str(len(cs)), str(sum(c.ok for c in cs)), "; ".join(bad) or "none"])
    L += table(["dataset", "recordings", "reference values", "within tolerance", "outside tolerance"], rows)
    L += ["", "Key metrics over every real reference (pooled over programs, so the bias mixes their "
          "definitions; per-dataset sections below keep them apart):", ""]
    L += table(["metric", "n", "bias", "limits of agreement", "worst", "within tolerance"],
               _metric_rows(comparisons, KEY_METRICS))
    if covered:
        ok = sum(c.ok for c in covered)
        L += ["", f"Synthetic suite: **{ok} of {len(covered)}** jumps within the test bounds where they are claimed "
              f"({CLAIMED}; jump height by take-off velocity {SYNTHETIC_JUMP_HEIGHT.describe(0, 'cm', 100)}, flight "
              f"time {synthetic_flight_time(1000).describe(0, 'ms', 1000)}, or 0.3 of a sample below 150 Hz); "
              f"{len(cases) - len(covered)} more outside that range, shown below but not counted."]
    for name, caption in images:
        L += ["", f"![{caption}](validation/{name})", "", f"_{caption}_"]
    L += ["", "## Per dataset", ""]
    groups = _groups(comparisons)
    for ds in datasets:
        L += [f"### {ds}", "", DATASETS.get(ds, ""), ""]
        L += table(["reference", "from", "n", "bias", "limits of agreement", "worst", "tolerance", "within"],
                   [[f"`{key}` ({shown(cs[0].unit)[1]})" if cs[0].unit else f"`{key}`", _origin(cs),
                     *agreement_row(cs)] for (d, key, _), cs in groups.items() if d == ds])
        L += ["", "Each recording, its settings and its values:", ""]
        for s in (s for s in sets if s.dataset == ds):
            L += [f"**{s.title}** — `{s.file}`. Reference: {s.source}. Settings: {_settings_text(s)}.", ""]
            L += table(["reference", "unit", "forcelab", "reference value", "difference", "tolerance", "", "why"],
                       [[f"`{c.ref.key}`", shown(c.unit)[1], fmt(c.value, c.unit), fmt(c.reference, c.unit),
                         fmt(c.difference, c.unit, True), tol_text(c), "✓" if c.ok else "✗", c.ref.tol.reason]
                        for c in comparisons if c.refset is s])
            L.append("")
    if cases:
        L += ["## Synthetic jumps with known truth", "",
              f"{len(cases)} countermovement jumps (75 kg; true heights "
              f"{', '.join(f'{h * 100:g}' for h in sorted({c.height for c in cases}))} cm), analysed with "
              "forcelab's defaults. Errors are forcelab − truth: jump height by take-off velocity in cm, flight "
              "time in ms; bias with limits of agreement in brackets.", ""]
        L += table(["rate (Hz)", "n", "JH bias (LoA), cm", "JH worst, cm", "flight time bias (LoA), ms",
                    "flight time worst, ms", "flight time bound, ms", "hop flagged", "within bounds"],
                   _synthetic_rows(cases))
        L += ["", f"Per plate condition, where the bounds are claimed ({CLAIMED}):", ""]
        L += table(["condition", "what the plate does", "n", "JH worst, cm", "flight time worst, ms", "within"],
                   _condition_rows(cases))
        bad = [c for c in covered if not c.ok]
        if bad:
            L += ["", f"Outside the bounds ({len(bad)} of {len(covered)}):", ""]
            L += table(["condition", "rate (Hz)", "true height (cm)", "JH error (cm)", "flight time error (ms)",
                        "hop flagged"],
                       [[c.condition.name, f"{c.rate:g}", f"{c.height * 100:g}", fmt(c.jh_error, "m", True),
                         fmt(c.ft_error, "s", True), "yes" if c.airborne_flag else "no"] for c in bad])
        L += ["", "Bounds (tests/analysis/test_real_plates.py, forcelab.analysis.jump_rate, docs/methods-jumps.md): "
              + SYNTHETIC_JUMP_HEIGHT.reason + "; flight time: " + synthetic_flight_time(1000).reason + "; "
              + synthetic_flight_time(100).reason + f". Not claimed below {LO:g} Hz, nor where the plate's ringing "
              f"aliases below {MIN_ALIAS_FREQUENCY:g} Hz in the samples (e.g. 60 Hz ringing sampled at 80 Hz "
              "appears at 20 Hz: slow false force no method can separate from the athlete); the rows above show "
              "what happens there. \"Hop flagged\" counts `airborne_before_takeoff` on these jumps, which must "
              "stay 0.", ""]
    L += ["## Method settings", "",
          "forcelab's defaults (`forcelab.analysis.settings`; definitions in docs/methods-jumps.md and "
          "docs/methods-isometric.md). Each recording above lists what it changes to match the reference "
          "program.", ""]
    L += _defaults_table()
    L += ["", closing_line(within, total)]
    return "\n".join(L) + "\n"


# ------------------------------------------------------------------------------------------- the plots


def _painter_image(width: int, height: int, draw: Callable[[Any], None], path: Path) -> None:
    """Paint with ``draw(painter)`` on a white ``width`` × ``height`` image and save it as PNG."""
    from PySide6.QtGui import QImage, QPainter

    from forcelab.gui.report import ensure_gui_app

    ensure_gui_app()  # a full QApplication, as the PDF report makes: a bare QGuiApplication would stop later widgets
    img = QImage(width, height, QImage.Format.Format_RGB32)
    img.fill(0xFFFFFF)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    f = p.font()
    f.setPointSizeF(9.0)
    p.setFont(f)
    try:
        draw(p)
    finally:
        p.end()
    if not img.save(str(path)):
        raise OSError(f"could not write {path}")


PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")


def _source_label(c: Comparison) -> str:
    """Which program a jump-height reference comes from, for the plot's legend."""
    if "AccuPower" in c.ref.key:
        return "AMTI AccuPower (commercial)"
    if "(jumpmetrics)" in c.ref.key:
        return "jumpmetrics method, unsmoothed (plateforce table)"
    return {"plateforce": "plateforce", "jumpmetrics": "jumpmetrics package"}.get(c.refset.dataset,
                                                                               c.refset.dataset)


def plot_bland_altman(comparisons: Sequence[Comparison], cases: Sequence[SyntheticCase], path: Path) -> None:
    """Jump height by take-off velocity: difference against mean, real references (left, bias and limits of
    agreement per reference program) and synthetic truth at 200 Hz – 4 kHz (right, pooled)."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QPen

    from forcelab.gui.painter_charts import Axes, padded_range

    real = [c for c in comparisons if c.ref.name == "jump_height_takeoff_velocity" and c.value is not None]
    by_source: dict[str, list[tuple[float, float]]] = {}
    for c in real:
        assert c.value is not None
        by_source.setdefault(_source_label(c), []).append(((c.value + c.reference) * 50,
                                                           (c.value - c.reference) * 100))
    synth: dict[str, list[tuple[float, float]]] = {}
    for sc in cases:
        if sc.covered and sc.jh_error is not None:
            synth.setdefault(sc.condition.name, []).append(((sc.height + sc.jh_error / 2) * 100,
                                                            sc.jh_error * 100))

    def hline(p: Any, ax: Axes, value: float, color: QColor, dashed: bool) -> None:
        pen = QPen(color, 1.2)
        pen.setStyle(Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        p.setPen(pen)
        p.drawLine(QPointF(ax.plot.left(), ax.ty(value)), QPointF(ax.plot.right(), ax.ty(value)))

    def panel(p: Any, rect: QRectF, groups: dict[str, list[tuple[float, float]]], title: str,
              per_group: bool) -> None:
        xs = np.array([x for g in groups.values() for x, _ in g])
        ys = np.array([y for g in groups.values() for _, y in g])
        if ys.size == 0:
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{title}: no comparisons")
            return
        stats = {k: bland_altman([y for _, y in g]) for k, g in groups.items()}
        pooled = bland_altman(ys)
        lines = [v for a in (stats.values() if per_group else [pooled]) for v in (a.lower, a.upper) if v is not None]
        p.setBrush(Qt.BrushStyle.NoBrush)
        ax = Axes(p, rect, padded_range(xs), padded_range(np.concatenate([ys, np.array([*lines, 0.0])]), 0.1),
                  xlabel="mean of forcelab and reference (cm)", ylabel="forcelab − reference (cm)", title=title)
        fm = p.fontMetrics()
        if not per_group:
            grey = QColor("#555555")
            hline(p, ax, pooled.bias, grey, False)
            for v in (pooled.lower, pooled.upper):
                if v is not None:
                    hline(p, ax, v, grey, True)
            p.setPen(QPen(grey, 0))
            p.drawText(QPointF(ax.plot.left() + 8, ax.plot.bottom() - 6),
                       f"all: bias {pooled.bias:+.2f} cm, limits of agreement {pooled.lower or 0:+.2f} to "
                       f"{pooled.upper or 0:+.2f} cm (solid, dashed)")
        for k, (label, pts) in enumerate(groups.items()):
            col = QColor(PALETTE[k % len(PALETTE)])
            a = stats[label]
            if per_group:
                hline(p, ax, a.bias, col, False)
                for v in (a.lower, a.upper):
                    if v is not None:
                        hline(p, ax, v, col, True)
            ax.dots([x for x, _ in pts], [y for _, y in pts], [col] * len(pts), r=4.0)
            yy = ax.plot.top() + (k + 1) * fm.height()
            p.setPen(QPen(Qt.GlobalColor.black, 0))
            p.setBrush(col)
            p.drawEllipse(QPointF(ax.plot.left() + 10, yy - fm.ascent() / 2 + 1), 4, 4)
            p.setBrush(Qt.BrushStyle.NoBrush)
            text = f"{label} (n={len(pts)})"
            if per_group:
                text += f": bias {a.bias:+.2f} cm" + ("" if a.lower is None else
                                                      f", LoA {a.lower:+.2f} to {a.upper:+.2f} cm")
            p.drawText(QPointF(ax.plot.left() + 18, yy), text)

    def draw(p: Any) -> None:
        w, h = 1400, 560
        panel(p, QRectF(10, 10, w / 2 - 20, h - 20), by_source,
              "Jump height (take-off velocity): real recordings vs other programs", True)
        if synth:
            panel(p, QRectF(w / 2 + 10, 10, w / 2 - 20, h - 20), synth,
                  f"Jump height (take-off velocity): synthetic jumps vs known truth, {LO:g} Hz – {HI / 1000:g} kHz",
                  False)

    _painter_image(1400, 560, draw, path)


def plot_flight_time_vs_rate(cases: Sequence[SyntheticCase], path: Path) -> None:
    """Flight time error of every synthetic jump against its sampling rate, with the tests' bound: every rate
    (top) and, zoomed in, the rates the tests bound (bottom)."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QPen

    from forcelab.gui.painter_charts import Axes

    conds = list(dict.fromkeys(c.condition for c in cases))

    def panel(p: Any, rect: QRectF, rates: list[float], title: str, legend: bool, only_covered: bool) -> None:
        sel = [c for c in cases if c.rate in rates and c.ft_error is not None and (c.covered or not only_covered)]
        errs = np.array([c.ft_error * 1000 for c in sel if c.ft_error is not None])
        bounds = [synthetic_flight_time(r).abs * 1000 for r in rates if LO <= r <= HI]
        lim = max(float(np.abs(errs).max()) if errs.size else 0.0, *bounds, 1.0) * 1.1
        ax = Axes(p, rect, (-0.5, len(rates) - 0.5), (-lim, lim), xlabel="sampling rate (Hz)",
                  ylabel="flight time − truth (ms)", title=title, x_labels=[f"{r:g}" for r in rates])
        for i, r in enumerate(rates):
            if LO <= r <= HI:
                b = synthetic_flight_time(r).abs * 1000
                p.fillRect(QRectF(ax.tx(i - 0.45), ax.ty(b), ax.tx(i + 0.45) - ax.tx(i - 0.45),
                                  ax.ty(-b) - ax.ty(b)), QColor(0, 0, 0, 30))
        fm = p.fontMetrics()
        for k, cond in enumerate(conds):
            col = QColor(PALETTE[k % len(PALETTE)])
            pts = [(rates.index(c.rate) + (k - len(conds) / 2) * 0.07, c.ft_error * 1000) for c in sel
                   if c.condition == cond and c.ft_error is not None]
            ax.dots([x for x, _ in pts], [y for _, y in pts], [col] * len(pts), r=3.0)
            if legend:
                yy = ax.plot.top() + (k + 1) * fm.height()
                p.setPen(QPen(Qt.GlobalColor.black, 0))
                p.setBrush(col)
                p.drawEllipse(QPointF(ax.plot.right() - 170, yy - fm.ascent() / 2 + 1), 3, 3)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawText(QPointF(ax.plot.right() - 162, yy), cond.name)

    rates = sorted({c.rate for c in cases})
    bounded = [r for r in rates if LO <= r <= HI]

    def draw(p: Any) -> None:
        panel(p, QRectF(10, 10, 1180, 400), rates, "Flight time error of synthetic CMJs by sampling rate, every "
              f"rate (grey: the tests' bound; none is claimed below {LO:g} Hz)", True, False)
        if bounded:
            panel(p, QRectF(10, 420, 1180, 370), bounded, "The same, zoomed in on the rates the tests bound "
                  f"and the jumps they are claimed for (ringing not aliased below {MIN_ALIAS_FREQUENCY:g} Hz)", False, True)

    _painter_image(1200, 800, draw, path)


# ------------------------------------------------------------------------------------------- main


def run(sets: Sequence[ReferenceSet] = REFERENCE_SETS, data: Path = DATA) -> list[Comparison]:
    """Every reference of ``sets`` compared (a missing recording is an error naming it)."""
    missing = sorted({s.file for s in sets if not (data / s.file).is_file()})
    if missing:
        raise FileNotFoundError(f"recordings not found under {data}: {', '.join(missing)} (clone forcelab "
                                "beside shared/)")
    return [c for s in sets for c in compare(s, data)]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for validation.md and validation/")
    ap.add_argument("--data", type=Path, default=DATA, help="the real recordings (../shared/data)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    t0 = time.perf_counter()
    comparisons = run(data=args.data)
    t1 = time.perf_counter()
    cases = synthetic_suite()
    t2 = time.perf_counter()
    (args.out / "validation").mkdir(parents=True, exist_ok=True)
    images = [("bland_altman_jump_height.png", "Bland–Altman plot of jump height by take-off velocity: each dot "
               "one comparison; solid line the bias, dashed the 95 % limits of agreement."),
              ("flight_time_vs_rate.png", "Flight time error of every synthetic jump by sampling rate and plate "
               "condition; grey: the bound the tests hold.")]
    plot_bland_altman(comparisons, cases, args.out / "validation" / images[0][0])
    plot_flight_time_vs_rate(cases, args.out / "validation" / images[1][0])
    text = render(comparisons, cases, images)
    (args.out / "validation.md").write_text(text, encoding="utf-8")
    t3 = time.perf_counter()
    groups = _groups(comparisons)
    print(f"{'dataset':20} {'reference (unit)':52} {'n':>3} {'bias':>10} {'LoA':>23} {'worst':>10} {'within':>7}")
    for (ds, key, _), cs in groups.items():
        n, bias, loa, worst, _tol, within = agreement_row(cs)
        name = f"{key} ({shown(cs[0].unit)[1]})" if cs[0].unit else key
        print(f"{ds:20} {name:52} {n:>3} {bias:>10} {loa:>23} {worst:>10} {within:>7}")
    covered = [c for c in cases if c.covered]
    print(f"synthetic: {sum(c.ok for c in covered)} of {len(covered)} jumps within the test bounds where claimed "
          f"({CLAIMED}); {len(cases) - len(covered)} more outside that range, not counted")
    print(f"real references {t1 - t0:.1f} s, synthetic suite {t2 - t1:.1f} s, plots and page {t3 - t2:.1f} s; "
          f"wrote {args.out / 'validation.md'}")
    print(closing_line(sum(c.ok for c in comparisons), len(comparisons)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
