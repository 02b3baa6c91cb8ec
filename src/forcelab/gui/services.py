"""Adapters between the window and the rest of forcelab: device profiles, connecting (always through
:func:`forcelab.acquisition.connect.open_device`), live trial detection per test, analysis, archive.

Failures the tester can act on raise :class:`ServiceError` with a sentence the window can show.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from forcelab.acquisition.calibration import Calibration
from forcelab.acquisition.connect import open_device
from forcelab.acquisition.engine import AcquisitionEngine
from forcelab.analysis import catalog, dispatch
from forcelab.analysis.segmentation import OnlineTrialDetector
from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.devices.plates import PlateLayout, PlateMap
from forcelab.devices.profiles import ProfileError, available_profiles, load_profile
from forcelab.devices.serial_transport import TransportError, list_serial_ports
from forcelab.gui.feed import ColumnMap, LiveFeed
from forcelab.simulation.motion import CELL_POSITIONS
from forcelab.simulation.simulator import SimulatedPlates

log = logging.getLogger(__name__)


class ServiceError(RuntimeError):
    """Something the user asked for cannot be done; the message says what and why."""


# ---------------------------------------------------------------------------------------- devices
#: The cells of a built-in plate, in channel order front-left, front-right, rear-left, rear-right (metres), the
#: layout of hardware/profiles/forcelab-dual-plate.json and of the simulated plates. (An earlier order ended
#: rear-right, rear-left: the simulator's rear cells swapped, which folded its ML sway into almost nothing.)
CELLS = CELL_POSITIONS


@dataclass(frozen=True)
class Profile:
    """A device profile as the app needs it: channel count and plate map; ``file`` names a profile of
    :mod:`forcelab.devices.profiles` (connected through :func:`forcelab.acquisition.connect.open_device`,
    so text and Chronojump devices work too), empty for the built-in ones."""

    name: str
    plate_map: PlateMap
    protocol: str = "binary"
    file: str = ""
    rates: tuple[float, ...] = ()


def builtin_profiles() -> dict[str, Profile]:
    """Profiles known without any profile file: the forcelab dual plate and a single load cell."""
    # the two plates side by side as in hardware/profiles/forcelab-dual-plate.json (origin_mm -205 / +205)
    dual = PlateMap(8, (PlateLayout("left", (0, 1, 2, 3), CELLS, (-0.205, 0.0)),
                        PlateLayout("right", (4, 5, 6, 7), CELLS, (0.205, 0.0))))
    return {
        "forcelab dual plate (8 cells)": Profile("forcelab dual plate (8 cells)", dual),
        "forcelab single plate (4 cells)": Profile(
            "forcelab single plate (4 cells)", PlateMap(4, (PlateLayout("plate", (0, 1, 2, 3), CELLS),))
        ),
        "load cell (1 channel)": Profile("load cell (1 channel)", PlateMap.single(1)),
    }


def profiles() -> dict[str, Profile]:
    """Every profile the app can offer: the device profile files first, then the built-in ones."""
    out: dict[str, Profile] = {}
    for name in available_profiles():
        try:
            prof = load_profile(name)
            plate_map = PlateMap.from_profile(prof)
        except (ProfileError, ValueError, KeyError) as exc:
            log.warning("device profile %s not offered: %s", name, exc)
            continue
        label = f"{name} ({prof.protocol}, {prof.channels} ch)"
        out[label] = Profile(label, plate_map, prof.protocol, file=name, rates=tuple(prof.rates_hz))
    out.update(builtin_profiles())
    return out


def list_ports() -> list[tuple[str, str]]:
    """Serial ports as ``(device, "name · description · serial")``."""
    out = []
    for p in list_serial_ports():
        parts = [p.device, p.description]
        if p.serial_number:
            parts.append(f"S/N {p.serial_number}")
        out.append((p.device, " · ".join(x for x in parts if x)))
    return out


class SwitchableDetector:
    """The engine's online trial detector, set up for the test the tester picks.

    The engine builds its detector once per connection; the test can change at any time. This wrapper
    keeps the stream's sample numbering (segments are shifted by the samples fed before the current
    inner detector was made), and :meth:`set_test` (any thread) makes the next ``feed`` start a fresh
    detector of the new kind and thresholds, so a half-seen jump is never judged as a pull.
    """

    def __init__(self, rate: float, test: str = "cmj", **overrides: float) -> None:
        self.rate = rate
        self._test: tuple[str, dict[str, float]] = (test, dict(overrides))
        self._wanted = self._test
        self._inner = self._make(*self._test)
        self._offset = 0
        self._fed = 0

    def _make(self, test: str, overrides: dict[str, float]) -> OnlineTrialDetector:
        kind, thresholds = detector_setup(test, **overrides)
        return OnlineTrialDetector(self.rate, kind=kind, **thresholds)

    @property
    def test(self) -> str:
        """The test whose trials are looked for."""
        return self._wanted[0]

    def set_test(self, test: str, **overrides: float) -> None:
        """Look for trials of ``test`` from the next block on, with ``overrides`` of its thresholds that the tester
        sets (a balance trial's ``duration``); a change of either starts a fresh detector."""
        detector_setup(test, **overrides)  # unknown tests and thresholds fail here, on the caller's thread
        self._wanted = (test, dict(overrides))

    @property
    def state(self) -> str:
        """What the detector sees now (for the status strip)."""
        return str(self._inner.state)

    def feed(self, total: Any) -> list[Any]:
        """Blocks of total force in; finished trials (stream numbering) out."""
        if self._wanted != self._test:
            self._test = self._wanted
            self._inner = self._make(*self._test)
            self._offset = self._fed
        self._fed += len(total)
        segs = self._inner.feed(total)
        if not self._offset:
            return list(segs)
        off = self._offset
        return [replace(seg, start=seg.start + off, end=seg.end + off,
                        events=tuple((k, i + off) for k, i in seg.events)) for seg in segs]


#: How the app sets up online detection per test (the catalogue's ``live`` detection, forcelab.analysis.catalog):
#: the trial kind, and thresholds changed from the segmentation defaults. A trial closes ``post`` s after its
#: landing (or release) has settled; the default 1 s put the card on screen ~1.9 s after landing, 0.2 s brings
#: it to ~1.05 s and still leaves the CMJ/SJ analysis its landing window (only time_to_stabilisation then says
#: "not found"). The drop jump weighs the athlete on the stance AFTER the landing, so it keeps the default.
#: The tests the app offers are the keys, in the test panel's order.
LIVE_DETECTION: dict[str, tuple[str, dict[str, float]]] = {
    k: e.live.setup() for k, e in catalog.CATALOG.items() if e.live is not None}


def detector_setup(test: str, **overrides: float) -> tuple[str, dict[str, float]]:
    """``(kind, thresholds)`` of the online detector for ``test``, with ``overrides`` of thresholds the tester
    sets (only those the test's detection has: a balance trial's ``duration``, s)."""
    try:
        kind, thresholds = LIVE_DETECTION[test]
    except KeyError:
        raise ValueError(f"unknown test {test!r}; choose one of {', '.join(LIVE_DETECTION)}") from None
    unknown = sorted(set(overrides) - set(thresholds))
    if unknown:
        raise ValueError(f"{', '.join(unknown)} cannot be set for the live detection of {test}; it has "
                         f"{', '.join(thresholds) or 'no settings'}")
    for name, value in overrides.items():
        if not (isinstance(value, int | float) and value > 0 and value < float("inf")):
            raise ValueError(f"{name} of the live detection of {test} must be a positive number, got {value!r}")
    return kind, {**thresholds, **overrides}


class DetectorHub:
    """Makes the engine's detectors (one per connection) and tells the newest which test to look for."""

    def __init__(self, test: str = "cmj") -> None:
        self.test = test
        self.overrides: dict[str, float] = {}
        self.detectors: list[SwitchableDetector] = []

    def factory(self, rate: float) -> SwitchableDetector:
        """What the engine calls at start and after each reconnect."""
        det = SwitchableDetector(rate, self.test, **self.overrides)
        self.detectors.append(det)
        del self.detectors[:-1]
        return det

    def set_test(self, test: str, **overrides: float) -> None:
        """Detect ``test`` trials from the next block on (``overrides``: see :meth:`SwitchableDetector.set_test`)."""
        self.test = test
        self.overrides = dict(overrides)
        for det in self.detectors:
            det.set_test(test, **overrides)


class DeviceLink:
    """A running acquisition engine (and the simulator behind it, if any) as the window sees it."""

    def __init__(self, engine: AcquisitionEngine, description: str, hub: DetectorHub,
                 simulator: SimulatedPlates | None = None, port: str = "") -> None:
        self.engine = engine
        self.description = description
        #: the port path the engine reads (the simulator's pty for simulated plates)
        self.port = port
        self.simulator = simulator
        plates = [p.name for p in engine.plate_map.plates]
        total = engine.column("total")
        if "left" in plates and "right" in plates:
            columns = ColumnMap(total, engine.column("left"), engine.column("right"))
        else:
            columns = ColumnMap(total)
        self.feed = LiveFeed(engine.ring, engine.rate, columns)
        self.hub = hub

    def set_test(self, test: str, **overrides: float) -> None:
        """Look for trials of ``test`` (cmj, sj, dj, imtp, free ...) from now on, with the tester's ``overrides``
        of its detection thresholds (a balance trial's ``duration``)."""
        self.hub.set_test(test, **overrides)

    @property
    def rate(self) -> float:
        """Nominal sample rate (Hz)."""
        return self.engine.rate

    def tare(self) -> Calibration:
        """Zero the plates on the last second."""
        return self.engine.tare(1.0)

    def stop(self) -> None:
        """Stop the engine (the device is told to stop streaming), then the simulator."""
        self.engine.stop()
        if self.simulator is not None:
            self.simulator.stop()


def _open(port: str, profile: Profile, rate: float, hub: DetectorHub) -> AcquisitionEngine:
    """Open ``port`` with :func:`~forcelab.acquisition.connect.open_device` (the protocol's start-up
    conversation, repeated after every reconnect; the stop-on-close hook; the device's identity and
    calibration: the user's stored one for its serial number, the device's own, the profile's, identity)
    and start streaming. A binary device reports its own rate; text and Chronojump devices run at ``rate``."""
    try:
        engine = open_device(port, protocol=profile.protocol, profile=profile.file or None,
                             plate_map=None if profile.file else profile.plate_map,
                             rate=None if profile.protocol == "binary" else (rate or None),
                             detector_factory=hub.factory, silent_after=1.0)
    except (TransportError, ValueError) as exc:
        raise ServiceError(str(exc)) from exc
    engine.status_interval = 0.25
    try:
        engine.start()
    except TransportError as exc:
        engine.stop()
        raise ServiceError(str(exc)) from exc
    return engine


def connect(port: str, profile: Profile, rate: float) -> DeviceLink:
    """Open ``port`` with ``profile`` (at ``rate`` Hz for devices that do not say theirs) and start acquiring."""
    if not port:
        raise ServiceError("choose a serial port first (or start the simulated plates)")
    hub = DetectorHub()
    engine = _open(port, profile, rate, hub)
    return DeviceLink(engine, engine.device_info.get("model") or port, hub, port=port)


#: The simulated athlete unless told otherwise: left side stronger ((L - R) / (L + R) = 0.04, about 7.7 % by
#: the max-side index), the split varying by 0.015 (SD) trial to trial, effort (jump height, pull force) with a
#: 4 % coefficient of variation: what a real squad looks like, so the L/R curves and asymmetry show something.
SIMULATED_ATHLETE: dict[str, float] = {"asymmetry": 0.04, "asymmetry_sd": 0.015, "variation": 0.04}


def start_simulated(profile: Profile, rate: float, **options: Any) -> DeviceLink:
    """Start simulated plates on a pty and connect to them like to any device (the demo path)."""
    if profile.protocol != "binary":  # the simulated plates speak forcelab's binary protocol here
        profile = builtin_profiles()["forcelab dual plate (8 cells)"]
    options.setdefault("noise", 2.0)
    for name, value in SIMULATED_ATHLETE.items():
        options.setdefault(name, value)
    try:
        sim = SimulatedPlates(channels=profile.plate_map.channels, rate=rate, **options)
    except ValueError as exc:
        raise ServiceError(f"simulated plates: {exc}") from exc
    sim.start()
    hub = DetectorHub()
    try:
        engine = _open(sim.port, profile, rate, hub)
    except BaseException:
        sim.stop()
        raise
    return DeviceLink(engine, f"simulated plates on {sim.port}", hub, simulator=sim, port=str(sim.port))


# ---------------------------------------------------------------------------------------- analysis
def analyze(trace: ForceTrace, test: str, **params: Any) -> TrialResult:
    """Analyse one trial (``free`` recordings are kept, not analysed)."""
    if test not in dispatch.TESTS:
        raise ServiceError(f"{test!r} recordings are kept but not analysed")
    return dispatch.analyze(trace, test, **params)


def analyze_trial(trace: ForceTrace, test: str, *, session_body_weight: float | None = None,
                  session_sd: float | None = None, **params: Any) -> TrialResult:
    """Analyse one live trial, using the session weighing (the Weigh step: body weight and SD, N) for a test that
    takes a known body weight (the catalogue's ``weighed``: jumps, single-leg jumps, the drop landing) whose own
    weighing is unsteady or impossible, by the analysis' one rule
    (:func:`forcelab.analysis.dispatch.analyze_with_session_weight`); the result then carries the flags
    ``unsteady_weighing`` and ``body_weight_given``, shown in words on the card. Without a session weighing
    this is :func:`analyze`."""
    if session_body_weight is None or test not in dispatch.WEIGHED_TESTS:
        return analyze(trace, test, **params)
    return dispatch.analyze_with_session_weight(trace, test, session_body_weight=session_body_weight,
                                                session_sd=session_sd, **params)


def _family(test: str) -> str | None:
    """The catalogue family of ``test`` (jump, drop, hops, pull, stance; ``None`` for a free recording or an
    unknown test): a suggestion tells families apart, never tests within one (a single-leg jump is a jump, a
    drop landing starts in the air as a drop jump does, every isometric definition is a pull)."""
    e = catalog.CATALOG.get(test)
    return None if e is None else e.family


def suggest_test(trace: ForceTrace, chosen: str) -> tuple[str, str] | None:
    """``(test, reason)`` when the trial looks like another kind of test than ``chosen`` (a hop series recorded as
    a CMJ, a drop jump recorded as a repeated-hop test ...), told by
    :func:`forcelab.analysis.detect.detect_test_type`; ``None`` when it agrees or cannot be told. A suggestion,
    never applied by itself: the tester confirms it (the card's button). CMJ against squat jump is not
    suggested (both are a single jump from standing; the squat jump's own analysis flags a countermovement)."""
    from forcelab.analysis.detect import detect_test_type

    try:
        detected, why = detect_test_type(trace)
    except ValueError:
        return None
    if detected not in dispatch.TESTS or _family(detected) == _family(chosen):
        return None
    return detected, why


def editable_events(test: str) -> tuple[str, ...]:
    """Events of ``test`` that the analysis lets a tester place by hand (none for a free recording)."""
    return dispatch.editable_events(test) if test in dispatch.TESTS else ()


def recompute(trace: ForceTrace, result: TrialResult, events: dict[str, int]) -> TrialResult:
    """Analyse ``trace`` again as ``result`` was (same test and settings: a drop jump keeps its
    ``drop_height``, a pull its windows), with ``events`` placed by the tester; the analysis'
    :class:`ValueError` (naming the event and what is allowed) for a bad placement."""
    return dispatch.reanalyze(trace, result, events)


# ---------------------------------------------------------------------------------------- archive
@dataclass
class Archive:
    """The archive folder, its roster and today's sessions."""

    path: Path
    index: Any = field(default=None)

    @classmethod
    def open(cls, path: str | Path | None = None) -> Archive:
        """Open (creating) the archive at ``path``, ``$FORCELAB_ARCHIVE`` or the user data folder."""
        from forcelab.storage.archive import archive_dir
        from forcelab.storage.index import ArchiveIndex

        folder = archive_dir(path)
        return cls(folder, ArchiveIndex(folder))

    def close(self) -> None:
        """Close the index database."""
        if self.index is not None:
            self.index.close()

    def new_session_path(self, athlete: str, tests: list[str], started: datetime) -> Path:
        """A fresh file for a session, in this station's spool (:mod:`forcelab.storage.spool`): a session is
        recorded on the station's own disk and published to the archive when it closes
        (:meth:`publish_waiting`)."""
        from forcelab.storage.spool import new_spooled_path

        return new_spooled_path(self.path, athlete, tests, started)

    def waiting(self) -> list[Path]:
        """Closed sessions of this station not yet in the archive (the shared folder or index was unreachable)."""
        from forcelab.storage.spool import waiting

        return waiting(self.path)

    def publish_waiting(self) -> tuple[Any, dict[Path, tuple[Path, int | None]]]:
        """Publish every closed session waiting in this station's spool (any thread: it opens an index of its
        own). Returns the :class:`~forcelab.storage.publish.PublishReport` and, per published spool file, its
        path in the archive and index version. An unreachable index is reported, not raised."""
        from forcelab.storage.index import ArchiveIndex
        from forcelab.storage.publish import PublishReport, publish_pending
        from forcelab.storage.spool import spool_dir

        moved: dict[Path, tuple[Path, int | None]] = {}
        try:
            with ArchiveIndex(self.path, self.index.url if self.index is not None else None) as index:
                report = publish_pending(self.path, index=index)
                for target in report.published:
                    moved[spool_dir(self.path) / target.relative_to(self.path)] = (target, index.session_version(target))
        except OSError as exc:  # the index is down (IndexUnavailable) before anything was published
            return PublishReport(waiting=tuple(self.waiting()), errors=(str(exc),)), moved
        return report, moved

    def sessions_of_day(self, day: date | None = None) -> list[Path]:
        """Session files started on ``day`` (default today), oldest first: the archive's and those still
        waiting in this station's spool."""
        from forcelab.storage.archive import session_files

        day = day or date.today()
        stamp = f"{day:%Y-%m-%d}_"
        files = [*session_files(self.path), *self.waiting()]
        return sorted((p for p in files if p.name.startswith(stamp)), key=lambda p: p.name)

    def latest_trial(self) -> tuple[str, Any, TrialResult] | None:
        """``(title, trace, result)`` of the newest analysed trial in the archive (its stored samples analysed
        again by the real analysis), or None for an empty archive: what the review shows before today's first
        trial. Unreadable files are logged and skipped."""
        from forcelab.storage.archive import session_files
        from forcelab.storage.session import open_session

        for path in reversed(session_files(self.path)):
            try:
                session = open_session(path)
                trials = [t for t in session.trials if t.test in dispatch.TESTS and t.complete]
                if not trials:
                    continue
                trial = trials[-1]
                trace = trial.trace(session.device.get("plate_geometry"))  # with the CoP a balance trial needs
                result = analyze(trace, trial.test)
            except (OSError, ValueError, KeyError, ServiceError) as exc:
                log.warning("review: cannot show the latest trial of %s: %s", path, exc)
                continue
            when = f"{session.started:%Y-%m-%d}" if session.started else path.stem
            return f"{session.athlete} · {when} · trial {trial.number} · {trial.test} (archive)", trace, result
        return None

    def refresh_index(self) -> str | None:
        """Publish what waits in this station's spool, bring the index up to date with the files (after a
        session was written); returns a message for the tester when sessions still wait (else ``None``)."""
        from forcelab.storage.publish import publish_pending

        waiting = publish_pending(self.path, index=self.index)
        report = self.index.sync()
        for err in report.errors:
            log.warning("archive index: %s", err)
        message = waiting.message()
        if message:
            log.warning("archive: %s", message)
        return message
