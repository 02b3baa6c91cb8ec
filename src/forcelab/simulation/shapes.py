"""Closed-form force pieces and the movement builders of :mod:`forcelab.simulation.synthetic`, with their analytic truth.

:class:`Timeline` holds the total vertical force as consecutive closed-form pieces on absolute time and
evaluates them on any block of sample times (the simulated device streams from one). The ``build_*``
functions append one movement (jump, drop jump, isometric pull) to a timeline from a known centre-of-mass
acceleration profile and return its truth in closed form; :mod:`forcelab.simulation.synthetic` turns them into
trials, sessions and sampled traces. Kept apart so that the generators' module is about trials, this one
about the mathematics of the pieces.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from forcelab.analysis.units import STANDARD_GRAVITY

G = STANDARD_GRAVITY  # m/s², the one value (forcelab.analysis.units)
PI = math.pi

ForceFn = Callable[[np.ndarray], np.ndarray]


# --------------------------------------------------------------------------------------------------
# Timeline: closed-form pieces on absolute time
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    start: float
    duration: float
    force: ForceFn  # of local time tau = t - start, in [0, duration]

    @property
    def end(self) -> float:
        return self.start + self.duration


class Timeline:
    """Total vertical force as consecutive closed-form pieces on absolute time (seconds).

    Before the first piece the force is ``initial``; after the last one it stays at ``level`` (the
    force the last piece ended on). Pieces are appended at :attr:`end`.
    """

    def __init__(self, *, initial: float = 0.0, start: float = 0.0) -> None:
        self.initial = float(initial)
        self.level = float(initial)
        self.end = float(start)
        self._pieces: list[_Piece] = []
        self._starts: list[float] = []

    def add(self, duration: float, force: ForceFn, *, end_level: float) -> float:
        """Append a piece lasting ``duration`` s; returns its start time. ``end_level`` is the force
        the piece ends on (and the timeline holds afterwards)."""
        if not duration > 0:
            raise ValueError(f"piece duration must be positive, got {duration}")
        start = self.end
        self._pieces.append(_Piece(start, float(duration), force))
        self._starts.append(start)
        self.end = start + float(duration)
        self.level = float(end_level)
        return start

    def hold(self, duration: float, level: float | None = None) -> float:
        """Append a constant force (default: the current level) for ``duration`` s."""
        value = self.level if level is None else float(level)
        return self.add(duration, lambda tau: np.full(np.shape(tau), value), end_level=value)

    def ramp(self, duration: float, to: float) -> float:
        """Append a raised-cosine transition from the current level to ``to`` (stepping on/off)."""
        a = self.level
        b = float(to)

        def f(tau: np.ndarray) -> np.ndarray:
            return a + (b - a) * 0.5 * (1.0 - np.cos(PI * np.asarray(tau) / duration))

        return self.add(duration, f, end_level=b)

    def evaluate(self, t: np.ndarray) -> np.ndarray:
        """Total force at the absolute times ``t`` (ascending), in newtons."""
        t = np.asarray(t, dtype=np.float64)
        out = np.full(t.shape, self.level)
        if not self._pieces or t.size == 0:
            return out
        out[t < self._pieces[0].start] = self.initial
        # only the pieces overlapping [t.min(), t.max()] are visited
        first = max(0, int(np.searchsorted(self._starts, t[0], side="right")) - 1)
        last = int(np.searchsorted(self._starts, t[-1], side="right"))
        for p in self._pieces[first:last]:
            lo = int(np.searchsorted(t, p.start, side="left"))
            hi = int(np.searchsorted(t, p.end, side="left"))
            if hi > lo:
                out[lo:hi] = p.force(t[lo:hi] - p.start)
        return out

    def drop_before(self, t: float) -> None:
        """Forget pieces that ended before ``t`` (a streaming device calls this to stay small)."""
        keep = [p for p in self._pieces if p.end >= t]
        if len(keep) != len(self._pieces):
            self._pieces = keep
            self._starts = [p.start for p in keep]
            if keep:
                self.initial = float(keep[0].force(np.zeros(1))[0])


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def _argmax(f: Callable[[np.ndarray], np.ndarray], lo: float, hi: float) -> tuple[float, float]:
    """Location and value of the maximum of a smooth analytic ``f`` on ``[lo, hi]``."""
    grid = np.linspace(lo, hi, 4097)
    vals = f(grid)
    i = int(np.argmax(vals))
    a = grid[max(i - 1, 0)]
    b = grid[min(i + 1, len(grid) - 1)]
    res = minimize_scalar(
        lambda x: -float(f(np.array([x]))[0]), bounds=(a, b), method="bounded", options={"xatol": 1e-12}
    )
    x = float(res.x)
    fx = float(f(np.array([x]))[0])
    if vals[i] > fx:
        return float(grid[i]), float(vals[i])
    return x, fx


def positive(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return v


def nonneg(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be zero or a positive number, got {value!r}")
    return v


def _landing(tl: Timeline, m: float, g: float, v_in: float, *, impact_time: float = 0.06,
             absorb_time: float = 0.35, impact_fraction: float = 0.25) -> dict[str, float]:
    """Land with downward speed ``v_in`` and come to rest at body weight.

    ``F = m g s(tau) + m (A1 sin(pi tau/T1) + A2 sin(pi tau/T2))`` with ``s`` a raised-cosine ramp over
    ``T2``; the amplitudes are solved so that the net impulse stops the body exactly, after which the
    force is exactly ``m g``.
    """
    t1, t2 = impact_time, absorb_time
    total = v_in + g * t2 / 2.0  # integral of the lobes
    a1 = impact_fraction * total * PI / (2.0 * t1)
    a2 = (1.0 - impact_fraction) * total * PI / (2.0 * t2)

    def f(tau: np.ndarray) -> np.ndarray:
        tau = np.asarray(tau, dtype=np.float64)
        s = 0.5 * (1.0 - np.cos(PI * tau / t2))
        lobe1 = np.where(tau < t1, a1 * np.sin(PI * np.minimum(tau, t1) / t1), 0.0)
        return m * g * s + m * (lobe1 + a2 * np.sin(PI * tau / t2))

    start = tl.add(t2, f, end_level=m * g)
    t_peak, peak = _argmax(f, 0.0, t2)
    return {"landing_time": start, "peak_landing_force": peak, "peak_landing_time": start + t_peak}


def build_drop_landing(tl: Timeline, *, m: float, g: float, drop_height: float, impact_time: float,
                       absorb_time: float, impact_fraction: float, band: float = 0.05) -> dict[str, float]:
    """Land from ``drop_height`` (touchdown at ``sqrt(2 g drop_height)``) and hold still at body weight: the
    landing of a drop landing / land-and-hold test. Truth: touchdown, peak landing force and its time, the
    average loading rate (peak over time to peak: the force is 0 at touchdown), and the time to stabilisation
    by the ``band`` method (the last instant the force is more than ``band`` of body weight away from it; after
    ``absorb_time`` it is exactly body weight), found on a 1 µs grid of the closed form."""
    v_in = math.sqrt(2.0 * g * drop_height)
    t1, t2 = impact_time, absorb_time
    total = v_in + g * t2 / 2.0
    a1 = impact_fraction * total * PI / (2.0 * t1)
    a2 = (1.0 - impact_fraction) * total * PI / (2.0 * t2)
    land = _landing(tl, m, g, v_in, impact_time=t1, absorb_time=t2, impact_fraction=impact_fraction)
    tau = np.arange(0.0, t2, 1e-6)
    f = m * g * 0.5 * (1.0 - np.cos(PI * tau / t2)) + m * (
        np.where(tau < t1, a1 * np.sin(PI * np.minimum(tau, t1) / t1), 0.0) + a2 * np.sin(PI * tau / t2))
    out = np.flatnonzero(np.abs(f - m * g) > band * m * g)
    t_peak = land["peak_landing_time"] - land["landing_time"]
    return {**land, "touchdown_velocity": -v_in, "drop_height": drop_height, "body_mass": m, "body_weight": m * g,
            "time_to_peak_landing_force": t_peak, "loading_rate": land["peak_landing_force"] / t_peak,
            "stabilisation_time": land["landing_time"] + (float(tau[out[-1]]) + 1e-6 if out.size else 0.0),
            "landing_end_time": land["landing_time"] + t2}


def _contact(tl: Timeline, m: float, g: float, v_in: float, v_out: float, tc: float, impact_time: float,
             impact_fraction: float) -> tuple[float, float]:
    """A ground contact from the air to the air: arriving at ``v_in`` downward, leaving at ``v_out`` upward after
    ``tc`` s. ``a = -g + A1 sin(pi tau/T1) + A2 sin(pi tau/Tc)``; F starts and ends at zero and the lobes'
    integral is ``v_in + v_out + g Tc`` exactly. Returns the contact's start and its peak force."""
    t1 = min(impact_time, tc / 3.0)
    total = v_in + v_out + g * tc
    a1 = impact_fraction * total * PI / (2.0 * t1)
    a2 = (1.0 - impact_fraction) * total * PI / (2.0 * tc)

    def f_c(tau: np.ndarray) -> np.ndarray:
        tau = np.asarray(tau, dtype=np.float64)
        lobe1 = np.where(tau < t1, a1 * np.sin(PI * np.minimum(tau, t1) / t1), 0.0)
        return m * (lobe1 + a2 * np.sin(PI * tau / tc))

    start = tl.add(tc, f_c, end_level=0.0)
    _, peak = _argmax(f_c, 0.0, tc)
    return start, peak


