"""Find the trials in a force recording, on a whole file or block by block on a live stream.

One state machine serves both: :class:`OnlineTrialDetector` takes blocks of total force of any size and
returns each trial as soon as it is complete; :func:`find_trials` runs the same detector over a trace.
The answer does not depend on how the samples are cut into blocks: every decision is a pure function of
the samples (window statistics come from exact integer running sums carried across blocks, and a
decision that needs samples that have not arrived yet waits for them), so a file and a stream give identical segments.

Jumps (``kind="jump"``) follow quiet stance -> movement -> flight -> landing -> quiet:

* **quiet**: a ``quiet_time`` window on the plate (mean above ``flight_threshold``) whose SD is at most
  ``max(quiet_sd, quiet_sd_frac * mean)``; its mean is the body weight (BW) for what follows.
* **movement**: the first sample outside ``BW +- max(movement_band, movement_band_sd * SD)``.
* **flight**: force below ``flight_threshold``. It is a jump's flight when it lasts ``flight_min`` to
  ``flight_max`` seconds, the force before it went above ``(1 + takeoff_margin) * BW`` (a take-off
  impulse) and the landing reaches BW within ``landing_window``. Otherwise it is not a jump: a step-off
  (off the plate for longer than ``flight_max``, or no push above BW) or stepping back on.
* A **drop jump** starts from an empty plate: a contact of ``dj_min_contact`` to ``dj_max_contact``
  seconds straight after arriving on the plate, then a valid flight and landing.
* A **hop series** (``hop_series=1``, the default; the repeated-hop test): a flight straight after a landing
  (before the athlete stood still) continues the same trial instead of starting a new one, so ten hops are one
  trial; it ends where the athlete stands still or steps off, as any trial does. Each further flight adds the
  events ``hop_takeoff`` and ``hop_landing``, and ``test_hint`` is ``"rebound"``. With ``hop_series=0`` a jump
  straight after a landing is a trial of its own (each hop a trial).
* The segment starts ``pre`` seconds before the movement (1 s of stance or more for weighing, when the
  athlete stood that long; never before the previous trial's end or the moment the athlete settled on
  the plate), and ends ``post`` seconds after the landing has stabilised (a quiet window starting at
  least ``min_after`` s after landing), at a step-off, or ``max_after`` s after landing.

Pulls (``kind="pull"``) follow quiet -> pulling (force above baseline + band) -> release (back to the
band). A rise that peaks less than ``max(min_pull, min_pull_frac * baseline)`` above the baseline is
fidgeting or pre-tension, not a pull. For a load cell whose baseline is about 0 N, pass
``flight_threshold=float("-inf")`` so that 0 N does not count as "nobody there".

Drop landings (``kind="landing"``) and quiet stance (``kind="stance"``) are arrivals on the plate that are held;
their states are the same (empty -> settling -> quiet, with flight for a drop jump met on the way) and their rules
live in :mod:`forcelab.analysis.segmentation_hold`, which documents them.

Memory is bounded: the detector keeps the last few windows of samples (a ring), never the stream.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from forcelab.analysis import segmentation_hold as hold
from forcelab.analysis.types import ForceTrace

log = logging.getLogger(__name__)

KINDS = ("jump", "pull", "landing", "stance")
#: The kinds whose trial is an arrival on the plate that is held (rules in segmentation_hold).
HELD_KINDS = ("landing", "stance")

#: Default thresholds (seconds, newtons, fractions) of :class:`OnlineTrialDetector`, per kind.
DEFAULTS: dict[str, dict[str, float]] = {
    "jump": {
        "flight_threshold": 30.0, "quiet_time": 0.5, "quiet_sd": 8.0, "quiet_sd_frac": 0.015,
        "movement_band": 30.0, "movement_band_sd": 5.0, "takeoff_margin": 0.25, "flight_min": 0.1,
        "flight_max": 1.2, "landing_window": 0.3, "min_after": 0.3, "max_after": 4.0, "post": 1.0,
        "pre": 2.0, "dj_min_contact": 0.05, "dj_max_contact": 1.0, "dj_pre": 0.5, "hop_series": 1.0,
    },
    "pull": {
        "flight_threshold": 30.0, "quiet_time": 0.5, "quiet_sd": 8.0, "quiet_sd_frac": 0.015,
        "pull_band": 50.0, "pull_band_sd": 5.0, "min_pull": 200.0, "min_pull_frac": 0.5,
        "post": 1.0, "pre": 3.0,
    },
    # the keys below are explained in forcelab.analysis.segmentation_hold and docs/methods-isometric.md
    "landing": {
        "flight_threshold": 30.0, "quiet_time": 0.5, "quiet_sd": 10.0, "quiet_sd_frac": 0.02, "min_air": 0.3,
        "impact_factor": 1.5, "min_after": 0.3, "max_after": 4.0, "post": 1.0, "min_hold": 3.0, "pre": 0.5,
        "flight_min": 0.1, "flight_max": 1.2, "landing_window": 0.3, "dj_min_contact": 0.05,
        "dj_max_contact": 1.0, "dj_pre": 0.5, "hop_series": 1.0,
    },
    "stance": {
        "flight_threshold": 30.0, "quiet_time": 1.0, "quiet_sd": 25.0, "quiet_sd_frac": 0.04, "min_after": 1.0,
        "duration": 30.0, "pre": 0.0, "post": 0.0,
    },
}


@dataclass(frozen=True)
class TrialSegment:
    """One trial: absolute sample indices ``[start, end)`` of the stream or trace, and its kind.

    ``events`` holds the coarse instants the detector saw (absolute indices: ``movement``,
    ``takeoff``, ``landing`` for jumps, and ``hop_takeoff``, ``hop_landing`` per further flight of a hop series;
    ``pull_start``, ``peak``, ``release`` for pulls; ``contact``, ``quiet_start`` for a drop landing and
    ``balance_start``, ``balance_end`` for a stance, with ``step_off``, ``not_settled`` or ``recording_end`` where one
    ended early: see :mod:`forcelab.analysis.segmentation_hold`) and ``test_hint`` is ``"dj"`` for a drop jump
    started from an empty plate (under ``kind="landing"`` too), ``"rebound"`` for a hop series, else ``""``.
    """

    start: int
    end: int
    kind: str
    events: tuple[tuple[str, int], ...] = ()
    test_hint: str = ""

    @property
    def length(self) -> int:
        """Number of samples."""
        return self.end - self.start

    def event(self, name: str) -> int | None:
        """Absolute index of the coarse event ``name`` or ``None``."""
        for key, idx in self.events:
            if key == name:
                return idx
        return None


class _Ring:
    """The last samples of the stream with running sums, by absolute index.

    ``c1[i]`` and ``c2[i]`` are the sums of ``x`` and ``x**2`` over samples ``0..i-1`` of the whole
    stream, in integer centinewtons. Integer sums are exact, so they are the same whatever the block
    sizes were, and they never lose precision on a stream that runs for hours. They may wrap around the
    int64 range on very long streams; the difference over one window is still exact because a window's
    true sum fits (forces are clipped to +-FORCE_LIMIT).
    """

    SCALE = 100.0  # centinewtons
    FORCE_LIMIT = 1.0e5  # newtons; no plate measures more

    def __init__(self, keep: int) -> None:
        self.keep = keep
        cap = max(4 * keep, 4096)
        self.x = np.empty(cap)
        self.c1 = np.zeros(cap + 1, dtype=np.int64)
        self.c2 = np.zeros(cap + 1, dtype=np.int64)
        self.off = 0  # absolute index of x[0]
        self.n = 0  # samples held

    @property
    def end(self) -> int:
        """Absolute index one past the newest sample."""
        return self.off + self.n

    def append(self, block: np.ndarray, oldest_needed: int) -> None:
        drop = max(0, min(oldest_needed, self.end) - self.off)
        if drop:
            keep_n = self.n - drop
            self.x[:keep_n] = self.x[drop:self.n]
            self.c1[:keep_n + 1] = self.c1[drop:self.n + 1]
            self.c2[:keep_n + 1] = self.c2[drop:self.n + 1]
            self.off += drop
            self.n = keep_n
        m = len(block)
        if self.n + m > len(self.x):
            cap = 2 * (self.n + m)
            x = np.empty(cap)
            x[:self.n] = self.x[:self.n]
            self.x = x
            for name in ("c1", "c2"):
                c = np.zeros(cap + 1, dtype=np.int64)
                c[:self.n + 1] = getattr(self, name)[:self.n + 1]
                setattr(self, name, c)
        self.x[self.n:self.n + m] = block
        q = np.rint(np.clip(block, -self.FORCE_LIMIT, self.FORCE_LIMIT) * self.SCALE).astype(np.int64)
        with np.errstate(over="ignore"):
            self.c1[self.n + 1:self.n + m + 1] = self.c1[self.n] + np.cumsum(q)
            self.c2[self.n + 1:self.n + m + 1] = self.c2[self.n] + np.cumsum(q * q)
        self.n += m

    def get(self, a: int, b: int) -> np.ndarray:
        return self.x[a - self.off:b - self.off]

    def cum(self, i: int) -> np.int64:
        """The running sum ``c1`` (centinewtons) of the samples before absolute index ``i`` (held in the ring)."""
        return np.int64(self.c1[i - self.off])

    def mean_since(self, a_cum: np.int64, a: int, b: int) -> float:
        """Mean force (N) of samples ``[a, b)`` from ``a_cum = cum(a)`` taken while ``a`` was held; ``b`` is held now."""
        with np.errstate(over="ignore"):
            total = self.cum(b) - a_cum
        return float(total) / self.SCALE / max(1, b - a)

    def window_stats(self, a: int, b: int, q: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and sample SD (N) of the ``q``-sample windows ending at each index in ``[a, b)``."""
        lo = a - q + 1 - self.off
        hi = b - self.off
        with np.errstate(over="ignore"):
            s1 = (self.c1[lo + q:hi + 1] - self.c1[lo:hi + 1 - q]).astype(np.float64)
            s2 = (self.c2[lo + q:hi + 1] - self.c2[lo:hi + 1 - q]).astype(np.float64)
        mean = s1 / q
        var = np.maximum((s2 - s1 * mean) / (q - 1), 0.0)
        return mean / self.SCALE, np.sqrt(var) / self.SCALE


