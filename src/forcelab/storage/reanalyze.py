"""Recompute a session's metrics from its raw data with today's methods, keeping the old results.

The force is rebuilt from the stored raw data and calibration (not from the stored force), analysed
again, and written as the trial's current ``metrics``; what was there before moves to
``metrics_history/v<N>_<date>``. The file is edited in a copy that replaces the original atomically.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import datetime
from typing import Any

import h5py

from forcelab import __version__
from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.storage import bridge, schema
from forcelab.storage.recovery import ensure_final_layout
from forcelab.storage.session import open_session
from forcelab.storage.trialio import move_to_history, write_result


def reanalyze(
    path: str | os.PathLike[str],
    *,
    analyze: Callable[[ForceTrace, str], TrialResult] | None = None,
) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    """Re-analyse every trial; returns ``{trial: (old_metrics, new_metrics)}``."""
    # a crashed session gets its trial groups first
    p = ensure_final_layout(path, while_recording="re-analyse it when the recording ends")
    session = open_session(p)
    if session.schema_version != schema.SCHEMA_VERSION:
        raise ValueError(f"{p}: schema version {session.schema_version} files are read-only; import them again")
    run = analyze or bridge.analyze
    channel_map = session.device.get("channel_map") or {}
    new: dict[int, TrialResult] = {}
    old = {t.number: t.metrics for t in session.trials}  # read now: the file is rewritten below
    for t in session.trials:
        trace = t.trace_from_raw(channel_map if isinstance(channel_map, dict) else None)
        new[t.number] = run(trace, t.test)
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
                write_result(g, payload, software=f"forcelab {__version__}")
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()
    return {number: (old[number], result.to_dict()["metrics"]) for number, result in new.items()}
