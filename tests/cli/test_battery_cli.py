"""``forcelab simulate`` for the battery tests: ``--load-kg`` (the simulated athlete holds the load, so the plates
weigh body + load), ``--test sl_cmj --limb`` (the athlete on one plate); options for a test that does not take
them are one clear line."""

from __future__ import annotations

import pytest

from forcelab.cli import main
from support.simulate_cli import simulate_and_read

G = 9.80665


def test_simulated_plates_weigh_body_plus_load(capsys: pytest.CaptureFixture[str]) -> None:
    rc, data, printed = simulate_and_read(capsys, [
        "--protocol", "text", "--rate", "500", "--seconds", "7.5", "--test", "cmj", "--body-mass", "70",
        "--load-kg", "25", "--noise", "0", "--boot-delay", "0", "--text-units", "newtons", "--delimiter", ","],
        until=7.0)  # the athlete steps on after 1 s, over 0.8 s: standing long before this
    assert rc == 0
    assert "holding 25 kg" in printed
    rows = [line.split(b",") for line in data.split(b"\n")[1:] if line.count(b",") == 8]
    totals = [sum(float(f) for f in row[1:]) for row in rows[-200:]]  # the last 0.4 s, standing
    assert len(totals) == 200
    # standing still: the 8 cells carry athlete and load, 95 kg
    assert sum(totals) / len(totals) == pytest.approx(95.0 * G, rel=0.01)


@pytest.mark.parametrize(("argv", "message"), [
    (["--test", "dj", "--load-kg", "20"], "--load-kg applies to loaded jumps"),
    (["--test", "cmj", "--load-kg", "-3"], "zero or more"),
    (["--test", "cmj", "--limb", "left"], "--limb applies to single-leg tests"),
    (["--test", "hop"], "sl_cmj, sl_dj"),
])
def test_bad_load_is_one_clear_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["simulate", *argv])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize(("limb", "split"), [(None, 1.0), ("left", 1.0), ("right", -1.0)])
def test_single_leg_athlete_stands_on_one_plate(limb: str | None, split: float) -> None:
    import argparse

    from forcelab.cli import simulate

    p = argparse.ArgumentParser()
    simulate.register(p.add_subparsers())
    argv = ["simulate", "--test", "sl_cmj", "--trials", "2", *(["--limb", limb] if limb else [])]
    sim = simulate._build(p.parse_args(argv))
    assert sim.motion.asymmetry == split  # +1: all of the force on the left plate
    steps = sim._script.trials  # the script the simulator will run when started
    assert len(steps) == 2 and all(s[0] == "cmj" and s[1]["jump_height"] == 0.15 for s in steps)


def test_simulator_performs_a_drop_landing(capsys: pytest.CaptureFixture[str]) -> None:
    """The scripted landing is built when the simulator starts (an impossible one is refused there)."""
    assert main(["simulate", "--test", "landing", "--trials", "1", "--seconds", "0.3", "--boot-delay", "0"]) == 0
    assert "simulated plates on" in capsys.readouterr().out