def _first(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


class OnlineTrialDetector:
    """Online trial detection over blocks of total force (newtons) at ``rate`` Hz.

    ``kind`` is ``"jump"`` (CMJ, SJ, DJ), ``"pull"`` (isometric), ``"landing"`` (drop landing and hold) or
    ``"stance"`` (quiet stance, single-leg balance); ``thresholds`` override
    :data:`DEFAULTS` (an unknown name is a :class:`ValueError` listing the valid ones). ``feed`` takes
    a block of any size and returns the trials completed by it; ``finish`` closes a trial still open at
    the end of a recording. ``state`` says what the detector sees now, for the GUI.
    """

    def __init__(self, rate: float, *, kind: str = "jump", **thresholds: float) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"sample rate must be a positive number of hertz, got {rate!r}")
        if kind not in KINDS:
            raise ValueError(f"unknown trial kind {kind!r}; valid kinds: {', '.join(KINDS)}")
        defaults = DEFAULTS[kind]
        unknown = sorted(set(thresholds) - set(defaults))
        if unknown:
            raise ValueError(f"unknown threshold(s) {', '.join(unknown)} for {kind}; valid: "
                             f"{', '.join(sorted(defaults))}")
        p = {**defaults, **{k: float(v) for k, v in thresholds.items()}}
        for name, v in p.items():
            if math.isnan(v) or (v < 0 and name != "flight_threshold"):
                raise ValueError(f"threshold {name} must be zero or positive, got {v!r}")
        if kind == "stance" and not (math.isfinite(p["duration"]) and p["duration"] > 0):
            raise ValueError(f"duration (s) of a stance trial must be a positive number, got {p['duration']!r}")
        self.rate = float(rate)
        self.kind = kind
        self.params: dict[str, float] = p
        self._q = max(2, int(round(p["quiet_time"] * rate)))
        self._ring = _Ring(self._q + 2)
        self._cursor = 0
        self._state = "empty"
        self._bw = 0.0
        self._sd = 0.0
        self._have_bw = False
        self._lower = 0  # no segment may start before this (settled on the plate / previous end)
        self._movement = 0
        self._peak = -math.inf
        self._peak_at = 0
        self._contact = 0
        self._contact_peak = -math.inf
        self._flight_start = 0
        self._origin = ""
        self._landing = 0
        self._seg_start = 0
        self._end_target = 0
        self._next_bw = 0.0
        self._next_sd = 0.0
        self._hint = ""
        self._events: list[tuple[str, int]] = []
        self._last_valid = 0.0
        self._empty_start = 0
        self._empty_pending = False
        self._arrived = False
        self._hop = False  # the flight being checked continues a hop series
        self._contact_cum = np.int64(0)  # running sum at the contact, for the mean force since (landing)
        self._stance_end = 0  # where a stance trial reaches its duration
        self._contact_mean = 0.0  # mean force from the contact to where the athlete left (landing)

    def _s(self, name: str) -> int:
        return int(round(self.params[name] * self.rate))

    @property
    def state(self) -> str:
        """``"empty"``, ``"settling"``, ``"quiet"``, ``"movement"``, ``"flight"``, ``"landing"``,
        ``"pulling"``, ``"release"`` or ``"stance"`` (a balance trial running)."""
        if self.kind == "stance" and self._state == "post":
            return "stance"
        return {"landcheck": "landing", "after": "landing", "post": "landing"}.get(self._state, self._state)

    @property
    def body_weight(self) -> float | None:
        """The body weight (or pull baseline) from the last quiet window, in newtons."""
        return self._bw if self._state != "empty" and self._bw > 0 else None

    @property
    def samples_seen(self) -> int:
        """Number of samples fed so far."""
        return self._ring.end

    def feed(self, total: np.ndarray) -> list[TrialSegment]:
        """Process the next block of total force; return the trials it completed (absolute indices)."""
        block = np.asarray(total, dtype=np.float64).ravel()
        if block.size == 0:
            return []
        bad = ~np.isfinite(block)
        if bad.any():
            # lost or invalid samples hold the last valid value (they must not look like a flight)
            log.warning("%d non-finite force samples held at the last valid value by trial detection",
                        int(bad.sum()))
            idx = np.where(bad, -1, np.arange(block.size))
            idx = np.maximum.accumulate(idx)
            filled = np.where(idx >= 0, block[np.maximum(idx, 0)], self._last_valid)
            block = filled
        self._last_valid = float(block[-1])
        self._ring.append(block, self._cursor - self._ring.keep)
        out: list[TrialSegment] = []
        while self._step(out):
            pass
        return out

    def finish(self) -> list[TrialSegment]:
        """Close a trial still open at the end of the recording (a landing or pull not yet settled)."""
        end = self._ring.end
        out: list[TrialSegment] = []
        if self.kind in HELD_KINDS:
            hold.finish_held(self, end, out)
        if self._state == "landcheck":
            self._landcheck(end, out, final=True)
        if self._state in ("after", "post", "release"):
            self._emit(out, end)
        elif self._state == "flight" and self._origin == "landing":
            self._emit(out, self._flight_start)
        elif self._state == "pulling" and self._pull_ok():
            self._seg_start = max(self._lower, self._movement - self._s("pre"))
            self._events = [("pull_start", self._movement), ("peak", self._peak_at)]
            self._emit(out, end)
        self._set_empty()
        self._cursor = end
        return out

    # ---- helpers
    def _emit(self, out: list[TrialSegment], end: int) -> None:
        seg = TrialSegment(self._seg_start, end, self.kind, tuple(self._events), self._hint)
        out.append(seg)
        self._lower = end
        self._events = []
        self._hint = ""

    def _first_quiet(self, a: int, b: int, min_start: int) -> tuple[int, float, float] | None:
        """First index ``i`` in ``[a, b)`` ending a quiet window that starts at ``min_start`` or later."""
        q = self._q
        a = max(a, min_start + q - 1, self._ring.off + q - 1)
        if a >= b:
            return None
        mean, sd = self._ring.window_stats(a, b, q)
        limit = np.maximum(self.params["quiet_sd"], self.params["quiet_sd_frac"] * np.abs(mean))
        k = _first((sd <= limit) & (mean > self.params["flight_threshold"]))
        if k is None:
            return None
        return a + k, float(mean[k]), float(sd[k])

    def _set_empty(self) -> None:
        self._state = "empty"
        self._empty_pending = True  # the empty stretch starts at the cursor the next step sees

    def _enter_quiet(self, i: int, mean: float, sd: float) -> None:
        self._bw, self._sd = mean, sd
        self._have_bw = True
        self._state = "quiet"
        self._cursor = i + 1

    def _pull_band(self) -> float:
        """Half-width (N) of the band around the baseline that a pull leaves and a release comes back to."""
        return max(self.params["pull_band"], self.params["pull_band_sd"] * self._sd)

    def _pull_need(self) -> float:
        """Rise (N) above the baseline that makes a pull, not fidgeting or pre-tension."""
        return max(self.params["min_pull"], self.params["min_pull_frac"] * abs(self._bw))

    def _pull_ok(self) -> bool:
        return self._peak - self._bw >= self._pull_need()

    def _start_pull(self, i: int) -> None:
        self._movement = i
        self._peak, self._peak_at = -math.inf, i
        self._state = "pulling"
        self._cursor = i

    # ---- the state machine: one transition per call, False when it needs more samples
    def _step(self, out: list[TrialSegment]) -> bool:
        c, e = self._cursor, self._ring.end
        if c >= e and self._state not in ("landcheck",):
            return False
        thr = self.params["flight_threshold"]
        st = self._state
        if st == "empty":
            if self._empty_pending:
                self._empty_start, self._empty_pending = c, False
            k = _first(self._ring.get(c, e) > thr)
            if k is None:
                self._cursor = e
                return False
            self._contact = c + k
            self._arrived = self._contact > self._empty_start  # seen arriving from an empty plate
            if self.kind == "landing":  # a drop: arriving after min_air s of empty plate
                self._arrived = self._contact - self._empty_start >= self._s("min_air") and self._contact > 0
                self._contact_cum = self._ring.cum(self._contact)
            self._contact_peak = -math.inf
            self._state = "settling"
            self._cursor = c + k
            return True
        if st == "settling":
            if self.kind == "stance":
                return hold.stance_settling(self, c, e, thr)
            if self.kind == "landing" and self._arrived:
                return hold.landing_settling(self, c, e, thr, out)
            return self._settling(c, e, thr)
        if st == "quiet":
            return self._quiet(c, e, thr)
        if st == "movement":
            return self._movement_step(c, e, thr)
        if st == "flight":
            return self._flight(c, e, thr, out)
        if st == "landcheck":
            return self._landcheck(e, out)
        if st == "after":
            return self._after(c, e, thr, out)
        if st in ("post", "release"):
            return self._closing(c, e, thr, out)
        if st == "pulling":
            return self._pulling(c, e, thr, out)
        raise AssertionError(f"unknown detector state {st!r}")  # pragma: no cover

    def _settling(self, c: int, e: int, thr: float) -> bool:
        x = self._ring.get(c, e)
        off = _first(x < thr)
        lim = c + off if off is not None else e
        quiet = self._first_quiet(c, lim, self._contact)
        if quiet is not None:
            i, mean, sd = quiet
            self._lower = max(self._lower, i - self._q + 1)
            self._enter_quiet(i, mean, sd)
            return True
        if off is not None:
            self._contact_peak = max(self._contact_peak, float(x[:off].max(initial=-math.inf)))
            if self.kind == "jump":
                self._flight_start, self._origin = c + off, "contact"
                self._state = "flight"
            else:
                self._set_empty()
            self._cursor = c + off
            return True
        self._contact_peak = max(self._contact_peak, float(x.max()))
        self._cursor = e  # windows are indexed by their last sample: all those ending before e are done
        return False

    def _quiet(self, c: int, e: int, thr: float) -> bool:
        x = self._ring.get(c, e)
        if self.kind in HELD_KINDS:  # standing after a trial (or before one): only a step-off matters
            off = _first(x < thr)
            if off is None:
                self._cursor = e
                return False
            self._set_empty()
            self._cursor = c + off
            return True
        if self.kind == "jump":
            band = max(self.params["movement_band"], self.params["movement_band_sd"] * self._sd)
            k = _first(np.abs(x - self._bw) > band)
            if k is None:
                self._cursor = e
                return False
            self._movement = c + k
            self._peak, self._peak_at = -math.inf, c + k
            self._state = "movement"
            self._cursor = c + k
            return True
        band = self._pull_band()
        up = _first(x > self._bw + band)
        down = _first((x < self._bw - band) | (x < thr))
        if up is None and down is None:
            self._cursor = e
            return False
        if up is not None and (down is None or up < down):
            self._start_pull(c + up)
            return True
        assert down is not None
        self._state = "movement"
        self._movement = c + down
        self._cursor = c + down
        return True

    def _movement_step(self, c: int, e: int, thr: float) -> bool:
        x = self._ring.get(c, e)
        off = _first(x < thr)
        up: int | None = None
        if self.kind == "pull" and self._have_bw:
            up = _first(x > self._bw + self._pull_band())
        stops = [s for s in (off, up) if s is not None]
        lim = c + min(stops) if stops else e
        quiet = self._first_quiet(c, lim, self._movement)
        if quiet is not None:
            self._enter_quiet(*quiet)
            return True
        seg = x[:lim - c]
        if seg.size:
            j = int(np.argmax(seg))
            if seg[j] > self._peak:
                self._peak, self._peak_at = float(seg[j]), c + j
        if up is not None and lim == c + up:
            self._start_pull(c + up)
            return True
        if off is not None:
            if self.kind == "jump":
                self._flight_start, self._origin = c + off, "movement"
                self._state = "flight"
            else:
                self._set_empty()
            self._cursor = c + off
            return True
        self._cursor = e
        return False

    def _flight(self, c: int, e: int, thr: float, out: list[TrialSegment]) -> bool:
        t_out = self._flight_start + self._s("flight_max")
        hi = min(e, t_out + 1)
        k = _first(self._ring.get(c, hi) > thr) if hi > c else None
        if k is not None:
            i = c + k
            if i - self._flight_start < self._s("flight_min"):
                # a dip, not a flight: back to where it came from
                self._state = {"movement": "movement", "contact": "settling", "landing": "after"}[self._origin]
                self._cursor = i
                return True
            self._hop = self._origin == "landing" and self.params["hop_series"] > 0
            if self._origin == "landing" and not self._hop:  # the trial just landed ends where this flight starts
                self._emit(out, self._flight_start)
                self._movement = self._flight_start
            self._landing = i
            self._state = "landcheck"
            self._cursor = i
            return True
        if e > t_out:
            if self._origin == "landing":
                self._emit(out, self._flight_start)
            elif self._origin == "contact" and self.kind == "landing" and self._arrived:
                hold.landing_left(self, out)  # landed and stepped off before standing still
            self._set_empty()  # stayed off: a step-off, not a flight
            if self.kind == "landing":  # the plate has been empty since the force fell (min_air counts from there)
                self._empty_start, self._empty_pending = self._flight_start, False
            self._cursor = t_out + 1
            return True
        self._cursor = e
        return False

    def _landcheck(self, e: int, out: list[TrialSegment], *, final: bool = False) -> bool:
        lw = max(1, self._s("landing_window"))
        if final:
            lw = min(lw, e - self._landing)  # the recording ends within the landing window
        if lw < 1 or e < self._landing + lw:
            return False
        land_peak = float(self._ring.get(self._landing, self._landing + lw).max())
        if self._hop:
            return self._hop_landed(land_peak, out)
        if self._origin == "contact":
            contact = self._flight_start - self._contact
            ok = (self._arrived and self._s("dj_min_contact") <= contact <= self._s("dj_max_contact")
                  and land_peak >= self._contact_peak * 0.25)
            start = max(self._lower, self._contact - self._s("dj_pre"))
            events = [("contact", self._contact)]
            hint = "dj"
        else:
            ok = (self._peak >= (1.0 + self.params["takeoff_margin"]) * self._bw) and land_peak >= self._bw
            start = max(self._lower, self._movement - self._s("pre"))
            events = [("movement", self._movement)]
            hint = ""
        if not ok:
            if self._origin == "contact":
                if self.kind == "landing" and self._arrived:
                    hold.landing_left(self, out)  # landed, then a hop: not held, and not a drop jump
                    self._arrived = False
                self._contact, self._contact_peak = self._landing, -math.inf
                self._state = "settling"
            else:
                # a hop or stepping off and back on: still the same movement (its start is kept for the
                # weighing before it), and the push that follows must still clear (1 + margin) * BW
                self._peak = max(self._peak, land_peak)
                self._state = "movement"
            self._cursor = self._landing
            return True
        self._seg_start = start
        self._events = events + [("takeoff", self._flight_start), ("landing", self._landing)]
        self._hint = hint
        self._state = "after"
        self._cursor = self._landing
        return True

    def _hop_landed(self, land_peak: float, out: list[TrialSegment]) -> bool:
        """Landing check of a flight that continues a hop series: the landing must bear body weight (else the
        athlete stepped back on lightly: the series' trial ends where that flight began)."""
        self._hop = False
        if land_peak >= self._bw:
            self._events += [("hop_takeoff", self._flight_start), ("hop_landing", self._landing)]
            self._hint = "rebound"
        else:
            self._emit(out, self._flight_start)
            self._peak = land_peak
            self._movement = self._landing
            self._state = "movement"
            self._cursor = self._landing
            return True
        self._state = "after"
        self._cursor = self._landing
        return True

    def _after(self, c: int, e: int, thr: float, out: list[TrialSegment]) -> bool:
        t_max = self._landing + self._s("max_after")
        hi = min(e, t_max)
        x = self._ring.get(c, hi)
        off = _first(x < thr)
        lim = c + off if off is not None else hi
        quiet = self._first_quiet(c, lim, self._landing + self._s("min_after"))
        if quiet is not None:
            i, mean, sd = quiet
            self._next_bw, self._next_sd = mean, sd
            self._end_target = i + 1 + self._s("post")
            self._state = "post"
            self._cursor = i + 1
            return True
        if off is not None:
            # off the plate again: a dip, a step-off or a rebound jump; the flight state decides
            self._flight_start, self._origin = c + off, "landing"
            self._peak = math.inf  # a rebound after a landing always pushed above body weight
            self._state = "flight"
            self._cursor = c + off
            return True
        if e >= t_max:
            self._emit(out, t_max)
            self._movement, self._peak, self._peak_at = t_max, -math.inf, t_max
            self._state = "movement"
            self._cursor = t_max
            return True
        self._cursor = hi
        return False

    def _closing(self, c: int, e: int, thr: float, out: list[TrialSegment]) -> bool:
        """States ``post`` (after a landing) and ``release`` (after a pull): the trial ends ``post`` s on,
        or earlier where the athlete steps off."""
        hi = min(e, self._end_target)
        off = _first(self._ring.get(c, hi) < thr) if hi > c else None
        if off is not None:
            if self.kind in HELD_KINDS:
                self._events += hold.step_off_events(self, c + off)
            self._emit(out, c + off)
            self._set_empty()
            self._cursor = c + off
            return True
        if e >= self._end_target:
            if self.kind == "stance":
                self._events.append(("balance_end", self._stance_end))
            self._emit(out, self._end_target)
            if self._state == "post":  # the quiet window that ended the landing is the next baseline
                self._enter_quiet(self._end_target - 1, self._next_bw, self._next_sd)
            else:
                self._state = "movement"
                self._movement = self._end_target
                self._peak = -math.inf
                self._cursor = self._end_target
            return True
        self._cursor = hi
        return False

    def _pulling(self, c: int, e: int, thr: float, out: list[TrialSegment]) -> bool:
        x = self._ring.get(c, e)
        k = _first(x <= self._bw + self._pull_band())
        if not self._pull_ok():
            # before the force has risen a pull's worth, a new steady level (pre-tension) is a new baseline
            u = _first(x > self._bw + self._pull_need())
            stops = [c + v for v in (k, u) if v is not None]
            quiet = self._first_quiet(c, min(stops) if stops else e, self._movement)
            if quiet is not None:
                self._enter_quiet(*quiet)
                return True
        seg = x if k is None else x[:k]
        if seg.size:
            j = int(np.argmax(seg))
            if seg[j] > self._peak:
                self._peak, self._peak_at = float(seg[j]), c + j
        if k is None:
            self._cursor = e
            return False
        i = c + k
        if self._pull_ok():
            self._seg_start = max(self._lower, self._movement - self._s("pre"))
            self._events = [("pull_start", self._movement), ("peak", self._peak_at), ("release", i)]
            self._end_target = i + self._s("post")
            self._state = "release"
        else:
            self._state = "movement"  # fidgeting or pre-tension: wait for a new quiet baseline
            self._movement = i
        self._cursor = i
        return True


def find_trials(trace: ForceTrace, *, kind: str = "jump", block: int | None = None,
                **thresholds: Any) -> list[TrialSegment]:
    """The trials of a recorded ``trace``: :class:`OnlineTrialDetector` run over its total force.

    ``block`` feeds the samples in blocks of that size (the answer is the same for every size; the
    parameter exists to show it). A trial still open at the end of the trace is closed there.
    """
    det = OnlineTrialDetector(trace.rate, kind=kind, **thresholds)
    x = trace.total
    step = len(x) if block is None else int(block)
    if step < 1:
        raise ValueError(f"block must be at least one sample, got {block!r}")
    segs: list[TrialSegment] = []
    for i in range(0, len(x), max(step, 1)):
        segs += det.feed(x[i:i + step])
    segs += det.finish()
    return segs
