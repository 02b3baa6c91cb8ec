"""How a metric key reads for a person: one table for every screen, the report and the command line.

Analysis modules name metrics with stable snake_case keys (kept as they are in CSV headers and the archive).
``metric_label`` turns a key into words with its unit: a few keys have a hand-written name (``NAMES``), every
other key is composed word by word (``WORDS``), so a new metric reads sensibly without a line here.
``metric_text`` writes a value with its unit as a person reads it (heights in cm). ``flag_text`` does the
same for quality flags: one table (``FLAG_WORDS``) of what each flag means for the numbers, filled with the
trial's metrics, and a de-snaked fallback for a flag not in it yet.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from forcelab.analysis.units import COUNT

#: Hand-written names of the headline metrics (the key's words alone would read badly).
NAMES: dict[str, str] = {
    "jump_height_takeoff_velocity": "Jump height (take-off velocity)",
    "jump_height_flight_time": "Jump height (flight time)",
    "jump_height_impulse": "Jump height (impulse)",
    "rsi_modified": "RSI-modified",
    "rsi": "Reactive strength index",
    "time_to_takeoff": "Time to take-off",
    "takeoff_velocity": "Take-off velocity",
    "net_peak_force": "Net peak force",
    "countermovement_depth": "Countermovement depth",
    # repeated hops (rebound): the 10/5 test's figures
    "hop_count": "Hops",
    "contact_time_mean": "Contact time (mean of hops)",
    "flight_time_mean": "Flight time (mean of hops)",
    "rsi_best5_mean": "RSI (mean of best 5 hops)",
    "rsi_max": "RSI (best hop)",
    "contact_time_best5_mean": "Contact time (best 5 hops)",
    "jump_height_best5_mean": "Jump height (best 5 hops)",
    # loaded jumps (forcelab.analysis.loaded)
    "external_load": "External load",
    "system_weight": "System weight (athlete + load)",
    "system_mass": "System mass (athlete + load)",
    "peak_power_per_body_mass": "Peak power per kg body mass",
    # drop landing held still (forcelab.analysis.landing)
    "peak_landing_force_bw": "Peak landing force (× body weight)",
    "relative_loading_rate": "Loading rate (body weights per second)",
    "time_to_stabilisation_sequential": "Time to stabilisation (sequential average)",
    "time_to_stabilisation": "Time to stabilisation (5 % band)",
    # balance (forcelab.analysis.balance)
    "cop_rms_ap": "CoP RMS, antero-posterior",
    "cop_rms_ml": "CoP RMS, medio-lateral",
    "cop_range_ap": "CoP range, antero-posterior",
    "cop_range_ml": "CoP range, medio-lateral",
    "cop_mean_velocity_ap": "CoP mean velocity, antero-posterior",
    "cop_mean_velocity_ml": "CoP mean velocity, medio-lateral",
    "cop_ellipse_area": "CoP 95 % ellipse area",
    "cop_ellipse_major": "CoP ellipse semi-major axis",
    "cop_ellipse_minor": "CoP ellipse semi-minor axis",
}
#: Words that are not written as the key spells them.
WORDS: dict[str, str] = {"rfd": "RFD", "rsi": "RSI", "takeoff": "take-off", "sd": "SD", "cop": "CoP"}
#: Units as a person writes them.
UNITS: dict[str, str] = {"N*s": "N·s", "N*s/kg": "N·s/kg", "kg*m/s": "kg·m/s", "1": "", "m^2": "m²", "count": ""}



def unit_text(unit: str | None) -> str:
    """``unit`` as written on screen (``N*s`` -> ``N·s``; a ratio's ``1`` -> nothing)."""
    if not unit:
        return ""
    return UNITS.get(unit, unit)


def metric_name(key: str) -> str:
    """The words for ``key``, without the unit: ``peak_force_asymmetry`` -> ``Peak force asymmetry``,
    ``rfd_0_200ms`` -> ``RFD 0–200 ms``."""
    if key in NAMES:
        return NAMES[key]
    text = re.sub(r"(\d+)_(\d+)ms", r"\1–\2 ms", key)
    text = re.sub(r"(\d+)ms", r"\1 ms", text)
    words = [WORDS.get(w, w) for w in text.split("_") if w]
    if not words:
        return key
    first = words[0]
    words[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(words)


def metric_label(key: str, unit: str | None = None) -> str:
    """``key`` as a person reads it, with its unit in parentheses when it has one:
    ``metric_label("jump_height_takeoff_velocity", "m")`` -> ``Jump height (take-off velocity) (m)``."""
    u = unit_text(unit)
    return f"{metric_name(key)} ({u})" if u else metric_name(key)


# ----------------------------------------------------------------------------------------------- values
#: Metrics shown in centimetres although stored in metres (a coach reads heights and depths in cm).
CENTIMETRE_WORDS = ("height", "depth", "displacement")


#: The balance tests' sway measures (``cop_*``, stored in m, m/s, m²) read in millimetres: a 95 % ellipse of
#: 0.0020 m² is 2,000 mm², a sway RMS of 0.004 m is 4.0 mm (the unit the balance literature reports).
MILLIMETRE_PREFIX = "cop_"
_MILLIMETRES = {"m": ("mm", 1e3), "m/s": ("mm/s", 1e3), "m^2": ("mm²", 1e6)}


def display_unit(key: str, unit: str | None) -> str:
    """The unit ``key`` is shown in: ``cm`` for heights and depths stored in ``m``, millimetres for the sway
    measures (:data:`MILLIMETRE_PREFIX`), else :func:`unit_text`."""
    if unit == "m" and any(w in key for w in CENTIMETRE_WORDS):
        return "cm"
    if key.startswith(MILLIMETRE_PREFIX) and unit in _MILLIMETRES:
        return _MILLIMETRES[unit][0]
    return unit_text(unit)


def display_scale(key: str, unit: str | None) -> float:
    """The factor from the stored ``unit`` to :func:`display_unit` (100 for a height in cm, 1000 for a sway path
    in mm, 1 when they agree): what a chart multiplies by to be drawn as its table reads."""
    if unit == "m" and any(w in key for w in CENTIMETRE_WORDS):
        return 100.0
    if key.startswith(MILLIMETRE_PREFIX) and unit in _MILLIMETRES:
        return _MILLIMETRES[unit][1]
    return 1.0


def display_number(key: str, value: float, unit: str | None) -> str:
    """``value`` (in the stored ``unit``) as a number in :func:`display_unit`, without the unit: heights in
    cm with one decimal, forces and powers from 100 up whole, percent with one decimal, sway measures in mm
    (whole from 100 up, else one decimal), the rest to three figures (so a 1.9 N weighing SD or a 0.3 N plate
    offset keeps its digits); a count (unit :data:`forcelab.analysis.units.COUNT`) whole, or with one decimal
    when it is not (a mean or SD of counts over trials, as the report's summary shows), and other unitless
    values (ratios, unit ``1``) with two decimals."""
    shown = display_unit(key, unit)
    if unit == COUNT:
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    if shown == "cm" and unit == "m":
        return f"{value * 100:.1f}"
    if key.startswith(MILLIMETRE_PREFIX) and unit in _MILLIMETRES:
        mm = value * display_scale(key, unit)
        return f"{mm:,.0f}" if abs(mm) >= 100 else f"{mm:.1f}"
    if unit in ("N", "W", "N/s") and abs(value) >= 100:
        return f"{value:.0f}"
    if unit == "%":
        return f"{value:.1f}"
    if unit in ("1", "", None):
        return f"{value:.2f}"
    return f"{value:.3g}"


def metric_text(key: str, value: float | None, unit: str | None) -> str:
    """A metric's value as a person reads it, with its unit: ``metric_text("jump_height_flight_time", 0.344, "m")``
    -> ``34.4 cm``; ``None`` (not found) -> ``—``."""
    if value is None:
        return "—"
    shown = display_unit(key, unit)
    number = display_number(key, value, unit)
    return f"{number} {shown}" if shown else number


# ------------------------------------------------------------------------------------------------ flags
@dataclass(frozen=True)
class FlagWords:
    """How a quality flag reads: ``text`` (what happened and what the numbers rest on), and an optional
    ``detail`` template filled from the trial's metrics. A placeholder ``{name}`` is the metric as
    :func:`metric_text` writes it (``34.4 cm``); ``{name:+.0f}`` formats the stored value with that spec.
    When a metric the detail needs is missing or not found, the text is shown alone."""

    text: str
    detail: str = ""


#: How a balance trial's noted condition and stance read (forcelab.analysis.balance ``CONDITIONS``, ``STANCES``):
#: the test panel's choices and the card's title use the same words.
CONDITION_WORDS = {"eyes_open": "eyes open", "eyes_closed": "eyes closed", "bipedal": "two-leg",
                   "single_leg_left": "left leg", "single_leg_right": "right leg", "tandem": "tandem"}


#: Every quality flag the analysis raises, in words. Add a line here with each new flag
#: (tests/analysis/test_labels.py fails on a flag raised in src/forcelab/analysis without one); a flag not
#: here still reads as its de-snaked code ("one_plate_unloaded" -> "One plate unloaded").
FLAG_WORDS: dict[str, FlagWords] = {
    # the plate and the signal
    "plate_not_zeroed": FlagWords("Plate not zeroed", "{flight_baseline:+.0f} N in flight, subtracted"),
    "plate_ringing": FlagWords("Plate rang after take-off: take-off kept at the first crossing, the ringing "
                               "counted as flight"),
    "noisy_flight": FlagWords("Noisy flight: the flight threshold was raised"),
    "low_sample_rate": FlagWords("Low sample rate: some metrics rest on too few samples"),
    # weighing and body weight
    # (no SD in the words: with a session weighing the trial's weighing_sd metric is the session's, not the
    # unsteady window's; the message has the window's own SD)
    "unsteady_weighing": FlagWords("Weighing not steady: the athlete moved"),
    "body_weight_given": FlagWords("Body weight from the session weighing, not this trial's stance",
                                   "{body_weight}"),
    "session_weight_not_used": FlagWords("Session weighing not used: too far from this trial's own"),
    "given_body_weight_differs": FlagWords("Stance differs from the given body weight: the given value is used"),
    "load_exceeds_weighing": FlagWords("Load heavier than the weighing allows: check the load (kg, not lb)"),
    # events the numbers rest on
    "movement_before_onset": FlagWords("Onset may be a fidget: force came back to body weight before the jump"),
    "airborne_before_takeoff": FlagWords("Left the plate before the take-off: a hop or rebound, not one jump"),
    "no_countermovement": FlagWords("No countermovement found"),
    "countermovement_in_squat_jump": FlagWords("Countermovement in a squat jump: not a pure squat jump"),
    "no_landing": FlagWords("No landing in the recording: landing metrics missing"),
    "edited_events": FlagWords("Events set by hand: the metrics follow them, not the detector"),
    "test_auto_detected": FlagWords("Test type detected from the trace"),
    # plausibility
    "flight_time_out_of_range": FlagWords("Flight time out of the plausible range", "{flight_time}"),
    "jump_height_methods_disagree": FlagWords(
        "Jump heights disagree", "{jump_height_takeoff_velocity} by take-off velocity, "
        "{jump_height_flight_time} by flight time"),
    # repeated hops (rebound)
    "pause_in_series": FlagWords("Pause in the hop series: a long contact was not counted as a hop"),
    "slow_contact": FlagWords("Slow contact: not a fast stretch-shortening cycle for some hops"),
    "double_contact": FlagWords("Double contact in a hop: its contact time runs from the first touch"),
    # recording artefacts (src/forcelab/analysis/artefacts.py, docs/methods-artefacts.md)
    "channel_clipped": FlagWords("Force channel clipped (saturated): peak force, RFD and impulse are under-read there"),
    "samples_lost": FlagWords("Samples lost inside the trial (link overrun or glitch): times and impulses across the "
                              "gap are short"),
    "plate_disconnected": FlagWords("A plate read zero while the other carried load: disconnected, its force missing"),
    "baseline_drift": FlagWords("Plate drifted during the trial (body weight and integrated values carry it)",
                                "{drift_rate:+.1f} N/s"),
    "mains_hum": FlagWords("Mains hum in the quiet stance (check the earthing and the plate cables)",
                           "{mains_hum_amplitude:.1f} N"),
    "step_off_before_settled": FlagWords("Stepped off before the landing settled: landing metrics not meaningful"),
    "plate_unloaded": FlagWords("One plate unloaded in a two-footed phase (single leg): per-limb values describe one "
                                "leg"),
    # single-leg jumps (forcelab.analysis.single_leg)
    "limb_not_named": FlagWords("Which leg jumped is not known: name the limb"),
    "limb_plate_differs": FlagWords("The named leg stood on the other side's plate"),
    "both_plates_loaded": FlagWords("The other foot touched down: analysed on both plates' force"),
    # drop landing (forcelab.analysis.landing)
    "landing_not_held": FlagWords("Landing not held: a hop or a step off after touchdown"),
    # balance (forcelab.analysis.balance)
    "left_the_plate": FlagWords("Balance lost or stepped off: measured on the stance before"),
    "short_trial": FlagWords("Shorter than the duration asked: measured on what there is"),
    # isometric pulls
    "unsteady_baseline": FlagWords("Unsteady baseline before the pull: onset late"),
    "pretension": FlagWords("Pre-tension on the bar: baseline and onset uncertain"),
    "early_onset": FlagWords("Onset well before the pull (drifting force): time-window metrics unreliable"),
}


def _value_of(entry: object) -> tuple[float | None, str]:
    """``(value, unit)`` of a metric given as a :class:`~forcelab.analysis.types.Metric`, the archive's dict
    (``{"value", "unit"}``) or a bare number."""
    if isinstance(entry, Mapping):
        v = entry.get("value")
        return (None if v is None else float(v)), str(entry.get("unit") or "")
    if isinstance(entry, (int, float)) and not isinstance(entry, bool):
        return float(entry), ""
    v = getattr(entry, "value", None)
    return (None if v is None else float(v)), str(getattr(entry, "unit", "") or "")


class _Shown:
    """A metric in a detail template: ``{name}`` -> :func:`metric_text`, ``{name:spec}`` -> ``format(value, spec)``."""

    def __init__(self, key: str, value: float, unit: str) -> None:
        self.key, self.value, self.unit = key, value, unit

    def __format__(self, spec: str) -> str:
        return format(self.value, spec) if spec else metric_text(self.key, self.value, self.unit)


class _MetricFormatter(string.Formatter):
    def __init__(self, metrics: Mapping[str, object]) -> None:
        self.metrics = metrics

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        value, unit = _value_of(self.metrics.get(str(key)))
        if value is None or not math.isfinite(value):
            raise KeyError(key)  # the detail needs a metric this trial does not have
        return _Shown(str(key), value, unit)


def desnake(code: str) -> str:
    """A snake_case code as words, first letter capital: ``one_plate_unloaded`` -> ``One plate unloaded``."""
    words = " ".join(w for w in code.replace("-", "_").split("_") if w).strip()
    return (words[:1].upper() + words[1:]) if words else "Unnamed flag"


def flag_code(flag: object) -> str:
    """The code of a flag given as a :class:`~forcelab.analysis.types.Flag`, the archive's dict or a string."""
    if isinstance(flag, str):
        return flag
    if isinstance(flag, Mapping):
        return str(flag.get("code") or "")
    return str(getattr(flag, "code", "") or "")


def flag_message(flag: object) -> str:
    """The analysis's full sentence of a flag (empty when it has none), for tooltips and reports."""
    if isinstance(flag, Mapping):
        return str(flag.get("message") or "")
    return str(getattr(flag, "message", "") or "")


def flag_text(flag: object, metrics: Mapping[str, object] | None = None) -> str:
    """A flag in words, filled with the trial's ``metrics`` where the words name a number:
    ``flag_text(Flag("plate_not_zeroed", ...), {"flight_baseline": 10.2})`` -> ``Plate not zeroed: +10 N in
    flight, subtracted``. An unknown flag reads as its de-snaked code; this never raises."""
    code = flag_code(flag)
    words = FLAG_WORDS.get(code)
    if words is None:
        return desnake(code)
    if not words.detail or metrics is None:
        return words.text
    try:
        detail = _MetricFormatter(metrics).format(words.detail)
    except (KeyError, IndexError, ValueError, TypeError):  # a missing metric or a bad spec: the words alone
        return words.text
    return f"{words.text}: {detail}"


def flag_short(flag: object) -> str:
    """A flag's words up to their first colon, for a table cell: ``Plate rang after take-off``."""
    return flag_text(flag).split(":", 1)[0]


_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def readable(note: str) -> str:
    """A note that names metrics or flags by their keys, in words: every snake_case word is replaced by the
    flag's words or the metric's name (``peak_force_asymmetry: 13.8 % (monitor)`` -> ``Peak force asymmetry:
    13.8 % (monitor)``); the rest is kept as it is."""

    def one(m: re.Match[str]) -> str:
        key = m.group(0)
        name = FLAG_WORDS[key].text if key in FLAG_WORDS else metric_name(key)
        if m.start() == 0 or not name[:2].istitle():  # a sentence's first word, or RFD / RSI: as written
            return name
        return name[:1].lower() + name[1:]

    return _SNAKE.sub(one, note)
