"""Recompute a session's metrics from its raw data with today's methods, keeping the old results.

The force is rebuilt from the stored raw data and calibration (not from the stored force), analysed
again, and written as the trial's current ``metrics``; what was there before moves to
``metrics_history/v<N>_<date>`` (when the new analysis says exactly the same, the entry keeps who ran it
and when, and shares the current analysis' tables). The file is rewritten compactly
(:func:`forcelab.storage.rewrite.rewrite_session`: it grows by what history keeps, never by freed space) and
replaces the original atomically, or is written to a staged
copy that the batch publishes with a version check (:mod:`forcelab.storage.batch`); a kill part-way leaves
the session exactly as it was (a stale ``*.reanalyzing`` copy at most, overwritten by the next run).

Trials re-analysed with today's analysis are stamped with its method version
(:func:`forcelab.storage.bridge.method_version`); :func:`reanalyze_session` can skip those (the batch
re-analysis is idempotent and resumable because of this), and can keep going past a trial that fails,
reporting it by number and reason.
"""

from __future__ import annotations

import os
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
from forcelab.storage.rewrite import rewrite_session
from forcelab.storage.session import open_session
from forcelab.storage.trialio import (
    METHOD_VERSION_ATTR,
    RESULT_PARTS,
    move_to_history,
    read_result,
    write_result,
)

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
    written: Path | None = None  # the file the new analyses are in (``path``, or ``dest`` when given)
    kept: set[int] = field(default_factory=set)  # trials whose old analysis went to history (it differed)


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
    analyze: Callable[..., TrialResult] | None = None,
    force: bool = True,
    tests: Collection[str] | None = None,
    keep_going: bool = False,
    dest: str | os.PathLike[str] | None = None,
) -> SessionReanalysis:
    """Re-analyse the trials of one session file and write the results into it.

    ``force=False`` skips trials whose metrics are already at today's method version; ``tests`` limits the
    re-analysis to trials of those tests; ``keep_going`` records a trial that fails (see
    :data:`TRIAL_ERRORS`) in ``failures`` and writes the others, instead of raising. Trials analysed with a
    custom ``analyze`` get no method version (it is not today's analysis). The file is not rewritten when
    no trial was re-analysed. ``dest``: write the re-analysed session there (``written``) and leave ``path``
    as it is, for the caller to put in place through the version-checked publish
    (:func:`forcelab.storage.publish.replace_published`); without it ``path`` is replaced directly.
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
    geometry = session.device.get("plate_geometry") or {}  # the CoP of a balance trial, from the cells
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
            trace = t.trace_from_raw(channel_map if isinstance(channel_map, dict) else None,
                                     geometry if isinstance(geometry, dict) else None)
            inputs = bridge.tester_inputs(t.result)  # a loaded jump's load, a drop jump's box height
            new[t.number] = run(trace, t.test, **inputs) if inputs else run(trace, t.test)
        except TRIAL_ERRORS as exc:
            if not keep_going:
                raise
            report.failures.append(TrialFailure(t.number, f"{type(exc).__name__}: {exc}"))
    if new:
        report.kept = _write(p, new, version, None if dest is None else Path(dest))
        report.written = Path(dest) if dest is not None else p
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


def _same_analysis(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Whether two stored analyses (:func:`read_result`) say the same: metrics, events, flags, tables, test, params."""
    keys = ("test", "metrics", "events", "flags", "params", "tables")
    return a is not None and b is not None and all(a.get(k) == b.get(k) for k in keys)


def _write(p: Path, new: dict[int, TrialResult], version: str, dest: Path | None) -> set[int]:
    """Move the current analyses of ``new``'s trials to history and write ``new``, as a new compact file
    replacing ``p`` (or at ``dest``). A trial whose new analysis says exactly what its current one said still
    gets its history entry (software, method version, when), but its tables are the current ones, linked
    (HDF5 hard links), not a second copy: re-running an unchanged method costs no space. Returns the trials
    whose old analysis differed from the new one."""
    kept: set[int] = set()

    def change(f: h5py.File) -> None:
        trials = f[schema.TRIALS]
        stamp = f"{datetime.now():%Y%m%dT%H%M%S}"
        for number, result in new.items():
            g = trials[schema.trial_group_name(number)]
            hist = g.get(schema.HISTORY)
            label = f"v{(len(hist) if hist is not None else 0) + 1}_{stamp}"
            move_to_history(g, label)
            payload = result.to_dict()
            payload["rate"] = result.rate
            write_result(g, payload, software=f"forcelab {__version__}", method_version=version)
            hist = g.get(schema.HISTORY)
            if hist is None or label not in hist:
                continue  # there was no analysis before
            old = hist[label]
            if _same_analysis(read_result(old), read_result(g)):
                for part in RESULT_PARTS:  # the same tables: history and current share them (HDF5 hard links)
                    if part in g:
                        del g[part]
                    if part in old:
                        g[part] = old[part]
            else:
                kept.add(number)

    rewrite_session(p, change, dest=dest, while_recording="re-analyse it when the recording ends")
    return kept