def _flight(tl: Timeline, g: float, v0: float) -> float:
    flight = 2.0 * v0 / g
    tl.hold(flight, 0.0)
    return flight


# --------------------------------------------------------------------------------------------------
# trial builders (append to a timeline, return the truth with absolute times)
# --------------------------------------------------------------------------------------------------


def build_jump(tl: Timeline, *, m: float, g: float, jump_height: float, depth: float,
                unweighting_time: float, braking_time: float, propulsion_time: float,
                land: bool = True) -> dict[str, float]:
    """Quiet stance -> (optional countermovement) -> propulsion -> flight -> landing (``land=False``: the
    timeline ends at the end of the flight, for a hop to follow).

    Unweighting ``a = -Au sin(pi tau/Tu)``; braking ``a = Ab sin(pi tau / 2Tb)`` with ``Ab Tb = Au Tu``
    so the velocity is exactly zero at the lowest point; propulsion
    ``a = Ab (1+c)/2 - g (1-c)/2 + B s`` (``c, s`` = cos, sin of ``pi tau/Tp``), which starts at ``Ab`` and
    ends at ``-g`` (F = 0, take-off) with ``B`` solved so that the take-off velocity is ``sqrt(2 g h)``.
    """
    v0 = math.sqrt(2.0 * g * jump_height)
    tp = propulsion_time
    truth: dict[str, float] = {}
    if depth > 0:
        tu, tb = unweighting_time, braking_time
        au = depth / (tu * tu / PI + 4.0 * tu * tb / PI**2)
        if au >= g:
            raise ValueError(
                f"a countermovement of {depth} m in {tu} s of unweighting would need the force to go "
                f"below zero; lengthen unweighting_time or reduce the depth"
            )
        ab = au * tu / tb
        vmin = -2.0 * au * tu / PI
        x_u = -au * tu * tu / PI

        def f_u(tau: np.ndarray) -> np.ndarray:
            return m * (g - au * np.sin(PI * np.asarray(tau) / tu))

        def f_b(tau: np.ndarray) -> np.ndarray:
            return m * (g + ab * np.sin(PI * np.asarray(tau) / (2.0 * tb)))

        onset = tl.add(tu, f_u, end_level=m * g)
        braking_start = tl.add(tb, f_b, end_level=m * (g + ab))
        truth.update(
            onset_time=onset,
            braking_start_time=braking_start,
            unweighting_duration=tu,
            braking_duration=tb,
            min_velocity=vmin,
            min_force=m * (g - au),
            countermovement_depth=-(x_u - 4.0 * au * tu * tb / PI**2),
            unweighting_net_impulse=m * vmin,
            braking_net_impulse=-m * vmin,
            peak_braking_force=m * (g + ab),
        )
    else:
        ab = 0.0
    b = (v0 - (ab - g) * tp / 2.0) * PI / (2.0 * tp)

    def acc_p(tau: np.ndarray) -> np.ndarray:
        x = PI * np.asarray(tau, dtype=np.float64) / tp
        c = np.cos(x)
        return ab * (1.0 + c) / 2.0 - g * (1.0 - c) / 2.0 + b * np.sin(x)

    def vel_p(tau: np.ndarray) -> np.ndarray:
        tau = np.asarray(tau, dtype=np.float64)
        x = PI * tau / tp
        return (ab - g) * tau / 2.0 + (ab + g) * tp / (2.0 * PI) * np.sin(x) + b * tp / PI * (1.0 - np.cos(x))

    def f_p(tau: np.ndarray) -> np.ndarray:
        return m * (g + acc_p(tau))

    grid = np.linspace(0.0, tp, 2001)[:-1]
    if b <= 0 or float(np.min(f_p(grid))) < 0:
        raise ValueError(
            f"a jump of {jump_height} m with {tp} s of propulsion cannot be made with non-negative force; "
            "change jump_height or propulsion_time"
        )
    prop_start = tl.add(tp, f_p, end_level=0.0)
    if depth <= 0:
        truth.update(onset_time=prop_start, countermovement_depth=0.0, min_velocity=0.0)
    takeoff = tl.end
    _, peak_force = _argmax(f_p, 0.0, tp)
    t_vmax, vmax = _argmax(vel_p, 0.0, tp)
    _, peak_power = _argmax(lambda tau: f_p(tau) * vel_p(tau), 0.0, tp)
    x_p = (ab - g) * tp * tp / 4.0 + (ab + g) * tp * tp / PI**2 + b * tp * tp / PI
    flight = _flight(tl, g, v0)
    landed = _landing(tl, m, g, v0) if land else {}
    h = v0 * v0 / (2.0 * g)
    truth.update(
        body_mass=m,
        body_weight=m * g,
        takeoff_velocity=v0,
        jump_height=h,
        flight_time=flight,
        propulsion_start_time=prop_start,
        propulsion_duration=tp,
        takeoff_time=takeoff,
        time_to_takeoff=takeoff - truth["onset_time"],
        rsi_modified=h / (takeoff - truth["onset_time"]),
        takeoff_displacement=x_p - truth["countermovement_depth"],
        peak_force=peak_force,
        peak_propulsive_force=peak_force,
        peak_velocity=vmax,
        peak_velocity_time=prop_start + t_vmax,
        peak_power=peak_power,
        propulsive_net_impulse=m * v0,
        net_impulse=m * v0,
        **landed,
    )
    return truth


