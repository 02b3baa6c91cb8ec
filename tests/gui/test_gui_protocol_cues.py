"""Audio cues: the WAVs written once into the user cache dir (a real tone, measured), off by default, the
setting remembered; in the real window (tests/gui/cue_scenarios.py, one child process each) the cues played
by the protocol flow come out of a real PulseAudio null sink as the tones they are, and without a sound
server or without QtMultimedia they never fail the app.

The sound tests need ``forcelab[audio]`` (PySide6-Addons), ``libpulse0``, ``pulseaudio`` and
``pulseaudio-utils``: skipped where they are missing, except under CI (``$CI``), where that fails."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import numpy as np
import pytest

from forcelab.gui import cues
from forcelab.gui.cues import CUES, RATE, AudioCues, cue_file, load_enabled, save_enabled
from support import pulse
from support.child_pytest import run_child

SCENARIOS = "tests/gui/cue_scenarios.py"


def _dominant(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1.0 / RATE)[np.argmax(spectrum)])


def test_cue_files_are_real_tones_written_once() -> None:
    path = cue_file("start")
    assert path.parent == cues.cue_directory() and path.parts[-3:-1] == ("forcelab", "cues")
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)
    assert len(samples) / RATE == pytest.approx(CUES["start"][0][1], abs=1e-3)
    assert _dominant(samples) == pytest.approx(880.0, abs=10.0)
    assert abs(samples[0]) < 200 and abs(samples[-1]) < 200  # faded: no click
    mtime = path.stat().st_mtime_ns
    assert cue_file("start") == path and path.stat().st_mtime_ns == mtime  # not written again
    go = cue_file("go")
    with wave.open(str(go)) as w:
        g = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)
    split = int(CUES["go"][0][1] * RATE)
    assert _dominant(g[:split]) == pytest.approx(660.0, abs=15.0)
    assert _dominant(g[split:]) == pytest.approx(990.0, abs=15.0)
    with pytest.raises(KeyError):
        cue_file("fanfare")


def test_the_setting_is_off_by_default_and_remembered() -> None:
    assert load_enabled() is False
    save_enabled(True)
    assert load_enabled() is True
    cues.settings_path().write_text("{not json")
    assert load_enabled() is False  # a damaged file: off, not a crash


def test_cues_are_silent_unless_turned_on(qtbot) -> None:  # type: ignore[no-untyped-def]
    player = AudioCues()
    player.play("start")
    assert player.requested == [] and player.problem == ""


def _need(why: str | None) -> None:
    """Skip for ``why`` (something to install), or fail under CI, which must run these tests."""
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the audio cue tests: {why}")
        pytest.skip(why)


def _need_qtmultimedia() -> None:
    _need(cues._sound_effect_class()[1] or None)


def _child(scenario: str, basetemp: Path, env: dict[str, str] | None = None, block: tuple[str, ...] = ()) -> None:
    """Run ``scenario`` of tests/gui/cue_scenarios.py in a child process; it must pass."""
    done = run_child(f"{SCENARIOS}::{scenario}", basetemp, env=env, block=block)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-6000:]


def _tones_heard(samples: np.ndarray, window: float = 0.02, level: float = 0.02) -> list[tuple[float, float]]:
    """The tones in ``samples``, in order: (frequency Hz, seconds), from the dominant frequency of each loud
    ``window``-long piece; consecutive pieces within 30 Hz of each other make one tone. Robust to how far
    apart two cues reach the sink (the sound server buffers; they may even touch)."""
    n = int(window * RATE)
    runs: list[list[float]] = []
    for k in range(len(samples) // n):
        piece = samples[k * n:(k + 1) * n]
        if np.sqrt(np.mean(piece ** 2)) < level:
            continue
        spectrum = np.abs(np.fft.rfft(piece * np.hanning(n), 16 * n))
        freq = float(np.fft.rfftfreq(16 * n, 1.0 / RATE)[np.argmax(spectrum)])
        if runs and abs(runs[-1][-1] - freq) < 30.0:
            runs[-1].append(freq)
        else:
            runs.append([freq])
    # the median piece's frequency; a lone piece (straddling two tones, or a tone's edge) is no tone
    return [(float(np.median(r)), len(r) * window) for r in runs if len(r) > 1]


def test_the_cues_the_protocol_plays_come_out_of_a_sound_server(tmp_path: Path) -> None:
    _need_qtmultimedia()
    _need(pulse.missing())
    server = pulse.PulseServer()
    try:
        server.start()
        with server.record() as recorded:
            _child("test_cues_load_and_play_on_a_sound_server", tmp_path / "child", env=server.env())
    finally:
        server.cleanup()
    samples = recorded[0]  # everything the null sink was given while the child ran
    expected = [*CUES["go"], *CUES["start"]]  # "go" after the weighing, then "start" when the rest ended
    heard = _tones_heard(samples)
    assert len(heard) == len(expected), heard
    for (freq, seconds), (f, d) in zip(heard, expected, strict=True):
        assert freq == pytest.approx(f, abs=15.0) and seconds == pytest.approx(d, abs=0.045), heard
    assert 0.1 < np.abs(samples).max() <= cues.AMPLITUDE + 0.01  # played at the cues' volume, not clipped


def test_without_a_sound_server_the_cues_fail_softly(tmp_path: Path) -> None:
    _need_qtmultimedia()
    _child("test_cues_without_a_sound_server_fail_softly", tmp_path / "child",
           env=pulse.no_server_env(tmp_path / "pulse"))


def test_without_qtmultimedia_the_cues_fail_softly(tmp_path: Path) -> None:
    # PySide6.QtMultimedia really cannot be imported in the child, as without PySide6-Addons
    _child("test_cues_without_qtmultimedia_fail_softly", tmp_path / "child", block=("PySide6.QtMultimedia",))
