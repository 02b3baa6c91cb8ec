"""The archive's two calls into analysis: segment a long recording, analyse one trial.

Kept in one place so the archive depends on exactly ``forcelab.analysis.segmentation.find_trials`` and
``forcelab.analysis.dispatch.analyze``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from forcelab.analysis import catalog, dispatch
from forcelab.analysis.segmentation import find_trials
from forcelab.analysis.types import ForceTrace, TrialResult

#: The tests whose long recordings the archive cuts into trials and analyses (import, re-analysis): the
#: catalogue's entries with an offline segmentation (forcelab.analysis.catalog; balance as stances of the set
#: duration, analysable only with the centre of pressure from the plates' cells: see :data:`NEEDS_CELLS`).
TESTS: tuple[str, ...] = catalog.keys(lambda e: e.analysable and e.segment is not None)
#: The tests whose trials are measured on the centre of pressure, which the archive recomputes from the raw
#: per-cell forces and the plates' geometry (a re-analysis must reach the same CoP): the stance tests.
NEEDS_CELLS: frozenset[str] = frozenset(k for k in TESTS if (s := catalog.entry(k).segment) is not None
                                        and s.kind == "stance")

def analyze(trace: ForceTrace, test: str, **params: Any) -> TrialResult:
    """Today's analysis of one trial of ``test`` (``cmj``, ``sj``, ``dj``, ``imtp``, ``rebound`` ...), with the trial's inputs
    in ``params`` (e.g. a loaded jump's ``load_mass``; see :func:`forcelab.analysis.dispatch.analyze`)."""
    return dispatch.analyze(trace, test, **params)


#: Trial inputs the tester entered, not analysis settings: a loaded jump's load (kg), a drop jump's box height
#: (m), a single-leg trial's limb when the tester named it (``None`` when it was detected from the plates), a
#: balance trial's condition (eyes open / closed), stance and duration (s, which the tester sets as the trial's
#: length). Stored in the trial's analysis ``params``; a re-analysis passes them again (without them a loaded
#: jump would be analysed as an unloaded one, and its body mass would become the system's; a balance trial would
#: lose its condition, and a stance cut short by a step-off its ``short_trial`` flag).
TESTER_INPUTS = ("load_mass", "drop_height", "limb", "condition", "stance", "duration")


def tester_inputs(result: Mapping[str, Any] | None) -> dict[str, Any]:
    """The :data:`TESTER_INPUTS` stored in an archived analysis (``TrialResult.to_dict()``), as keyword arguments
    of :func:`analyze` (none given: empty)."""
    params = (result or {}).get("params") or {}
    return {k: params[k] for k in TESTER_INPUTS if params.get(k) is not None}


@cache
def method_version() -> str:
    """The version of today's analysis methods: ``"a-"`` and 12 hex digits of a SHA-256.

    Derived, not declared: the hash runs over the source of every module of ``forcelab.analysis`` (sorted
    by file name, each file's name and bytes), so any change to a definition, a default parameter or a
    threshold gives a new version by itself and nobody has to remember to bump a number. It is
    conservative: a change to a comment also gives a new version (the trials are then re-analysed once
    more, to the same values). Every install of the same code gives the same version, so the workers of a
    cluster agree with the machine that plans the batch.
    """
    digest = hashlib.sha256()
    package = resources.files("forcelab.analysis")
    for item in sorted(package.iterdir(), key=lambda entry: entry.name):
        if item.name.endswith(".py"):
            digest.update(item.name.encode())
            digest.update(item.read_bytes())
    return "a-" + digest.hexdigest()[:12]


def segments(trace: ForceTrace, test: str, **overrides: Any) -> list[tuple[int, int]]:
    """``[(start, stop)]`` sample ranges of the trials in a long recording (stop exclusive). ``overrides``: the
    recording's own values of the catalogue's thresholds, e.g. the ``duration`` of a balance trial, which the
    tester sets."""
    seg = catalog.entry(test).segment
    if seg is None:
        raise ValueError(f"{test} recordings are not cut into trials; archive tests: {', '.join(TESTS)}")
    thresholds: dict[str, Any] = {**seg.thresholds, **overrides}
    out = []
    for found in find_trials(trace, kind=seg.kind, **thresholds):
        start, stop = int(found.start), min(int(found.end), trace.n)
        if stop > start:
            out.append((start, stop))
    return out
