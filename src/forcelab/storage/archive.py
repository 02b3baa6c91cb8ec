"""Where the archive lives and how session files are named.

The archive is a folder: ``sessions/<year>/<date>_<time>_<station>_<athlete>_<tests>.h5`` plus
``index.sqlite`` (or a PostgreSQL index named by ``$FORCELAB_INDEX``; see :mod:`forcelab.storage.index_backend`).
Its location is ``--archive DIR``, else ``$FORCELAB_ARCHIVE``, else ``platformdirs.user_data_dir("forcelab")``.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import platformdirs

DEMO_ENV_VAR = "FORCELAB_DEMO_ARCHIVE"
ENV_VAR = "FORCELAB_ARCHIVE"
STATION_ENV = "FORCELAB_STATION"
INDEX_NAME = "index.sqlite"
SESSIONS_DIR = "sessions"


def archive_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The archive folder (created if missing): ``explicit``, else ``$FORCELAB_ARCHIVE``, else the user data dir."""
    if explicit:
        path = Path(explicit)
    elif os.environ.get(ENV_VAR):
        path = Path(os.environ[ENV_VAR])
    else:
        path = Path(platformdirs.user_data_dir("forcelab", appauthor=False))
    path = path.expanduser().absolute()
    (path / SESSIONS_DIR).mkdir(parents=True, exist_ok=True)
    return path


def demo_archive_dir() -> Path:
    """The demo's own archive, kept apart from the user's: ``$FORCELAB_DEMO_ARCHIVE``, else a ``demo`` folder
    beside the user data folder's sessions (``<user data>/demo``; ``session_files`` of the user's archive only
    looks in its ``sessions`` folder, so the demo never mixes in)."""
    if os.environ.get(DEMO_ENV_VAR):
        return archive_dir(os.environ[DEMO_ENV_VAR])
    return archive_dir(Path(platformdirs.user_data_dir("forcelab", appauthor=False)) / "demo")


def slug(text: str) -> str:
    """A file-name-safe lower-case form of ``text`` (letters, digits, dashes)."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "unnamed"


def station_id() -> str:
    """This station's id: ``$FORCELAB_STATION`` or the host name, as a slug (``lab-pc-2``).

    Stored in every session file (root attribute ``station``), in the index, and in the session's file
    name, so two stations recording the same athlete in the same second never write the same file.
    """
    return slug(os.environ.get(STATION_ENV) or socket.gethostname() or "station")


def new_session_path(
    archive: Path, athlete: str, tests: Sequence[str], started: datetime, *,
    station: str | None = None, also_free_in: Sequence[Path] = (),
) -> Path:
    """A fresh, unused path for a session of ``athlete`` started at ``started`` on ``station``.

    ``station`` defaults to this station (:func:`station_id`). The name is also
    kept free in each folder of ``also_free_in`` (a station's spool checks the shared archive too).
    """
    rel_folder = Path(SESSIONS_DIR) / f"{started:%Y}"
    folder = archive / rel_folder
    folder.mkdir(parents=True, exist_ok=True)
    who = slug(station) if station else station_id()
    base = f"{started:%Y-%m-%d_%H%M%S}_{who}_{slug(athlete)}_{'-'.join(slug(t) for t in tests) or 'session'}"

    def taken(name: str) -> bool:
        return any((root / rel_folder / name).exists() for root in (archive, *also_free_in))

    name = f"{base}.h5"
    k = 2
    while taken(name):
        name = f"{base}_{k}.h5"
        k += 1
    return folder / name


def session_files(archive: Path) -> list[Path]:
    """Every ``*.h5`` session file under the archive's ``sessions`` folder, sorted."""
    return sorted((archive / SESSIONS_DIR).rglob("*.h5"))
