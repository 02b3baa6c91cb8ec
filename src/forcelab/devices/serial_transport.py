"""A serial-port byte link that finds its device, survives unplugs and notices silence.

:class:`SerialTransport` wraps one pyserial port for the acquisition engine's thread. The engine calls
:meth:`SerialTransport.read` in a loop; each call waits at most ``read_timeout`` seconds and returns
whatever bytes arrived (possibly none). The transport never raises on a lost device: an unplug
(``SerialException``/``OSError``, or a pty whose master closed) closes the port, records a
``"disconnected"`` :class:`TransportEvent` and from then on every ``read`` retries opening the same
path, or the port that now carries the same USB serial number, until the device is back
(``"connected"`` event). A device that stays open but sends nothing for ``silent_after`` seconds is
reported as :attr:`LinkState.SILENT` (``"silent"`` event) and as connected again when bytes resume
(``"resumed"`` event). Events are kept until :meth:`SerialTransport.drain_events` takes them, so the
engine can mark every gap.

Devices that reset when the port opens (DTR on Arduino-style boards) print a boot banner first;
:meth:`SerialTransport.wait_for` reads until a marker arrives and hands back every byte it read so
nothing is lost to the decoder. An ``on_connect`` hook runs after every (re)open, e.g. to send the
"start streaming" command again.

URLs such as ``loop://`` (pyserial's loopback) work too, which the unit tests use.
"""

from __future__ import annotations

import enum
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial
from serial.tools import list_ports

log = logging.getLogger(__name__)


class TransportError(Exception):
    """The port could not be found or opened; the message names the port and the reason."""


@dataclass(frozen=True)
class PortInfo:
    """One serial port as the operating system describes it."""

    device: str
    name: str
    description: str
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    manufacturer: str | None = None
    product: str | None = None

    @property
    def vid_pid(self) -> str:
        """``"VVVV:PPPP"`` in hex, or ``""`` for ports that are not USB."""
        if self.vid is None or self.pid is None:
            return ""
        return f"{self.vid:04X}:{self.pid:04X}"

    def summary(self) -> str:
        """One line for listings: device, VID:PID, serial number, description."""
        parts = [self.device]
        if self.vid_pid:
            parts.append(self.vid_pid)
        if self.serial_number:
            parts.append(f"SN={self.serial_number}")
        parts.append(self.description)
        return "  ".join(parts)


def list_serial_ports() -> list[PortInfo]:
    """Every serial port the system lists (USB CDC/FTDI adapters, built-in UARTs), sorted by device."""
    ports = []
    for p in list_ports.comports():
        ports.append(
            PortInfo(
                device=p.device,
                name=p.name or os.path.basename(p.device),
                description=p.description or "",
                vid=p.vid,
                pid=p.pid,
                serial_number=p.serial_number,
                manufacturer=p.manufacturer,
                product=p.product,
            )
        )
    return sorted(ports, key=lambda p: p.device)


def find_port_by_serial(serial_number: str) -> str | None:
    """The device path of the port whose USB serial number is ``serial_number``, or None."""
    for p in list_serial_ports():
        if p.serial_number == serial_number:
            return p.device
    return None


class LinkState(enum.Enum):
    """What the link is doing now."""

    CLOSED = "closed"
    CONNECTED = "connected"
    SILENT = "silent"  # open, but no byte for ``silent_after`` seconds
    RECONNECTING = "reconnecting"  # lost; retrying to open


@dataclass(frozen=True)
class TransportEvent:
    """A change of link state: ``kind`` is ``connected``, ``disconnected``, ``silent`` or ``resumed``.

    ``time`` is ``time.monotonic()`` when it happened; ``detail`` says why (the OS error, the port).
    """

    kind: str
    time: float
    detail: str = ""


