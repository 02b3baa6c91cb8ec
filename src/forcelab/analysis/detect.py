"""Tell the test type of one trial from its force trace, with the reason in words.

Rules, in order (``DEFAULTS`` holds every threshold):

0. **Repeated hops / multi-rebound** (``"rebound"``): at least ``rebound_min_hops`` hops, a hop being a ground
   contact of ``hop_min_contact``..``hop_max_contact`` seconds between two flights of ``flight_min``..
   ``flight_max`` seconds (a trace that starts off the plate counts its first contact too: a drop into hops).
   One hop is not a series: a drop jump has one (the box landing's contact) and a countermovement jump with a
   single rebound has one, and both keep their own rule. Brief unloadings inside a contact (a double contact,
   shorter than ``flight_min``) do not split it.
1. **Drop jump** (``"dj"``): the trace starts off the plate (the first ``empty_time`` seconds below
   ``flight_threshold``), then a contact of at most ``dj_max_contact`` seconds, then a flight.
2. No flight of ``flight_min``..``flight_max`` seconds anywhere: an **isometric pull** (``"imtp"``) when
   the force rises from its low level by at least ``max(min_pull, min_pull_frac * low level)`` and stays
   above half of that rise for ``pull_hold`` seconds; otherwise no test can be told (ValueError).
3. A flight from standing: **countermovement jump** (``"cmj"``) when, after the last steady stretch
   before take-off (``quiet_time`` s with SD at most ``max(quiet_sd, quiet_sd_frac * level)``), the
   centre of mass moves down faster than ``cm_velocity`` m/s before the peak push (impulse-momentum
   from the steady level, which stands in for body weight: in a held squat the force equals body
   weight too); otherwise a **squat jump** (``"sj"``): the push starts from a still position. A speed
   rather than a force dip, because a slow deep countermovement can dip the force less than a quick
   twitch at the start of a squat jump (jumpmetrics F02_CTRL1: 120 N dip, 0.8 m/s; FHOC_P30 squat
   jump: 86 N dip, about 0.1 m/s).
"""

from __future__ import annotations

import numpy as np

from forcelab.analysis.types import ForceTrace
from forcelab.analysis.units import STANDARD_GRAVITY
from forcelab.analysis.weighing import sliding_mean_sd

