"""The archive's two calls into analysis: segment a long recording, analyse one trial.

Kept in one place so the archive depends on exactly ``forcelab.analysis.segmentation.find_trials`` and
``forcelab.analysis.dispatch.analyze``.
"""

from __future__ import annotations

from forcelab.analysis import dispatch
from forcelab.analysis.segmentation import find_trials
from forcelab.analysis.types import ForceTrace, TrialResult

TESTS = ("cmj", "sj", "dj", "imtp")


def analyze(trace: ForceTrace, test: str) -> TrialResult:
    """Today's analysis of one trial of ``test`` (``cmj``, ``sj``, ``dj``, ``imtp``)."""
    return dispatch.analyze(trace, test)


def segments(trace: ForceTrace, test: str) -> list[tuple[int, int]]:
    """``[(start, stop)]`` sample ranges of the trials in a long recording (stop exclusive)."""
    out = []
    for seg in find_trials(trace, kind="pull" if test == "imtp" else "jump"):
        start, stop = int(seg.start), min(int(seg.end), trace.n)
        if stop > start:
            out.append((start, stop))
    return out
