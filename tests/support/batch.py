"""Shared helpers for the batch re-analysis tests: a small real archive and what each trial holds on disk."""

from __future__ import annotations

import shutil
from pathlib import Path

import h5py

from forcelab.simulation.example_archive import build
from forcelab.storage import schema
from forcelab.storage.archive import session_files
from forcelab.storage.h5tables import attr_num, attr_str
from forcelab.storage.trialio import METHOD_VERSION_ATTR


def small_archive(cache: Path, dest: Path, *, weeks: int = 2, trials: int = 2) -> Path:
    """A copy in ``dest`` of an example archive (3 athletes x ``weeks`` sessions x ``trials`` CMJs, written
    through the real writer and analysed with the real analysis), built once into ``cache``."""
    if not cache.exists():
        build(cache, weeks=weeks, trials=trials)
    shutil.copytree(cache, dest)
    return dest


def trial_states(archive: Path, files: list[Path] | None = None) -> dict[tuple[str, int], tuple[str, int]]:
    """``{(file name, trial): (method version, number of analyses in its history)}`` for every trial (of
    ``files``, default every session file of the archive)."""
    states = {}
    for p in session_files(archive) if files is None else files:
        with h5py.File(p, "r") as f:
            for g in f[schema.TRIALS].values():
                hist = g.get(schema.HISTORY)
                states[(p.name, int(attr_num(g, "number") or 0))] = (
                    attr_str(g, METHOD_VERSION_ATTR), 0 if hist is None else len(hist)
                )
    return states
