"""Audio cues: the WAVs written once into the user cache dir (a real tone, measured), off by default, the
setting remembered, and never a failure without QtMultimedia or without an audio device (offscreen here)."""

from __future__ import annotations

import logging
import wave

import numpy as np
import pytest

from forcelab.gui import cues
from forcelab.gui.cues import CUES, RATE, AudioCues, cue_file, load_enabled, save_enabled


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


def test_without_qtmultimedia_cues_log_once_and_testing_goes_on(qtbot, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(cues, "_sound_effect_class", lambda: (None, "audio cues need QtMultimedia (test)"))
    player = AudioCues(enabled=True)
    with caplog.at_level(logging.WARNING, logger="forcelab.gui.cues"):
        player.play("start")
        player.play("go")
    assert player.requested == ["start", "go"]
    assert player.problem == "audio cues need QtMultimedia (test)"
    assert len([r for r in caplog.records if "without sound" in r.message]) == 1


def test_with_qtmultimedia_and_no_audio_device_the_cue_fails_softly(qtbot, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    effect_class, why = cues._sound_effect_class()
    if effect_class is None:
        pytest.skip(why)  # PySide6-Addons (pip install 'forcelab[audio]') is not installed here
    from PySide6.QtMultimedia import QMediaDevices

    player = AudioCues()
    player.set_enabled(True)  # loads both cues at once
    if QMediaDevices.audioOutputs():
        qtbot.waitUntil(lambda: all(e.isLoaded() for e in player._effects.values()), timeout=5000)
        player.play("go")
        assert player.problem == ""
        return
    with caplog.at_level(logging.WARNING, logger="forcelab.gui.cues"):
        qtbot.waitUntil(lambda: player.problem != "", timeout=5000)
        player.play("start")
    assert "no usable audio output" in player.problem
    assert player.requested == ["start"]
