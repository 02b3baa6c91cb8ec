"""Read the serial port in a child process, so a busy GUI thread cannot make the port overflow.

Why: a thread that holds the GIL (pure-Python work in the GUI thread) delays every other thread of the
process by up to ``sys.getswitchinterval()`` per GIL hand-over, and the engine's read loop hands the GIL
over many times per cycle. ``bench/acquisition.py`` measured it: at 8 channels x 10 kHz a consumer that
holds the GIL for 100 ms each second makes the reading thread fall ~100 ms behind, the ~16 KiB kernel
buffer of the port overflows and samples are lost; at 2 kHz the buffer is large enough.

:class:`ProcessTransport` is a drop-in byte source for
:class:`~forcelab.acquisition.engine.AcquisitionEngine`: a child process owns the
:class:`~forcelab.devices.serial_transport.SerialTransport` (open, reconnect, watchdog, start-up hooks)
and only reads bytes, which a second thread of the child forwards through a pipe. The child queues
whatever the parent has not taken yet (up to ``max_queue`` bytes), so a stalled parent costs latency,
never samples. Decoding, calibration, ring buffer and trial detection stay in the parent's engine
thread, unchanged. Link events (connected, disconnected, silent, resumed) travel in order with the
bytes.

The start-up and close hooks must be picklable (module-level classes such as
:class:`~forcelab.acquisition.connect.BinaryHandshake`, or :class:`SendBytes`), because they run in the
child.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import pickle
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from forcelab.devices.serial_transport import SerialTransport, TransportError, TransportEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendBytes:
    """A picklable hook that writes fixed bytes (e.g. a stop command before the port closes)."""

    data: bytes

    def __call__(self, transport: SerialTransport) -> None:
        transport.write(self.data)


@dataclass(frozen=True)
class TransportSpec:
    """Everything the child needs to build its :class:`SerialTransport`."""

    port: str | None = None
    serial_number: str | None = None
    baudrate: int = 115200
    read_timeout: float = 0.005
    silent_after: float = 2.0
    reconnect_interval: float = 0.25
    on_connect: Callable[[SerialTransport], None] | None = None
    on_close: Callable[[SerialTransport], None] | None = None
    nice: int | None = None  # niceness of the reading process (see AcquisitionEngine)


def _child(spec: TransportSpec, conn: Connection, max_queue: int) -> None:
    """The child process: read the port, forward bytes and events, obey write/close commands."""
    if spec.nice is not None:
        from forcelab.acquisition.engine import set_thread_nice

        set_thread_nice(spec.nice)
    t = SerialTransport(spec.port, serial_number=spec.serial_number, baudrate=spec.baudrate,
                        read_timeout=spec.read_timeout, silent_after=spec.silent_after,
                        reconnect_interval=spec.reconnect_interval, on_connect=spec.on_connect,
                        on_close=spec.on_close)
    try:
        t.open()
    except TransportError as exc:
        conn.send_bytes(b"E" + pickle.dumps(("error", str(exc))))
        return
    outbox: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()
    queued = [0]

    def sender() -> None:  # blocking sends live here, so the reader never waits on the parent
        while not stop.is_set() or not outbox.empty():
            try:
                item = outbox.get(timeout=0.05)
            except queue.Empty:
                continue
            if isinstance(item, bytes):
                parts = [b"D", item]
                while True:  # coalesce what piled up, up to the next event
                    try:
                        nxt = outbox.get_nowait()
                    except queue.Empty:
                        break
                    if not isinstance(nxt, bytes):
                        outbox.queue.appendleft(nxt)
                        break
                    parts.append(nxt)
                message = b"".join(parts)
                queued[0] -= len(message) - 1
            else:
                message = b"E" + pickle.dumps(item)
            try:
                conn.send_bytes(message)
            except (BrokenPipeError, OSError):
                stop.set()
                return

    th = threading.Thread(target=sender, name="forcelab-pump-send", daemon=True)
    th.start()
    for ev in t.drain_events():
        outbox.put(("event", ev.kind, ev.time, ev.detail, t.reconnects, t.last_error))
    overflow = 0
    try:
        while not stop.is_set():
            data = t.read()
            if data:
                if queued[0] + len(data) > max_queue:
                    overflow += len(data)
                    outbox.put(("event", "overflow", time.monotonic(), f"{overflow} bytes dropped",
                                t.reconnects, t.last_error))
                else:
                    queued[0] += len(data)
                    outbox.put(data)
            for ev in t.drain_events():
                outbox.put(("event", ev.kind, ev.time, ev.detail, t.reconnects, t.last_error))
            while conn.poll(0):
                cmd = conn.recv()
                if cmd[0] == "write":
                    try:
                        t.write(cmd[1])
                    except TransportError as exc:
                        outbox.put(("write_error", str(exc)))
                elif cmd[0] == "cpu":
                    outbox.put(("cpu", time.process_time()))
                elif cmd[0] == "close":
                    stop.set()
    except (EOFError, OSError):
        pass  # the parent went away
    finally:
        t.close()
        stop.set()
        th.join(2.0)


class ProcessTransport:
    """A byte source whose serial port lives in a child process (see the module docstring)."""

    def __init__(self, spec: TransportSpec, *, max_queue: int = 64 << 20, read_timeout: float = 0.005) -> None:
        self.spec = spec
        self.max_queue = max_queue
        self.read_timeout = read_timeout
        self._conn: Connection | None = None
        self._proc: Any = None
        self._state = "closed"
        self._events: list[TransportEvent] = []
        self._pending: Any = None
        self.reconnects = 0
        self.bytes_read = 0
        self.last_error = ""
        self.child_cpu_seconds = 0.0

    @property
    def state(self) -> str:
        """``connected``, ``silent``, ``reconnecting`` or ``closed``."""
        return self._state

    def open(self) -> None:
        """Start the child and wait until it has the port open (or say why it could not)."""
        if self._proc is not None:
            return
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_child, args=(self.spec, child, self.max_queue), name="forcelab-acquisition",
                           daemon=True)
        proc.start()
        child.close()
        deadline = time.monotonic() + 30.0
        while not parent.poll(0.05):
            if not proc.is_alive() or time.monotonic() > deadline:
                proc.join(1.0)
                raise TransportError(f"the acquisition process for {self.spec.port} exited before opening it")
        msg = pickle.loads(parent.recv_bytes()[1:])
        if msg[0] == "error":
            proc.join(2.0)
            raise TransportError(msg[1])
        self._conn, self._proc = parent, proc
        self._handle(msg)

    def _handle(self, msg: Any) -> None:
        kind = msg[0]
        if kind == "event":
            _, ev, when, detail, reconnects, last_error = msg
            self.reconnects, self.last_error = reconnects, last_error
            self._events.append(TransportEvent(ev, when, detail))
            self._state = {"connected": "connected", "resumed": "connected", "silent": "silent",
                           "disconnected": "reconnecting", "closed": "closed"}.get(ev, self._state)
        elif kind == "cpu":
            self.child_cpu_seconds = float(msg[1])
        elif kind == "write_error":
            self.last_error = msg[1]
            log.warning("write in the acquisition process failed: %s", msg[1])

    def read(self) -> bytes:
        """Bytes the child forwarded; waits at most ``read_timeout`` for the first message."""
        conn = self._conn
        if conn is None:
            raise TransportError("the process transport is closed; call open() first")
        if self._pending is not None:  # an event that followed bytes: its own read, so the order holds
            event, self._pending = self._pending, None
            self._handle(event)
            return b""
        chunks: list[bytes] = []
        try:
            if not conn.poll(self.read_timeout):
                return b""
            while conn.poll(0):
                msg = conn.recv_bytes()
                if msg[:1] == b"D":
                    chunks.append(msg[1:])
                    continue
                obj = pickle.loads(msg[1:])
                if chunks:
                    self._pending = obj
                    break
                self._handle(obj)
        except (EOFError, OSError) as exc:
            self.last_error = f"acquisition process ended: {exc}"
            self._state = "closed"
            self._conn = None
        data = b"".join(chunks)
        self.bytes_read += len(data)
        return data

    def write(self, data: bytes) -> None:
        """Ask the child to write ``data`` to the port."""
        if self._conn is None:
            raise TransportError("cannot write: the process transport is closed")
        self._conn.send(("write", data))

    def request_cpu(self) -> None:
        """Ask the child for its CPU time; it arrives in :attr:`child_cpu_seconds` with a later read."""
        if self._conn is not None:
            self._conn.send(("cpu",))

    def drain_events(self) -> list[TransportEvent]:
        """Link events since the last call, in order."""
        events, self._events = self._events, []
        return events

    def close(self) -> None:
        """Stop the child (it closes the port, running ``on_close`` first)."""
        conn, proc = self._conn, self._proc
        self._conn = self._proc = None
        if conn is not None:
            try:
                conn.send(("close",))
            except (BrokenPipeError, OSError):
                pass
        if proc is not None:
            proc.join(3.0)
            if proc.is_alive():
                log.error("acquisition process did not stop; terminating it")
                proc.terminate()
                proc.join(1.0)
        if conn is not None:
            conn.close()
        self._state = "closed"