class SerialTransport:
    """One serial device, by port path or by USB serial number, that reconnects by itself.

    Parameters
    ----------
    port:
        Path (``/dev/ttyACM0``, ``COM3``, a pty or a symlink to one) or a pyserial URL (``loop://``).
    serial_number:
        USB serial number to look up with :func:`find_port_by_serial` (at open and at every reconnect);
        give this or ``port``.
    baudrate:
        Line rate; ignored by USB CDC devices and ptys but needed for real UARTs.
    read_timeout:
        Longest a :meth:`read` call waits for the first byte (seconds).
    silent_after:
        Seconds without any byte after which an open link counts as :attr:`LinkState.SILENT`.
    reconnect_interval:
        Seconds between attempts to reopen a lost device.
    on_connect:
        Called with the transport after every successful open (first and reconnects), in the caller's
        thread, e.g. to send a start command. An exception from it counts as a failed open.
    on_close:
        Called before :meth:`close` closes an open port (e.g. to send a stop command); a failure
        there is logged, and the port is closed anyway.
    """

    def __init__(
        self,
        port: str | None = None,
        *,
        serial_number: str | None = None,
        baudrate: int = 115200,
        read_timeout: float = 0.005,
        silent_after: float = 2.0,
        reconnect_interval: float = 0.25,
        on_connect: Callable[[SerialTransport], None] | None = None,
        on_close: Callable[[SerialTransport], None] | None = None,
        max_read: int = 1 << 16,
    ) -> None:
        if port is None and serial_number is None:
            raise ValueError("give a port path or a device serial number")
        if read_timeout <= 0 or silent_after <= 0 or reconnect_interval <= 0:
            raise ValueError("read_timeout, silent_after and reconnect_interval must be positive seconds")
        self.port = port
        self.serial_number = serial_number
        self.baudrate = baudrate
        self.read_timeout = read_timeout
        self.silent_after = silent_after
        self.reconnect_interval = reconnect_interval
        self.on_connect = on_connect
        self.on_close = on_close
        self.max_read = max_read
        self._serial: serial.SerialBase | None = None
        self._state = LinkState.CLOSED
        self._events: list[TransportEvent] = []
        self._last_byte = 0.0
        self._last_attempt = 0.0
        self._opened_path: str | None = None
        self._carry = b""
        self._in_hook = False
        self.bytes_read = 0
        self.reconnects = 0
        self.last_error = ""

    # ------------------------------------------------------------------ state

    @property
    def state(self) -> LinkState:
        """The link state after the last :meth:`read`."""
        return self._state

    @property
    def is_open(self) -> bool:
        """True while a port is open (connected or silent)."""
        return self._serial is not None

    @property
    def device_path(self) -> str | None:
        """The path actually opened last (resolved from the serial number when given)."""
        return self._opened_path

    def drain_events(self) -> list[TransportEvent]:
        """Every state change since the last call, oldest first."""
        events, self._events = self._events, []
        return events

    def _event(self, kind: str, detail: str = "") -> None:
        log.info("serial link %s: %s %s", self._opened_path or self.port or self.serial_number, kind, detail)
        self._events.append(TransportEvent(kind, time.monotonic(), detail))

    # --------------------------------------------------------------- open/close

    def _resolve(self) -> str:
        if self.serial_number is not None:
            path = find_port_by_serial(self.serial_number)
            if path is None:
                raise TransportError(f"no serial port with serial number {self.serial_number!r} is plugged in")
            return path
        assert self.port is not None
        return self.port

    def _try_open(self) -> None:
        path = self._resolve()
        try:
            ser = serial.serial_for_url(
                path, baudrate=self.baudrate, timeout=self.read_timeout, write_timeout=1.0, exclusive=None
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TransportError(f"cannot open serial port {path}: {exc}") from exc
        self._serial = ser
        self._opened_path = path
        self._last_byte = time.monotonic()
        previous = self._state
        self._state = LinkState.CONNECTED  # so the hook can read and write
        self._in_hook = True
        try:
            if self.on_connect is not None:
                self.on_connect(self)
        except (serial.SerialException, OSError, TransportError) as exc:
            self._close_quietly()
            self._state = previous
            self._carry = b""
            raise TransportError(f"device on {path} did not accept the start-up commands: {exc}") from exc
        finally:
            self._in_hook = False
        self._last_byte = time.monotonic()
        self._event("connected", path)

    def open(self) -> None:
        """Open the port now; raise :class:`TransportError` saying why when it cannot be opened."""
        if self._serial is not None:
            return
        self._last_attempt = time.monotonic()
        self._try_open()

    def close(self) -> None:
        """Close the port; the transport stays closed until :meth:`open`."""
        if self._serial is not None and self.on_close is not None:
            try:
                self.on_close(self)
            except (serial.SerialException, OSError, TransportError) as exc:
                log.warning("stop command to %s failed: %s", self._opened_path, exc)
        self._close_quietly()
        if self._state is not LinkState.CLOSED:
            self._state = LinkState.CLOSED
            self._event("closed")

    def _close_quietly(self) -> None:
        ser, self._serial = self._serial, None
        if ser is not None:
            try:
                ser.close()
            except (serial.SerialException, OSError) as exc:
                log.debug("closing %s failed: %s", self._opened_path, exc)

    def _lost(self, exc: BaseException) -> None:
        self.last_error = str(exc)
        self._carry = b""
        self._close_quietly()
        self._state = LinkState.RECONNECTING
        self._last_attempt = time.monotonic()
        self._event("disconnected", str(exc))

    # -------------------------------------------------------------------- I/O

    def read(self) -> bytes:
        """Bytes that arrived since the last call; waits at most ``read_timeout`` for the first one.

        Never raises for a lost device: it returns ``b""`` and keeps trying to reconnect.
        """
        if self._state is LinkState.CLOSED:
            raise TransportError("the serial transport is closed; call open() first")
        if self._carry:
            data, self._carry = self._carry, b""
            return data
        ser = self._serial
        if ser is None:
            self._reconnect_step()
            return b""
        try:
            waiting = ser.in_waiting
            data = ser.read(min(waiting, self.max_read) if waiting else 1)
            if data and not waiting:
                more = ser.in_waiting
                if more:
                    data += ser.read(min(more, self.max_read))
        except (serial.SerialException, OSError) as exc:
            if self._in_hook:
                raise TransportError(f"the device went away during start-up: {exc}") from exc
            self._lost(exc)
            return b""
        now = time.monotonic()
        if data:
            self.bytes_read += len(data)
            self._last_byte = now
            if self._state is LinkState.SILENT:
                self._state = LinkState.CONNECTED
                self._event("resumed")
        elif self._state is LinkState.CONNECTED and now - self._last_byte > self.silent_after:
            self._state = LinkState.SILENT
            self._event("silent", f"no byte for {now - self._last_byte:.1f} s")
        return data

    def _reconnect_step(self) -> None:
        now = time.monotonic()
        wait = self._last_attempt + self.reconnect_interval - now
        if wait > 0:
            time.sleep(min(wait, self.read_timeout))
            return
        self._last_attempt = now
        try:
            self._try_open()
        except TransportError as exc:
            self.last_error = str(exc)
            log.debug("reconnect failed: %s", exc)
            return
        self.reconnects += 1

    def write(self, data: bytes) -> None:
        """Send ``data``; raise :class:`TransportError` when the port is not open or the write fails."""
        ser = self._serial
        if ser is None:
            raise TransportError(f"cannot write to {self.port or self.serial_number}: port not open")
        try:
            ser.write(data)
            ser.flush()
        except (serial.SerialException, OSError) as exc:
            raise TransportError(f"write to {self._opened_path} failed: {exc}") from exc

    def unread(self, data: bytes) -> None:
        """Give ``data`` back: the next :meth:`read` returns it first (after a probe or handshake)."""
        self._carry = data + self._carry

    def wait_for(self, marker: bytes, timeout: float) -> tuple[bool, bytes]:
        """Read until ``marker`` (e.g. a boot banner after a DTR reset) arrives or ``timeout`` passes.

        Returns ``(found, data)`` where ``data`` is every byte read; pass it to the decoder or give it
        back with :meth:`unread`.
        """
        deadline = time.monotonic() + timeout
        buf = bytearray()
        while time.monotonic() < deadline:
            buf += self.read()
            if marker in buf:
                return True, bytes(buf)
        return False, bytes(buf)

    def __enter__(self) -> SerialTransport:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
