"""Which metrics the screen shows, and how a metric is written for a person.

Analysis modules name their metrics with stable snake_case keys. The card and the table show a handful of
them; each slot lists the names that can fill it, in order of preference, so a renamed or added metric
costs one line here. Numbers are written with their unit, and a metric that could not be computed is
shown as "not found" with its reason (never as a blank or a zero).
"""

from __future__ import annotations

from dataclasses import dataclass

from forcelab.analysis import catalog
from forcelab.analysis.isometric_tests import is_isometric
from forcelab.analysis.labels import CONDITION_WORDS, flag_message, flag_text, metric_text, unit_text
from forcelab.analysis.types import Metric, TrialResult

#: How each test is named on screen (the keys are the analysis's test codes; forcelab.analysis.catalog).
TEST_NAMES = {k: e.label for k, e in catalog.CATALOG.items()}

@dataclass(frozen=True)
class Slot:
    """One number on the card: a label and the metric names that can fill it."""

    label: str
    names: tuple[str, ...]
    decimals: int = 2
    scale: float = 1.0
    unit: str | None = None  # shown unit when it differs from the metric's (after ``scale``)
    short: str = ""  # abbreviation for the trial table


JUMP_SLOTS: tuple[Slot, ...] = (
    Slot("Jump height (take-off velocity)", ("jump_height_takeoff_velocity", "jump_height_impulse",
                                             "jump_height"), 1, 100.0, "cm", "JH (TOV)"),
    Slot("Jump height (flight time)", ("jump_height_flight_time",), 1, 100.0, "cm", "JH (FT)"),
    Slot("RSI-modified", ("rsi_modified", "rsi_mod", "reactive_strength_index_modified"), 2, short="RSImod"),
    Slot("RSI", ("rsi", "reactive_strength_index"), 2, short="RSI"),
    Slot("Peak force", ("peak_force", "peak_propulsive_force", "concentric_peak_force"), 0, short="Fpeak"),
    Slot("Time to take-off", ("time_to_takeoff", "time_to_take_off", "contraction_time"), 3, short="TTT"),
    Slot("Contact time", ("contact_time", "ground_contact_time"), 3, short="CT"),
)
PULL_SLOTS: tuple[Slot, ...] = (
    Slot("Peak force", ("peak_force", "net_peak_force"), 0, short="Fpeak"),
    Slot("Net peak force", ("net_peak_force",), 0, short="Fnet"),
    Slot("RFD 0-200 ms", ("rfd_0_200", "rfd_0_200ms", "rfd_200"), 0, short="RFD200"),
    Slot("Force at 200 ms", ("force_at_200", "force_200ms", "force_at_200ms"), 0, short="F200"),
    Slot("Time to peak force", ("time_to_peak_force",), 3, short="TTP"),
)
#: The repeated-hop test (rebound): the 10/5 figures first (the table shows the first two).
REBOUND_SLOTS: tuple[Slot, ...] = (
    Slot("RSI (mean of best 5 hops)", ("rsi_best5_mean",), 2, short="RSI5"),
    Slot("Hops", ("hop_count",), 0, short="Hops"),
    Slot("RSI (best hop)", ("rsi_max",), 2, short="RSImax"),
    Slot("Contact time (best 5 hops)", ("contact_time_best5_mean",), 0, 1000.0, "ms", "CT5"),
    Slot("Jump height (best 5 hops)", ("jump_height_best5_mean",), 1, 100.0, "cm", "JH5"),
    Slot("Contact time (mean of hops)", ("contact_time_mean",), 0, 1000.0, "ms", "CT"),
    Slot("Peak force", ("peak_force",), 0, short="Fpeak"),
)
#: The drop landing held still (forcelab.analysis.landing): how hard it landed and how soon it was still.
LANDING_SLOTS: tuple[Slot, ...] = (
    Slot("Peak landing force", ("peak_landing_force_bw",), 2, unit="× BW", short="PLF"),
    Slot("Time to stabilisation", ("time_to_stabilisation", "time_to_stabilisation_sequential"), 2, short="TTS"),
    Slot("Loading rate", ("loading_rate",), 1, 0.001, "kN/s", "LR"),
    Slot("Relative loading rate", ("relative_loading_rate",), 1, unit="BW/s", short="LR/BW"),
    Slot("Peak landing force (N)", ("peak_landing_force",), 0, short="Fland"),
    Slot("Time to peak landing force", ("time_to_peak_landing_force",), 0, 1000.0, "ms", "TTPLF"),
)
#: Quiet stance / single-leg balance (forcelab.analysis.balance): the CoP sway measures, in mm.
BALANCE_SLOTS: tuple[Slot, ...] = (
    Slot("CoP path length", ("cop_path_length",), 0, 1000.0, "mm", "Path"),
    Slot("CoP mean velocity", ("cop_mean_velocity",), 1, 1000.0, "mm/s", "Vel"),
    Slot("95 % ellipse area", ("cop_ellipse_area",), 0, 1e6, "mm²", "Area"),
    Slot("CoP RMS (AP)", ("cop_rms_ap",), 1, 1000.0, "mm", "RMS AP"),
    Slot("CoP RMS (ML)", ("cop_rms_ml",), 1, 1000.0, "mm", "RMS ML"),
    Slot("Stance analysed", ("balance_duration",), 1, short="Dur"),
)
ASYMMETRY_NAMES = ("peak_force_asymmetry", "asymmetry_peak_force", "propulsive_impulse_asymmetry",
                   "asymmetry", "peak_force_asymmetry_index", "peak_landing_force_asymmetry")


