"""Recompute a session's metrics from its raw data with today's methods, keeping the old results.

The force is rebuilt from the stored raw data and calibration (not from the stored force), analysed
again, and written as the trial's current ``metrics``; what was there before moves to
``metrics_history/v<N>_<date>``. The file is edited in a copy that replaces the original atomically, so a
kill part-way leaves the session exactly as it was (a stale ``*.reanalyzing`` copy at most, overwritten by
the next run).

Trials re-analysed with today's analysis are stamped with its method version
(:func:`forcelab.storage.bridge.method_version`); :func:`reanalyze_session` can skip those (the batch
re-analysis is idempotent and resumable because of this), and can keep going past a trial that fails,
reporting it by number and reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import h5py

from forcelab import __version__
from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.storage import bridge, schema
from forcelab.storage.h5tables import attr_num, attr_str
from forcelab.storage.recovery import ensure_final_layout
from forcelab.storage.session import open_session
from forcelab.storage.trialio import METHOD_VERSION_ATTR, move_to_history, write_result

#: What one trial's analysis may raise on bad stored data (a corrupt trial, an unknown test, an empty or
#: truncated range): reported for that trial while the others go on.
TRIAL_ERRORS: tuple[type[Exception], ...] = (
    ValueError, KeyError, IndexError, TypeError, ArithmeticError, OSError,
)

Changes = dict[int, tuple[dict[str, Any], dict[str, Any]]]


@dataclass(frozen=True)
class TrialFailure:
    """A trial that could not be re-analysed, and why."""

    trial: int
    reason: str


@dataclass
class SessionReanalysis:
    """What :func:`reanalyze_session` did to one file."""

    path: Path
    changes: Changes = field(default_factory=dict)  # {trial: (old_metrics, new_metrics)}
    skipped: list[int] = field(default_factory=list)  # already at the current method version
    failures: list[TrialFailure] = field(default_factory=list)


def reanalyze(
    path: str | os.PathLike[str],
    *,
    analyze: Callable[[ForceTrace, str], TrialResult] | None = None,
) -> Changes:
    """Re-analyse every trial; returns ``{trial: (old_metrics, new_metrics)}``. A failing trial raises."""
    return reanalyze_session(path, analyze=analyze).changes


def reanalyze_session(
    path: str | os.PathLike[str],
    *,
    analyze: Callable[[ForceTrace, str], TrialResult] | None = None,
    force: bool = True,
    tests: Collection[str] | None = None,
    keep_going: bool = False,
) -> SessionReanalysis:
    """Re-analyse the trials of one session file and write the results into it.

    ``force=False`` skips trials whose metrics are already at today's method version; ``tests`` limits the
    re-analysis to trials of those tests; ``keep_going`` records a trial that fails (see
    :data:`TRIAL_ERRORS`) in ``failures`` and writes the others, instead of raising. Trials analysed with a
    custom ``analyze`` get no method version (it is not today's analysis). The file is not rewritten when
    nothing changed.
    """
    # a crashed session gets its trial groups first
    p = ensure_final_layout(path, while_recording="re-analyse it when the recording ends")
    session = open_session(p)
    if session.schema_version != schema.SCHEMA_VERSION:
        raise ValueError(f"{p}: schema version {session.schema_version} files are read-only; import them again")
    run = analyze or bridge.analyze
    version = bridge.method_version() if analyze is None else ""
    stamped = {} if force else _method_versions(p)
    channel_map = session.device.get("channel_map") or {}
    report = SessionReanalysis(p)
    new: dict[int, TrialResult] = {}
    old: dict[int, dict[str, Any]] = {}
    for t in session.trials:
        if tests is not None and t.test not in tests:
            continue
        if version and stamped.get(t.number) == version:
            report.skipped.append(t.number)
            continue
        try:
            old[t.number] = t.metrics  # read now: the file is rewritten below
            trace = t.trace_from_raw(channel_map if isinstance(channel_map, dict) else None)
            new[t.number] = run(trace, t.test)
        except TRIAL_ERRORS as exc:
            if not keep_going:
                raise
            report.failures.append(TrialFailure(t.number, f"{type(exc).__name__}: {exc}"))
    if new:
        _write(p, new, version)
    report.changes = {number: (old[number], result.to_dict()["metrics"]) for number, result in new.items()}
    return report


def _method_versions(path: Path) -> dict[int, str]:
    """``{trial number: method version of its current metrics}`` ("" where none is stored)."""
    with h5py.File(path, "r") as f:
        trials = f.get(schema.TRIALS)
        if trials is None:
            return {}
        return {
            int(attr_num(g, "number") or 0): attr_str(g, METHOD_VERSION_ATTR)
            for g in trials.values()
            if isinstance(g, h5py.Group)
        }


def _write(p: Path, new: dict[int, TrialResult], version: str) -> None:
    """Move the current analyses of ``new``'s trials to history and write ``new``, atomically."""
    tmp = p.with_name(p.name + ".reanalyzing")
    shutil.copyfile(p, tmp)
    try:
        with h5py.File(tmp, "r+") as f:
            trials = f[schema.TRIALS]
            for number, result in new.items():
                g = trials[schema.trial_group_name(number)]
                hist = g.get(schema.HISTORY)
                label = f"v{(len(hist) if hist is not None else 0) + 1}_{datetime.now():%Y%m%dT%H%M%S}"
                move_to_history(g, label)
                payload = result.to_dict()
                payload["rate"] = result.rate
                write_result(g, payload, software=f"forcelab {__version__}", method_version=version)
            f.flush()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())  # on disk before it replaces the original: a power cut keeps one whole file
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()
