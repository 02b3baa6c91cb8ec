"""Adapters between the window and the rest of forcelab: devices, analysis, archive.

Everything the GUI needs from other packages goes through this one module, so a change in their API costs
one file. Modules that are optional at run time (the simulator, online trial detection, the analysis
dispatcher) are imported when first needed; when one is missing the call raises :class:`ServiceError`
with a sentence the window can show, never a traceback.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from forcelab.acquisition.calibration import Calibration as AcqCalibration
from forcelab.acquisition.engine import AcquisitionEngine
from forcelab.acquisition.plates import PlateLayout, PlateMap
from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.gui.feed import ColumnMap, LiveFeed

log = logging.getLogger(__name__)


class ServiceError(RuntimeError):
    """Something the user asked for cannot be done; the message says what and why."""


# ---------------------------------------------------------------------------------------- devices
CELLS = ((-0.2, 0.3), (0.2, 0.3), (0.2, -0.3), (-0.2, -0.3))


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
    dual = PlateMap(8, (PlateLayout("left", (0, 1, 2, 3), CELLS), PlateLayout("right", (4, 5, 6, 7), CELLS)))
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
    try:
        from forcelab.devices.profiles import ProfileError, available_profiles, load_profile
    except ModuleNotFoundError as exc:
        if exc.name != "forcelab.devices.profiles":
            raise
        return builtin_profiles()
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
    from forcelab.devices.serial_transport import list_serial_ports

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

    def __init__(self, rate: float, test: str = "cmj") -> None:
        self._module = importlib.import_module("forcelab.analysis.segmentation")
        self.rate = rate
        self._test = test
        self._wanted = test
        self._inner = self._make(test)
        self._offset = 0
        self._fed = 0

    def _make(self, test: str) -> Any:
        kind, thresholds = detector_setup(test)
        return self._module.OnlineTrialDetector(self.rate, kind=kind, **thresholds)

    @property
    def test(self) -> str:
        """The test whose trials are looked for."""
        return self._wanted

    def set_test(self, test: str) -> None:
        """Look for trials of ``test`` from the next block on."""
        detector_setup(test)  # unknown tests fail here, on the caller's thread
        self._wanted = test

    @property
    def state(self) -> str:
        """What the detector sees now (for the status strip)."""
        return str(self._inner.state)

    def feed(self, total: Any) -> list[Any]:
        """Blocks of total force in; finished trials (stream numbering) out."""
        if self._wanted != self._test:
            self._test = self._wanted
            self._inner = self._make(self._test)
            self._offset = self._fed
        self._fed += len(total)
        segs = self._inner.feed(total)
        if not self._offset:
            return list(segs)
        off = self._offset
        return [replace(seg, start=seg.start + off, end=seg.end + off,
                        events=tuple((k, i + off) for k, i in seg.events)) for seg in segs]


#: How the app sets up online detection per test: the trial kind, and thresholds changed from the
#: segmentation defaults. A trial closes ``post`` s after its landing (or release) has settled; the default
#: 1 s put the card on screen ~1.9 s after landing, 0.2 s brings it to ~1.05 s and still leaves the CMJ/SJ
#: analysis its landing window (only time_to_stabilisation then says "not found"). The drop jump weighs
#: the athlete on the stance AFTER the landing, so it keeps the default.
LIVE_DETECTION: dict[str, tuple[str, dict[str, float]]] = {
    "cmj": ("jump", {"post": 0.2}),
    "sj": ("jump", {"post": 0.2}),
    "dj": ("jump", {}),
    "imtp": ("pull", {"post": 0.2}),
    "free": ("jump", {}),
}


def detector_setup(test: str) -> tuple[str, dict[str, float]]:
    """``(kind, thresholds)`` of the online detector for ``test``."""
    try:
        kind, thresholds = LIVE_DETECTION[test]
    except KeyError:
        raise ValueError(f"unknown test {test!r}; choose one of {', '.join(LIVE_DETECTION)}") from None
    return kind, dict(thresholds)


class DetectorHub:
    """Makes the engine's detectors (one per connection) and tells the newest which test to look for."""

    def __init__(self, test: str = "cmj") -> None:
        self.test = test
        self.detectors: list[SwitchableDetector] = []

    def factory(self, rate: float) -> SwitchableDetector:
        """What the engine calls at start and after each reconnect."""
        det = SwitchableDetector(rate, self.test)
        self.detectors.append(det)
        del self.detectors[:-1]
        return det

    def set_test(self, test: str) -> None:
        """Detect ``test`` trials from the next block on."""
        self.test = test
        for det in self.detectors:
            det.set_test(test)


