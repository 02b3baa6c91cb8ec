"""Repair a session whose recorder died: trial groups written, the interrupted trial found again.

A killed recorder leaves the recording layout (``/stream`` + ``/journal``, no ``/trials``) marked as
open for writing. :func:`recover_session` (run by :meth:`ArchiveIndex.sync` at every start) rewrites it
in the final layout, still marked incomplete (``complete = 0``, ``recovered`` = when), and looks for a
trial in the samples after the last trial the journal knows: the acquisition engine only reports a trial
when it ends, so the one in progress at the crash exists only as samples. Offline segmentation (the same
logic as the online detector) finds it; it is kept, marked ``complete = 0``, with a note, and analysed
if the analysis accepts it. A session that a live process is still recording is never touched.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from forcelab.analysis.types import ForceTrace
from forcelab.storage import bridge, journal, liveness, schema
from forcelab.storage.finalize import finalize
from forcelab.storage.h5open import open_h5_read
from forcelab.storage.session import open_session

log = logging.getLogger(__name__)

NOTE = "found in the samples after the recording stopped abnormally"


def needs_recovery(path: str | os.PathLike[str]) -> bool:
    """True for a session in the recording layout that no live process is writing."""
    p = Path(path)
    with open_h5_read(p) as f:
        finalized = schema.TRIALS in f
    return not finalized and not liveness.is_being_recorded(p)


def ensure_final_layout(path: str | os.PathLike[str], *, while_recording: str) -> Path:
    """Make sure the session at ``path`` is in the final layout before it is edited; returns the path.

    A finalized session is left as it is and a crashed one is recovered first. A session a live process is
    recording raises ``ValueError`` ending in ``while_recording`` (what the caller should do instead).
    """
    p = Path(path)
    with open_h5_read(p) as f:
        finalized = schema.TRIALS in f
    if not finalized:
        if liveness.is_being_recorded(p):
            raise ValueError(f"{p}: this session is being recorded now; {while_recording}")
        recover_session(p)
    return p


def recover_session(path: str | os.PathLike[str]) -> int | None:
    """Recover ``path`` if it needs it; returns the number of trials found after the last known one."""
    p = Path(path)
    if not needs_recovery(p):
        return None
    session = open_session(p)
    last = max((t.stop for t in session.trials), default=0)
    extra: list[journal.TrialRecord] = []
    tail = session.stream_rows - last
    test = session.tests[0] if session.tests else ""
    if tail > 0 and test in bridge.TESTS:
        data = session.stream(last, session.stream_rows)
        left, right = data.get("force_left"), data.get("force_right")
        trace = ForceTrace(rate=session.rate, total=data["force_total"], left=left, right=right)
        ranges = bridge.segments(trace, test)
        number = max((t.number for t in session.trials), default=0)
        for start, stop in ranges:
            number += 1
            rec = journal.TrialRecord(number, test, last + start, None, note=NOTE)
            rec.stop = None if stop >= tail else last + stop
            try:
                rec.result = bridge.analyze(trace.slice(start, stop), test).to_dict()
                rec.result["rate"] = session.rate
            except (ValueError, RuntimeError) as exc:
                log.warning("%s: the interrupted trial could not be analysed: %s", p, exc)
            extra.append(rec)
    finalize(p, complete=False, extra_trials=extra)
    liveness.clear_stale(p)
    log.warning("%s: recovered after an abnormal stop (%d trial(s) found in the samples)", p, len(extra))
    return len(extra)
