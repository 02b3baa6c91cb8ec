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
can be evaluated on any block of sample times; the simulated device streams from one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from forcelab.analysis.params import keyword_defaults
from forcelab.analysis.types import ForceTrace

G = 9.80665
PI = math.pi

ForceFn = Callable[[np.ndarray], np.ndarray]

__all__ = [
    "G",
    "SyntheticTrial",
    "Timeline",
    "cmj",
    "drop_jump",
    "isometric_pull",
    "session",
    "split_plates",
    "squat_jump",
    "TESTS",
    "append_trial",
    "asymmetry_truth",
]


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


def _positive(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return v


def _nonneg(name: str, value: float) -> float:
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
    _, peak = _argmax(f, 0.0, t2)
    return {"landing_time": start, "peak_landing_force": peak}


def _flight(tl: Timeline, g: float, v0: float) -> float:
    flight = 2.0 * v0 / g
    tl.hold(flight, 0.0)
    return flight


# --------------------------------------------------------------------------------------------------
# trial builders (append to a timeline, return the truth with absolute times)
# --------------------------------------------------------------------------------------------------


def _build_jump(tl: Timeline, *, m: float, g: float, jump_height: float, depth: float,
                unweighting_time: float, braking_time: float, propulsion_time: float) -> dict[str, float]:
    """Quiet stance -> (optional countermovement) -> propulsion -> flight -> landing.

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
    land = _landing(tl, m, g, v0)
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
        **land,
    )
    return truth


def _build_drop_jump(tl: Timeline, *, m: float, g: float, drop_height: float, contact_time: float,
                     jump_height: float, impact_time: float, impact_fraction: float) -> dict[str, float]:
    """Box landing at ``sqrt(2 g drop_height)`` -> one contact of ``contact_time`` -> flight -> landing.

    Contact: ``a = -g + A1 sin(pi tau/T1) + A2 sin(pi tau/Tc)``; F starts and ends at zero and the lobes'
    integral is ``v_in + v0 + g Tc`` exactly.
    """
    v_in = math.sqrt(2.0 * g * drop_height)
    v0 = math.sqrt(2.0 * g * jump_height)
    tc = contact_time
    t1 = min(impact_time, tc / 3.0)
    total = v_in + v0 + g * tc
    a1 = impact_fraction * total * PI / (2.0 * t1)
    a2 = (1.0 - impact_fraction) * total * PI / (2.0 * tc)

    def f_c(tau: np.ndarray) -> np.ndarray:
        tau = np.asarray(tau, dtype=np.float64)
        lobe1 = np.where(tau < t1, a1 * np.sin(PI * np.minimum(tau, t1) / t1), 0.0)
        return m * (lobe1 + a2 * np.sin(PI * tau / tc))

    contact = tl.add(tc, f_c, end_level=0.0)
    takeoff = tl.end
    _, peak = _argmax(f_c, 0.0, tc)
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


def _build_pull(tl: Timeline, *, m: float, g: float, peak_force: float, rise_time: float, hold: float,
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
    _positive("rate", rate)
    _positive("body_mass", body_mass)
    _positive("g", g)
    _nonneg("noise_sd", noise_sd)
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


def cmj(*, body_mass: float = 75.0, jump_height: float = 0.35, rate: float = 1000.0, quiet_before: float = 1.5,
        quiet_after: float = 1.5, depth: float = 0.30, unweighting_time: float = 0.40,
        braking_time: float = 0.18, propulsion_time: float = 0.26, asymmetry: float = 0.0,
        noise_sd: float = 0.0, plates: bool = True, seed: int | None = None, g: float = G) -> SyntheticTrial:
    """A countermovement jump: quiet stance, unweighting, braking, propulsion, flight, landing, quiet.

    ``depth`` is the countermovement depth (m, positive down); the three phase durations are exact
    (McMahon 2018 phase definitions: unweighting ends at the velocity minimum, braking at zero velocity).
    """
    _common(rate, body_mass, asymmetry, noise_sd, g)
    _positive("jump_height", jump_height)
    _positive("depth", depth)
    for name, v in (("unweighting_time", unweighting_time), ("braking_time", braking_time),
                    ("propulsion_time", propulsion_time), ("quiet_before", quiet_before),
                    ("quiet_after", quiet_after)):
        _positive(name, v)
    m = float(body_mass)
    tl = Timeline(initial=m * g)
    tl.hold(quiet_before, m * g)
    truth = _build_jump(tl, m=m, g=g, jump_height=jump_height, depth=depth, unweighting_time=unweighting_time,
                        braking_time=braking_time, propulsion_time=propulsion_time)
    return _finish(tl, truth, quiet_after=quiet_after, rate=rate, plates=plates, asymmetry=asymmetry,
                   noise_sd=noise_sd, seed=seed)


def squat_jump(*, body_mass: float = 75.0, jump_height: float = 0.30, rate: float = 1000.0,
               quiet_before: float = 1.5, quiet_after: float = 1.5, propulsion_time: float = 0.35,
               countermovement: float = 0.0, dip_time: float = 0.12, asymmetry: float = 0.0,
               noise_sd: float = 0.0, plates: bool = True, seed: int | None = None, g: float = G) -> SyntheticTrial:
    """A squat jump from a held squat (force = body weight), optionally with a small dip of
    ``countermovement`` m just before the push (what the squat-jump quality gate should flag); the dip
    spends ``dip_time`` s unweighting and ``dip_time`` s braking."""
    _common(rate, body_mass, asymmetry, noise_sd, g)
    _positive("jump_height", jump_height)
    _nonneg("countermovement", countermovement)
    for name, v in (("propulsion_time", propulsion_time), ("dip_time", dip_time),
                    ("quiet_before", quiet_before), ("quiet_after", quiet_after)):
        _positive(name, v)
    m = float(body_mass)
    tl = Timeline(initial=m * g)
    tl.hold(quiet_before, m * g)
    truth = _build_jump(tl, m=m, g=g, jump_height=jump_height, depth=countermovement,
                        unweighting_time=dip_time, braking_time=dip_time, propulsion_time=propulsion_time)
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
        _positive(name, v)
    if not 0.0 <= impact_fraction < 1.0:
        raise ValueError(f"impact_fraction must be in [0, 1), got {impact_fraction!r}")
    m = float(body_mass)
    tl = Timeline(initial=0.0)
    tl.hold(quiet_before, 0.0)
    truth = _build_drop_jump(tl, m=m, g=g, drop_height=drop_height, contact_time=contact_time,
                             jump_height=jump_height, impact_time=impact_time, impact_fraction=impact_fraction)
    return _finish(tl, truth, quiet_after=quiet_after, rate=rate, plates=plates, asymmetry=asymmetry,
                   noise_sd=noise_sd, seed=seed)


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
        _positive(name, v)
    _nonneg("pretension", pretension)
    if not shape > 1.0:
        raise ValueError(f"shape must be greater than 1, got {shape!r}")
    if not 0.0 <= fatigue < 1.0:
        raise ValueError(f"fatigue must be in [0, 1), got {fatigue!r}")
    m = float(body_mass)
    tl = Timeline(initial=m * g)
    tl.hold(quiet_before, m * g)
    truth = _build_pull(tl, m=m, g=g, peak_force=peak_force, rise_time=rise_time, hold=hold,
                        pretension=pretension, pretension_time=pretension_time, shape=shape, fatigue=fatigue,
                        release_time=release_time)
    return _finish(tl, truth, quiet_after=quiet_after, rate=rate, plates=plates, asymmetry=asymmetry,
                   noise_sd=noise_sd, seed=seed)


#: Test names accepted by :func:`session` and the simulator, with their aliases.
TESTS: dict[str, str] = {
    "cmj": "cmj", "countermovement_jump": "cmj",
    "sj": "sj", "squat_jump": "sj",
    "dj": "dj", "drop_jump": "dj",
    "imtp": "imtp", "isometric": "imtp", "isometric_pull": "imtp",
}

#: Every generator parameter that is not the trial's own (the session sets these once for all trials).
_SESSION_WIDE = frozenset({"body_mass", "rate", "quiet_before", "quiet_after", "asymmetry", "noise_sd", "plates",
                           "seed", "g"})
#: The trial parameters :func:`append_trial` takes per test, with the defaults of the single-trial generators.
_JUMP_DEFAULTS: dict[str, dict[str, float]] = {
    key: keyword_defaults(gen, exclude=_SESSION_WIDE)
    for key, gen in (("cmj", cmj), ("sj", squat_jump), ("dj", drop_jump), ("imtp", isometric_pull))
}


_MAY_BE_ZERO = frozenset({"countermovement", "pretension", "fatigue", "impact_fraction"})


def append_trial(tl: Timeline, test: str, *, body_mass: float, g: float = G,
                 params: Mapping[str, float] | None = None, step_off: float = 0.5,
                 box_time: float = 1.5) -> tuple[str, dict[str, float]]:
    """Append one trial to a timeline whose athlete stands on the plate (force ``m g``); returns the
    canonical test name (cmj, sj, dj, imtp) and the trial's truth with absolute times. A drop jump first steps off (``step_off`` s ramp to zero) and waits on the box
    for ``box_time`` s. Unknown parameter names raise ``ValueError``."""
    key = TESTS.get(test.lower().replace("-", "_"))
    if key is None:
        raise ValueError(f"unknown test {test!r}; choose one of cmj, sj, dj, imtp")
    p: dict[str, float] = dict(_JUMP_DEFAULTS[key])
    for name, value in (params or {}).items():
        if name not in p:
            raise ValueError(f"{key}: unknown parameter {name!r}; known: {', '.join(sorted(p))}")
        p[name] = float(value)
    m = _positive("body_mass", body_mass)
    for name, value in p.items():
        if name in _MAY_BE_ZERO:
            _nonneg(name, value)
        else:
            _positive(name, value)
    if not 0.0 <= p.get("impact_fraction", 0.0) < 1.0:
        raise ValueError(f"impact_fraction must be in [0, 1), got {p['impact_fraction']!r}")
    if not 0.0 <= p.get("fatigue", 0.0) < 1.0:
        raise ValueError(f"fatigue must be in [0, 1), got {p['fatigue']!r}")
    if p.get("shape", 2.0) <= 1.0:
        raise ValueError(f"shape must be greater than 1, got {p['shape']!r}")
    truth: dict[str, float]
    if key == "cmj":
        truth = _build_jump(tl, m=m, g=g, jump_height=p["jump_height"], depth=_positive("depth", p["depth"]),
                            unweighting_time=p["unweighting_time"], braking_time=p["braking_time"],
                            propulsion_time=p["propulsion_time"])
    elif key == "sj":
        truth = _build_jump(tl, m=m, g=g, jump_height=p["jump_height"], depth=p["countermovement"],
                            unweighting_time=p["dip_time"], braking_time=p["dip_time"],
                            propulsion_time=p["propulsion_time"])
    elif key == "dj":
        truth = {"step_off_time": tl.ramp(step_off, 0.0)}
        tl.hold(box_time, 0.0)
        truth.update(_build_drop_jump(tl, m=m, g=g, drop_height=p["drop_height"],
                                      contact_time=p["contact_time"], jump_height=p["jump_height"],
                                      impact_time=p["impact_time"], impact_fraction=p["impact_fraction"]))
    else:
        truth = _build_pull(tl, m=m, g=g, peak_force=p["peak_force"], rise_time=p["rise_time"], hold=p["hold"],
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
        _positive(name, v)
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