def build_drop_jump(tl: Timeline, *, m: float, g: float, drop_height: float, contact_time: float,
                     jump_height: float, impact_time: float, impact_fraction: float) -> dict[str, float]:
    """Box landing at ``sqrt(2 g drop_height)`` -> one contact of ``contact_time`` -> flight -> landing.

    Contact: ``a = -g + A1 sin(pi tau/T1) + A2 sin(pi tau/Tc)``; F starts and ends at zero and the lobes'
    integral is ``v_in + v0 + g Tc`` exactly.
    """
    v_in = math.sqrt(2.0 * g * drop_height)
    v0 = math.sqrt(2.0 * g * jump_height)
    tc = contact_time
    contact, peak = _contact(tl, m, g, v_in, v0, tc, impact_time, impact_fraction)
    takeoff = tl.end
    flight = _flight(tl, g, v0)
    land = _landing(tl, m, g, v0)
    h = v0 * v0 / (2.0 * g)
    return dict(
        body_mass=m,
        body_weight=m * g,
        drop_height=drop_height,
        drop_velocity=v_in,
        contact_start_time=contact,
        onset_time=contact,
        contact_time=tc,
        takeoff_time=takeoff,
        takeoff_velocity=v0,
        jump_height=h,
        flight_time=flight,
        rsi=h / tc,
        flight_contact_ratio=flight / tc,
        peak_force=peak,
        contact_net_impulse=m * (v_in + v0),
        **land,
    )


