"""Rewrite a closed session file: change it, repack it, put it in place atomically.

Every change of a closed session (the tester's decision, a late or edited analysis, a re-analysis) is made
here. The file is read whole into memory, changed there, and
its live content copied object by object (``h5py`` copy: chunks are copied as they are, virtual datasets
stay views) into a new file, which is fsynced and then renamed over the original (or left at ``dest`` for
the caller to publish). So a crash part-way leaves the session as it was, and the file never keeps the
space of what a change deleted or moved: HDF5 does not reclaim freed space in a file, and editing a copy in
place made every re-analysis add the whole size of the old analysis again (a file doubled per pass).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import h5py

from forcelab.storage.recovery import ensure_final_layout


def fsync_path(path: str | os.PathLike[str]) -> None:
    """Flush a file (or a folder's entries: a rename in it) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def repack(src: h5py.File, dest: str | os.PathLike[str]) -> None:
    """Write every object and root attribute of ``src`` into a new file ``dest`` (no freed space), fsynced."""
    with h5py.File(dest, "w", libver="latest") as out:
        for key, value in src.attrs.items():
            out.attrs[key] = value
        for name in src:
            src.copy(src[name], out, name=name)
    fsync_path(dest)


def staged_name(target: Path, purpose: str) -> Path:
    """The hidden file beside ``target`` a new version of it is written to before it replaces it."""
    return target.with_name(f".{target.name}.{purpose}")


def rewrite_session(
    path: str | os.PathLike[str],
    change: Callable[[h5py.File], object],
    *,
    dest: str | os.PathLike[str] | None = None,
    while_recording: str = "change it through its recorder",
) -> Path:
    """Apply ``change`` to the closed session at ``path`` and write the result compactly; returns the new file.

    Without ``dest`` the new file replaces ``path`` (written beside it first, fsynced, ``os.replace``d).
    With ``dest`` it is written there and ``path`` is left untouched: the caller publishes it (a version
    checked replace, :func:`forcelab.storage.publish.commit_staged`). A session a live process records
    raises ``ValueError`` ending in ``while_recording``; a crashed one is recovered first. ``change`` may
    raise to cancel: nothing is written then.
    """
    p = ensure_final_layout(path, while_recording=while_recording)
    out = Path(dest) if dest is not None else staged_name(p, "rewriting")
    try:
        with h5py.File(io.BytesIO(p.read_bytes()), "r+") as f:  # changed in memory; needs no write access to p
            change(f)
            repack(f, out)
        if dest is None:
            os.replace(out, p)
            fsync_path(p.parent)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return p if dest is None else out
