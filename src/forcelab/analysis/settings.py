"""The settings of the analyses as small frozen types, shared by the countermovement, squat and drop jump.

Each family of settings is one frozen dataclass (weighing, onset, flight detection, take-off, flight checks,
integration, landing, per-limb values, filter). A test's settings (:class:`CMJSettings`, :class:`SJSettings`,
:class:`DJSettings`) compose the families it uses, plus the few settings only that test has. These types are
the one place a setting's default is written.

The archive stores the settings flat, one key per setting, as it always has: a field's name *is* its key in
``params`` (``WeighingSettings.weighing_window`` is ``params["weighing_window"]``), so :meth:`params` and
:meth:`replace` need no table of names, and the key order is the order of the fields. Call style::

    analyze_cmj(trace)                                        # the defaults
    analyze_cmj(trace, CMJSettings(onset=OnsetSettings(onset_k=3.0)))
    analyze_cmj(trace, onset_k=3.0, filter_cutoff=50.0)       # flat overrides, as stored in the archive
    analyze_cmj(trace, settings, onset_k=3.0)                 # both: the overrides win

The isometric pull's settings (:class:`IsometricSettings`) follow the same rules and share the filter family.
Definitions of every setting: docs/methods-jumps.md, docs/methods-isometric.md.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from forcelab.analysis.types import ParamValue
from forcelab.analysis.units import STANDARD_GRAVITY

S = TypeVar("S", bound="TestSettings")


@dataclass(frozen=True)
class WeighingSettings:
    """Weighing (Owen et al. 2014): which window of quiet stance gives the body weight and its SD.

    ``weighing_region`` ("before" the jump, or "after" the landing) and ``weighing_search_span`` (s, the
    stance just before the jump) are taken by the squat jump, resp. the countermovement and squat jump."""

    weighing_method: str = "steadiest"
    weighing_region: str = "before"
    weighing_window: float = 1.0
    weighing_start: float = 0.0
    weighing_search_span: float | None = None
    min_body_weight: float = 200.0
    max_weighing_sd: float = 10.0


@dataclass(frozen=True)
class OnsetSettings:
    """Movement onset: force leaves BW ± max(k·SD, floor) for ``onset_persistence`` s."""

    onset_k: float = 5.0
    onset_min_threshold: float = 10.0
    onset_persistence: float = 0.030
    onset_direction: str = "both"
    onset_step_back: float = 0.0
    onset_search: str = "forward"
    onset_quiet_time: float = 0.1


@dataclass(frozen=True)
class FlightSettings:
    """Flight detection (the parameters of :func:`forcelab.analysis.events.detect_flight`) and the plausible
    range of flight time (a quality gate).

    ``flight_abs`` and ``takeoff_persistence`` are taken by the jumps from a stance (countermovement, squat
    jump), ``contact_persistence`` (how long force must stay above the threshold to be the first contact)
    by the drop jump."""

    flight_threshold_method: str = "noise"
    flight_fixed_threshold: float = 20.0
    flight_k: float = 5.0
    flight_floor: float = 10.0
    flight_coarse_fraction: float = 0.1
    min_flight_time: float = 0.1
    flight_abs: bool = False
    takeoff_persistence: float = 0.0
    contact_persistence: float = 0.01
    landing_persistence: float = 0.01
    min_plausible_flight_time: float = 0.1
    max_plausible_flight_time: float = 1.2


@dataclass(frozen=True)
class IntegrationSettings:
    """Impulse–momentum integration: the rule and the acceleration of gravity (m/s²)."""

    integration_rule: str = "trapezoid"
    g: float = STANDARD_GRAVITY


@dataclass(frozen=True)
class LandingSettings:
    """Landing phase and stabilisation (see :mod:`forcelab.analysis.jump_landing`)."""

    landing_window: float = 0.5
    landing_velocity_tolerance: float = 0.05
    stabilisation_band: float = 0.05
    stabilisation_hold: float = 1.0


@dataclass(frozen=True)
class LimbSettings:
    """Per-limb values with two plates: the asymmetry formula and how a limb's peak is taken."""

    asymmetry_formula: str = "percent_difference"
    limb_peak: str = "own"


@dataclass(frozen=True)
class FilterSettings:
    """Optional zero-lag Butterworth low-pass (:func:`forcelab.analysis.filters.lowpass`); off by default."""

    filter_cutoff: float | None = None
    filter_order: int = 4


#: One field of a test's settings: its name and, for a family, the family's fields this test takes (``None``
#: for a single setting) and the defaults of the family fields it does not take.
_Slot = tuple[str, tuple[str, ...] | None, dict[str, Any]]


