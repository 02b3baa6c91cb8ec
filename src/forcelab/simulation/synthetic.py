"""Synthetic force traces with an exactly known answer.

Each generator builds the vertical ground reaction force from a *known* centre-of-mass acceleration
profile ``a(t)`` made of smooth closed-form lobes (half sines, quarter sines, raised cosines), so that
take-off velocity, jump height, phase boundaries, countermovement depth, peak force and so on are known
analytically. On the plate ``F = m (g + a)``; in flight ``F = 0``.

Exactness
---------
The truth values are computed from the closed forms (phase integrals in closed form; maxima such as peak
force or peak power by bounded refinement of the analytic function to ~1e-10 s). The trace samples the
analytic functions at ``k / rate`` (no resampling of a high-resolution array), so the same truth holds at
every rate. What a numerical method recovers from the samples differs from the truth only by its own
discretisation error: trapezoidal integration of ``F/m - g`` reproduces the take-off velocity to
``O(1/rate^2)`` (the lobes are smooth; boundaries are C0 kinks at most), e.g. well under 1e-4 m/s at
500 Hz. Event *times* (``onset_time``, ``takeoff_time`` ...) are exact instants that generally fall
between samples; a detector can only be expected to find them within a sample or two.

Asymmetry
---------
With two plates, ``left = total * (0.5 + asymmetry / 2)`` and ``right = total * (0.5 - asymmetry / 2)``,
so ``asymmetry = (left - right) / total``: positive means the LEFT plate carries more.

Noise
-----
``noise_sd`` is the standard deviation (N) of white Gaussian noise on the TOTAL force. With plates, each
plate gets independent noise of ``noise_sd / sqrt(2)`` so that ``total == left + right`` still holds.
Noise is drawn from ``numpy.random.default_rng(seed)``; the truth ignores it.

The building block is :class:`Timeline`, an ordered list of closed-form pieces on absolute time that
can be evaluated on any block of sample times; the simulated device streams from one. It and the movement
builders (the closed forms and their truth) live in :mod:`forcelab.simulation.shapes`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forcelab.analysis.params import keyword_defaults
from forcelab.analysis.types import ForceTrace
from forcelab.simulation.shapes import (
    G,
    Timeline,
    build_drop_jump,
    build_drop_landing,
    build_jump,
    build_pull,
    build_rebound,
    nonneg,
    positive,
)

__all__ = [
    "G",
    "SyntheticTrial",
    "Timeline",
    "cmj",
    "drop_jump",
    "drop_landing",
    "isometric_load_cell",
    "isometric_pull",
    "quiet_stance",
    "rebound",
    "hop_plan",
    "rebound_series",
    "session",
    "split_plates",
    "squat_jump",
    "TESTS",
    "append_trial",
    "asymmetry_truth",
]


# --------------------------------------------------------------------------------------------------
# public generators
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticTrial:
    """A generated trace and its exact truth (times in seconds from the first sample)."""

    trace: ForceTrace
    truth: dict[str, float]


def split_plates(total: np.ndarray, asymmetry: float) -> tuple[np.ndarray, np.ndarray]:
    """Split a total force into (left, right) with ``(left - right) / total == asymmetry``."""
    a = float(asymmetry)
    if not -1.0 <= a <= 1.0:
        raise ValueError(f"asymmetry must be between -1 and 1 (a fraction of the total), got {asymmetry!r}")
    left = total * (0.5 + a / 2.0)
    return left, total - left


def asymmetry_truth(asymmetry: float) -> dict[str, float]:
    """The left/right split in the conventions analyses use (the split is the same at every instant,
    so every force, impulse or peak asymmetry of the trial equals these):

    - ``asymmetry``: ``(L - R) / (L + R)``, the fraction this module is parameterised by;
    - ``asymmetry_index_max_pct``: ``(L - R) / max(L, R) * 100`` (Impellizzeri et al. 2007; Bishop et al. 2016);
    - ``asymmetry_index_mean_pct``: ``(L - R) / ((L + R) / 2) * 100`` (symmetry index, Robinson 1987).
    Positive means the left side is larger.
    """
    a = float(asymmetry)
    left, right = 0.5 + a / 2.0, 0.5 - a / 2.0
    return {
        "asymmetry": a,
        "asymmetry_index_max_pct": (left - right) / max(left, right) * 100.0,
        "asymmetry_index_mean_pct": 2.0 * a * 100.0,
    }


def _sample(tl: Timeline, *, rate: float, duration: float, plates: bool, asymmetry: float,
            noise_sd: float, seed: int | None) -> ForceTrace:
    n = int(math.ceil(duration * rate - 1e-9))
    t = np.arange(n, dtype=np.float64) / rate
    total = tl.evaluate(t)
    rng = np.random.default_rng(seed)
    if not plates:
        if noise_sd > 0:
            total = total + rng.normal(0.0, noise_sd, n)
        return ForceTrace(rate=rate, total=total)
    left, right = split_plates(total, asymmetry)
    if noise_sd > 0:
        sd = noise_sd / math.sqrt(2.0)
        left = left + rng.normal(0.0, sd, n)
        right = right + rng.normal(0.0, sd, n)
    return ForceTrace.from_plates(rate, left, right)


def _common(rate: float, body_mass: float, asymmetry: float, noise_sd: float, g: float) -> None:
    positive("rate", rate)
    positive("body_mass", body_mass)
    positive("g", g)
    nonneg("noise_sd", noise_sd)
    if not -1.0 <= float(asymmetry) <= 1.0:
        raise ValueError(f"asymmetry must be between -1 and 1 (a fraction of the total), got {asymmetry!r}")


def _finish(tl: Timeline, truth: dict[str, float], *, quiet_after: float, rate: float, plates: bool,
            asymmetry: float, noise_sd: float, seed: int | None) -> SyntheticTrial:
    """End a single-trial timeline with ``quiet_after`` s of stance and sample it, with the asymmetry truth."""
    tl.hold(quiet_after)
    truth.update(asymmetry_truth(asymmetry))
    trace = _sample(tl, rate=rate, duration=tl.end, plates=plates, asymmetry=asymmetry, noise_sd=noise_sd,
                    seed=seed)
    return SyntheticTrial(trace, truth)


def _system_mass(body_mass: float, load_mass: float) -> float:
    """Athlete plus external load (kg); ``ValueError`` for a negative or non-finite load."""
    nonneg("load_mass", load_mass)
    return float(body_mass) + float(load_mass)


def _loaded(truth: dict[str, float], load_mass: float, g: float) -> dict[str, float]:
    """The truth of a jump built with the system mass (athlete + ``load_mass``), with the athlete's own
    mass and weight as ``body_mass`` / ``body_weight`` and the system's as ``system_mass`` / ``system_weight``.
    Every kinematic value (take-off velocity, heights, power, impulse) is the system's: the load moves with
    the athlete. Unchanged when ``load_mass`` is 0."""
    if not load_mass:
        return truth
    m_sys = truth["body_mass"]
    truth.update(system_mass=m_sys, system_weight=m_sys * g, load_mass=float(load_mass),
                 body_mass=m_sys - load_mass, body_weight=(m_sys - load_mass) * g)
    return truth


def cmj(*, body_mass: float = 75.0, jump_height: float = 0.35, rate: float = 1000.0, quiet_before: float = 1.5,
        quiet_after: float = 1.5, depth: float = 0.30, unweighting_time: float = 0.40,
        braking_time: float = 0.18, propulsion_time: float = 0.26, asymmetry: float = 0.0,
        noise_sd: float = 0.0, plates: bool = True, seed: int | None = None, g: float = G,
        load_mass: float = 0.0) -> SyntheticTrial:
    """A countermovement jump: quiet stance, unweighting, braking, propulsion, flight, landing, quiet.

    ``depth`` is the countermovement depth (m, positive down); the three phase durations are exact
    (McMahon 2018 phase definitions: unweighting ends at the velocity minimum, braking at zero velocity).
    ``load_mass`` (kg) is an external load carried throughout (see :func:`_loaded`).
    """
    _common(rate, body_mass, asymmetry, noise_sd, g)
    body_mass = _system_mass(body_mass, load_mass)
    positive("jump_height", jump_height)
    positive("depth", depth)
    for name, v in (("unweighting_time", unweighting_time), ("braking_time", braking_time),
                    ("propulsion_time", propulsion_time), ("quiet_before", quiet_before),
                    ("quiet_after", quiet_after)):
        positive(name, v)
    m = float(body_mass)
    tl = Timeline(initial=m * g)
    tl.hold(quiet_before, m * g)
    truth = _loaded(build_jump(tl, m=m, g=g, jump_height=jump_height, depth=depth,
                               unweighting_time=unweighting_time, braking_time=braking_time,
                               propulsion_time=propulsion_time), load_mass, g)
    return _finish(tl, truth, quiet_after=quiet_after, rate=rate, plates=plates, asymmetry=asymmetry,
                   noise_sd=noise_sd, seed=seed)


def squat_jump(*, body_mass: float = 75.0, jump_height: float = 0.30, rate: float = 1000.0,
               quiet_before: float = 1.5, quiet_after: float = 1.5, propulsion_time: float = 0.35,
               countermovement: float = 0.0, dip_time: float = 0.12, asymmetry: float = 0.0,
               noise_sd: float = 0.0, plates: bool = True, seed: int | None = None, g: float = G,
               load_mass: float = 0.0) -> SyntheticTrial:
    """A squat jump from a held squat (force = body weight), optionally with a small dip of
    ``countermovement`` m just before the push (what the squat-jump quality gate should flag); the dip
    spends ``dip_time`` s unweighting and ``dip_time`` s braking. ``load_mass`` (kg) is an external load
    carried throughout (see :func:`_loaded`)."""
    _common(rate, body_mass, asymmetry, noise_sd, g)
    body_mass = _system_mass(body_mass, load_mass)
    positive("jump_height", jump_height)
    nonneg("countermovement", countermovement)
    for name, v in (("propulsion_time", propulsion_time), ("dip_time", dip_time),
                    ("quiet_before", quiet_before), ("quiet_after", quiet_after)):
        positive(name, v)
    m = float(body_mass)
    tl = Timeline(initial=m * g)
    tl.hold(quiet_before, m * g)
    truth = _loaded(build_jump(tl, m=m, g=g, jump_height=jump_height, depth=countermovement,
                               unweighting_time=dip_time, braking_time=dip_time, propulsion_time=propulsion_time),
                    load_mass, g)
    return _finish(tl, truth, quiet_after=quiet_after, rate=rate, plates=plates, asymmetry=asymmetry,
                   noise_sd=noise_sd, seed=seed)


def drop_jump(*, body_mass: float = 75.0, drop_height: float = 0.30, contact_time: float = 0.25,
              jump_height: float = 0.30, rate: float = 1000.0, quiet_before: float = 1.0,
              quiet_after: float = 1.5, impact_time: float = 0.05, impact_fraction: float = 0.1,
              asymmetry: float = 0.0, noise_sd: float = 0.0, plates: bool = True, seed: int | None = None,
              g: float = G) -> SyntheticTrial:
    """A drop jump: the trace starts with the athlete on the box (zero force for ``quiet_before`` s),
    box landing, one ground contact, flight, landing, quiet stance."""
    _common(rate, body_mass, asymmetry, noise_sd, g)
    for name, v in (("drop_height", drop_height), ("contact_time", contact_time), ("jump_height", jump_height),
                    ("quiet_before", quiet_before), ("quiet_after", quiet_after), ("impact_time", impact_time)):
        positive(name, v)
    if not 0.0 <= impact_fraction < 1.0:
        raise ValueError(f"impact_fraction must be in [0, 1), got {impact_fraction!r}")
    m = float(body_mass)
    tl = Timeline(initial=0.0)
    tl.hold(quiet_before, 0.0)
    truth = build_drop_jump(tl, m=m, g=g, drop_height=drop_height, contact_time=contact_time,
                             jump_height=jump_height, impact_time=impact_time, impact_fraction=impact_fraction)
    return _finish(tl, truth, quiet_after=quiet_after, rate=rate, plates=plates, asymmetry=asymmetry,
                   noise_sd=noise_sd, seed=seed)


#: The long contact :func:`hop_plan` injects (s): over the 250 ms of a fast stretch-shortening contact, under the
#: 1 s beyond which a contact is a pause; and the unloaded gap of its double contact (s): too short to be a flight.
LONG_CONTACT_TIME = 0.35
DOUBLE_CONTACT_GAP = 0.03


def rebound_series(hops: float, contact_time: float, jump_height: float,
                   jitter: float) -> tuple[list[float], list[float]]:
    """Contact times and jump heights of ``hops`` hops around ``contact_time`` / ``jump_height``, varied
    deterministically by up to ``jitter`` (a fraction) so that hops differ and the best five are a real choice."""
    n = int(round(positive("hops", hops)))
    nonneg("jitter", jitter)
    if jitter >= 0.5:
        raise ValueError(f"jitter must be a fraction below 0.5, got {jitter!r}")
    cts = [contact_time * (1.0 + jitter * math.sin(2.1 * i)) for i in range(1, n + 1)]
    hs = [jump_height * (1.0 + jitter * math.cos(1.7 * i)) for i in range(1, n + 1)]
    return cts, hs


def rebound(*, body_mass: float = 75.0, hops: float = 10, contact_time: float = 0.20, jump_height: float = 0.20,
            jitter: float = 0.15, first_jump_height: float = 0.20, depth: float = 0.15, unweighting_time: float = 0.30,
            braking_time: float = 0.15, propulsion_time: float = 0.22, impact_time: float = 0.03,
            impact_fraction: float = 0.1, long_contact_at: float = 0, long_contact_time: float = LONG_CONTACT_TIME,
            double_contact_at: float = 0, double_contact_gap: float = DOUBLE_CONTACT_GAP, rate: float = 1000.0,
            quiet_before: float = 1.5, quiet_after: float = 1.5, contact_times: Sequence[float] | None = None,
            jump_heights: Sequence[float] | None = None, double_contacts: Mapping[int, float] | None = None,
            asymmetry: float = 0.0, noise_sd: float = 0.0, plates: bool = True, seed: int | None = None,
            g: float = G) -> SyntheticTrial:
    """Repeated hops (the 10/5 repeated jump test): quiet stance, a countermovement into the first flight,
    ``hops`` hops (a ground contact, then a flight), landing, quiet stance.

    Hop ``i``'s contact time and jump height vary around ``contact_time`` / ``jump_height`` by up to ``jitter``
    (:func:`rebound_series`), or are given as ``contact_times`` / ``jump_heights``; ``double_contacts`` (hop
    number -> unloaded gap, s) makes those contacts double. ``long_contact_at`` / ``double_contact_at`` (a hop
    number, 0 for none) inject one long contact / one double contact (:func:`hop_plan`). Truth: see
    :func:`forcelab.simulation.shapes.build_rebound`."""
    _common(rate, body_mass, asymmetry, noise_sd, g)
    for name, v in (("quiet_before", quiet_before), ("quiet_after", quiet_after), ("impact_time", impact_time),
                    ("first_jump_height", first_jump_height), ("depth", depth)):
        positive(name, v)
    p = {"hops": hops, "contact_time": contact_time, "jump_height": jump_height, "jitter": jitter,
         "first_jump_height": first_jump_height, "depth": depth, "unweighting_time": unweighting_time,
         "braking_time": braking_time, "propulsion_time": propulsion_time, "impact_time": impact_time,
         "impact_fraction": impact_fraction, "long_contact_at": long_contact_at,
         "long_contact_time": long_contact_time, "double_contact_at": double_contact_at,
         "double_contact_gap": double_contact_gap}
    m = float(body_mass)
    tl = Timeline(initial=m * g)
    tl.hold(quiet_before, m * g)
    truth = _build_rebound_trial(tl, m, g, p, contact_times, jump_heights, double_contacts)
    return _finish(tl, truth, quiet_after=quiet_after, rate=rate, plates=plates, asymmetry=asymmetry,
                   noise_sd=noise_sd, seed=seed)


def hop_plan(p: Mapping[str, float], contact_times: Sequence[float] | None = None,
             jump_heights: Sequence[float] | None = None, double_contacts: Mapping[int, float] | None = None,
             ) -> tuple[list[float], list[float], dict[int, float]]:
    """Contact times, jump heights and double contacts (hop number -> unloaded gap, s) of a rebound trial of
    parameters ``p`` (:func:`rebound`'s): the :func:`rebound_series` around ``contact_time`` / ``jump_height``
    unless given, then hop ``long_contact_at`` (1-based; 0 for none) lasting ``long_contact_time`` s (over the
    250 ms of a fast stretch-shortening contact by default: the analysis flags ``slow_contact`` on it) and hop
    ``double_contact_at`` touching twice, ``double_contact_gap`` s apart (flag ``double_contact``).
    ``ValueError`` names a hop number that is not one of the series'."""
    cts, hs = rebound_series(p["hops"], p["contact_time"], p["jump_height"], p["jitter"])
    cts = cts if contact_times is None else list(contact_times)
    hs = hs if jump_heights is None else list(jump_heights)
    doubles = dict(double_contacts or {})
    for name in ("long_contact_at", "double_contact_at"):
        k = p.get(name, 0.0)
        if k != int(k) or not 0 <= k <= len(cts):
            raise ValueError(f"{name} must be a hop number 1-{len(cts)} (0: none), got {k!r}")
    if p.get("long_contact_at", 0.0):
        cts[int(p["long_contact_at"]) - 1] = positive("long_contact_time", p["long_contact_time"])
    if p.get("double_contact_at", 0.0):
        doubles[int(p["double_contact_at"])] = positive("double_contact_gap", p["double_contact_gap"])
    return cts, hs, doubles


def _build_rebound_trial(tl: Timeline, m: float, g: float, p: Mapping[str, float],
                         contact_times: Sequence[float] | None = None, jump_heights: Sequence[float] | None = None,
                         double_contacts: Mapping[int, float] | None = None) -> dict[str, float]:
    """Append the rebound trial of parameters ``p`` (:func:`hop_plan`) to ``tl``; its truth."""
    cts, hs, doubles = hop_plan(p, contact_times, jump_heights, double_contacts)
    return build_rebound(tl, m=m, g=g, first_jump_height=p["first_jump_height"], depth=p["depth"],
                         unweighting_time=p["unweighting_time"], braking_time=p["braking_time"],
                         propulsion_time=p["propulsion_time"], contact_times=cts, jump_heights=hs,
                         impact_time=p["impact_time"], impact_fraction=p["impact_fraction"], double_contacts=doubles)


def drop_landing(*, body_mass: float = 75.0, drop_height: float = 0.30, impact_time: float = 0.05,
                 absorb_time: float = 0.35, impact_fraction: float = 0.3, rate: float = 1000.0,
                 quiet_before: float = 1.0, quiet_after: float = 4.0, asymmetry: float = 0.0, noise_sd: float = 0.0,
                 plates: bool = True, seed: int | None = None, g: float = G) -> SyntheticTrial:
    """A drop landing held still (land and hold / land and stick): the trace starts with the athlete on the box
    (zero force for ``quiet_before`` s), lands from ``drop_height``, absorbs over ``absorb_time`` s (an impact lobe
    of ``impact_time`` s carrying ``impact_fraction`` of the impulse) and stands still at body weight for
    ``quiet_after`` s. Truth from :func:`forcelab.simulation.shapes.build_drop_landing`."""
    _common(rate, body_mass, asymmetry, noise_sd, g)
    for name, v in (("drop_height", drop_height), ("impact_time", impact_time), ("absorb_time", absorb_time),
                    ("quiet_before", quiet_before), ("quiet_after", quiet_after)):
        positive(name, v)
    if not 0.0 <= impact_fraction < 1.0 or impact_time >= absorb_time:
        raise ValueError(f"impact_fraction must be in [0, 1) and impact_time ({impact_time}) under absorb_time "
                         f"({absorb_time})")
    tl = Timeline(initial=0.0)
    tl.hold(quiet_before, 0.0)
    truth = build_drop_landing(tl, m=float(body_mass), g=g, drop_height=drop_height, impact_time=impact_time,
                               absorb_time=absorb_time, impact_fraction=impact_fraction)
    return _finish(tl, truth, quiet_after=quiet_after, rate=rate, plates=plates, asymmetry=asymmetry,
                   noise_sd=noise_sd, seed=seed)


def quiet_stance(*, body_mass: float = 75.0, duration: float = 30.0, rate: float = 100.0, ml: float = 0.01,
                 ap: float = 0.01, frequency: float = 0.25, centre: tuple[float, float] = (0.0, 0.0),
                 noise_sd: float = 0.0, seed: int | None = None, g: float = G) -> SyntheticTrial:
    """Quiet stance whose centre of pressure runs round an ellipse: ``x = centre_x + ml cos(2π f t)`` (medio-
    lateral, m), ``y = centre_y + ap sin(2π f t)`` (antero-posterior), force exactly ``m g`` (``noise_sd`` N on the
    force only). Over whole turns the truth is closed form: RMS ``ml/√2``, ``ap/√2``; ranges ``2 ml``, ``2 ap``;
    covariance ``diag(ml², ap²) / 2``, so the 95 % ellipse area is ``π χ²₂(0.95) ml ap / 2``; path length ``turns ×``
    the ellipse's perimeter ``4 max(ml, ap) E(e²)`` (complete elliptic integral of the second kind; ``2π r`` for a
    circle); mean velocity path / duration; mean distance from the centre ``(4/π)·...`` only for a circle (``r``).
    ``duration × frequency`` should be a whole number of turns for the closed forms to hold exactly."""
    from scipy.special import ellipe

    positive("body_mass", body_mass)
    for name, v in (("duration", duration), ("rate", rate), ("ml", ml), ("ap", ap), ("frequency", frequency)):
        positive(name, v)
    n = int(round(duration * rate))
    t = np.arange(n) / rate
    w = 2.0 * math.pi * frequency
    x = centre[0] + ml * np.cos(w * t)
    y = centre[1] + ap * np.sin(w * t)
    force = np.full(n, body_mass * g)
    if noise_sd > 0:
        force = force + np.random.default_rng(seed).normal(0.0, noise_sd, n)
    big, small = max(ml, ap), min(ml, ap)
    perimeter = 4.0 * big * float(ellipe(1.0 - (small / big) ** 2))
    turns = duration * frequency
    chi2 = -2.0 * math.log(0.05)
    truth = {"body_mass": float(body_mass), "body_weight": body_mass * g, "turns": turns,
             "cop_path_length": turns * perimeter, "cop_mean_velocity": turns * perimeter / duration,
             "cop_rms_ml": ml / math.sqrt(2.0), "cop_rms_ap": ap / math.sqrt(2.0), "cop_range_ml": 2.0 * ml,
             "cop_range_ap": 2.0 * ap, "cop_ellipse_area": math.pi * chi2 * ml * ap / 2.0,
             "cop_ellipse_major": math.sqrt(chi2 / 2.0) * big, "cop_ellipse_minor": math.sqrt(chi2 / 2.0) * small,
             "cop_mean_velocity_ml": turns * 4.0 * ml / duration, "cop_mean_velocity_ap": turns * 4.0 * ap / duration}
    if ml == ap:
        truth["cop_mean_distance"] = ml
    return SyntheticTrial(ForceTrace(rate, force, cop_x=x, cop_y=y), truth)


def isometric_pull(*, body_mass: float = 75.0, peak_force: float = 3000.0, rise_time: float = 0.5,
                   hold: float = 3.0, pretension: float = 0.0, pretension_time: float = 1.0, shape: float = 4.0,
                   fatigue: float = 0.05, release_time: float = 0.4, rate: float = 1000.0,
                   quiet_before: float = 1.5, quiet_after: float = 1.5, asymmetry: float = 0.0,
                   noise_sd: float = 0.0, plates: bool = True, seed: int | None = None,
                   g: float = G) -> SyntheticTrial:
    """An isometric pull (IMTP): quiet stance, optional pre-tension of ``pretension`` N above body weight,
    a rise to ``peak_force`` (gross, N) over ``rise_time`` s, a hold declining by ``fatigue`` of the net
    rise, and release back to body weight. ``shape`` (k > 1) sets where the rate of force development
    peaks (at ``rise_time / k``). Truth includes force, RFD and net impulse at 50–300 ms from onset.

    ``onset_time`` is the mathematical start of the rise, whose slope is zero there (the force grows
    as ``k (k+1)/2 (t/rise_time)^2`` of the net rise at first), so a threshold detector (e.g. body weight
    + 5 SD) finds it a few milliseconds later, and its windowed RFDs differ accordingly. The hold declines
    quadratically from the peak, so with noise the largest sample can fall tens of milliseconds after
    ``peak_time``; ``peak_force`` itself is exact."""
    _common(rate, body_mass, asymmetry, noise_sd, g)
    for name, v in (("peak_force", peak_force), ("rise_time", rise_time), ("hold", hold),
                    ("pretension_time", pretension_time), ("release_time", release_time),
                    ("quiet_before", quiet_before), ("quiet_after", quiet_after)):
        positive(name, v)
    nonneg("pretension", pretension)
    if not shape > 1.0:
        raise ValueError(f"shape must be greater than 1, got {shape!r}")
    if not 0.0 <= fatigue < 1.0:
        raise ValueError(f"fatigue must be in [0, 1), got {fatigue!r}")
    m = float(body_mass)
    tl = Timeline(initial=m * g)
    tl.hold(quiet_before, m * g)
    truth = build_pull(tl, m=m, g=g, peak_force=peak_force, rise_time=rise_time, hold=hold,
                        pretension=pretension, pretension_time=pretension_time, shape=shape, fatigue=fatigue,
                        release_time=release_time)
    return _finish(tl, truth, quiet_after=quiet_after, rate=rate, plates=plates, asymmetry=asymmetry,
                   noise_sd=noise_sd, seed=seed)


def isometric_load_cell(*, peak_force: float = 400.0, resting_force: float = 5.0, rise_time: float = 0.4,
                        hold: float = 2.0, pretension: float = 0.0, pretension_time: float = 1.0,
                        shape: float = 4.0, fatigue: float = 0.05, release_time: float = 0.3,
                        rate: float = 1000.0, quiet_before: float = 1.5, quiet_after: float = 1.0,
                        asymmetry: float = 0.0, noise_sd: float = 0.0, plates: bool = False,
                        seed: int | None = None) -> SyntheticTrial:
    """An isometric effort against a load cell (belly press, hip adduction squeeze ...): the resting cell with
    the athlete in position (``resting_force`` N of pad contact, not body weight), then the rise, hold and
    release of :func:`isometric_pull`. ``plates=True`` gives two channels (one pad per knee) split by
    ``asymmetry``. The truth is :func:`isometric_pull`'s with ``resting_force`` in place of body weight
    (``net_peak_force`` is above the resting force)."""
    _common(rate, 1.0, asymmetry, noise_sd, G)
    nonneg("resting_force", resting_force)
    for name, v in (("peak_force", peak_force), ("rise_time", rise_time), ("hold", hold),
                    ("pretension_time", pretension_time), ("release_time", release_time),
                    ("quiet_before", quiet_before), ("quiet_after", quiet_after)):
        positive(name, v)
    tl = Timeline(initial=resting_force)
    tl.hold(quiet_before, resting_force)
    truth = build_pull(tl, m=resting_force / G, g=G, peak_force=peak_force, rise_time=rise_time, hold=hold,
                        pretension=pretension, pretension_time=pretension_time, shape=shape, fatigue=fatigue,
                        release_time=release_time)
    del truth["body_mass"], truth["body_weight"]
    truth["resting_force"] = float(resting_force)
    return _finish(tl, truth, quiet_after=quiet_after, rate=rate, plates=plates, asymmetry=asymmetry,
                   noise_sd=noise_sd, seed=seed)


#: Test names accepted by :func:`session` and the simulator, with their aliases. The isometric squat is a pull
#: on the plate as far as the force goes (a push up against a fixed bar instead of a pull on it).
TESTS: dict[str, str] = {
    "cmj": "cmj", "countermovement_jump": "cmj",
    "sj": "sj", "squat_jump": "sj",
    "dj": "dj", "drop_jump": "dj",
    "imtp": "imtp", "isometric": "imtp", "isometric_pull": "imtp",
    "rebound": "rebound", "hops": "rebound", "repeated_hops": "rebound", "10/5": "rebound",
    "iso_squat": "imtp", "isometric_squat": "imtp",
    "landing": "landing", "drop_landing": "landing", "land_and_hold": "landing",
    "balance": "balance", "quiet_stance": "balance",
}

#: Every generator parameter that is not the trial's own (the session sets these once for all trials).
_SESSION_WIDE = frozenset({"body_mass", "load_mass", "rate", "quiet_before", "quiet_after", "asymmetry", "noise_sd", "plates",
                           "seed", "g"})
#: The trial parameters :func:`append_trial` takes per test, with the defaults of the single-trial generators.
_JUMP_DEFAULTS: dict[str, dict[str, float]] = {
    key: keyword_defaults(gen, exclude=_SESSION_WIDE)
    for key, gen in (("cmj", cmj), ("sj", squat_jump), ("dj", drop_jump), ("imtp", isometric_pull),
                     ("rebound", rebound), ("landing", drop_landing))
}
#: A balance trial in a session: step off, step back on, stand still ``duration`` s and a few more (the stance
#: detector needs the athlete settled first), as the app's simulated athlete does it; the sway is the
#: simulator's CoP, not the timeline's force.
_JUMP_DEFAULTS["balance"] = {"duration": 30.0}
#: Seconds a balance trial of a session stands beyond its ``duration``: settling (about 2 s) and a margin.
BALANCE_MARGIN = 4.0
#: Sequence-valued rebound parameters that a session step cannot give (only :func:`rebound` takes them).
for _seq in ("contact_times", "jump_heights", "double_contacts"):
    _JUMP_DEFAULTS["rebound"].pop(_seq)


_MAY_BE_ZERO = frozenset({"countermovement", "pretension", "fatigue", "impact_fraction", "jitter", "long_contact_at",
                          "double_contact_at"})


def trial_defaults(test: str) -> dict[str, float]:
    """The default trial parameters of ``test`` (cmj, sj, dj, imtp, rebound), as :func:`append_trial` uses them."""
    return dict(_JUMP_DEFAULTS[test])


def append_trial(tl: Timeline, test: str, *, body_mass: float, g: float = G,
                 params: Mapping[str, float] | None = None, step_off: float = 0.5,
                 box_time: float = 1.5) -> tuple[str, dict[str, float]]:
    """Append one trial to a timeline whose athlete stands on the plate (force ``m g``); returns the
    canonical test name (cmj, sj, dj, imtp) and the trial's truth with absolute times. A drop jump first steps off (``step_off`` s ramp to zero) and waits on the box
    for ``box_time`` s. Unknown parameter names raise ``ValueError``."""
    key = TESTS.get(test.lower().replace("-", "_"))
    if key is None:
        raise ValueError(f"unknown test {test!r}; choose one of cmj, sj, dj, imtp, rebound")
    p: dict[str, float] = dict(_JUMP_DEFAULTS[key])
    for name, value in (params or {}).items():
        if name not in p:
            raise ValueError(f"{key}: unknown parameter {name!r}; known: {', '.join(sorted(p))}")
        p[name] = float(value)
    m = positive("body_mass", body_mass)
    for name, value in p.items():
        if name in _MAY_BE_ZERO:
            nonneg(name, value)
        else:
            positive(name, value)
    if not 0.0 <= p.get("impact_fraction", 0.0) < 1.0:
        raise ValueError(f"impact_fraction must be in [0, 1), got {p['impact_fraction']!r}")
    if not 0.0 <= p.get("fatigue", 0.0) < 1.0:
        raise ValueError(f"fatigue must be in [0, 1), got {p['fatigue']!r}")
    if p.get("shape", 2.0) <= 1.0:
        raise ValueError(f"shape must be greater than 1, got {p['shape']!r}")
    truth: dict[str, float]
    if key == "cmj":
        truth = build_jump(tl, m=m, g=g, jump_height=p["jump_height"], depth=positive("depth", p["depth"]),
                            unweighting_time=p["unweighting_time"], braking_time=p["braking_time"],
                            propulsion_time=p["propulsion_time"])
    elif key == "sj":
        truth = build_jump(tl, m=m, g=g, jump_height=p["jump_height"], depth=p["countermovement"],
                            unweighting_time=p["dip_time"], braking_time=p["dip_time"],
                            propulsion_time=p["propulsion_time"])
    elif key == "landing":  # step off onto the box, wait, drop and hold the landing
        truth = {"step_off_time": tl.ramp(step_off, 0.0)}
        tl.hold(box_time, 0.0)
        truth.update(build_drop_landing(tl, m=m, g=g, drop_height=p["drop_height"], impact_time=p["impact_time"],
                                        absorb_time=p["absorb_time"], impact_fraction=p["impact_fraction"]))
    elif key == "dj":
        truth = {"step_off_time": tl.ramp(step_off, 0.0)}
        tl.hold(box_time, 0.0)
        truth.update(build_drop_jump(tl, m=m, g=g, drop_height=p["drop_height"],
                                      contact_time=p["contact_time"], jump_height=p["jump_height"],
                                      impact_time=p["impact_time"], impact_fraction=p["impact_fraction"]))
    elif key == "rebound":
        truth = _build_rebound_trial(tl, m, g, p)
    elif key == "balance":  # off the plate, back on, stand: a stance trial starts only from stepping on
        truth = {"step_off_time": tl.ramp(step_off, 0.0)}
        tl.hold(box_time, 0.0)
        truth["step_on_time"] = tl.ramp(step_off, m * g)
        tl.hold(p["duration"] + BALANCE_MARGIN, m * g)
        truth["duration"] = p["duration"]
    else:
        truth = build_pull(tl, m=m, g=g, peak_force=p["peak_force"], rise_time=p["rise_time"], hold=p["hold"],
                            pretension=p["pretension"], pretension_time=p["pretension_time"], shape=p["shape"],
                            fatigue=p["fatigue"], release_time=p["release_time"])
    return key, truth


def session(steps: Sequence[str | tuple[str, Mapping[str, float]]], *, rate: float = 1000.0,
            body_mass: float = 75.0, empty_before: float = 1.0, step_on: float = 0.8, stand: float = 2.0,
            pause: float = 3.0, empty_after: float = 1.0, asymmetry: float = 0.0, noise_sd: float = 0.0,
            plates: bool = True, seed: int | None = None,
            g: float = G) -> tuple[ForceTrace, list[dict[str, Any]]]:
    """A whole session: empty plate, step on, stand still, the trials in ``steps`` separated by ``pause``
    s of quiet stance, step off, empty plate.

    ``steps`` items are a test name (``"cmj"``, ``"sj"``, ``"dj"``, ``"imtp"``) or ``(name, params)`` with
    the keyword parameters of that generator (e.g. ``("cmj", {"jump_height": 0.3})``). Returns the trace
    and one truth dict per trial (times from the first sample of the session; ``test_name`` holds the
    canonical test name). ``asymmetry`` applies to the whole session.
    """
    _common(rate, body_mass, asymmetry, noise_sd, g)
    for name, v in (("empty_before", empty_before), ("step_on", step_on), ("stand", stand), ("pause", pause),
                    ("empty_after", empty_after)):
        positive(name, v)
    m = float(body_mass)
    tl = Timeline(initial=0.0)
    tl.hold(empty_before, 0.0)
    step_on_time = tl.ramp(step_on, m * g)
    tl.hold(stand)
    truths: list[dict[str, Any]] = []
    for i, step in enumerate(steps):
        name, params = (step, {}) if isinstance(step, str) else (step[0], step[1])
        try:
            key, trial_truth = append_trial(tl, name, body_mass=m, g=g, params=params)
        except ValueError as exc:
            raise ValueError(f"session step {i + 1} ({name}): {exc}") from exc
        truth: dict[str, Any] = dict(trial_truth)
        truth["test_name"] = key
        truth.update(asymmetry_truth(asymmetry))
        truth["step_on_time"] = step_on_time
        truths.append(truth)
        tl.hold(pause)
    tl.ramp(step_on, 0.0)
    tl.hold(empty_after, 0.0)
    trace = _sample(tl, rate=rate, duration=tl.end, plates=plates, asymmetry=asymmetry, noise_sd=noise_sd,
                    seed=seed)
    return trace, truths
