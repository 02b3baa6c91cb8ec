"""A station's local spool: where sessions are written before they are published to the archive.

HDF5 (and SWMR above all) needs a local POSIX file system, and a lab's archive folder is a network share,
so a station records into a local folder and publishes each closed session to the archive
(:mod:`forcelab.storage.publish`). A session that could not be published stays here until it is.

Location: ``$FORCELAB_SPOOL``, else ``platformdirs.user_state_dir("forcelab")/spool``; inside it one
folder per archive (so a session is only ever published to the archive it was recorded for), laid out
like the archive itself (``sessions/<year>/<name>.h5``): a spooled file's path relative to its spool
folder is its path in the archive.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import platformdirs

from forcelab.storage import liveness
from forcelab.storage.archive import SESSIONS_DIR, new_session_path, session_files, slug

SPOOL_ENV = "FORCELAB_SPOOL"
EDIT_SUFFIX = ".edit.json"  # beside a spooled edit: the index version the edit started from


def spool_dir(archive: Path) -> Path:
    """The spool folder of this station for ``archive`` (created if missing)."""
    root = Path(os.environ.get(SPOOL_ENV) or Path(platformdirs.user_state_dir("forcelab", appauthor=False)) / "spool")
    where = str(Path(archive).expanduser().absolute())
    folder = root.expanduser().absolute() / f"{slug(Path(where).name)}-{hashlib.sha1(where.encode()).hexdigest()[:10]}"
    (folder / SESSIONS_DIR).mkdir(parents=True, exist_ok=True)
    return folder


def new_spooled_path(archive: Path, athlete: str, tests: Sequence[str], started: datetime) -> Path:
    """A fresh file in this station's spool for a new session of ``archive`` (its name free in both)."""
    return new_session_path(spool_dir(archive), athlete, tests, started, also_free_in=[archive])


def pending(archive: Path) -> list[Path]:
    """The spooled session files not yet published to ``archive``, oldest name first."""
    return session_files(spool_dir(archive))


def waiting(archive: Path) -> list[Path]:
    """:func:`pending` files no live process is recording: the ones to publish (or show) now."""
    return [p for p in pending(archive) if not liveness.is_being_recorded(p)]


def relative(spooled: Path, archive: Path) -> Path:
    """The path of the spooled file ``spooled`` inside the archive (``sessions/<year>/<name>.h5``)."""
    return Path(spooled).absolute().relative_to(spool_dir(archive))


def edit_base(spooled: Path) -> int | None:
    """The version a spooled edit started from; ``None`` for a new session."""
    marker = Path(str(spooled) + EDIT_SUFFIX)
    if not marker.exists():
        return None
    return int(json.loads(marker.read_text())["expected_version"])


def mark_edit(spooled: Path, expected_version: int) -> None:
    """Record beside ``spooled`` that it is an edit of the published session at ``expected_version``."""
    Path(str(spooled) + EDIT_SUFFIX).write_text(json.dumps({"expected_version": expected_version}))


def forget(spooled: Path) -> None:
    """Remove a spooled file (published, or refused) and its edit marker."""
    Path(str(spooled) + EDIT_SUFFIX).unlink(missing_ok=True)
    Path(spooled).unlink(missing_ok=True)
