"""Isometric tests as named definitions: one analysis (:func:`forcelab.analysis.isometric.analyze_isometric`),
many tests.

An isometric test differs from another by where the force is measured and how the athlete is placed, not by
the method: every one has a baseline before the effort, an onset at baseline + k·SD, a peak, force-time
windows after onset and, with two channels, per-limb values and their asymmetry. So a new isometric test is a
row of :data:`DEFINITIONS` (key, name, body position, device, baseline rule, windows and the few settings that
differ, reference), not new code. The isometric mid-thigh pull is one row among them.

Baseline rule. On a **plate** under the feet (IMTP, isometric squat) the baseline is the athlete's standing
weight (plus any pre-tension): relative forces are per kilogram of baseline / g unless ``body_mass`` is given.
On a **load cell** (belly press, hip squeezes, any single-cell isometric) the baseline is the resting cell with
the athlete in position (pad contact, near 0 N): it is not the athlete's weight (``baseline_is_body_weight``
False), so relative forces need ``body_mass`` and are otherwise not found with that reason.

Two channels (two plates, or one pad per knee): left/right values and their asymmetry, as for the IMTP
(docs/methods-asymmetry.md). The trial's ``test`` is the definition's key; metric method ids keep the
``imtp_`` prefix, since the algorithm is the same. See docs/methods-isometric.md, "Isometric test definitions".

This module is light (no numpy-heavy or scipy import at load): :mod:`forcelab.analysis.dispatch` and the
command line read the table at import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from forcelab.analysis.settings import IsometricSettings
from forcelab.analysis.types import ParamValue

if TYPE_CHECKING:
    from forcelab.analysis.types import ForceTrace, TrialResult

#: Where the force is measured.
DEVICES = ("plate", "load_cell")

REF_IMTP = ("Comfort P, Dos'Santos T, Beckham GK, Stone MH, Guppy SN, Haff GG (2019) Standardization and "
            "methodological considerations for the isometric midthigh pull. Strength Cond J 41(2):57-79")
REF_ONSET = ("Dos'Santos T, Jones PA, Comfort P, Thomas C (2017) Effect of different onset thresholds on "
             "isometric midthigh pull force-time variables. J Strength Cond Res 31(12):3463-3473")


@dataclass(frozen=True)
class IsometricTest:
    """One isometric test: what it is, how the athlete is placed, and the analysis settings that differ from
    :class:`~forcelab.analysis.settings.IsometricSettings`' defaults (``settings``, by archive key).

    ``device`` is ``"plate"`` (force under the feet: the baseline is the standing weight) or ``"load_cell"``
    (the baseline is the resting cell, not the athlete's weight). ``channels`` says what two channels are
    (per-limb values and asymmetry). ``segment``: thresholds of the pull segmentation
    (:class:`~forcelab.analysis.segmentation.OnlineTrialDetector`, ``kind="pull"``) that differ from its
    defaults, for cutting a recording into trials and for live detection."""

    key: str
    name: str
    position: str
    device: str
    channels: str
    reference: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    segment: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise ValueError(f"{self.key}: device must be one of {DEVICES}, got {self.device!r}")
        fixed = dict(self.settings)
        fixed.setdefault("baseline_is_body_weight", self.device == "plate")
        object.__setattr__(self, "settings", MappingProxyType(fixed))
        object.__setattr__(self, "segment", MappingProxyType(dict(self.segment)))
        self.defaults()  # an invalid setting in the table fails at import, naming it

    def defaults(self) -> IsometricSettings:
        """The test's default settings."""
        return IsometricSettings().replace(**self.settings)

    @property
    def baseline_rule(self) -> str:
        """The baseline in words."""
        s = self.defaults()
        what = ("standing weight on the plate (plus any pre-tension)" if self.device == "plate"
                else "the resting load cell with the athlete in position (not body weight)")
        return f"{s.baseline} {s.baseline_window:g} s window before the effort: {what}"


#: Single-load-cell tests share these: forces of 100-600 N, so the pre-tension and unsteadiness gates and the
#: least effort scale down from the pull's (50 N, 25 N SD, 50 N).
_CELL = {"pretension_threshold": 20.0, "unsteady_sd": 10.0, "min_pull_force": 20.0,
         "windows": (0.05, 0.1, 0.2, 0.3, 0.5)}
#: ... and their segmentation: a resting cell reads about 0 N, which must not count as "nobody there"
#: (``flight_threshold`` -inf, as the segmentation's docstring says), and efforts of 50 N and more are trials.
_CELL_SEGMENT = {"flight_threshold": float("-inf"), "pull_band": 10.0, "min_pull": 50.0}

#: The isometric tests, by key (the ``test`` of their trials, ``--test KEY`` on the command line).
DEFINITIONS: Mapping[str, IsometricTest] = MappingProxyType({d.key: d for d in (
    IsometricTest(
        "imtp", "isometric mid-thigh pull",
        "standing on the plate, a fixed bar at mid-thigh (knee 125-145°, hip 140-150°), pulling up",
        "plate", "left/right plate", REF_IMTP),
    IsometricTest(
        "iso_squat", "isometric squat",
        "standing on the plate under a fixed bar on the shoulders (knee about 90° or 120-140°), pushing up",
        "plate", "left/right plate",
        "Bazyler CD, Beckham GK, Sato K (2015) The use of the isometric squat as a measure of strength and "
        "explosiveness. J Strength Cond Res 29(5):1386-1392"),
    IsometricTest(
        "iso_belly_press", "isometric belly press",
        "standing, palm on a load cell held against the abdomen, elbow in front of the trunk, pressing the hand "
        "into the belly (shoulder internal rotation, subscapularis); one arm per trial",
        "load_cell", "one channel (the tester names the arm)",
        "Tokish JM, Decker MJ, Ellis HB, Torry MR, Hawkins RJ (2003) The belly-press test for the physical "
        "examination of the subscapularis muscle. J Shoulder Elbow Surg 12(5):427-430", _CELL, _CELL_SEGMENT),
    IsometricTest(
        "hip_adduction", "hip adduction squeeze",
        "supine, hips and knees flexed (45° or 90°), load cell between the knees (or one pad per knee), "
        "squeezing the knees together",
        "load_cell", "one pad per knee: left/right",
        "Light N, Thorborg K (2016) The precision and torque production of common hip adductor squeeze tests "
        "used in elite football. J Sci Med Sport 19(11):888-892", _CELL, _CELL_SEGMENT),
    IsometricTest(
        "hip_abduction", "hip abduction push",
        "supine, hips and knees flexed, a load cell (or one pad per knee) against the outside of the knees, "
        "pushing the knees apart",
        "load_cell", "one pad per knee: left/right",
        "Thorborg K, Petersen J, Magnusson SP, Holmich P (2010) Clinical assessment of hip strength using a "
        "hand-held dynamometer is reliable. Scand J Med Sci Sports 20(3):493-501", _CELL, _CELL_SEGMENT),
    IsometricTest(
        "iso_load_cell", "single-load-cell isometric",
        "any isometric effort against one load cell (knee extension, calf raise, neck, grip ...): the tester "
        "notes the position", "load_cell", "one channel, or left/right",
        REF_ONSET, _CELL, _CELL_SEGMENT),
)})
#: The keys, in table order.
ISOMETRIC_TESTS: tuple[str, ...] = tuple(DEFINITIONS)


def definition(test: str) -> IsometricTest:
    """The definition of isometric test ``test`` (``ValueError`` naming the known ones)."""
    d = DEFINITIONS.get(test)
    if d is None:
        raise ValueError(f"unknown isometric test {test!r}; known: {', '.join(ISOMETRIC_TESTS)}")
    return d


def is_isometric(test: str) -> bool:
    """True when ``test`` is one of the isometric tests (its trials are pulls to the segmentation)."""
    return test in DEFINITIONS


def segmentation(test: str) -> tuple[str, dict[str, Any]]:
    """``(kind, thresholds)`` for :func:`forcelab.analysis.segmentation.find_trials` and the online detector:
    ``("pull", the test's thresholds)`` for an isometric test, ``("jump", {})`` for any other."""
    d = DEFINITIONS.get(test)
    return ("jump", {}) if d is None else ("pull", dict(d.segment))


def analyze_isometric_test(trace: ForceTrace, test: str, *, events: Mapping[str, int] | None = None,
                           **overrides: Any) -> TrialResult:
    """Analyse one trial of isometric test ``test`` (a key of :data:`DEFINITIONS`): the isometric analysis with
    the test's settings, ``overrides`` (archive keys) on top. The result's ``test`` is ``test``; errors as
    :func:`forcelab.analysis.isometric.analyze_isometric`."""
    from forcelab.analysis.isometric import analyze_isometric

    d = definition(test)
    result = analyze_isometric(trace, d.defaults(), events=events, **overrides)
    result.test = d.key
    return result


@dataclass(frozen=True)
class IsometricAnalysis:
    """One isometric test as :mod:`forcelab.analysis.dispatch` calls it (``analysis(trace, **params)``), with its
    settings' defaults (``DEFAULTS``, the row's own), inputs and editable events (the pull's)."""

    test: str

    @property
    def DEFAULTS(self) -> dict[str, ParamValue]:  # noqa: N802 - the attribute dispatch reads of every analysis
        return {**IsometricSettings.defaults(), **definition(self.test).settings}

    @property
    def INPUTS(self) -> tuple[str, ...]:  # noqa: N802
        return ("events",)

    @property
    def EDITABLE_EVENTS(self) -> tuple[str, ...]:  # noqa: N802
        from forcelab.analysis.isometric import EDITABLE_EVENTS

        return EDITABLE_EVENTS

    def __call__(self, trace: ForceTrace, *, events: Mapping[str, int] | None = None, **overrides: Any) -> TrialResult:
        return analyze_isometric_test(trace, self.test, events=events, **overrides)


def analyzer(test: str) -> Callable[..., TrialResult]:
    """The analysis of isometric test ``test``, as :mod:`forcelab.analysis.dispatch` calls one."""
    definition(test)
    return IsometricAnalysis(test)
