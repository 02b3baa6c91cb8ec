"""Open a device by protocol: the start-up conversation, the right decoder, a ready engine.

:func:`open_device` is what ``forcelab monitor``, ``forcelab record`` and the GUI call to go from a
port name to an :class:`~forcelab.acquisition.engine.AcquisitionEngine` (not yet started):

- ``binary`` (forcelab protocol v1): after the port opens (many boards reset on DTR and drop what
  arrives while they boot) the host sends IDENTIFY every ``retry`` seconds until the device answers,
  reads its stored calibration (READ_CALIBRATION) and sends START. This conversation is the
  transport's ``on_connect`` hook, so it runs again after every reconnect.
- ``chronojump``: ``get_version:`` until ``Force_Sensor-...`` answers, then ``start_capture:``.
- ``text``: the device streams by itself; the first lines tell the channel count and the rate.

Calibration, first found wins: the user's stored calibration for the device's serial number
(:class:`~forcelab.acquisition.calibration.CalibrationStore`), the calibration stored on the device,
the profile's default, identity (devices that send newtons).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from forcelab.acquisition.calibration import Calibration, CalibrationError, CalibrationStore
from forcelab.acquisition.engine import AcquisitionEngine, TrialDetector
from forcelab.acquisition.process_transport import ProcessTransport, SendBytes, TransportSpec
from forcelab.analysis.segmentation import OnlineTrialDetector
from forcelab.devices.binary_decoder import BinaryDecoder
from forcelab.devices.chronojump import ChronojumpDecoder
from forcelab.devices.chronojump import end_capture as cj_end_capture
from forcelab.devices.chronojump import get_version as cj_get_version
from forcelab.devices.chronojump import start_capture as cj_start_capture
from forcelab.devices.plates import PlateMap
from forcelab.devices.profiles import DeviceProfile, ProfileError, load_profile
from forcelab.devices.protocol import (
    CalibrationReply,
    ErrorReply,
    Identify,
    IdentifyReply,
    ReadCalibration,
    Start,
    Stop,
    encode_command,
)
from forcelab.devices.serial_transport import SerialTransport, TransportError
from forcelab.devices.text_decoder import TextFormat, TextLineDecoder
from forcelab.devices.types import Decoder

log = logging.getLogger(__name__)

PROTOCOLS = ("binary", "text", "chronojump")


class BinaryHandshake:
    """IDENTIFY (repeated until answered), READ_CALIBRATION, START; remembers what the device said."""

    def __init__(self, *, timeout: float = 4.0, retry: float = 0.25) -> None:
        self.timeout = timeout
        self.retry = retry
        self.identity: IdentifyReply | None = None
        self.device_calibration: CalibrationReply | None = None
        self._seq = 0

    def _next(self) -> int:
        self._seq = (self._seq + 1) & 0xFF
        return self._seq

    def _await(self, t: SerialTransport, dec: BinaryDecoder, kind: type, seq: int, wait: float) -> Any:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            dec.feed(t.read())
            while dec.replies:
                r = dec.replies.popleft()
                if isinstance(r, kind | ErrorReply) and getattr(r, "seq", None) == seq:
                    return r
        return None

    def __call__(self, t: SerialTransport) -> None:
        dec = BinaryDecoder()
        deadline = time.monotonic() + self.timeout
        ident = None
        while ident is None and time.monotonic() < deadline:
            seq = self._next()
            t.write(encode_command(Identify(seq=seq)))
            ident = self._await(t, dec, IdentifyReply, seq, self.retry)
        if not isinstance(ident, IdentifyReply):
            raise TransportError(
                f"no answer to IDENTIFY within {self.timeout:.0f} s: is this a forcelab binary device? "
                "(for other devices use --protocol text or chronojump)"
            )
        if self.identity is not None and ident.channels != self.identity.channels:
            raise TransportError(
                f"the device came back with {ident.channels} channels instead of {self.identity.channels}"
            )
        self.identity = ident
        seq = self._next()
        t.write(encode_command(ReadCalibration(seq=seq)))
        cal = self._await(t, dec, CalibrationReply, seq, 1.0)
        self.device_calibration = cal if isinstance(cal, CalibrationReply) else None
        t.write(encode_command(Start(seq=self._next())))
        log.info("binary device %s %s (fw %s): %d channels at %d Hz", ident.model, ident.serial,
                 ident.firmware, ident.channels, ident.rate_hz)


class ChronojumpHandshake:
    """``get_version:`` until the sensor answers, then ``start_capture:``."""

    def __init__(self, decoder: ChronojumpDecoder, *, timeout: float = 4.0, retry: float = 0.5) -> None:
        self.decoder = decoder
        self.timeout = timeout
        self.retry = retry
        self.version: str | None = None

    def __call__(self, t: SerialTransport) -> None:
        probe = ChronojumpDecoder()
        deadline = time.monotonic() + self.timeout
        while probe.version is None and time.monotonic() < deadline:
            t.write(cj_get_version())
            stop = time.monotonic() + self.retry
            while probe.version is None and time.monotonic() < stop:
                probe.feed(t.read())
        if probe.version is None:
            raise TransportError(f"no answer to get_version: within {self.timeout:.0f} s; is this a Chronojump "
                                 "force sensor at 115200 baud?")
        self.version = probe.version
        t.write(cj_start_capture())
        self.decoder.capture_started()


@dataclass(frozen=True)
class TextProbe:
    """What the first lines of a text device show: channel count and sample rate."""

    channels: int
    rate: float


def probe_text(t: SerialTransport, *, seconds: float = 1.0, min_lines: int = 20) -> TextProbe:
    """Read ``time;c1;...`` lines for up to ``seconds`` and infer channels and rate; give the bytes back."""
    buf = b""
    deadline = time.monotonic() + seconds
    lines: list[list[float]] = []
    while time.monotonic() < deadline and len(lines) < min_lines:
        buf += t.read()
        lines = []
        for raw in buf.replace(b"\r", b"\n").split(b"\n")[1:-1]:  # skip a partial first and last line
            fields = raw.decode("ascii", "replace").replace(",", ";").replace("\t", ";").split(";")
            try:
                lines.append([float(f) for f in fields if f.strip()])
            except ValueError:
                continue
    t.unread(buf)
    widths = [len(v) for v in lines if len(v) >= 2]
    if len(widths) < 3:
        raise TransportError(f"no lines of numbers arrived within {seconds:.1f} s; is the device streaming "
                             "text (time;value;...)?")
    width = int(np.bincount(widths).argmax())
    times = np.array([v[0] for v in lines if len(v) == width])
    dt = np.diff(times)
    dt = dt[dt > 0]
    if dt.size == 0:
        raise TransportError("the time column of the text lines does not advance; give --rate")
    return TextProbe(channels=width - 1, rate=float(round(1e6 / float(np.median(dt)))))


def _load_profile(name: str) -> DeviceProfile:
    try:
        return load_profile(name)
    except (ProfileError, OSError) as exc:
        raise TransportError(str(exc)) from exc


def trial_detector(kind: str = "jump", **thresholds: float) -> Callable[[float], TrialDetector]:
    """A ``detector_factory`` for the engine: the analysis' :class:`OnlineTrialDetector` of ``kind``."""
    OnlineTrialDetector(1000.0, kind=kind, **thresholds)  # fail now, with its message, on bad input

    def make(rate: float) -> TrialDetector:
        return OnlineTrialDetector(rate, kind=kind, **thresholds)

    return make