DEFAULTS: dict[str, float] = {
    "flight_threshold": 30.0, "flight_min": 0.1, "flight_max": 1.2, "empty_time": 0.05,
    "dj_max_contact": 1.0, "quiet_time": 0.3, "quiet_sd": 8.0, "quiet_sd_frac": 0.015,
    "cm_velocity": 0.25, "g": STANDARD_GRAVITY, "min_pull": 200.0, "min_pull_frac": 0.5, "pull_hold": 0.3,
    "rebound_min_hops": 2, "hop_min_contact": 0.05, "hop_max_contact": 1.0,
}


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends (exclusive) of the runs of True in ``mask``."""
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _hops(starts: np.ndarray, ends: np.ndarray, flights: np.ndarray, starts_off: bool, rate: float,
          p: dict[str, float]) -> np.ndarray:
    """Contact times (s) of the hops: the stays on the plate between consecutive flights (the off-plate runs
    ``flights`` indexes; off-plate runs between them that are too short to be flights belong to the contact), and
    the first contact after an empty start when a flight follows it, within ``hop_min_contact``..``hop_max_contact``."""
    edges = [(int(starts[i]), int(ends[i])) for i in flights]
    if starts_off and starts.size and starts[0] == 0 and edges and ends[0] < edges[0][0]:
        edges.insert(0, (0, int(ends[0])))  # the air before a drop counts as the flight before the first contact
    contacts = np.array([(b[0] - a[1]) / rate for a, b in zip(edges, edges[1:], strict=False)], dtype=np.float64)
    return contacts[(contacts >= p["hop_min_contact"]) & (contacts <= p["hop_max_contact"])]


def detect_test_type(trace: ForceTrace, **thresholds: float) -> tuple[str, str]:
    """``(test id, reason)`` for one trial: ``"rebound"``, ``"cmj"``, ``"sj"``, ``"dj"`` or ``"imtp"``.

    ``thresholds`` override :data:`DEFAULTS`. Raises :class:`ValueError` with the reason when the trace
    is none of these (too short, not finite, no flight and no pull).
    """
    unknown = sorted(set(thresholds) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown threshold(s) {', '.join(unknown)}; valid: {', '.join(sorted(DEFAULTS))}")
    p = {**DEFAULTS, **{k: float(v) for k, v in thresholds.items()}}
    x = trace.total
    rate = trace.rate
    if x.size < 0.5 * rate:
        raise ValueError(f"cannot tell the test from {x.size} samples ({x.size / rate:.2f} s); "
                         "a trial needs at least half a second")
    if not np.all(np.isfinite(x)):
        raise ValueError("cannot tell the test: the force has missing or non-finite samples")
    thr = p["flight_threshold"]
    off = x < thr
    starts, ends = _runs(off)
    dur = (ends - starts) / rate
    # flights: off-plate runs of plausible length, with contact on both sides (hops included)
    inner = (starts > 0) & (ends < x.size)
    flights = np.flatnonzero(inner & (dur >= p["flight_min"]) & (dur <= p["flight_max"]))

    n_empty = max(1, int(round(p["empty_time"] * rate)))
    starts_off = bool(off[:n_empty].all())
    hops = _hops(starts, ends, flights, starts_off, rate, p)
    if hops.size >= p["rebound_min_hops"]:
        return "rebound", (f"{hops.size} hops (ground contacts between two flights) of {hops.min() * 1000:.0f}-"
                           f"{hops.max() * 1000:.0f} ms contact: a repeated-hop (rebound) series")
    if off[:n_empty].all() and starts.size and starts[0] == 0 and ends[0] < x.size:
        contact = int(ends[0])
        later = flights[starts[flights] > contact]
        if later.size:
            contact_time = (starts[later[0]] - contact) / rate
            if contact_time <= p["dj_max_contact"]:
                return "dj", (f"starts off the plate, lands at {contact / rate:.2f} s, leaves it again after a "
                              f"{contact_time * 1000:.0f} ms contact and flies for {dur[later[0]]:.2f} s")

    takeoff: int | None = None
    if flights.size:
        takeoff = int(starts[flights[np.argmax(dur[flights])]])  # the jump's flight: the longest one
    elif (starts.size and ends[-1] == x.size and starts[-1] > 0
          and p["flight_min"] <= dur[-1] <= p["flight_max"]):
        takeoff = int(starts[-1])  # the recording ends in the air (trimmed after take-off)
    if takeoff is None:
        low = float(np.percentile(x, 10.0))
        high = float(np.max(x))
        need = max(p["min_pull"], p["min_pull_frac"] * abs(low))
        held = float(np.sum(x > low + (high - low) / 2.0)) / rate
        if high - low >= need and held >= p["pull_hold"]:
            return "imtp", (f"no flight; force rises from {low:.0f} N to {high:.0f} N and stays above half of "
                            f"that rise for {held:.2f} s: a sustained pull")
        raise ValueError(f"cannot tell the test: no flight of {p['flight_min']:g}-{p['flight_max']:g} s and no "
                         f"sustained rise (force {low:.0f}-{high:.0f} N)")

    q = max(2, int(round(p["quiet_time"] * rate)))
    if takeoff < q + 1:
        raise ValueError(f"cannot tell the test: take-off at {takeoff / rate:.2f} s leaves no stance before it")
    means, sds = sliding_mean_sd(x[:takeoff], q)
    steady = (sds <= np.maximum(p["quiet_sd"], p["quiet_sd_frac"] * np.abs(means))) & (means > thr)
    idx = np.flatnonzero(steady)
    if idx.size == 0:
        raise ValueError("cannot tell CMJ from SJ: no steady stance before the take-off")
    w = int(idx[-1])  # last steady window before take-off
    level = float(means[w])
    steady_end = w + q
    if steady_end >= takeoff:
        raise ValueError("cannot tell CMJ from SJ: the force is steady right up to the take-off")
    peak = steady_end + int(np.argmax(x[steady_end:takeoff]))
    below = np.flatnonzero(x[steady_end:peak] <= level)
    prop = steady_end + (int(below[-1]) + 1 if below.size else 0)  # the push: last time at the level
    # downward velocity of the centre of mass before the push (impulse-momentum from the still level)
    mass = level / p["g"]
    v = np.cumsum(x[steady_end:peak] - level) / (mass * rate)
    v_min = float(-np.min(v)) if v.size else 0.0
    dip = float(np.min(x[steady_end:prop])) if prop > steady_end else level
    if v_min > p["cm_velocity"]:
        return "cmj", (f"from the still level ({level:.0f} N) at {steady_end / rate:.2f} s the athlete moves down "
                       f"at up to {v_min:.2f} m/s (force down to {dip:.0f} N) before the push at "
                       f"{prop / rate:.2f} s: a countermovement")
    return "sj", (f"the push at {prop / rate:.2f} s starts from a still position ({level:.0f} N): downward "
                  f"speed before it at most {v_min:.2f} m/s (under {p['cm_velocity']:g} m/s): no countermovement")
