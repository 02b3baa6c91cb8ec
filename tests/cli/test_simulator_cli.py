"""``forcelab simulate``: prints a port that works, refuses bad input with one clear line."""

from __future__ import annotations

import re
import threading
import time

import pytest
import serial

from forcelab.cli import main


def test_simulate_prints_a_port_that_streams_text(capsys: pytest.CaptureFixture[str]) -> None:
    got: dict[str, bytes] = {}

    def host() -> None:
        # wait for the port line, then read the text stream
        deadline = time.monotonic() + 3.0
        port = None
        while port is None and time.monotonic() < deadline:
            m = re.search(r"simulated plates on (\S+)", capsys.readouterr().out)
            port = m.group(1) if m else None
            time.sleep(0.02)
        assert port is not None
        with serial.Serial(port, timeout=0.05) as ser:
            buf = b""
            end = time.monotonic() + 0.6
            while time.monotonic() < end:
                buf += ser.read(65536)
        got["data"] = buf

    t = threading.Thread(target=host)
    t.start()
    rc = main(["simulate", "--protocol", "text", "--rate", "500", "--seconds", "1.5", "--trials", "2",
               "--test", "sj", "--jump-height", "0.25", "--noise", "0", "--boot-delay", "0",
               "--text-units", "newtons", "--delimiter", ","])
    t.join()
    assert rc == 0
    lines = got["data"].split(b"\n")
    assert b"ready" in lines[0]
    fields = lines[1].split(b",")
    assert len(fields) == 9 and fields[0].isdigit()
    assert all(float(f) == round(float(f), 2) for f in fields[1:])  # newtons, two decimals


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rate", "50000"], "rate"),
        (["--test", "hop"], "--test"),
        (["--fault", "zap:1"], "fault"),
        (["--asymmetry", "150"], "--asymmetry"),
        (["--jump-height", "0.3"], "--trials"),
        (["--test", "imtp", "--trials", "1", "--jump-height", "0.3"], "--peak-force"),
        (["--trials", "1", "--jump-height", "-1"], "jump_height must be a positive number"),
        (["--seconds", "0"], "--seconds"),
    ],
)
def test_bad_input_is_one_clear_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["simulate", *argv])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("forcelab: error:") and message in err
    assert "Traceback" not in err
