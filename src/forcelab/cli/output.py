"""Turn analysed trials into what ``forcelab analyze`` prints: a readable table, or one JSON document.

Kept apart from the command itself so the GUI's export or another command can print the same way. Nothing
here computes a number: it only lays out :class:`~forcelab.analysis.types.TrialResult` objects.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forcelab.analysis.isometric_tests import ISOMETRIC_TESTS
from forcelab.analysis.types import Metric, TrialResult

#: Metrics shown by default in the table, per test type (all of them with ``--all-metrics``). Names a
#: result does not have are left out; per-limb and asymmetry rows appear when two plates were used.
KEY_METRICS: Mapping[str, tuple[str, ...]] = {
    "cmj": (
        "body_weight", "jump_height_takeoff_velocity", "jump_height_flight_time", "takeoff_velocity",
        "flight_time", "time_to_takeoff", "rsi_modified", "peak_force", "net_impulse", "braking_net_impulse",
        "propulsive_net_impulse", "unweighting_time", "braking_time", "propulsive_time", "countermovement_depth",
        "peak_landing_force",
    ),
    "sj": (
        "body_weight", "jump_height_takeoff_velocity", "jump_height_flight_time", "takeoff_velocity",
        "flight_time", "time_to_takeoff", "peak_force", "net_impulse", "propulsive_net_impulse",
        "propulsive_time", "peak_landing_force",
    ),
    "dj": (
        "body_weight", "drop_height", "contact_time", "flight_time", "jump_height_flight_time",
        "jump_height_takeoff_velocity", "rsi", "flight_contact_ratio", "peak_force", "braking_time",
        "propulsive_time", "peak_landing_force",
    ),
    "rebound": (
        "hop_count", "contact_time_mean", "flight_time_mean", "rsi_best5_mean", "rsi_max", "contact_time_best5_mean",
        "jump_height_best5_mean", "peak_force",
    ),
    "imtp": (
        "baseline_force", "peak_force", "net_peak_force", "relative_peak_force", "time_to_peak_force",
        "force_at_100ms", "force_at_200ms", "rfd_0_100ms", "rfd_0_200ms", "peak_rfd", "impulse_0_200ms",
    ),
}
#: Every other isometric test (forcelab.analysis.isometric_tests) shows the pull's key metrics.
KEY_METRICS = {**KEY_METRICS, **{k: KEY_METRICS["imtp"] for k in ISOMETRIC_TESTS if k not in KEY_METRICS}}
#: A single-leg jump shows its two-leg test's key metrics.
KEY_METRICS = {**KEY_METRICS, "sl_cmj": KEY_METRICS["cmj"], "sl_dj": KEY_METRICS["dj"]}
#: The drop landing held still (forcelab.analysis.landing).
KEY_METRICS = {**KEY_METRICS, "landing": (
    "body_weight", "drop_height", "peak_landing_force", "peak_landing_force_bw", "time_to_peak_landing_force",
    "loading_rate", "relative_loading_rate", "time_to_stabilisation", "time_to_stabilisation_sequential",
    "landing_depth", "peak_landing_force_asymmetry", "loading_rate_asymmetry"),
    "balance": ("balance_duration", "mean_force", "cop_path_length", "cop_mean_velocity", "cop_rms_ap", "cop_rms_ml",
                "cop_range_ap", "cop_range_ml", "cop_ellipse_area")}
#: Rows appended for a loaded jump (a trial with an ``external_load``; see forcelab.analysis.loaded).
KEY_LOADED_METRICS: tuple[str, ...] = ("external_load", "system_weight", "peak_power", "peak_power_per_body_mass")
#: Two-plate rows appended to every test's key metrics.
KEY_PLATE_METRICS: tuple[str, ...] = ("left_peak_force", "right_peak_force", "peak_force_asymmetry")


@dataclass
class AnalysedTrial:
    """One trial found in a file: where it lies (seconds and samples from the file's start) and its result."""

    start: float
    end: float
    start_index: int
    result: TrialResult
    end_index: int = -1  # exclusive; -1 when unknown


@dataclass
class FileReport:
    """Everything ``forcelab analyze`` says about one file."""

    test: str
    file: Path
    rate: float
    layout: str
    duration: float
    two_plates: bool
    trials: list[AnalysedTrial]
    notes: Sequence[str] = ()
    columns: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    #: single-leg tests: the limb asymmetry across the file's left- and right-leg trials
    #: (:func:`forcelab.analysis.single_leg.limb_asymmetry`); empty otherwise
    limb_asymmetry: Sequence[Metric] = ()


def format_value(value: float | None) -> str:
    """A metric value with about four significant digits and no exponent for everyday magnitudes."""
    if value is None:
        return "n/a"
    a = abs(value)
    if a == 0 or 1e-3 <= a < 1e7:
        digits = max(0, 3 - int(math.floor(math.log10(a)))) if a else 0
        return f"{value:.{min(digits, 6)}f}"
    return f"{value:.4g}"


def _event_dict(trial: AnalysedTrial, rate: float, ev_dict: dict[str, Any]) -> dict[str, Any]:
    """An event with its index and time counted from the start of the file, not of the trial."""
    out = dict(ev_dict)
    if out.get("index") is not None:
        out["index"] = int(out["index"]) + trial.start_index
        out["time"] = out["index"] / rate
    return out


def report_to_dict(report: FileReport) -> dict[str, Any]:
    """The JSON-able form: ``{"test", "file", "rate", "trials": [{"start", "end", "metrics", ...}]}``."""
    trials = []
    for n, trial in enumerate(report.trials, start=1):
        res = trial.result
        trials.append({
            "trial": n,
            "test": res.test,
            "start": trial.start,
            "end": trial.end,
            "metrics": {k: m.to_dict() for k, m in res.metrics.items()},
            "events": {k: _event_dict(trial, report.rate, e.to_dict()) for k, e in res.events.items()},
            "flags": [f.to_dict() for f in res.flags],
            "params": dict(res.params),
            # per-item tables (a repeated-hop trial's hops), times from the trial's start
            **({"tables": {k: t.to_dict() for k, t in res.tables.items()}} if res.tables else {}),
        })
    return {
        "test": report.test,
        "file": str(report.file),
        "rate": report.rate,
        "layout": report.layout,
        "duration": report.duration,
        "two_plates": report.two_plates,
        "columns": dict(report.columns),
        "params": dict(report.params),
        "notes": list(report.notes),
        "trials": trials,
        **({"limb_asymmetry": {m.name: m.to_dict() for m in report.limb_asymmetry}} if report.limb_asymmetry else {}),
    }


def report_to_json(report: FileReport) -> str:
    """Exactly one JSON document (strict: no NaN or infinity can appear, metrics hold finite values)."""
    return json.dumps(report_to_dict(report), indent=2, allow_nan=False)


def _metric_rows(report: FileReport, all_metrics: bool) -> list[str]:
    names: list[str] = []
    if all_metrics:
        for trial in report.trials:
            names.extend(k for k in trial.result.metrics if k not in names)
        return names
    tests = list(dict.fromkeys(t.result.test for t in report.trials))
    wanted: list[str] = []
    for test in tests:
        wanted.extend(n for n in KEY_METRICS.get(test, ()) if n not in wanted)
    if any("external_load" in t.result.metrics for t in report.trials):
        wanted.extend(n for n in KEY_LOADED_METRICS if n not in wanted)
    if report.two_plates:
        wanted.extend(n for n in KEY_PLATE_METRICS if n not in wanted)
    present = {k for t in report.trials for k in t.result.metrics}
    return [n for n in wanted if n in present]


def _unit_of(report: FileReport, name: str) -> str:
    for trial in report.trials:
        m: Metric | None = trial.result.metrics.get(name)
        if m is not None:
            return m.unit
    return ""


def _cell(m: Metric) -> str:
    """A metric's table cell; an asymmetry names its stronger side (``6.958 R``)."""
    text = format_value(m.value)
    side = m.params.get("stronger_side")
    if m.value is not None and side in ("left", "right"):
        text += " L" if side == "left" else " R"
    return text


def _limb_lines(metrics: Sequence[Metric]) -> list[str]:
    """The limb asymmetry across single-leg trials as a small table (nothing when there is none)."""
    asym = [m for m in metrics if m.name.endswith("_asymmetry")]
    if not asym:
        return []
    by = {m.name: m for m in metrics}
    stat = asym[0].params.get("statistic", "best")
    out = ["", f"limb asymmetry across trials ({stat} of each leg's trials; "
           f"{asym[0].params.get('left_trials', 0)} left, {asym[0].params.get('right_trials', 0)} right):"]
    for m in asym:
        base = str(m.params.get("of", m.name[: -len("_asymmetry")]))
        lv, rv = by[f"left_{base}"].value, by[f"right_{base}"].value
        text = _cell(m) if m.value is not None else f"n/a ({m.reason})"
        out.append(f"  {base:<30} left {format_value(lv):>9}  right {format_value(rv):>9}  {text}")
    return out


def format_table(report: FileReport, *, all_metrics: bool = False) -> str:
    """A plain-text report: the file, one column per trial, then flags, not-found reasons and notes."""
    out: list[str] = []
    plates = "two plates" if report.two_plates else "one force channel"
    found = ", ".join(dict.fromkeys(t.result.test for t in report.trials))
    test = f"test {found} (detected)" if report.test == "auto" else f"test {report.test}"
    out.append(f"{report.file}")
    out.append(
        f"  {report.layout} layout, {report.rate:g} Hz, {report.duration:.3f} s, {plates}; "
        f"{len(report.trials)} trial{'s' if len(report.trials) != 1 else ''}, {test}"
    )
    for note in report.notes:
        out.append(f"  note: {note}")
    out.append("")
    names = _metric_rows(report, all_metrics)
    heads = [f"trial {i} ({t.result.test})" for i, t in enumerate(report.trials, start=1)]
    spans = [f"{t.start:.3f}-{t.end:.3f} s" for t in report.trials]
    name_w = max([len("metric"), *(len(n) for n in names)])
    unit_w = max([len("unit"), *(len(_unit_of(report, n)) for n in names)])
    col_w = [max(len(h), len(s), 10) for h, s in zip(heads, spans, strict=True)]
    out.append(f"{'metric':<{name_w}}  {'unit':<{unit_w}}  " + "  ".join(h.rjust(w) for h, w in zip(heads, col_w, strict=True)))
    out.append(f"{'':<{name_w}}  {'':<{unit_w}}  " + "  ".join(s.rjust(w) for s, w in zip(spans, col_w, strict=True)))
    for name in names:
        cells = []
        for trial, w in zip(report.trials, col_w, strict=True):
            m = trial.result.metrics.get(name)
            cells.append(("" if m is None else _cell(m)).rjust(w))
        out.append(f"{name:<{name_w}}  {_unit_of(report, name):<{unit_w}}  " + "  ".join(cells))
    for i, trial in enumerate(report.trials, start=1):
        res = trial.result
        missing = [m for n, m in res.metrics.items() if m.value is None and (all_metrics or n in names)]
        if not res.flags and not missing:
            continue
        out.append("")
        out.append(f"trial {i}:")
        for flag in res.flags:
            out.append(f"  flag {flag.code}: {flag.message}")
        for m in missing:
            out.append(f"  {m.name} not found: {m.reason}")
    for i, trial in enumerate(report.trials, start=1):
        for name, table in trial.result.tables.items():
            out.append("")
            out.append(f"trial {i} {name} (times from the trial's start):")
            cols = [c for c in table.columns]
            heads = [c[0] + (f" ({c[1]})" if c[1] not in ("", "1") else "") for c in cols]
            widths = [max(len(h), 6) for h in heads]
            out.append("  " + "  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True)))
            for row in table.rows:
                cells = [("n/a" if row[c[0]] is None else str(row[c[0]]) if c[2] == "i8"
                          else format_value(float(row[c[0]] or 0.0))) for c in cols]
                out.append("  " + "  ".join(v.rjust(w) for v, w in zip(cells, widths, strict=True)))
    if not all_metrics:
        total = len({k for t in report.trials for k in t.result.metrics})
        out.append("")
        out.append(f"{len(names)} of {total} metrics shown; --all-metrics lists every one, --json gives methods, "
                   "parameters and references")
    out.extend(_limb_lines(report.limb_asymmetry))
    formulas = sorted({str(m.params.get("formula", m.method)) for t in report.trials
                       for n, m in t.result.metrics.items() if n in names and n.endswith("asymmetry")})
    if formulas:
        out.append(f"asymmetry by {', '.join(f.replace('_', ' ') for f in formulas)}; "
                   "L or R names the stronger side")
    return "\n".join(out) + "\n"
