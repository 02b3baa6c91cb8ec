"""The archive's two calls into analysis: segment a long recording, analyse one trial.

Kept in one place so the archive depends on exactly ``forcelab.analysis.segmentation.find_trials`` and
``forcelab.analysis.dispatch.analyze``, and says clearly when they are not available.
"""

from __future__ import annotations

import importlib
from typing import Any

from forcelab.analysis.types import ForceTrace, TrialResult

TESTS = ("cmj", "sj", "dj", "imtp")


class AnalysisUnavailable(RuntimeError):
    """forcelab's analysis modules needed by the archive are missing (a broken install)."""


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise AnalysisUnavailable(f"{name} is not available in this forcelab install") from exc


def analyze(trace: ForceTrace, test: str) -> TrialResult:
    """Today's analysis of one trial of ``test`` (``cmj``, ``sj``, ``dj``, ``imtp``)."""
    result: TrialResult = _module("forcelab.analysis.dispatch").analyze(trace, test)
    return result


def segments(trace: ForceTrace, test: str) -> list[tuple[int, int]]:
    """``[(start, stop)]`` sample ranges of the trials in a long recording (stop exclusive)."""
    found = _module("forcelab.analysis.segmentation").find_trials(trace, kind=_kind(test))
    out = []
    for seg in found:
        start = int(seg.start)
        stop = int(getattr(seg, "end", getattr(seg, "stop", 0)))
        if stop > start:
            out.append((start, min(stop, trace.n)))
    return out


def _kind(test: str) -> str:
    return "pull" if test == "imtp" else "jump"
