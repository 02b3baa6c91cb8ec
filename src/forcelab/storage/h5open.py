"""Open a session file for reading, including one whose writer was killed, with a clear error otherwise."""

from __future__ import annotations

import io
import logging
import os
import re
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
        if "truncated file" in msg and "stored_eof" in msg:
            f = _open_cut_short(p, msg)
            return _check_format(p, f)
        if "already open for write" not in msg:
            raise SessionFileError(p, f"not a readable HDF5 file (truncated or corrupted?): {msg}") from exc
        try:
            f = h5py.File(p, "r", swmr=True)
        except OSError as exc2:
            raise SessionFileError(p, f"the file was left open by a recorder and cannot be read: {exc2}") from exc2
        log.info("%s: opened in SWMR mode (its recorder did not close it)", p)
    return _check_format(p, f)


_MAX_REPAIR_BYTES = 2**31


def _open_cut_short(p: Path, msg: str) -> h5py.File:
    """A file whose last write failed (disk full): HDF5 had reserved space the disk never got.

    Read it into memory, pad it with zeros to the length its superblock expects and open that copy;
    the file on disk is not touched. Rows past the writer's commit mark are ignored by the reader.
    """
    match = re.search(r"stored_eof = (\d+)", msg)
    size = p.stat().st_size
    if match is None or int(match.group(1)) > _MAX_REPAIR_BYTES or int(match.group(1)) < size:
        raise SessionFileError(p, f"not a readable HDF5 file (truncated or corrupted?): {msg}")
    data = p.read_bytes()
    buf = io.BytesIO(data + bytes(int(match.group(1)) - size))
    try:
        f = h5py.File(buf, "r")
    except OSError as exc:
        raise SessionFileError(p, f"truncated and cannot be repaired: {exc}") from exc
    if int(f.attrs.get("complete", 1)) != 0 or schema.COMMITTED not in f:
        f.close()
        raise SessionFileError(p, f"the file is truncated (it has {size} of its {match.group(1)} bytes)")
    f.forcelab_real_size = size  # session_model.valid_rows ignores chunks past it
    log.warning("%s: the file was cut short (its last write failed); reading what was committed", p)
    return f


def _check_format(p: Path, f: h5py.File) -> h5py.File:
    """Close ``f`` and raise :class:`SessionFileError` unless it is a session of a readable version."""
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
