"""Storage: the HDF5 session archive, its SQLite index, import and export (no Qt).

The reading API is ``forcelab.storage.open_session(path) -> Session``; writing is
:class:`forcelab.storage.writer.SessionWriter`; the format is specified in docs/archive-format.md.
Names are imported on first use, so ``forcelab.storage.readers`` does not pull in h5py.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "open_session": "forcelab.storage.session",
    "Session": "forcelab.storage.session",
    "Trial": "forcelab.storage.session",
    "SessionFileError": "forcelab.storage.h5open",
    "SessionWriter": "forcelab.storage.writer",
    "SessionInfo": "forcelab.storage.writer",
    "Calibration": "forcelab.devices.calibration",
    "ArchiveWriteError": "forcelab.storage.writer",
    "ArchiveIndex": "forcelab.storage.index",
    "archive_dir": "forcelab.storage.archive",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'forcelab.storage' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
