"""Optional audio cues while testing: a start beep when the rest is over, a "go" chirp after a steady weighing.

Off by default; the tester turns them on with the *Sound cues* box (kept in
``<user config dir>/forcelab/cues.json``). Each cue is a short WAV written once into
``<user cache dir>/forcelab/cues/`` (numpy + the ``wave`` module: a sine burst with 5 ms fades so it does not
click) and played with QtMultimedia's ``QSoundEffect``, which is low latency and made for such sounds.

QtMultimedia is in the PySide6-Addons wheel, not in PySide6-Essentials (``pip install 'forcelab[audio]'``),
and it links PulseAudio's client library (``libpulse.so.0``: Debian's ``libpulse0``), which talks to the
sound server (PulseAudio, or PipeWire's pulse server). Without either, or without an audio device (a lab PC
with no speakers or no sound server, a CI machine), a cue never fails the app: the reason is logged once and
kept in :attr:`AudioCues.problem`, and testing goes on.
"""

from __future__ import annotations

import json
import logging
import wave
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
from PySide6 import QtCore

log = logging.getLogger(__name__)

#: Sample rate of the cue files (Hz) and their amplitude (of full scale).
RATE = 44100
AMPLITUDE = 0.5
#: Each cue: (frequency Hz, duration s) tones played one after the other. Bump the version in the file
#: name when a cue changes, so the cached file is written again.
CUES: dict[str, tuple[tuple[float, float], ...]] = {
    "start": ((880.0, 0.15),),
    "go": ((660.0, 0.09), (990.0, 0.16)),
}
_VERSION = 1
FADE = 0.005


def cue_directory() -> Path:
    """Where the cue WAVs are cached: ``<user cache dir>/forcelab/cues``."""
    return Path(platformdirs.user_cache_dir("forcelab", appauthor=False)) / "cues"


def settings_path() -> Path:
    """The file that remembers whether cues are on: ``<user config dir>/forcelab/cues.json``."""
    return Path(platformdirs.user_config_dir("forcelab", appauthor=False)) / "cues.json"


def tone_samples(tones: tuple[tuple[float, float], ...], rate: int = RATE) -> np.ndarray:
    """int16 samples of ``tones`` played in turn, each faded in and out over :data:`FADE` s."""
    parts = []
    for freq, seconds in tones:
        n = int(round(seconds * rate))
        t = np.arange(n) / rate
        env = np.ones(n)
        k = min(n // 2, int(FADE * rate))
        if k:
            ramp = np.linspace(0.0, 1.0, k)
            env[:k], env[n - k:] = ramp, ramp[::-1]
        parts.append(AMPLITUDE * env * np.sin(2 * np.pi * freq * t))
    return np.round(np.concatenate(parts) * 32767).astype("<i2")


def cue_file(name: str, directory: Path | None = None) -> Path:
    """The WAV of cue ``name`` (``start``, ``go``), written on first use; ``KeyError`` for another name."""
    tones = CUES[name]
    folder = directory or cue_directory()
    path = folder / f"{name}-v{_VERSION}.wav"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(tone_samples(tones).tobytes())
        tmp.replace(path)
    return path


def load_enabled() -> bool:
    """Whether the tester turned cues on (False when never set or the file is unreadable)."""
    try:
        return bool(json.loads(settings_path().read_text(encoding="utf-8")).get("enabled", False))
    except (OSError, ValueError, AttributeError):
        return False


def save_enabled(on: bool) -> None:
    """Remember whether cues are on (a failure to save is logged: the setting then lasts this run only)."""
    path = settings_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"enabled": bool(on)}) + "\n", encoding="utf-8")
    except OSError as exc:
        log.warning("could not save the sound cue setting to %s: %s", path, exc)


def _sound_effect_class() -> tuple[Any, str]:
    """``(QSoundEffect, "")``, or ``(None, why not)`` when QtMultimedia cannot be loaded here."""
    try:
        from PySide6.QtMultimedia import QSoundEffect
    except ModuleNotFoundError as exc:  # PySide6-Addons is not installed
        return None, f"audio cues need QtMultimedia (pip install 'forcelab[audio]'): {exc}"
    except ImportError as exc:  # installed, but a system library it links is missing (libpulse.so.0)
        return None, (f"audio cues: QtMultimedia is installed but does not load, a system library is missing "
                      f"(on Debian/Ubuntu: apt-get install libpulse0): {exc}")
    return QSoundEffect, ""


class AudioCues(QtCore.QObject):
    """Plays the cues of :data:`CUES` when enabled. :attr:`requested` lists every cue asked for while enabled;
    :attr:`problem` says why sound is not coming out (empty while it is, or while nothing was played yet)."""

    def __init__(self, parent: QtCore.QObject | None = None, *, enabled: bool = False,
                 directory: Path | None = None) -> None:
        super().__init__(parent)
        self.enabled = enabled
        self.directory = directory
        self.requested: list[str] = []
        self.problem = ""
        self._effects: dict[str, Any] = {}
        self._logged = False

    def set_enabled(self, on: bool) -> None:
        """Turn the cues on or off (and load them at once, so the first cue is not late)."""
        self.enabled = bool(on)
        if on:
            for name in CUES:
                self._effect(name)

    def play(self, name: str) -> None:
        """Play cue ``name`` if cues are on; never raises (a problem is logged once and kept in ``problem``)."""
        if not self.enabled:
            return
        self.requested.append(name)
        effect = self._effect(name)
        if effect is None:
            return
        if effect.status() == effect.Status.Error:
            self._fail(f"audio cue {name!r} cannot play: no usable audio output")
            return
        effect.play()

    def _effect(self, name: str) -> Any:
        if name in self._effects:
            return self._effects[name]
        cls, why = _sound_effect_class()
        if cls is None:
            self._fail(why)
            self._effects[name] = None
            return None
        try:
            path = cue_file(name, self.directory)
        except OSError as exc:
            self._fail(f"audio cue {name!r} could not be written: {exc}")
            self._effects[name] = None
            return None
        effect = cls(self)
        effect.setVolume(0.8)
        effect.statusChanged.connect(lambda e=effect, n=name: self._on_status(n, e))
        effect.setSource(QtCore.QUrl.fromLocalFile(str(path)))
        self._effects[name] = effect
        return effect

    def _on_status(self, name: str, effect: Any) -> None:
        if effect.status() == effect.Status.Error:
            self._fail(f"audio cue {name!r} cannot play: no usable audio output")

    def _fail(self, message: str) -> None:
        self.problem = message
        if not self._logged:
            self._logged = True
            log.warning("%s; testing goes on without sound", message)