_LAYOUTS: dict[type, tuple[_Slot, ...]] = {}
_OWNERS: dict[type, dict[str, str | None]] = {}


def _layout(cls: type[TestSettings]) -> tuple[_Slot, ...]:
    """The fields of settings class ``cls``, families resolved, computed once per class (the analyses build
    settings on every call, so this keeps :meth:`TestSettings.params` and :meth:`TestSettings.replace` cheap)."""
    if cls in _LAYOUTS:
        return _LAYOUTS[cls]
    out: list[_Slot] = []
    for f in dataclasses.fields(cls):
        family = f.default_factory() if f.default_factory is not dataclasses.MISSING else None
        if family is None or not dataclasses.is_dataclass(family):
            out.append((f.name, None, {}))
            continue
        names = tuple(g.name for g in dataclasses.fields(family))
        out.append((f.name, tuple(n for n in names if n not in cls.NOT_TAKEN),
                    {n: getattr(family, n) for n in names if n in cls.NOT_TAKEN}))
    _LAYOUTS[cls] = tuple(out)
    return _LAYOUTS[cls]


@dataclass(frozen=True)
class TestSettings:
    """A test's settings: families (dataclass fields) and single settings, flattened to ``params`` keys.

    ``NOT_TAKEN`` names family fields this test does not use: they are not in :meth:`params` (so not in the
    archive), :meth:`replace` rejects them, and setting one away from its default is a ``ValueError``."""

    __test__: ClassVar[bool] = False  # not a pytest test class
    NOT_TAKEN: ClassVar[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        for fam, _, unused in _layout(type(self)):
            value = getattr(self, fam)
            for name, default in unused.items():
                if getattr(value, name) != default:
                    raise ValueError(f"{type(self).__name__} does not take {name} (got {getattr(value, name)!r})")

    def params(self) -> dict[str, ParamValue]:
        """Every setting by its archive key, in field order (what ``TrialResult.params`` stores)."""
        return dict(self._items())

    def _items(self) -> Iterator[tuple[str, Any]]:
        for name, keys, _ in _layout(type(self)):
            value = getattr(self, name)
            if keys is None:
                yield name, value
            else:
                for key in keys:
                    yield key, getattr(value, key)

    def replace(self: S, **overrides: Any) -> S:
        """A copy with settings replaced by archive key (``onset_k=3.0``); an unknown key is a ``ValueError``
        naming it and the valid ones."""
        if not overrides:
            return self
        owner = _owners(type(self))
        unknown = sorted(set(overrides) - set(owner))
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(unknown)} for {type(self).__name__}; "
                             f"valid: {', '.join(sorted(owner))}")
        top: dict[str, Any] = {}
        families: dict[str, dict[str, Any]] = {}
        for key, value in overrides.items():
            fam = owner[key]
            if fam is None:
                top[key] = value
            else:
                families.setdefault(fam, {})[key] = value
        for fam, values in families.items():
            top[fam] = dataclasses.replace(getattr(self, fam), **values)
        return dataclasses.replace(self, **top)

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """The default of every setting, by archive key (as given: a sequence stays a sequence)."""
        return dict(cls()._items())

    @classmethod
    def from_params(cls: type[S], params: Mapping[str, Any]) -> S:
        """The settings stored in ``params`` (keys this test does not take, e.g. ``edited_events``, are
        ignored; settings missing from ``params`` keep their defaults)."""
        keys = _owners(cls)
        return cls().replace(**{k: v for k, v in params.items() if k in keys})


def _owners(cls: type[TestSettings]) -> dict[str, str | None]:
    """Each archive key of ``cls`` -> the family field holding it (``None``: a single setting of the test)."""
    if cls in _OWNERS:
        return _OWNERS[cls]
    out: dict[str, str | None] = {}
    for name, keys, _ in _layout(cls):
        if keys is None:
            out[name] = None
        else:
            out.update(dict.fromkeys(keys, name))
    _OWNERS[cls] = out
    return out


def _dj_flight() -> FlightSettings:
    """A drop jump's rebound flight may be short: 50 ms counts as a flight."""
    return FlightSettings(min_flight_time=0.05)


