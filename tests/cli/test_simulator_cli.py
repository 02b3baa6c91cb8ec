"""``forcelab simulate``: prints a port that works, refuses bad input with one clear line."""

from __future__ import annotations

import pytest

from forcelab.cli import main
from support.simulate_cli import simulate_and_read


def test_simulate_prints_a_port_that_streams_text(capsys: pytest.CaptureFixture[str]) -> None:
    rc, data, _printed = simulate_and_read(capsys, [
        "--protocol", "text", "--rate", "500", "--seconds", "1.5", "--trials", "2", "--test", "sj",
        "--jump-height", "0.25", "--noise", "0", "--boot-delay", "0", "--text-units", "newtons",
        "--delimiter", ","], after_port=0.6, port_timeout=3.0)
    assert rc == 0
    lines = data.split(b"\n")
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
