"""A real, throw-away PulseAudio server with one null sink, for the audio cue tests (no speakers needed).

QtMultimedia on Linux plays through PulseAudio's client library. The server here listens on a socket in a
fresh temp folder (never the user's session server), has a single null sink ``forcelab`` whose monitor
source records what was played, and is stopped (folder removed) by :meth:`PulseServer.cleanup`.
:meth:`PulseServer.record` records that monitor with ``parec`` into a file and returns the samples, so a
test hears what the app played. :func:`no_server_env` is the environment of a machine with no sound server.
Packages: Debian's ``pulseaudio`` (the server) and ``pulseaudio-utils`` (``parec``, ``pactl``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

SINK = "forcelab"
RATE = 44100
_TOOLS = ("pulseaudio", "parec", "pactl")


def missing() -> str | None:
    """Why a server cannot be started here (``None`` when it can)."""
    absent = [t for t in _TOOLS if shutil.which(t) is None]
    if absent:
        return f"{', '.join(absent)} not found (apt-get install pulseaudio pulseaudio-utils)"
    return None


def _client_config(folder: Path) -> Path:
    """A client.conf that never autospawns a server (a test must not start the user's own)."""
    path = folder / "client.conf"
    path.write_text("autospawn = no\n", encoding="utf-8")
    return path


def no_server_env(folder: Path) -> dict[str, str]:
    """Environment of a machine without a sound server: the server socket does not exist, no autospawn."""
    folder.mkdir(parents=True, exist_ok=True)
    return {"PULSE_SERVER": f"unix:{folder / 'no-server' / 'native'}",
            "PULSE_CLIENTCONFIG": str(_client_config(folder))}


class PulseServer:
    """One PulseAudio daemon in a temp folder: :meth:`start`, :meth:`env`, :meth:`record`, :meth:`cleanup`."""

    def __init__(self) -> None:
        why = missing()
        if why is not None:
            raise RuntimeError(why)
        self.base = Path(tempfile.mkdtemp(prefix="forcelab-pulse-"))
        self.socket = self.base / "native"
        self.log = self.base / "server.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        """What a client process needs in its environment to play on this server (and only this one)."""
        return {"PULSE_SERVER": f"unix:{self.socket}", "PULSE_CLIENTCONFIG": str(_client_config(self.base))}

    def start(self, timeout: float = 30.0) -> None:
        """Start the daemon; returns once it answers ``pactl info`` (RuntimeError with its log if it does not)."""
        home = self.base / "home"
        home.mkdir()
        daemon_env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(self.base),
                      "XDG_CONFIG_HOME": str(home / "config")}
        with open(self.log, "wb") as log:
            # -n: no default.pa (no hardware detection); as root it warns and runs, which is what CI needs
            self._proc = subprocess.Popen(
                ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
                 "--disable-shm=yes", "--log-target=stderr",
                 "-L", f"module-null-sink sink_name={SINK} rate={RATE}",
                 "-L", f"module-native-protocol-unix socket={self.socket} auth-anonymous=1"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=daemon_env)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.cleanup()
                raise RuntimeError(f"pulseaudio did not start: {self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.05)

    def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        done = subprocess.run(["pactl", "info"], env={**os.environ, **self.env()}, capture_output=True,
                              timeout=30, check=False)
        return done.returncode == 0

    @contextmanager
    def record(self) -> Iterator[list[np.ndarray]]:
        """Record the null sink's monitor while the ``with`` block runs; the yielded list then holds the mono
        float samples (full scale 1.0, :data:`RATE` Hz)."""
        raw = self.base / "monitor.raw"
        got: list[np.ndarray] = []
        with open(raw, "wb") as out:
            proc = subprocess.Popen(["parec", "-d", f"{SINK}.monitor", "--format=s16le", f"--rate={RATE}",
                                     "--channels=1", "--latency-msec=20"],
                                    stdout=out, stderr=subprocess.DEVNULL, env={**os.environ, **self.env()})
            try:
                yield got
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        got.append(np.fromfile(raw, dtype="<i2").astype(float) / 32768.0)

    def cleanup(self) -> None:
        """Stop the daemon if it runs and remove its folder."""
        try:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(timeout=30)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