@dataclass(frozen=True)
class CMJSettings(TestSettings):
    """Settings of :func:`forcelab.analysis.cmj.analyze_cmj`; ``braking_start`` is ``"min_velocity"``
    (McMahon 2018) or ``"min_force"``."""

    NOT_TAKEN: ClassVar[frozenset[str]] = frozenset({"weighing_region", "contact_persistence"})

    weighing: WeighingSettings = field(default_factory=WeighingSettings)
    onset: OnsetSettings = field(default_factory=OnsetSettings)
    flight: FlightSettings = field(default_factory=FlightSettings)
    integration: IntegrationSettings = field(default_factory=IntegrationSettings)
    braking_start: str = "min_velocity"
    max_height_difference: float = 0.05
    landing: LandingSettings = field(default_factory=LandingSettings)
    limbs: LimbSettings = field(default_factory=LimbSettings)
    filter: FilterSettings = field(default_factory=FilterSettings)


@dataclass(frozen=True)
class SJSettings(TestSettings):
    """Settings of :func:`forcelab.analysis.sj.analyze_sj`. ``countermovement_threshold`` (N, default: the
    onset threshold) and ``countermovement_persistence`` (s) define the dip that flags a countermovement."""

    NOT_TAKEN: ClassVar[frozenset[str]] = frozenset({"contact_persistence"})

    weighing: WeighingSettings = field(default_factory=WeighingSettings)
    onset: OnsetSettings = field(default_factory=OnsetSettings)
    countermovement_threshold: float | None = None
    countermovement_persistence: float = 0.030
    flight: FlightSettings = field(default_factory=FlightSettings)
    integration: IntegrationSettings = field(default_factory=IntegrationSettings)
    max_height_difference: float = 0.05
    landing: LandingSettings = field(default_factory=LandingSettings)
    limbs: LimbSettings = field(default_factory=LimbSettings)
    filter: FilterSettings = field(default_factory=FilterSettings)


@dataclass(frozen=True)
class DJSettings(TestSettings):
    """Settings of :func:`forcelab.analysis.dj.analyze_dj`. ``impact_fraction`` is the first share of the
    contact in which the impact peak is looked for."""

    NOT_TAKEN: ClassVar[frozenset[str]] = frozenset(
        {"weighing_region", "weighing_search_span", "flight_abs", "takeoff_persistence"})

    weighing: WeighingSettings = field(default_factory=WeighingSettings)
    flight: FlightSettings = field(default_factory=_dj_flight)
    integration: IntegrationSettings = field(default_factory=IntegrationSettings)
    max_height_difference: float = 0.05
    impact_fraction: float = 0.2
    landing: LandingSettings = field(default_factory=LandingSettings)
    limbs: LimbSettings = field(default_factory=LimbSettings)
    filter: FilterSettings = field(default_factory=FilterSettings)


@dataclass(frozen=True)
class LandingTestSettings(TestSettings):
    """Settings of :func:`forcelab.analysis.landing.analyze_landing` (drop landing held still). The flight family
    gives the contact threshold (the air before touchdown) and ``min_flight_time`` (an unloaded stretch after
    touchdown that long means the landing was not held); the landing family the peak window and the band method
    of time to stabilisation; ``stabilisation_window`` (s from touchdown) and ``stabilisation_sd_fraction`` the
    sequential-average method (Colby et al. 1999). See docs/methods-landing.md."""

    NOT_TAKEN: ClassVar[frozenset[str]] = frozenset(
        {"weighing_region", "weighing_search_span", "flight_abs", "takeoff_persistence", "landing_persistence",
         "min_plausible_flight_time", "max_plausible_flight_time"})

    weighing: WeighingSettings = field(default_factory=WeighingSettings)
    flight: FlightSettings = field(default_factory=_dj_flight)
    integration: IntegrationSettings = field(default_factory=IntegrationSettings)
    landing: LandingSettings = field(default_factory=LandingSettings)
    stabilisation_window: float = 3.0
    stabilisation_sd_fraction: float = 0.25
    limbs: LimbSettings = field(default_factory=LimbSettings)
    filter: FilterSettings = field(default_factory=FilterSettings)


def _balance_filter() -> FilterSettings:
    """Centre-of-pressure measures are taken on the CoP low-passed at 10 Hz (posturography practice: the sway is
    below 2 Hz, the path length otherwise counts the plate's noise)."""
    return FilterSettings(filter_cutoff=10.0)


@dataclass(frozen=True)
class BalanceSettings(TestSettings):
    """Settings of :func:`forcelab.analysis.balance.analyze_balance` (quiet stance, single-leg balance):
    ``trim_start`` (s) skipped at the start (settling), ``duration`` (s, ``None``: to the end) analysed,
    ``min_force`` (N) below which a sample is off the plate, ``ellipse_probability`` of the confidence ellipse,
    the CoP low-pass (``filter_cutoff`` 10 Hz). See docs/methods-balance.md."""

    trim_start: float = 0.0
    duration: float | None = None
    min_force: float = 100.0
    ellipse_probability: float = 0.95
    filter: FilterSettings = field(default_factory=_balance_filter)


