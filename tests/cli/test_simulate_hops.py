"""``forcelab simulate --test rebound`` hop options: ``forcelab record`` on the simulator's pty finds the hops asked
for, and the injected long and double contacts are flagged on those hops; bad hop options are one clear line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from forcelab.cli import main
from forcelab.storage.session import open_session
from support.record_cli import record_command
from support.simulate_cli import simulate_and_read


def test_record_on_the_simulated_hops_finds_every_hop_and_flags_the_injected_ones(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    recorded: dict[str, subprocess.CompletedProcess[str]] = {}

    def record(port: str) -> bytes:  # a lab PC recording from the plates' port
        recorded["proc"] = subprocess.run(record_command(tmp_path, "--trials", "1", test="rebound", port=port),
                                          capture_output=True, text=True, timeout=90)
        return recorded["proc"].stdout.encode()

    # step on 1 s + 0.8 s, stand 2 s, a countermovement, 6 hops of ~0.6 s, the landing: about 9 s
    rc, _, printed = simulate_and_read(capsys, [
        "--test", "rebound", "--trials", "1", "--hops", "6", "--contact-ms", "180", "--flight-ms", "420",
        "--long-contact-at", "2", "--double-contact-at", "5", "--seed", "3", "--boot-delay", "0",
        "--seconds", "16"], host=record, port_timeout=10.0)
    assert rc == 0
    assert "hops: 6 per trial, contacts about 180 ms" in printed
    assert "hop 2: a 350 ms contact" in printed and "hop 5: a double contact" in printed
    proc = recorded["proc"]
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.startswith("trial 1: hop_count = 6;") for line in lines), proc.stdout
    (slow,) = [line for line in lines if line.startswith("  flag slow_contact: ")]
    (double,) = [line for line in lines if line.startswith("  flag double_contact: ")]
    assert "hop 2 (" in slow and "hop 2 (" not in double and "hop 5 (" in double
    session = open_session(Path(next(x for x in lines if x.startswith("session: ")).split(": ", 1)[1]))
    (trial,) = session.trials
    assert trial.result is not None
    hops = trial.result["tables"]["hops"]["rows"]  # as archived
    assert [h["hop"] for h in hops] == [1, 2, 3, 4, 5, 6]
    assert [h["fast_ssc"] for h in hops] == [1, 0, 1, 1, 1, 1]
    assert [h["double_contact"] for h in hops] == [0, 0, 0, 0, 1, 0]
    # the simulated truth: the long contact is 350 ms, the others 180 ms +-15 %; flights 420 ms +-15 %
    assert hops[1]["contact_time"] == pytest.approx(0.350, abs=0.002)
    assert all(0.150 < h["contact_time"] < 0.210 for i, h in enumerate(hops) if i != 1)
    assert all(0.35 < h["flight_time"] < 0.49 for h in hops)


@pytest.mark.parametrize(("argv", "message"), [
    (["--test", "cmj", "--trials", "1", "--hops", "4"], "--hops applies to repeated hops (--test rebound)"),
    (["--test", "rebound", "--trials", "1", "--hops", "0"], "--hops must be a number of hops from 1 to 50"),
    (["--test", "rebound", "--trials", "1", "--hops", "5", "--long-contact-at", "6"],
     "--long-contact-at 6: the hops are numbered 1 to 5"),
    (["--test", "rebound", "--trials", "1", "--double-contact-at", "0"], "--double-contact-at 0: the hops are numbered 1 to 10"),
    (["--test", "rebound", "--trials", "1", "--contact-ms", "20"], "--contact-ms must be from 80 to 800 ms"),
    (["--test", "rebound", "--trials", "1", "--flight-ms", "90"], "--flight-ms must be from 150 to 900 ms"),
    (["--test", "rebound", "--trials", "1", "--hop-height-cm", "200"], "--hop-height-cm must be from 3 to 100 cm"),
    (["--test", "rebound", "--trials", "1", "--jump-height", "0.2", "--flight-ms", "400"], "give the hops' height once"),
    (["--test", "rebound", "--hops", "6"], "need --trials N"),
    (["--test", "rebound", "--trials", "1", "--contact-ms", "320", "--long-contact-at", "2"],
     "the long contact (350 ms) must be longer than the others"),
])
def test_bad_hop_options_are_one_clear_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["simulate", *argv, "--seconds", "0.2"])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("forcelab: error:") and message in err and "Traceback" not in err


def test_hop_options_become_the_scripted_trials_parameters() -> None:
    import argparse

    from forcelab.cli import simulate

    p = argparse.ArgumentParser()
    simulate.register(p.add_subparsers())
    args = p.parse_args(["simulate", "--test", "rebound", "--trials", "2", "--hops", "7", "--contact-ms", "150",
                         "--flight-ms", "400", "--long-contact-at", "7"])
    sim = simulate._build(args)
    steps = sim._script.trials  # the script the simulator will run when started
    assert len(steps) == 2 and all(s[0] == "rebound" for s in steps)
    assert steps[0][1] == {"hops": 7.0, "contact_time": 0.150, "jump_height": pytest.approx(9.80665 * 0.4 ** 2 / 8),
                           "long_contact_at": 7.0}
    # without hop options the 10/5 test's defaults stand (ten hops)
    assert simulate.hop_params(p.parse_args(["simulate", "--test", "rebound", "--trials", "1"]), "rebound") == {}
