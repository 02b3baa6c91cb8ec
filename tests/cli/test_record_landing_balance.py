"""``forcelab record --test landing|balance`` as real processes reading a real pty: the plates are a ``forcelab
simulate --test landing|balance`` process, the recorder finds each trial online (kind "landing" / "stance"),
prints its key numbers as it lands (as for every test), and archives it with the tester's inputs."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from forcelab.cli import main
from forcelab.storage.reanalyze import reanalyze_session
from forcelab.storage.session import open_session
from support.record_cli import record_command
from support.simulate_cli import simulate_and_read


def _trial_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if re.match(r"trial \d+: ", line)]


def _session(stdout: str) -> Path:
    return Path(next(line for line in stdout.splitlines() if line.startswith("session: ")).split(": ", 1)[1])


def _number(line: str, name: str) -> float:
    m = re.search(rf"{name} = ([-0-9.e+]+)", line)
    assert m is not None, f"{name} not in {line!r}"
    return float(m.group(1))


def _record_on(tmp_path: Path, test: str, *extra: str) -> tuple[Callable[[str], bytes], dict[str, Any]]:
    """A lab PC recording ``test`` from the plates' port (``forcelab record --port`` as a process)."""
    done: dict[str, Any] = {}

    def record(port: str) -> bytes:
        done["proc"] = subprocess.run(record_command(tmp_path, *extra, test=test, port=port), capture_output=True,
                                      text=True, timeout=120)
        return done["proc"].stdout.encode()

    return record, done


def test_record_drop_landings_from_the_simulator(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    record, done = _record_on(tmp_path, "landing", "--trials", "2", "--drop-height", "0.3")
    rc, _, _ = simulate_and_read(capsys, ["--test", "landing", "--trials", "2", "--repeat", "--pause", "2", "--seed",
                                          "3", "--body-mass", "80", "--boot-delay", "0", "--seconds", "30"],
                                 host=record, port_timeout=10.0)
    assert rc == 0
    proc = done["proc"]
    assert proc.returncode == 0, proc.stderr
    lines = _trial_lines(proc.stdout)
    assert len(lines) == 2, proc.stdout
    for line in lines:  # the landing's key numbers, in the order the card shows them
        assert line.index("peak_landing_force_bw") < line.index("time_to_stabilisation") < line.index("loading_rate")
        assert 2.0 < _number(line, "peak_landing_force_bw") < 8.0
        assert _number(line, "loading_rate") > 1e4
    trials = open_session(_session(proc.stdout), load_analysis=True).trials
    assert [t.test for t in trials] == ["landing", "landing"]
    for t in trials:
        assert t.result is not None and t.result["params"]["drop_height"] == pytest.approx(0.3)
        assert t.metrics["body_weight"]["value"] == pytest.approx(80 * 9.80665, rel=0.03)
        assert t.result["events"]["contact"]["index"] is not None


def test_record_a_balance_trial_from_the_simulator(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Quiet stance on the simulated plates (eight cells: the CoP from the profile's geometry)."""
    record, done = _record_on(tmp_path, "balance", "--trials", "1", "--duration", "5", "--condition", "eyes_closed",
                              "--stance", "bipedal")
    rc, _, _ = simulate_and_read(capsys, ["--test", "balance", "--seed", "3", "--sway", "0.005", "--boot-delay", "0",
                                          "--seconds", "16"], host=record, port_timeout=10.0)
    assert rc == 0
    proc = done["proc"]
    assert proc.returncode == 0, proc.stderr
    (line,) = _trial_lines(proc.stdout)
    assert line.index("cop_path_length") < line.index("cop_mean_velocity") < line.index("cop_ellipse_area")
    assert _number(line, "balance_duration") == pytest.approx(5.0)
    assert 0.001 < _number(line, "cop_mean_velocity") < 0.05
    (trial,) = open_session(_session(proc.stdout), load_analysis=True).trials
    assert trial.test == "balance" and trial.result is not None
    params = trial.result["params"]
    assert (params["condition"], params["stance"], params["duration"]) == ("eyes_closed", "bipedal", 5.0)
    assert trial.result["events"]["balance_end"]["index"] - trial.result["events"]["balance_start"]["index"] == 5000
    # the session keeps the plates' geometry: re-analysis recomputes the CoP from the raw counts, to the same sway
    path = _session(proc.stdout)
    assert open_session(path).device["plate_geometry"]["plates"][0]["cell_positions"]
    report = reanalyze_session(path, force=True)
    assert not report.failures and report.changes
    (again,) = open_session(path, load_analysis=True).trials
    assert again.result is not None and again.result["params"]["condition"] == "eyes_closed"
    assert again.result["params"]["duration"] == 5.0
    for name in ("cop_path_length", "cop_mean_velocity", "cop_ellipse_area"):
        assert again.metrics[name]["value"] == pytest.approx(trial.metrics[name]["value"], rel=1e-9), name


def test_balance_options_are_for_balance(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["record", "--simulate", "--athlete", "A", "--archive", str(tmp_path), "--seconds", "1"]
    assert main([*argv, "--test", "landing", "--condition", "eyes_open"]) == 2
    assert "--condition applies to --test balance, not to --test landing" in capsys.readouterr().err
    assert main([*argv, "--test", "balance", "--duration", "-3"]) == 2
    assert "--duration must be a positive number" in capsys.readouterr().err
    assert main([*argv, "--test", "cmj", "--drop-height", "0.3"]) == 2
    assert "--drop-height applies to --test dj, sl_dj, landing" in capsys.readouterr().err