def build_rebound(tl: Timeline, *, m: float, g: float, first_jump_height: float, depth: float,
                  unweighting_time: float, braking_time: float, propulsion_time: float,
                  contact_times: Sequence[float], jump_heights: Sequence[float], impact_time: float,
                  impact_fraction: float, double_contacts: Mapping[int, float] | None = None,
                  best_hops: int = 5) -> dict[str, float]:
    """Quiet stance -> a countermovement jump of ``first_jump_height`` into the first flight -> one hop per
    entry of ``contact_times`` (a ground contact of that length, then a flight of the matching ``jump_heights``
    entry) -> landing. A hop is a ground contact between two flights, as the analysis defines it.

    ``double_contacts`` maps a hop number (1-based) to an unloaded gap (s): that contact touches, leaves the
    plate for the gap (a ballistic bounce at ``g * gap / 2`` m/s) and touches again; its contact time still runs
    from the first touch to the take-off. Truth per hop ``i``: ``hop_i_contact_start_time``, ``hop_i_takeoff_time``,
    ``hop_i_contact_time``, ``hop_i_flight_time``, ``hop_i_jump_height``, ``hop_i_rsi``, ``hop_i_peak_force``,
    ``hop_i_unloaded``; and the trial figures of :mod:`forcelab.analysis.rebound` (``hop_count``,
    ``contact_time_mean``, ``flight_time_mean``, ``rsi_max``, ``rsi_best5_mean``, ``contact_time_best5_mean``,
    ``jump_height_best5_mean`` over the ``best_hops`` best-RSI hops, ``peak_force``).
    """
    if len(contact_times) != len(jump_heights) or not contact_times:
        raise ValueError(f"give one jump height per contact time (at least one hop); got {len(contact_times)} "
                         f"contact times and {len(jump_heights)} jump heights")
    gaps = dict(double_contacts or {})
    for k, gap in gaps.items():
        if not 1 <= k <= len(contact_times) or not 0 < gap < contact_times[k - 1] / 2:
            raise ValueError(f"double contact at hop {k} of {gap} s: needs a hop 1-{len(contact_times)} and a gap "
                             "shorter than half its contact")
    truth = build_jump(tl, m=m, g=g, jump_height=first_jump_height, depth=depth, unweighting_time=unweighting_time,
                       braking_time=braking_time, propulsion_time=propulsion_time, land=False)
    truth["first_jump_height"] = truth.pop("jump_height")
    truth["first_flight_time"] = truth.pop("flight_time")
    v_in = math.sqrt(2.0 * g * first_jump_height)
    rows: list[tuple[float, float, float, float]] = []  # contact time, flight time, height, rsi
    peaks: list[float] = []
    for i, (tc, h) in enumerate(zip(contact_times, jump_heights, strict=True), start=1):
        tc, h = positive(f"contact time of hop {i}", tc), positive(f"jump height of hop {i}", h)
        v0 = math.sqrt(2.0 * g * h)
        gap = gaps.get(i, 0.0)
        if gap:
            v_b = g * gap / 2.0
            t_a = 0.3 * (tc - gap)
            start, pk_a = _contact(tl, m, g, v_in, v_b, t_a, impact_time, impact_fraction)
            tl.hold(gap, 0.0)
            _, pk_b = _contact(tl, m, g, v_b, v0, tc - gap - t_a, impact_time, impact_fraction)
            peak = max(pk_a, pk_b)
        else:
            start, peak = _contact(tl, m, g, v_in, v0, tc, impact_time, impact_fraction)
        takeoff = tl.end
        flight = _flight(tl, g, v0)
        truth.update({f"hop_{i}_contact_start_time": start, f"hop_{i}_takeoff_time": takeoff,
                      f"hop_{i}_contact_time": tc, f"hop_{i}_flight_time": flight, f"hop_{i}_jump_height": h,
                      f"hop_{i}_rsi": h / tc, f"hop_{i}_peak_force": peak, f"hop_{i}_unloaded": gap})
        if i == 1:
            truth["landing_time"] = start
        rows.append((tc, flight, h, h / tc))
        peaks.append(peak)
        v_in = v0
    land = _landing(tl, m, g, v_in)
    best = sorted(rows, key=lambda r: -r[3])[:best_hops]
    truth.update(
        hop_count=float(len(rows)),
        contact_time_mean=float(np.mean([r[0] for r in rows])),
        flight_time_mean=float(np.mean([r[1] for r in rows])),
        rsi_max=max(r[3] for r in rows),
        rsi_best5_mean=float(np.mean([r[3] for r in best])),
        contact_time_best5_mean=float(np.mean([r[0] for r in best])),
        jump_height_best5_mean=float(np.mean([r[2] for r in best])),
        peak_force=max(peaks),
        final_landing_time=land["landing_time"],
        peak_landing_force=land["peak_landing_force"],
    )
    return truth


