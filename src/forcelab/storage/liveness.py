"""Tell a session that is being recorded right now from one whose recorder died.

Both look the same inside HDF5 (a SWMR writer's mark in the superblock), so the writer also holds an
exclusive ``flock`` on ``<session>.h5.lock`` for as long as it records. The operating system drops the
lock when the process ends, however it ends (SIGKILL, power loss), so "lock file present but not locked"
means the recorder died. On systems without ``fcntl`` (Windows) a session with a lock file is always
treated as possibly live, and nothing rewrites it automatically.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


def lock_path(session: Path) -> Path:
    """The lock file of ``session``."""
    return session.with_name(session.name + ".lock")


def acquire(session: Path) -> IO[bytes] | None:
    """Create and lock ``<session>.lock`` (held until :func:`release` or the process ends)."""
    fh = open(lock_path(session), "wb")  # noqa: SIM115 - held open for the whole recording
    if fcntl is not None:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.close()
            raise OSError(f"{session}: another process is recording this session") from exc
    fh.write(str(os.getpid()).encode())
    fh.flush()
    return fh


def release(session: Path, fh: IO[bytes] | None) -> None:
    """Unlock and remove the lock file."""
    if fh is None:
        return
    fh.close()  # releases the lock (and lets Windows delete the file)
    lock_path(session).unlink(missing_ok=True)


def is_being_recorded(session: Path) -> bool:
    """True when a live process holds the session's lock (or when that cannot be ruled out)."""
    path = lock_path(session)
    if not path.exists():
        return False
    if fcntl is None:
        return True
    try:
        with open(path, "rb") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    except OSError:
        return True
    return False


def clear_stale(session: Path) -> None:
    """Remove the lock file a dead recorder left behind."""
    if not is_being_recorded(session):
        lock_path(session).unlink(missing_ok=True)
