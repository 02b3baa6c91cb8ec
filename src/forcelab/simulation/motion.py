"""The athlete and the load cells of the simulated plates: what the ADCs would read at any instant.

:class:`SimMotion` owns a :class:`forcelab.simulation.synthetic.Timeline` of the athlete's total vertical force
(steps on and off, quiet stance, trials from :mod:`forcelab.simulation.synthetic`) on its own clock (seconds), and
turns it into raw ADC counts per channel: total -> left/right plate (asymmetry) -> four cells per plate
(bilinear split by a slowly swaying centre of pressure, the same on both plates: one body) -> counts through the device's true calibration
(``counts = offset + newtons / gain``), plus Gaussian noise, rounded and clipped to 24 bits.

Channel layouts (``channels``): 1 = one load cell (total force); 2 = left and right plate; 4 = one plate,
four cells; 8 = two plates, cells 0-3 left and 4-7 right. Cells of a plate, in order: front-left,
front-right, rear-left, rear-right at (+-0.17, +-0.27) m, as in the ``forcelab-dual-plate`` profile
(hardware/profiles; x to the athlete's right, y forward). Give ``cell_positions`` for another layout.

Everything here is pure numpy and deterministic for a given ``seed`` and call sequence; the device
(:mod:`forcelab.simulation.simulator`) calls :meth:`SimMotion.counts` on blocks of sample times.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from forcelab.devices.calibration import Calibration
from forcelab.simulation.synthetic import TESTS, G, Timeline, append_trial, asymmetry_truth, trial_defaults

#: The parameter that sets a trial's effort, per test (varied by ``SimMotion.variation``).
INTENSITY = {"cmj": "jump_height", "sj": "jump_height", "dj": "jump_height", "imtp": "peak_force",
             "rebound": "jump_height"}

#: The frequencies (Hz) of the simulated stance sway, medio-lateral and antero-posterior (:meth:`SimMotion.sway_at`).
SWAY_HZ = (0.31, 0.19)

#: Supported channel counts and the plates they make.
LAYOUTS: dict[int, tuple[str, ...]] = {1: ("total",), 2: ("left", "right"), 4: ("plate",),
                                       8: ("left", "right")}

#: Cell positions of one plate (x right, y forward, metres): front-left, front-right, rear-left, rear-right,
#: the layout of hardware/profiles/forcelab-dual-plate.json.
CELL_POSITIONS: tuple[tuple[float, float], ...] = ((-0.17, 0.27), (0.17, 0.27), (-0.17, -0.27), (0.17, -0.27))

#: Nominal newtons per count of the simulated amplifier (about +-16.7 kN per cell at full scale).
NOMINAL_GAIN = 0.002

COUNT_MIN = -(1 << 23)
COUNT_MAX = (1 << 23) - 1


def default_calibration(channels: int) -> Calibration:
    """The simulated device's factory calibration: gains within +-2 % of :data:`NOMINAL_GAIN` and
    non-zero zero-load offsets, different per channel (deterministic), so calibration matters."""
    if channels not in LAYOUTS:
        raise ValueError(f"the simulator supports {sorted(LAYOUTS)} channels, got {channels}")
    i = np.arange(channels)
    # float32-exact, so that the copy the host reads over the wire (f32) equals the device's own
    gains = (NOMINAL_GAIN * (1.0 + 0.02 * np.sin(1.7 * i + 0.4))).astype(np.float32).astype(np.float64)
    offsets = np.round(12000.0 * np.sin(2.3 * i + 1.1))
    return Calibration(tuple(float(g) for g in gains), tuple(float(o) for o in offsets))


def cell_weights(x: np.ndarray, y: np.ndarray,
                 positions: Sequence[tuple[float, float]] = CELL_POSITIONS) -> np.ndarray:
    """Share of the plate force carried by each of four corner cells, ``(n, 4)``, for a centre of
    pressure at ``(x, y)``: bilinear, so the shares sum to 1 and their force-weighted mean position is
    exactly ``(x, y)`` (inside the rectangle of the cells)."""
    pos = np.asarray(positions, dtype=np.float64)
    a = float(np.max(np.abs(pos[:, 0])))
    b = float(np.max(np.abs(pos[:, 1])))
    sx = np.sign(pos[:, 0])
    sy = np.sign(pos[:, 1])
    corners = {(float(a_), float(b_)) for a_, b_ in zip(sx, sy, strict=True)}
    if (pos.shape != (4, 2) or len(corners) != 4 or not np.allclose(np.abs(pos[:, 0]), a)
            or not np.allclose(np.abs(pos[:, 1]), b)):
        raise ValueError("cell positions must be the four corners of a rectangle centred on the plate")
    x = np.asarray(x, dtype=np.float64)[:, None]
    y = np.asarray(y, dtype=np.float64)[:, None]
    return 0.25 * (1.0 + x * sx / a) * (1.0 + y * sy / b)


@dataclass(frozen=True)
class Script:
    """A scripted session: step on, stand, the trials with pauses, step off, wait; optionally repeated.

    ``trials`` items are a test name (cmj, sj, dj, imtp) or ``(name, params)`` with the keyword
    parameters of :func:`forcelab.simulation.synthetic.append_trial`'s generators (e.g. ``("cmj", {"jump_height": .3})``).
    """

    trials: tuple[str | tuple[str, Mapping[str, float]], ...] = ("cmj", "cmj", "cmj")
    empty_before: float = 1.0
    step_on: float = 0.8
    stand: float = 2.0
    pause: float = 3.0
    step_off: float = 0.8
    empty_after: float = 2.0
    repeat: bool = False

    def __post_init__(self) -> None:
        for name in ("empty_before", "step_on", "stand", "pause", "step_off", "empty_after"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"script {name} must be a positive number of seconds, got {v!r}")
        for item in self.trials:
            name = item if isinstance(item, str) else item[0]
            if TESTS.get(name.lower().replace("-", "_")) is None:
                raise ValueError(f"script: unknown test {name!r}; choose one of cmj, sj, dj, imtp, rebound")


@dataclass
class TrialRecord:
    """A trial the motion performed: its test and its truth (times on the motion clock)."""

    test: str
    truth: dict[str, float]


@dataclass
class SimMotion:
    """The athlete on the plates and the plates' load cells (see module docstring).

    ``noise`` is the standard deviation in newtons of the TOTAL force (spread evenly over the cells);
    ``sway`` the amplitude in metres of the athlete's centre-of-pressure sway (:meth:`sway_at`).
    """

    channels: int = 8
    body_mass: float = 75.0
    asymmetry: float = 0.0
    noise: float = 0.0
    sway: float = 0.01
    variation: float = 0.0
    asymmetry_sd: float = 0.0
    seed: int | None = None
    calibration: Calibration | None = None
    cell_positions: tuple[tuple[float, float], ...] = CELL_POSITIONS
    g: float = G
    trials: list[TrialRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.channels not in LAYOUTS:
            raise ValueError(f"the simulator supports {sorted(LAYOUTS)} channels, got {self.channels}")
        if not (math.isfinite(self.body_mass) and self.body_mass > 0):
            raise ValueError(f"body mass must be a positive number of kilograms, got {self.body_mass!r}")
        if not -1.0 <= self.asymmetry <= 1.0:
            raise ValueError(f"asymmetry must be a fraction between -1 and 1, got {self.asymmetry!r}")
        if not (math.isfinite(self.noise) and self.noise >= 0):
            raise ValueError(f"noise must be zero or a positive number of newtons, got {self.noise!r}")
        if not (math.isfinite(self.variation) and 0 <= self.variation < 0.5):
            raise ValueError(f"variation must be a coefficient of variation in [0, 0.5), got {self.variation!r}")
        if not (math.isfinite(self.asymmetry_sd) and 0 <= self.asymmetry_sd < 0.5):
            raise ValueError(f"asymmetry_sd must be a fraction in [0, 0.5), got {self.asymmetry_sd!r}")
        if self.calibration is None:
            self.calibration = default_calibration(self.channels)
        cell_weights(np.zeros(1), np.zeros(1), self.cell_positions)  # checks the layout
        if self.calibration.channels != self.channels:
            raise ValueError(f"calibration has {self.calibration.channels} channels, the device {self.channels}")
        self._rng = np.random.default_rng(self.seed)
        self._tl = Timeline(initial=0.0)
        self._asym = Timeline(initial=self.asymmetry)  # left/right split fraction over time
        self._lock = threading.Lock()
        self._script: Script | None = None
        self._gains = np.asarray(self.calibration.gains)
        self._offsets = np.asarray(self.calibration.offsets)
        self.saturated = 0

    # ------------------------------------------------------------------ the athlete

    @property
    def weight(self) -> float:
        """Body weight in newtons."""
        return self.body_mass * self.g

    def _ensure_from(self, now: float) -> None:
        if self._tl.end < now:
            self._tl.hold(now - self._tl.end)

    def _ensure_standing(self, script: Script) -> None:
        if self._tl.level < 0.5 * self.weight:
            self._tl.hold(script.empty_before)
            self._tl.ramp(script.step_on, self.weight)
            self._tl.hold(script.stand)

    def run_script(self, script: Script, *, now: float) -> list[TrialRecord]:
        """Append one pass of ``script`` starting no earlier than ``now``; if ``script.repeat`` the
        motion appends further passes by itself as time goes on (:meth:`extend`)."""
        with self._lock:
            self._script = script if script.repeat else None
            return self._append_script(script, now)

    def _append_trial(self, test: str, params: Mapping[str, float]) -> TrialRecord:
        """Append a trial at the end of the schedule; an ``asymmetry`` parameter shifts the left/right
        split (fraction, see :func:`forcelab.simulation.synthetic.split_plates`) in the 0.3 s before it and keeps it."""
        p = dict(params)
        asym = p.pop("asymmetry", None)
        self._vary(test, p)
        if asym is None and self.asymmetry_sd > 0:  # this trial's own split around the athlete's usual one
            asym = float(np.clip(self.asymmetry + self.asymmetry_sd * self._rng.standard_normal(), -0.9, 0.9))
        if asym is not None:
            asym = float(asym)
            if not (math.isfinite(asym) and -1.0 <= asym <= 1.0):
                raise ValueError(f"asymmetry must be a fraction between -1 and 1, got {asym!r}")
        key, truth = append_trial(self._tl, test, body_mass=self.body_mass, g=self.g, params=p)
        if asym is not None and asym != self._asym.level:
            # a drop steps off the box first (a landing's truth has no onset): the split shifts before that
            start = truth["step_off_time"] if "step_off_time" in truth else truth["onset_time"]
            if self._asym.end < start - 0.3:
                self._asym.hold(start - 0.3 - self._asym.end)
            self._asym.ramp(max(1e-3, start - self._asym.end), asym)
        truth.update(asymmetry_truth(self._asym.level))
        rec = TrialRecord(key, truth)
        self.trials.append(rec)
        return rec

    def _vary(self, test: str, params: dict[str, float]) -> None:
        """Trial-to-trial variation: a trial whose intensity was not given gets the test's default jump
        height (or peak pull force) scaled by ``1 + variation * N(0, 1)``; the truth records the value used."""
        if self.variation <= 0:
            return
        key = TESTS.get(test.lower().replace("-", "_"))
        name = INTENSITY.get(key or "")
        if name is None or name in params:
            return
        params[name] = float(trial_defaults(key or "")[name] * max(0.5, 1.0 + self.variation * self._rng.standard_normal()))

    def _append_script(self, script: Script, now: float) -> list[TrialRecord]:
        self._ensure_from(now)
        self._ensure_standing(script)
        out: list[TrialRecord] = []
        for item in script.trials:
            name, params = (item, {}) if isinstance(item, str) else (item[0], item[1])
            out.append(self._append_trial(name, params))
            self._tl.hold(script.pause)
        self._tl.ramp(script.step_off, 0.0)
        self._tl.hold(script.empty_after)
        return out

    def trigger(self, test: str, *, now: float, lead: float = 0.3, pause: float = 2.0,
                **params: float) -> TrialRecord:
        """Queue one trial after whatever is scheduled (at the earliest ``lead`` s after ``now``); the
        athlete steps on first if off the plate. Returns its truth (motion-clock times)."""
        with self._lock:
            self._ensure_from(now + lead)
            self._ensure_standing(self._script or Script())
            rec = self._append_trial(test, params)
            self._tl.hold(pause)
            return rec

    def stand(self, *, now: float, step_on: float = 0.8) -> None:
        """Step on the plate at ``now`` (if off) and keep standing; ``step_on=0``: be standing at once."""
        with self._lock:
            self._ensure_from(now)
            if self._tl.level < 0.5 * self.weight:
                if step_on > 0:
                    self._tl.ramp(step_on, self.weight)
                else:
                    self._tl.hold(1e-6, self.weight)

    def extend(self, now: float, *, lookahead: float = 2.0) -> None:
        """Keep a repeating script going: append a pass when less than ``lookahead`` s is scheduled."""
        with self._lock:
            if self._script is not None and self._tl.end < now + lookahead:
                self._append_script(self._script, max(now, self._tl.end))
            self._tl.drop_before(now - 60.0)
            self._asym.drop_before(now - 60.0)

    @property
    def scheduled_until(self) -> float:
        """Motion time where the scheduled movement ends (after it the force stays constant)."""
        return self._tl.end

    # ------------------------------------------------------------------ the plates

    def total_force(self, t: np.ndarray) -> np.ndarray:
        """Noise-free total vertical force (N) at motion times ``t`` (ascending)."""
        with self._lock:
            return self._tl.evaluate(np.asarray(t, dtype=np.float64))

    def cell_forces(self, t: np.ndarray) -> np.ndarray:
        """Noise-free force per channel ``(n, channels)`` in newtons at motion times ``t``."""
        t = np.asarray(t, dtype=np.float64)
        total = self.total_force(t)
        if self.channels == 1:
            return total[:, None]
        with self._lock:
            asym = self._asym.evaluate(t)
        left = total * (0.5 + asym / 2.0)
        right = total - left
        if self.channels == 2:
            return np.stack([left, right], axis=1)
        plates = [total] if self.channels == 4 else [left, right]
        x, y = self.sway_at(t)  # the athlete sways as one body: both feet's CoP follow the same figure
        weights = cell_weights(x, y, self.cell_positions)
        return np.concatenate([force[:, None] * weights for force in plates], axis=1)

    def sway_at(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The body's centre-of-pressure sway (x ML, y AP, metres) at motion times ``t``: a Lissajous figure of
        amplitude ``sway`` at 0.31 Hz (ML) and 0.19 Hz (AP). Each plate's CoP is this about the plate's centre, so
        the combined CoP of the plates is this figure about their force-weighted centre (the midpoint between the
        plates when the weight is split evenly). Plates that swayed out of phase would cancel each other's ML
        sway in the combined CoP."""
        t = np.asarray(t, dtype=np.float64)
        return (self.sway * np.sin(2 * math.pi * SWAY_HZ[0] * t),
                self.sway * np.sin(2 * math.pi * SWAY_HZ[1] * t + 0.7))

    def counts(self, t: np.ndarray) -> np.ndarray:
        """Raw ADC counts ``(n, channels)`` int32 at motion times ``t``: true calibration, noise,
        rounding, clipping to 24 bits (clipped samples are counted in :attr:`saturated`)."""
        f = self.cell_forces(t)
        if self.noise > 0:
            f = f + self._rng.normal(0.0, self.noise / math.sqrt(self.channels), f.shape)
        raw = np.rint(self._offsets + f / self._gains)
        bad = (raw < COUNT_MIN) | (raw > COUNT_MAX)
        if bad.any():
            self.saturated += int(bad.any(axis=1).sum())
            raw = np.clip(raw, COUNT_MIN, COUNT_MAX)
        return raw.astype(np.int32)