def detection_available() -> bool:
    """True when this build can find trials online (forcelab.analysis.segmentation)."""
    try:
        importlib.import_module("forcelab.analysis.segmentation")
    except ModuleNotFoundError as exc:
        if exc.name != "forcelab.analysis.segmentation":
            raise
        log.warning("forcelab.analysis.segmentation is missing: trials will not be detected automatically")
        return False
    return True


class DeviceLink:
    """A running acquisition engine (and the simulator behind it, if any) as the window sees it."""

    def __init__(self, engine: AcquisitionEngine, description: str, simulator: Any = None,
                 hub: DetectorHub | None = None, port: str = "") -> None:
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
        self.detects_trials = hub is not None

    def set_test(self, test: str) -> None:
        """Look for trials of ``test`` (cmj, sj, dj, imtp, free) from now on."""
        if self.hub is not None:
            self.hub.set_test(test)

    @property
    def rate(self) -> float:
        """Nominal sample rate (Hz)."""
        return self.engine.rate

    @property
    def plates(self) -> int:
        """1 (total only) or 2 (left and right)."""
        return 2 if self.feed.columns.has_plates else 1

    def tare(self) -> AcqCalibration:
        """Zero the plates on the last second."""
        return self.engine.tare(1.0)

    def stop(self) -> None:
        """Stop the engine, then the simulator."""
        self.engine.stop()
        if self.simulator is not None:
            self.simulator.stop()


def _engine(port: str, profile: Profile, rate: float, hub: DetectorHub | None) -> AcquisitionEngine:
    """Open ``port`` with the binary protocol's start-up conversation (IDENTIFY, READ_CALIBRATION, START,
    repeated after every reconnect) and start an engine with the profile's plate map.

    Calibration, first found wins: the user's stored calibration for the device's serial number, the
    calibration stored on the device, identity.
    """
    from forcelab.acquisition.calibration import CalibrationError, CalibrationStore
    from forcelab.acquisition.connect import BinaryHandshake
    from forcelab.devices.binary_decoder import BinaryDecoder
    from forcelab.devices.serial_transport import SerialTransport, TransportError

    nch = profile.plate_map.channels
    hs = BinaryHandshake(timeout=4.0)
    transport = SerialTransport(port, reconnect_interval=0.2, silent_after=1.0, on_connect=hs)
    try:
        transport.open()
    except TransportError as exc:
        raise ServiceError(str(exc)) from exc
    assert hs.identity is not None
    if hs.identity.channels != nch:
        transport.close()
        raise ServiceError(f"the device on {port} has {hs.identity.channels} channels; "
                           f"profile {profile.name!r} expects {nch}")
    serial = hs.identity.serial
    cal: AcqCalibration | None = None
    try:
        cal = CalibrationStore().load(serial) if serial else None
    except CalibrationError as exc:
        log.warning("%s; using the device's own calibration", exc)
    if cal is not None and cal.channels != nch:
        cal = None
    dc = hs.device_calibration
    if cal is None and dc is not None and len(dc.gains) == nch:
        try:
            cal = AcqCalibration(tuple(dc.gains), tuple(dc.offsets), device_serial=serial, source="device")
        except CalibrationError as exc:
            log.warning("ignoring the calibration stored on the device: %s", exc)
    cal = cal or AcqCalibration.identity(nch, device_serial=serial)
    engine = AcquisitionEngine(transport, BinaryDecoder(nch), rate=float(hs.identity.rate_hz or rate),
                               plate_map=profile.plate_map, calibration=cal, ring_seconds=120.0,
                               detector_factory=None if hub is None else hub.factory, status_interval=0.25)
    try:
        engine.start()  # the transport is open already; start() opening it again is a no-op
    except TransportError as exc:
        transport.close()
        raise ServiceError(str(exc)) from exc
    return engine