BASELINES = ("steadiest", "first")
#: Isometric settings stored as floats whatever number type they were given as (as the archive always has).
_ISOMETRIC_FLOATS = ("baseline_window", "baseline_search", "onset_sd", "onset_persistence", "peak_rfd_window",
                     "pretension_threshold", "unsteady_sd", "max_onset_lead", "min_pull_force", "g")


def _seconds(windows: object) -> tuple[float, ...]:
    """Time windows as a tuple of floats; a stored ``"0.05,0.1"`` is read back as numbers."""
    if isinstance(windows, str):
        return tuple(float(v) for v in windows.split(",") if v)
    if not isinstance(windows, tuple | list):
        raise ValueError(f"windows must be a sequence of times in seconds, got {windows!r}")
    return tuple(float(w) for w in windows)


def _positive(name: str, v: float) -> None:
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a positive number, got {v!r}")


@dataclass(frozen=True)
class IsometricSettings(TestSettings):
    """Settings of :func:`forcelab.analysis.isometric.analyze_isometric` (docs/methods-isometric.md).

    ``baseline_window`` (s) and ``baseline`` (``"steadiest"`` | ``"first"``) choose the baseline, searched in
    the last ``baseline_search`` s before the rise; ``onset_sd`` is k in ``baseline + k * SD``;
    ``onset_persistence`` (s) bridges shorter dips below the threshold; ``peak_rfd_window`` (s) is the sliding
    window of peak RFD; ``windows`` (s) the times after onset for force, RFD and impulse;
    ``pretension_threshold`` (N), ``unsteady_sd`` (N) and ``max_onset_lead`` (s) are the quality gates;
    ``min_pull_force`` (N) the least rise over the baseline that is a pull; ``body_mass`` (kg, optional) scales
    the relative forces (else baseline / ``g`` when ``baseline_is_body_weight``, the athlete standing on the
    plate; a load-cell test sets it False and has relative forces only with ``body_mass``; see
    :mod:`forcelab.analysis.isometric_tests`). Invalid values are a ``ValueError`` naming the setting."""

    baseline_window: float = 1.0
    baseline: str = "steadiest"
    baseline_search: float = 3.0
    onset_sd: float = 5.0
    onset_persistence: float = 0.010
    peak_rfd_window: float = 0.020
    windows: tuple[float, ...] = (0.05, 0.10, 0.15, 0.20, 0.25)
    pretension_threshold: float = 50.0
    unsteady_sd: float = 25.0
    max_onset_lead: float = 1.0
    min_pull_force: float = 50.0
    body_mass: float | None = None
    g: float = STANDARD_GRAVITY
    filter: FilterSettings = field(default_factory=FilterSettings)
    baseline_is_body_weight: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", _seconds(self.windows))
        super().__post_init__()
        if self.baseline not in BASELINES:
            raise ValueError(f"baseline must be one of {', '.join(BASELINES)}; got {self.baseline!r}")
        for name in ("baseline_window", "onset_sd", "peak_rfd_window", "g"):
            _positive(name, getattr(self, name))
        if not (math.isfinite(self.onset_persistence) and self.onset_persistence >= 0):
            raise ValueError(f"onset_persistence must be zero or positive seconds, got {self.onset_persistence!r}")
        if not self.windows or any(not (math.isfinite(w) and w > 0) for w in self.windows):
            raise ValueError(f"windows must be positive times in seconds, got {self.windows!r}")
        if self.body_mass is not None and not (math.isfinite(self.body_mass) and self.body_mass > 0):
            raise ValueError(f"body_mass must be a positive number of kilograms, got {self.body_mass!r}")
        if not isinstance(self.baseline_is_body_weight, bool):
            raise ValueError(f"baseline_is_body_weight must be true or false, got {self.baseline_is_body_weight!r}")

    def params(self) -> dict[str, ParamValue]:
        """As stored: the numeric settings as floats, ``windows`` as text (``"0.05,0.1,..."``)."""
        p = super().params()
        p.update({k: float(getattr(self, k)) for k in _ISOMETRIC_FLOATS})
        p.update(windows=",".join(f"{w:g}" for w in self.windows), filter_order=int(self.filter.filter_order))
        return p
