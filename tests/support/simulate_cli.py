"""Run ``forcelab simulate`` in the test's thread while a host thread reads its pty, as a lab PC would.

The host waits for the "simulated plates on PORT" line (seconds on a loaded shared machine), opens the real
pseudo-terminal with pyserial and reads until a deadline: ``until`` seconds after the start, or ``after_port``
seconds after the port appeared. Returns the exit code, the bytes read and everything printed. ``host=`` puts
another host on the port instead (e.g. ``forcelab record --port PORT`` as a process): a function of the port
that returns what the host got.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

import pytest
import serial

from forcelab.cli import main


def simulate_and_read(capsys: pytest.CaptureFixture[str], argv: list[str], *, until: float | None = None,
                      after_port: float | None = None, port_timeout: float = 6.0,
                      host: Callable[[str], bytes] | None = None) -> tuple[int, bytes, str]:
    """``main(["simulate", *argv])`` with a host reading its port (see the module docstring)."""
    if host is None and (until is None) == (after_port is None):
        raise ValueError("give one of until= and after_port=")
    got: dict[str, bytes] = {}
    printed: list[str] = []

    def run_host() -> None:
        t0 = time.monotonic()
        port = None
        while port is None and time.monotonic() < t0 + port_timeout:
            printed.append(capsys.readouterr().out)
            m = re.search(r"simulated plates on (\S+)", "".join(printed))
            port = m.group(1) if m else None
            time.sleep(0.02)
        assert port is not None, "the simulator printed no port"
        if host is not None:
            got["data"] = host(port)
            return
        end = t0 + until if until is not None else time.monotonic() + (after_port or 0.0)
        with serial.Serial(port, timeout=0.05) as ser:
            buf = b""
            while time.monotonic() < end:
                buf += ser.read(65536)
        got["data"] = buf

    t = threading.Thread(target=run_host)
    t.start()
    rc = main(["simulate", *argv])
    t.join()
    printed.append(capsys.readouterr().out)
    return rc, got.get("data", b""), "".join(printed)