def slots_for(test: str) -> tuple[Slot, ...]:
    """The card's slots for a test (``cmj``, ``sj``, ``dj``, ``imtp`` and the other isometric tests, ``rebound``,
    ``landing``, ``balance``, ``free``)."""
    if test == "rebound":
        return REBOUND_SLOTS
    if test == "landing":
        return LANDING_SLOTS
    if test == "balance":
        return BALANCE_SLOTS
    return PULL_SLOTS if test in ("isometric", "pull") or is_isometric(test) else JUMP_SLOTS


def condition_text(result: TrialResult) -> str:
    """A balance trial's condition as the tester noted it, ``"eyes closed · left leg"`` (empty when none)."""
    noted = [result.params.get(k) for k in ("condition", "stance")]
    return " · ".join(CONDITION_WORDS.get(str(v), str(v)) for v in noted if v)


def pick(result: TrialResult, names: tuple[str, ...]) -> Metric | None:
    """The first metric of ``result`` named in ``names``."""
    for name in names:
        m = result.metrics.get(name)
        if m is not None:
            return m
    return None


def asymmetry_metric(result: TrialResult) -> Metric | None:
    """The trial's headline left/right asymmetry metric, if analysis produced one."""
    m = pick(result, ASYMMETRY_NAMES)
    if m is not None:
        return m
    for name, metric in sorted(result.metrics.items()):
        if "asymmetry" in name:
            return metric
    return None


def format_value(metric: Metric, slot: Slot | None = None) -> str:
    """``"34.2 cm"`` or ``"not found"``: as the slot says, or without one as every screen writes a metric
    (:func:`forcelab.analysis.labels.metric_text`: heights in cm, ``N·s`` for ``N*s``)."""
    if metric.value is None:
        return "not found"
    if slot is None:
        return metric_text(metric.name, metric.value, metric.unit)
    unit = unit_text(slot.unit or metric.unit)
    return f"{metric.value * slot.scale:,.{slot.decimals}f}" + (f" {unit}" if unit else "")


def asymmetry_side(metric: Metric) -> tuple[float, str] | None:
    """``(percent >= 0, side)`` of an asymmetry metric, or ``None`` when it was not found.

    The percent-difference formula (forcelab's default, Bishop et al. 2018) is never negative and names the
    stronger side in ``params["stronger_side"]``; the signed formulas (symmetry index, mean-normalised) are
    positive when the left side is larger. Fractions (unit ``"1"``) are turned into percent.
    """
    if metric.value is None:
        return None
    value = metric.value * 100.0 if metric.unit in ("1", "") else metric.value
    side = metric.params.get("stronger_side")
    if isinstance(side, str) and side in ("left", "right", "equal"):
        return abs(value), side
    if abs(value) < 1e-12:
        return 0.0, "equal"
    return abs(value), "left" if value > 0 else "right"


def asymmetry_words(percent: float, side: str) -> str:
    """"12.3 % stronger left" (or "0.0 % (even)")."""
    if side == "equal" or abs(percent) < 0.05:
        return f"{abs(percent):.1f} % (even)"
    return f"{abs(percent):.1f} % stronger {side}"


def flag_lines(result: TrialResult) -> str:
    """Every flag of ``result`` in words, one line each, with the numbers they rest on (the card, the review)."""
    return "\n".join(f"⚠ {flag_text(f, result.metrics)}" for f in result.flags)


def flag_details(result: TrialResult) -> str:
    """The analysis's own sentence for every flag of ``result``, for tooltips (empty when none)."""
    return "\n".join(m for f in result.flags if (m := flag_message(f)))