def _open_with_profile_file(port: str, profile: Profile, rate: float, hub: DetectorHub | None) -> AcquisitionEngine:
    """Open through acquisition.connect.open_device (binary, text or Chronojump, per the profile file)."""
    from forcelab.acquisition.connect import open_device
    from forcelab.devices.serial_transport import TransportError

    try:
        engine = open_device(port, protocol=profile.protocol, profile=profile.file, rate=rate or None,
                             detector_factory=None if hub is None else hub.factory)
        engine.status_interval = 0.25
        engine.start()
    except (TransportError, ValueError) as exc:
        raise ServiceError(str(exc)) from exc
    return engine


def connect(port: str, profile: Profile, rate: float) -> DeviceLink:
    """Open ``port`` with ``profile`` at ``rate`` Hz and start acquiring."""
    if not port:
        raise ServiceError("choose a serial port first (or start the simulated plates)")
    if profile.file:
        hub = DetectorHub() if detection_available() else None
        return DeviceLink(_open_with_profile_file(port, profile, rate, hub), port, hub=hub, port=port)
    hub = DetectorHub() if detection_available() else None
    return DeviceLink(_engine(port, profile, rate, hub), port, hub=hub, port=port)


def simulator_module() -> Any:
    """The simulated-plates module, or :class:`ServiceError` when this build has none."""
    try:
        return importlib.import_module("forcelab.simulation.simulator")
    except ModuleNotFoundError as exc:
        if exc.name != "forcelab.simulation.simulator":
            raise
        raise ServiceError("simulated plates are not available in this build (forcelab.simulation.simulator)") from exc


def start_simulated(profile: Profile, rate: float, **options: Any) -> DeviceLink:
    """Start simulated plates on a pty and connect to them (the demo path)."""
    mod = simulator_module()
    if profile.protocol != "binary":  # the simulated plates speak forcelab's binary protocol here
        profile = builtin_profiles()["forcelab dual plate (8 cells)"]
    options.setdefault("noise", 2.0)
    try:
        sim = mod.SimulatedPlates(channels=profile.plate_map.channels, rate=rate, **options)
    except ValueError as exc:
        raise ServiceError(f"simulated plates: {exc}") from exc
    sim.start()
    hub = DetectorHub() if detection_available() else None
    try:
        engine = _engine(sim.port, profile, rate, hub)
    except BaseException:
        sim.stop()
        raise
    return DeviceLink(engine, f"simulated plates on {sim.port}", simulator=sim, hub=hub, port=str(sim.port))


# ---------------------------------------------------------------------------------------- analysis
#: Per-test analysis functions, used when the dispatcher (forcelab.analysis.dispatch) is not there.
ANALYSIS_FUNCTIONS = {"cmj": ("forcelab.analysis.cmj", "analyze_cmj"), "sj": ("forcelab.analysis.sj", "analyze_sj"),
                      "dj": ("forcelab.analysis.dj", "analyze_dj"),
                      "imtp": ("forcelab.analysis.isometric", "analyze_isometric")}


