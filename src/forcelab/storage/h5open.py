"""Open a session file for reading, including one whose writer was killed, with a clear error otherwise."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import h5py

from forcelab.storage import schema
from forcelab.storage.h5tables import attr_str

log = logging.getLogger(__name__)


class SessionFileError(Exception):
    """A file that is not a readable forcelab session: truncated, corrupted, foreign or too new."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def open_h5_read(path: str | os.PathLike[str]) -> h5py.File:
    """Open ``path`` read-only; a file still marked as being written (crashed SWMR writer) opens in SWMR mode.

    Raises :class:`SessionFileError` naming the file when it is missing, truncated or not HDF5, and when
    it is HDF5 but not a forcelab session of a version this forcelab reads.
    """
    p = Path(path)
    if not p.is_file():
        raise SessionFileError(p, "no such session file")
    try:
        f = h5py.File(p, "r")
    except OSError as exc:
        msg = str(exc)
        if "already open for write" not in msg:
            raise SessionFileError(p, f"not a readable HDF5 file (truncated or corrupted?): {msg}") from exc
        try:
            f = h5py.File(p, "r", swmr=True)
        except OSError as exc2:
            raise SessionFileError(p, f"the file was left open by a recorder and cannot be read: {exc2}") from exc2
        log.info("%s: opened in SWMR mode (its recorder did not close it)", p)
    try:
        fmt = attr_str(f, "format")
        if fmt != schema.FORMAT_NAME:
            raise SessionFileError(p, f"HDF5 file but not a forcelab session (format attribute {fmt!r})")
        version = int(f.attrs.get("schema_version", 0))
        if version not in schema.READABLE_VERSIONS:
            raise SessionFileError(
                p, f"schema version {version} is not one this forcelab reads {schema.READABLE_VERSIONS}; update forcelab"
            )
    except SessionFileError:
        f.close()
        raise
    except (OSError, KeyError, ValueError) as exc:
        f.close()
        raise SessionFileError(p, f"damaged file: {exc}") from exc
    return f