def build_pull(tl: Timeline, *, m: float, g: float, peak_force: float, rise_time: float, hold: float,
                pretension: float, pretension_time: float, shape: float, fatigue: float,
                release_time: float) -> dict[str, float]:
    """Quiet stance -> (optional pre-tension) -> rise -> hold (slow decline) -> release to body weight.

    Rise: ``F = base + (peak - base) I(u)``, ``u = tau / rise_time``,
    ``I(u) = 1 - (1-u)^k (1 + k u)`` (the regularised incomplete beta I_u(2, k)): zero slope at onset
    and at the peak, steepest at ``u = 1/k``.
    """
    bw = m * g
    base = bw + pretension
    if peak_force <= base:
        raise ValueError(f"peak_force ({peak_force} N) must exceed body weight plus pre-tension ({base:.1f} N)")
    k = shape
    dF = peak_force - base
    tr = rise_time

    def shape_fn(u: np.ndarray) -> np.ndarray:
        u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
        return 1.0 - (1.0 - u) ** k * (1.0 + k * u)

    def f_rise(tau: np.ndarray) -> np.ndarray:
        return base + dF * shape_fn(np.asarray(tau) / tr)

    truth: dict[str, float] = {}
    if pretension > 0:
        truth["pretension_start_time"] = tl.ramp(0.3, base)
        tl.hold(pretension_time)
    onset = tl.add(tr, f_rise, end_level=peak_force)
    drop = fatigue * dF

    def f_hold(tau: np.ndarray) -> np.ndarray:
        return peak_force - drop * 0.5 * (1.0 - np.cos(PI * np.asarray(tau) / hold))

    tl.add(hold, f_hold, end_level=peak_force - drop)
    truth["release_time"] = tl.ramp(release_time, bw)
    truth.update(
        body_mass=m,
        body_weight=bw,
        pretension=pretension,
        onset_time=onset,
        peak_force=peak_force,
        net_peak_force=peak_force - bw,
        peak_time=onset + tr,
        time_to_peak=tr,
        peak_rfd=dF / tr * (k + 1.0) * (1.0 - 1.0 / k) ** (k - 1.0),
        peak_rfd_time=onset + tr / k,
    )
    for ms in (50, 100, 150, 200, 250, 300):
        t = ms / 1000.0
        f_t = float(f_rise(np.array([t]))[0]) if t < tr else peak_force - drop * 0.5 * (
            1.0 - math.cos(PI * min(t - tr, hold) / hold))
        truth[f"force_at_{ms}ms"] = f_t
        truth[f"rfd_0_{ms}ms"] = (f_t - base) / t
        # net impulse above body weight from onset, closed form of the integral of I(u):
        truth[f"net_impulse_0_{ms}ms"] = _pull_impulse(t, tr=tr, k=k, base=base, bw=bw, dF=dF,
                                                       peak=peak_force, drop=drop, hold=hold)
    return truth


def _pull_impulse(t: float, *, tr: float, k: float, base: float, bw: float, dF: float, peak: float,
                  drop: float, hold: float) -> float:
    """Integral of (F - body weight) from onset to onset + t (t within rise + hold)."""

    def int_i(u: float) -> float:
        # integral_0^u [1 - (1-x)^k (1 + k x)] dx, with (1+kx) = (k+1) - k(1-x)
        w = 1.0 - u
        prim = lambda y: (k + 1.0) * (-(y ** (k + 1.0)) / (k + 1.0)) + k * (y ** (k + 2.0)) / (k + 2.0)  # noqa: E731
        return u - (prim(w) - prim(1.0))

    if t <= tr:
        return (base - bw) * t + dF * tr * int_i(t / tr)
    j = (base - bw) * tr + dF * tr * int_i(1.0)
    s = min(t - tr, hold)
    j += (peak - bw) * s - drop * 0.5 * (s - hold / PI * math.sin(PI * s / hold))
    return j