def analyze(trace: ForceTrace, test: str, **params: Any) -> TrialResult:
    """Analyse one trial (``free`` recordings are kept, not analysed)."""
    if test not in ANALYSIS_FUNCTIONS:
        raise ServiceError(f"{test!r} recordings are kept but not analysed")
    try:
        dispatch = importlib.import_module("forcelab.analysis.dispatch")
    except ModuleNotFoundError as exc:
        if exc.name != "forcelab.analysis.dispatch":
            raise
        module, name = ANALYSIS_FUNCTIONS[test]
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ModuleNotFoundError, AttributeError) as exc2:
            raise ServiceError(f"analysis of {test} is not available in this build ({exc2})") from exc2
        result: TrialResult = fn(trace, **params)
        return result
    result = dispatch.analyze(trace, test, **params)
    return result


def analyze_trial(trace: ForceTrace, test: str, *, session_body_weight: float | None = None,
                  session_sd: float | None = None, **params: Any) -> TrialResult:
    """Analyse one live trial, using the session weighing (the Weigh step: body weight and SD, N) for a jump
    whose own weighing is unsteady or impossible, by the analysis' one rule
    (:func:`forcelab.analysis.dispatch.analyze_with_session_weight`); the result then carries the flags
    ``unsteady_weighing`` and ``body_weight_given``, shown in words on the card. Without a session weighing,
    or in a build whose analysis cannot take one, this is :func:`analyze`."""
    if session_body_weight is None or test not in ("cmj", "sj", "dj"):
        return analyze(trace, test, **params)
    try:
        dispatch = importlib.import_module("forcelab.analysis.dispatch")
    except ModuleNotFoundError as exc:
        if exc.name != "forcelab.analysis.dispatch":
            raise
        return analyze(trace, test, **params)
    fn = getattr(dispatch, "analyze_with_session_weight", None)
    if fn is None:
        log.warning("this build's analysis cannot use the session weighing; trials weigh themselves")
        return analyze(trace, test, **params)
    result: TrialResult = fn(trace, test, session_body_weight=session_body_weight, session_sd=session_sd, **params)
    return result


def editable_events(test: str) -> tuple[str, ...]:
    """Events of ``test`` that the analysis lets a tester place by hand (its ``EDITABLE_EVENTS``)."""
    entry = ANALYSIS_FUNCTIONS.get(test)
    if entry is None:
        return ()
    try:
        module = importlib.import_module(entry[0])
    except ModuleNotFoundError:
        return ()
    return tuple(getattr(module, "EDITABLE_EVENTS", ()))


def recompute(trace: ForceTrace, result: TrialResult, events: dict[str, int]) -> TrialResult:
    """Analyse ``trace`` again as ``result`` was (same test and settings: a drop jump keeps its
    ``drop_height``, a pull its windows), with ``events`` placed by the tester.

    Raises :class:`NotImplementedError` when this build's analysis cannot take hand-placed events, and the
    analysis' :class:`ValueError` (naming the event and what is allowed) for a bad placement.
    """
    try:
        dispatch = importlib.import_module("forcelab.analysis.dispatch")
    except ModuleNotFoundError as exc:
        raise NotImplementedError("this build's analysis cannot take edited events") from exc
    if not hasattr(dispatch, "reanalyze"):
        raise NotImplementedError("this build's analysis cannot take edited events")
    new: TrialResult = dispatch.reanalyze(trace, result, events)
    return new


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
        """A fresh file name for a session."""
        from forcelab.storage.archive import new_session_path

        return new_session_path(self.path, athlete, tests, started)

    def sessions_of_day(self, day: date | None = None) -> list[Path]:
        """Session files started on ``day`` (default today), oldest first."""
        from forcelab.storage.archive import session_files

        day = day or date.today()
        stamp = f"{day:%Y-%m-%d}_"
        return [p for p in session_files(self.path) if p.name.startswith(stamp)]

    def refresh_index(self) -> None:
        """Bring the index up to date with the files (after a session was written)."""
        report = self.index.sync()
        for err in report.errors:
            log.warning("archive index: %s", err)
