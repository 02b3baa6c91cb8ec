"""``forcelab simulate --load-kg``: the simulated athlete holds the load, so the plates weigh body + load;
a load for a test that does not carry one is one clear line."""

from __future__ import annotations

import re
import threading
import time

import pytest
import serial

from forcelab.cli import main

G = 9.80665


def test_simulated_plates_weigh_body_plus_load(capsys: pytest.CaptureFixture[str]) -> None:
    got: dict[str, bytes] = {}
    printed: list[str] = []

    def host() -> None:
        deadline = time.monotonic() + 3.0
        port = None
        while port is None and time.monotonic() < deadline:
            text = capsys.readouterr().out
            printed.append(text)
            m = re.search(r"simulated plates on (\S+)", "".join(printed))
            port = m.group(1) if m else None
            time.sleep(0.02)
        assert port is not None
        with serial.Serial(port, timeout=0.05) as ser:
            buf = b""
            end = time.monotonic() + 2.8  # the athlete steps on after 1 s, over 0.8 s
            while time.monotonic() < end:
                buf += ser.read(65536)
        got["data"] = buf

    t = threading.Thread(target=host)
    t.start()
    rc = main(["simulate", "--protocol", "text", "--rate", "500", "--seconds", "3.5", "--test", "cmj",
               "--body-mass", "70", "--load-kg", "25", "--noise", "0", "--boot-delay", "0",
               "--text-units", "newtons", "--delimiter", ","])
    t.join()
    assert rc == 0
    printed.append(capsys.readouterr().out)
    assert "holding 25 kg" in "".join(printed)
    rows = [line.split(b",") for line in got["data"].split(b"\n")[1:] if line.count(b",") == 8]
    totals = [sum(float(f) for f in row[1:]) for row in rows[-200:]]  # the last 0.4 s, standing
    assert len(totals) == 200
    # standing still: the 8 cells carry athlete and load, 95 kg
    assert sum(totals) / len(totals) == pytest.approx(95.0 * G, rel=0.01)


@pytest.mark.parametrize(("argv", "message"), [
    (["--test", "dj", "--load-kg", "20"], "--load-kg applies to loaded jumps"),
    (["--test", "cmj", "--load-kg", "-3"], "zero or more"),
])
def test_bad_load_is_one_clear_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["simulate", *argv])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and "Traceback" not in err
