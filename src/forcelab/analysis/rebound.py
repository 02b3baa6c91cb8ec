"""Repeated hops and multi-rebound jumps (the 10/5 repeated jump test): every hop, and the trial's summary.

**Definitions.** A *flight* is found by :func:`forcelab.analysis.events.detect_flights` (the same threshold,
ringing and landing rules as every jump, see docs/methods-jumps.md), each flight's take-off and landing placed
at the interpolated crossing of its threshold (:attr:`~forcelab.analysis.events.Flight.takeoff_time`,
``landing_time``). A **hop** is a ground contact between two flights: it starts at the landing of one flight and
ends at the take-off of the next, and is at most ``max_contact_time`` long (a longer stay on the plate is a
pause, not a hop; flag ``pause_in_series``). Per hop:

- contact time ``t_c`` = take-off − landing (interpolated crossings);
- flight time ``t_f`` = the flight that the contact launches (the next one), landing − take-off;
- jump height ``h = g t_f² / 8`` (a ballistic flight landing in the take-off posture; Moir 2008);
- RSI = ``h / t_c`` (m/s; Young 1995, Flanagan & Comyns 2008);
- peak force: the highest total force during the contact;
- ``fast_ssc``: 1 when ``t_c`` is at most ``fast_contact_max`` (250 ms, the fast stretch-shortening cycle
  of Flanagan & Comyns 2008), else 0 and the flag ``slow_contact`` names the hop;
- ``double_contact``: 1 when the force falls below the flight threshold inside the contact (too briefly to be
  a flight: the feet left the plate and touched again), else 0; flag ``double_contact``. Its contact time still
  runs from the first touch to the take-off, so such a hop rarely ranks among the best;
- ``best``: 1 for the hops the best-of figures below average, else 0 (every hop 0 when fewer than ``best_hops``
  hops were measured). :func:`best_hops` is the one rule that picks them: the review, the report and the exports
  read this column, and for a table archived before the column existed they call :func:`best_hops` on it.

**Trial metrics.** ``hop_count`` (hops found; unit ``count``, shown as a whole number), ``contact_time_mean`` and ``flight_time_mean`` (over the hops),
``rsi_max``, and the 10/5 repeated jump test's figures (Harper, Hobbs & Moore 2011): ``rsi_best5_mean``, the mean
RSI of the ``best_hops`` (5) hops with the highest RSI, and ``contact_time_best5_mean`` /
``jump_height_best5_mean`` of those same hops; with fewer than ``best_hops`` measured hops they are not found
(and say why). The best hops are the ``best_hops`` measured hops (RSI, flight time and jump height found)
with the highest RSI; a tie goes to the earlier hop. ``peak_force`` is the highest contact force of the series (per plate and its asymmetry with two
plates). The per-hop values are the result's table ``hops`` (:class:`~forcelab.analysis.types.Table`), kept in
the JSON output and in the archive.

**Parameters** (:class:`ReboundSettings`; flight detection as the other jumps, ``min_flight_time`` 0.1 s):
``fast_contact_max`` 0.25 s, ``best_hops`` 5, ``max_contact_time`` 1.0 s, ``g``. No body weight is needed: the
flights are found against the median on-plate force, as the drop jump's are, and the plate is zeroed on its
flight first when it reads more than 5 N in the air (flag ``plate_not_zeroed``).

References: Harper, Hobbs & Moore 2011 (BASES Student Conference, Chester: the 10/5 repeated jump test);
Flanagan & Comyns 2008, Strength Cond J 30(5):32-38 (RSI, fast SSC under 250 ms); Stratford, Dos'Santos &
McMahon 2020, Biomechanics 1(1):1-14 (the 10/5 test on a force plate, heights from flight time).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from forcelab.analysis.events import Flight, detect_flights, edge_time, first_true
from forcelab.analysis.jump_edits import check_edits
from forcelab.analysis.jump_metrics import REF_MOIR, Limb, MetricBook
from forcelab.analysis.jump_prep import check_and_filter, flight_settings, zero_on_flight
from forcelab.analysis.jump_takeoff import record_zero
from forcelab.analysis.params import num
from forcelab.analysis.settings import (
    FilterSettings,
    FlightSettings,
    IntegrationSettings,
    LimbSettings,
    TestSettings,
    WeighingSettings,
)
from forcelab.analysis.types import Event, ForceTrace, ParamValue, Table, TrialResult
from forcelab.analysis.units import COUNT

REF_HARPER = "Harper, Hobbs & Moore 2011, BASES Student Conference, Chester (the 10/5 repeated jump test)"
REF_FLANAGAN = "Flanagan & Comyns 2008, Strength Cond J 30(5):32-38"
REF_STRATFORD = "Stratford, Dos'Santos & McMahon 2020, Biomechanics 1(1):1-14"
REF_RSI = f"Young 1995, New Stud Athl 10(1):89-96; {REF_FLANAGAN}"

#: The per-hop table's columns: (name, unit, kind).
HOP_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("hop", "1", "i8"),
    ("contact_start_time", "s", "f8"),
    ("takeoff_time", "s", "f8"),
    ("contact_time", "s", "f8"),
    ("flight_time", "s", "f8"),
    ("jump_height", "m", "f8"),
    ("rsi", "m/s", "f8"),
    ("peak_force", "N", "f8"),
    ("fast_ssc", "1", "i8"),
    ("double_contact", "1", "i8"),
    ("best", "1", "i8"),
)
#: The hop table's column marking the hops the best-of figures average (1) and the others (0).
BEST_COLUMN = "best"
#: The columns a hop needs (not ``None``) to be measured, i.e. to rank among the best.
MEASURED_COLUMNS = ("rsi", "flight_time", "jump_height")


@dataclass(frozen=True)
class ReboundSettings(TestSettings):
    """Settings of :func:`analyze_rebound`: flight detection (as the other jumps), ``g``, the per-plate peak,
    the filter, and the hop rules: ``fast_contact_max`` (s, a fast stretch-shortening contact), ``best_hops``
    (how many best-RSI hops the 10/5 figures average), ``max_contact_time`` (s, the longest contact that is a
    hop). Only ``min_body_weight`` of the weighing family is taken (who is on the plate)."""

    NOT_TAKEN: ClassVar[frozenset[str]] = frozenset(
        {"weighing_method", "weighing_region", "weighing_window", "weighing_start", "weighing_search_span",
         "max_weighing_sd", "contact_persistence", "integration_rule"})

    weighing: WeighingSettings = field(default_factory=WeighingSettings)
    flight: FlightSettings = field(default_factory=FlightSettings)
    integration: IntegrationSettings = field(default_factory=IntegrationSettings)
    fast_contact_max: float = 0.25
    best_hops: int = 5
    max_contact_time: float = 1.0
    limbs: LimbSettings = field(default_factory=LimbSettings)
    filter: FilterSettings = field(default_factory=FilterSettings)

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.best_hops, bool) or not isinstance(self.best_hops, int) or self.best_hops < 1:
            raise ValueError(f"best_hops must be a whole number of hops, at least 1; got {self.best_hops!r}")
        for name in ("fast_contact_max", "max_contact_time"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not v > 0:
                raise ValueError(f"{name} must be a positive number of seconds, got {v!r}")


#: The settings used when none are given.
DEFAULT_SETTINGS = ReboundSettings()
#: Keyword parameters that are the trial's inputs, not settings.
INPUTS = ("events",)
#: Events a tester may place by hand: none yet (a series has a varying number of them).
EDITABLE_EVENTS: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hop:
    """One ground contact between two flights, as measured (times in s from the trace's start)."""

    number: int
    contact: int  # sample of the landing that starts the contact
    takeoff: int  # sample of the take-off that ends it
    contact_start_time: float
    takeoff_time: float
    contact_time: float
    flight_time: float | None
    jump_height: float | None
    rsi: float | None
    peak_force: float
    fast_ssc: bool
    unloaded: float  # seconds below the flight threshold inside the contact (> 0: a double contact)

    def row(self, best: bool = False) -> dict[str, float | int | None]:
        """The hop as a row of the ``hops`` table (``best``: one of the hops the best-of figures average)."""
        return {"hop": self.number, "contact_start_time": self.contact_start_time, "takeoff_time": self.takeoff_time,
                "contact_time": self.contact_time, "flight_time": self.flight_time, "jump_height": self.jump_height,
                "rsi": self.rsi, "peak_force": self.peak_force, "fast_ssc": int(self.fast_ssc),
                "double_contact": int(self.unloaded > 0), BEST_COLUMN: int(best)}


def _measured(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)


def best_hops(rows: Sequence[Mapping[str, Any]], count: int) -> list[int]:
    """Positions (0-based, in hop order) of the ``count`` hops the best-of figures (``rsi_best5_mean`` ...)
    average: the measured rows (every column of :data:`MEASURED_COLUMNS` a number, not ``None`` or NaN) with the
    highest ``rsi``, a tie going to the earlier hop; ``[]`` when fewer than ``count`` are measured (the figures
    are then not found). ``rows`` are rows of the ``hops`` table (:meth:`Hop.row`, or as read from the archive).

    The one place this rule lives: :func:`analyze_rebound` marks the hops it picks in the table's ``best``
    column, and :mod:`forcelab.storage.trial_tables` calls it for a table archived without that column."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"the number of best hops must be a whole number, at least 1; got {count!r}")
    measured = [i for i, row in enumerate(rows) if all(_measured(row.get(c)) for c in MEASURED_COLUMNS)]
    if len(measured) < count:
        return []
    ranked = sorted(measured, key=lambda i: -float(rows[i]["rsi"]))  # stable: a tie keeps hop order
    return sorted(ranked[:count])


def best_hop_count(params: Mapping[str, Any]) -> int:
    """How many hops the best-of figures average under a result's analysis ``params`` (``best_hops``; the
    default, 5, when they do not name it)."""
    value = params.get("best_hops", DEFAULT_SETTINGS.best_hops)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or value < 1:
        raise ValueError(f"best_hops must be a whole number of hops, at least 1; the result has {value!r}")
    return int(value)


def analyze_rebound(trace: ForceTrace, settings: ReboundSettings | None = None, *,
                    events: Mapping[str, int] | None = None, **overrides: Any) -> TrialResult:
    """Analyse a repeated-hop / multi-rebound trial in ``trace`` (see the module docstring for every definition).

    ``settings`` (default :class:`ReboundSettings()`) and ``overrides`` (settings by archive key) as for the
    other jumps. The series may start standing (a countermovement into the first flight) or from a box (the
    first contact is the box landing's). Raises ``ValueError`` only for structurally invalid input (empty trace,
    NaN samples, a bad setting) or a hand-placed event (none can be placed yet); no hop gives ``hop_count`` 0 and
    the other metrics not found, with the reason.
    """
    s = (settings or DEFAULT_SETTINGS).replace(**overrides)
    params: dict[str, ParamValue] = dict(s.params())
    check_edits(events, EDITABLE_EVENTS, n=trace.n, rate=trace.rate, test="repeated-hop test")
    prep = check_and_filter(trace, s.filter.filter_cutoff, s.filter.filter_order)
    prep, zero, _ = zero_on_flight(prep, params)
    F, rate = prep.total, prep.rate
    res = TrialResult("rebound", trace.rate, params=params)
    limbs = {} if prep.left is None or prep.right is None else {
        "left": Limb(prep.left, float("nan")), "right": Limb(prep.right, float("nan"))}
    book = MetricBook(res, params, limbs)
    record_zero(book, zero)
    flights, why = _flights(F, rate, params)
    first = 0 if flights and flights[0].takeoff.index is None else 1  # flight 0: the air before a box drop
    for i, fl in enumerate(flights, start=first):
        res.add_event(_renamed(fl.takeoff, f"takeoff_{i}"))
        res.add_event(_renamed(fl.landing, f"landing_{i}"))
    if flights and flights[-1].landing.index is None:
        res.flag("no_landing", f"no landing after the last flight: {flights[-1].landing.reason}")
    hops, pauses = _hops(F, rate, flights, s)
    if pauses:
        res.flag("pause_in_series", "contact(s) of " + ", ".join(f"{p:.2f} s" for p in pauses)
                 + f" between flights are longer than {s.max_contact_time:g} s: pauses, not hops")
    best = best_hops([h.row() for h in hops], int(s.best_hops))
    res.tables["hops"] = Table(HOP_COLUMNS, tuple(h.row(i in best) for i, h in enumerate(hops)),
                               "One row per hop (a ground contact between two flights); times in s from the "
                               "trial's first sample, flight time and jump height of the flight the contact launches; "
                               f"best = 1: one of the {s.best_hops} hops the best-of figures average.")
    _hop_flags(res, hops, s.fast_contact_max)
    _summary(book, hops, [hops[i] for i in best], s,
             why or ("no ground contact between two flights" if flights else "no flight found"))
    a = hops[0].contact if hops else 0
    b = hops[-1].takeoff if hops else 0
    book.force_metric("peak_force", book.extreme(F, a, b), "N", "max_force_during_hop_contacts", REF_HARPER,
                      reason=None if hops else "no hop", total_force=F, bw=float("nan"),
                      description="Highest force during the hops' contacts.")
    return res


def _renamed(ev: Event, name: str) -> Event:
    return Event(name, ev.index, ev.rate, ev.method, ev.reason)


def _flights(F: np.ndarray, rate: float, params: dict[str, ParamValue]) -> tuple[list[Flight], str | None]:
    """Every flight of the trial, searched from the first contact (so a series dropped into from a box, which
    starts in the air, is found too); and why there is none."""
    min_bw = num(params, "min_body_weight")
    on = F >= min_bw
    if not on.any():
        return [], f"force never reaches {min_bw:g} N: nobody on the plate"
    prelim = float(np.median(F[on]))
    first = first_true(F >= num(params, "flight_coarse_fraction") * prelim) or 0
    flights = detect_flights(F, rate, prelim, search_start=first, **flight_settings(params))
    arrival = _arrival(F, rate, first, flights)
    return ([arrival] if arrival is not None else []) + flights, None


def _arrival(F: np.ndarray, rate: float, first: int, flights: list[Flight]) -> Flight | None:
    """The landing that ends the air a trial starts in (a drop from a box into the series), as a flight whose
    take-off is not in the trace, at the crossing of the first flight's threshold; ``None`` when the trial starts
    on the plate (or no flight follows)."""
    if not flights or flights[0].threshold is None or first == 0:
        return None
    thr = flights[0].threshold
    below = np.flatnonzero(F[:first] < thr)
    if below.size == 0 or below[0] != 0:  # the trace does not start in the air
        return None
    land = int(below[-1]) + 1
    why = "the trial starts in the air (a drop from a box): that flight's take-off is not in the trace"
    return Flight(Event("takeoff", None, rate, "threshold_crossing", reason=why),
                  Event("landing", land, rate, f"first_threshold_{thr:.1f}N"), thr,
                  landing_time=edge_time(F, land, thr, rate, contact_before=False))


def _hops(F: np.ndarray, rate: float, flights: list[Flight], s: ReboundSettings) -> tuple[list[Hop], list[float]]:
    """The hops (contacts between consecutive flights, at most ``max_contact_time`` long) and the longer
    contacts (pauses, s)."""
    g = float(s.integration.g)
    hops: list[Hop] = []
    pauses: list[float] = []
    for before, after in zip(flights, flights[1:], strict=False):
        land, to = before.landing.index, after.takeoff.index
        if land is None or to is None or before.landing_time is None or after.takeoff_time is None:
            continue
        ct = after.takeoff_time - before.landing_time
        if ct > s.max_contact_time:
            pauses.append(ct)
            continue
        ft = None if after.landing_time is None else after.landing_time - after.takeoff_time
        h = None if ft is None else g * ft * ft / 8.0
        thresholds = [t for t in (before.threshold, after.threshold) if t is not None]
        below = F[land:to] < min(thresholds) if thresholds else np.zeros(0, dtype=bool)
        hops.append(Hop(len(hops) + 1, land, to, before.landing_time, after.takeoff_time, ct, ft, h,
                        None if h is None or ct <= 0 else h / ct, float(F[land:to].max(initial=0.0)),
                        ct <= s.fast_contact_max, float(below.sum()) / rate))
    return hops, pauses


def _hop_flags(res: TrialResult, hops: list[Hop], fast_max: float) -> None:
    """One flag for the slow contacts and one for the double contacts, each naming its hops."""
    slow = [h for h in hops if not h.fast_ssc]
    if slow:
        res.flag("slow_contact", "hop " + ", ".join(f"{h.number} ({h.contact_time * 1000:.0f} ms)" for h in slow)
                 + f": contact over {fast_max * 1000:g} ms, not a fast stretch-shortening cycle (Flanagan & Comyns 2008)")
    double = [h for h in hops if h.unloaded > 0]
    if double:
        res.flag("double_contact", "hop " + ", ".join(f"{h.number} ({h.unloaded * 1000:.0f} ms unloaded)" for h in double)
                 + ": the force fell below the flight threshold inside the contact (a double contact); its contact "
                 "time runs from the first touch to the take-off")


def _mean(values: list[float]) -> float:
    return float(np.mean(values))


def _summary(book: MetricBook, hops: list[Hop], best: list[Hop], s: ReboundSettings, why_none: str) -> None:
    """The trial metrics from the hops and the ``best`` of them (:func:`best_hops`)."""
    n_best = int(s.best_hops)
    none = None if hops else why_none
    book.put("hop_count", float(len(hops)), COUNT, "contacts_between_two_flights", REF_HARPER,
             description="Ground contacts between two flights (hops).")
    book.put("contact_time_mean", _mean([h.contact_time for h in hops]) if hops else None, "s",
             "mean_contact_time_interpolated_crossings", REF_STRATFORD, reason=none,
             description="Mean contact time of the hops (landing to take-off).")
    measured = [h for h in hops if h.rsi is not None and h.flight_time is not None and h.jump_height is not None]
    mwhy = none or (None if measured else "no hop's flight landed: no flight time")
    book.put("flight_time_mean", _mean([h.flight_time for h in measured if h.flight_time is not None])
             if measured else None, "s", "mean_flight_time_after_contact", REF_STRATFORD, reason=mwhy,
             description="Mean flight time of the flights the hops launch.")
    book.put("rsi_max", max(h.rsi for h in measured if h.rsi is not None) if measured else None, "m/s",
             "max_jump_height_flight_time_over_contact_time", REF_RSI, reason=mwhy,
             description="Highest hop RSI (jump height from flight time over contact time).")
    bwhy = mwhy or (None if best else
                    f"only {len(measured)} measured hop(s): the mean of the best {n_best} needs {n_best}")
    ok = bwhy is None
    meth = f"mean_of_best_{n_best}_hops_by_rsi"
    book.put("rsi_best5_mean", _mean([h.rsi for h in best if h.rsi is not None]) if ok else None, "m/s", meth,
             REF_HARPER, reason=bwhy, description=f"Mean RSI of the {n_best} hops with the highest RSI (10/5 test).")
    book.put("contact_time_best5_mean", _mean([h.contact_time for h in best]) if ok else None, "s", meth, REF_HARPER,
             reason=bwhy, description=f"Mean contact time of the {n_best} best-RSI hops.")
    book.put("jump_height_best5_mean", _mean([h.jump_height for h in best if h.jump_height is not None]) if ok else None,
             "m", meth + "_flight_time_g_t2_over_8", REF_MOIR, reason=bwhy,
             description=f"Mean jump height (from flight time) of the {n_best} best-RSI hops.")


#: The defaults of :func:`analyze_rebound`'s settings, by archive key.
DEFAULTS: dict[str, ParamValue] = ReboundSettings.defaults()