def _profile_calibration(profile: DeviceProfile, channels: int, serial: str) -> Calibration | None:
    cal = profile.calibration
    if cal is None or cal.channels != channels:
        return None
    return replace(cal, device_serial=serial)


def open_device(
    port: str | None = None,
    *,
    protocol: str | None = None,
    serial_number: str | None = None,
    profile: str | None = None,
    plate_map: PlateMap | None = None,
    rate: float | None = None,
    channels: int | None = None,
    text_format: TextFormat | None = None,
    store: CalibrationStore | None = None,
    detector_factory: Callable[[float], TrialDetector] | None = None,
    ring_seconds: float = 120.0,
    silent_after: float = 2.0,
    handshake_timeout: float = 4.0,
    process: bool = False,
) -> AcquisitionEngine:
    """Open ``port`` (or the port with USB ``serial_number``), talk the protocol, build the engine.

    The plates come from ``profile`` (a device profile file), else ``plate_map``, else one plate of all
    channels. ``rate`` overrides the rate the device reports.

    ``handshake_timeout`` bounds the start-up conversation (seconds). ``process=True`` moves the port
    into a child process (:class:`~forcelab.acquisition.process_transport.ProcessTransport`; the device
    is opened once here to learn who it is, then again by the child): use it when the GUI may hold
    the GIL for long at high sample rates. The transport is open when this
    returns; call ``engine.start()`` to stream. Raises
    :class:`TransportError` with a clear message when the port or the device does not respond.
    """
    prof = _load_profile(profile) if profile else None
    if protocol is None:
        protocol = prof.protocol if prof is not None else "binary"
    if protocol not in PROTOCOLS:
        raise TransportError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    if prof is not None and prof.protocol != protocol:
        raise TransportError(f"profile {prof.name!r} is for the {prof.protocol} protocol, not {protocol}")
    baud = prof.baud if prof is not None else 115200
    if text_format is None and prof is not None:
        text_format = prof.text_format
    decoder: Decoder
    serial = ""
    device_cal: Calibration | None = None
    info: dict[str, str] = {}
    if protocol == "binary":
        hs = BinaryHandshake(timeout=handshake_timeout)
        transport = SerialTransport(port, serial_number=serial_number, baudrate=baud, on_connect=hs,
                                    on_close=SendBytes(encode_command(Stop())), silent_after=silent_after)
        transport.open()
        assert hs.identity is not None
        nch = hs.identity.channels
        rate = float(rate or hs.identity.rate_hz)
        serial = hs.identity.serial
        info.update(model=hs.identity.model, firmware=hs.identity.firmware)
        decoder = BinaryDecoder(nch)
        if hs.device_calibration is not None and len(hs.device_calibration.gains) == nch:
            try:
                device_cal = Calibration(hs.device_calibration.gains, hs.device_calibration.offsets,
                                         device_serial=serial, source="device")
            except CalibrationError as exc:
                log.warning("ignoring the calibration stored on the device: %s", exc)
    elif protocol == "chronojump":
        cj = ChronojumpDecoder(rate_hz=rate)
        cj_handshake = ChronojumpHandshake(cj, timeout=handshake_timeout)
        transport = SerialTransport(port, serial_number=serial_number, baudrate=baud,
                                    on_connect=cj_handshake, on_close=SendBytes(cj_end_capture()),
                                    silent_after=silent_after)
        transport.open()
        nch = 1
        if rate is None:
            rate = probe_text(transport).rate
        decoder = cj
        serial = serial_number or ""
        info["model"] = cj_handshake.version or "Chronojump force sensor"
    else:
        transport = SerialTransport(port, serial_number=serial_number, baudrate=baud, silent_after=silent_after)
        transport.open()
        if text_format is None:
            found = probe_text(transport)
            nch = channels or found.channels
            rate = float(rate or found.rate)
            text_format = TextFormat(channels=tuple(range(1, nch + 1)), time_column=0, time_unit=1e-6,
                                     time_wrap=1 << 32, rate_hz=rate)
        else:
            nch = len(text_format.channels)
            if rate is None:
                rate = text_format.rate_hz or probe_text(transport).rate
        decoder = TextLineDecoder(text_format)
        serial = serial_number or ""
    if channels is not None and channels != nch:
        transport.close()
        raise TransportError(f"the device has {nch} channels, not {channels}")
    assert rate is not None
    if prof is not None:
        plate_map = PlateMap.from_profile(prof)
    plate_map = plate_map or PlateMap.single(nch)
    if plate_map.channels != nch:
        transport.close()
        raise TransportError(f"profile {profile or 'plate map'!r} is for {plate_map.channels} channels; "
                             f"the device has {nch}")
    cal = None
    if serial:
        try:
            cal = (store or CalibrationStore()).load(serial)
        except CalibrationError as exc:
            log.warning("%s; using the device's own calibration", exc)
    if prof is not None:
        info["profile"] = prof.name
    if cal is not None and cal.channels != nch:
        log.warning("stored calibration of %s has %d channels, device %d; not used", serial, cal.channels, nch)
        cal = None
    cal = cal or device_cal or (_profile_calibration(prof, nch, serial) if prof is not None else None)
    cal = cal or Calibration.identity(nch, device_serial=serial)
    info["serial"] = serial
    info["protocol"] = protocol
    info["port"] = transport.device_path or ""
    source: SerialTransport | ProcessTransport = transport
    if process:
        stop_hook, transport.on_close = transport.on_close, None  # the child talks to the device from now on
        transport.close()
        source = ProcessTransport(TransportSpec(
            port=transport.device_path if serial_number is None else None, serial_number=serial_number,
            baudrate=transport.baudrate, silent_after=transport.silent_after, on_connect=transport.on_connect,
            on_close=stop_hook,
        ))
        info["mode"] = "process"
    return AcquisitionEngine(source, decoder, rate=rate, plate_map=plate_map, calibration=cal,
                             ring_seconds=ring_seconds, detector_factory=detector_factory, device_info=info)
