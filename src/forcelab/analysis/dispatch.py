"""One entry point for every test: ``analyze(trace, test, **params)``.

``test`` is one of :data:`TESTS` or ``"auto"``; with ``"auto"`` the test is told from the trace by
:func:`forcelab.analysis.detect.detect_test_type`, and the result records what was detected and why
(``params["detected_test"]``, ``params["detection"]`` and the flag ``test_auto_detected``). Parameters
that the chosen analysis does not take are an error naming them and the valid ones, not a traceback.
``events=`` carries events placed by hand in the review screen (name -> sample index) to the analysis; every
analysis takes them (its module's ``EDITABLE_EVENTS`` names the events it lets a tester move). The analysis
modules are imported when first used, so that this module loads without them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from forcelab.analysis.params import keyword_defaults
from forcelab.analysis.types import ForceTrace, TrialResult

TESTS = ("cmj", "sj", "dj", "imtp")

_NAMES = {"cmj": "countermovement jump", "sj": "squat jump", "dj": "drop jump", "imtp": "isometric pull"}


def _function(test: str) -> Callable[..., TrialResult]:
    if test == "cmj":
        from forcelab.analysis.cmj import analyze_cmj

        return analyze_cmj
    if test == "sj":
        from forcelab.analysis.sj import analyze_sj

        return analyze_sj
    if test == "dj":
        from forcelab.analysis.dj import analyze_dj

        return analyze_dj
    from forcelab.analysis.isometric import analyze_isometric

    return analyze_isometric


def parameters(test: str) -> dict[str, Any]:
    """The keyword parameters of ``test``'s analysis with their defaults."""
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; valid tests: {', '.join(TESTS)}, auto")
    return keyword_defaults(_function(test))


def editable_events(test: str) -> tuple[str, ...]:
    """The events of ``test``'s analysis that a tester may place by hand (its module's ``EDITABLE_EVENTS``)."""
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; valid tests: {', '.join(TESTS)}")
    module = importlib.import_module(_function(test).__module__)
    return tuple(module.EDITABLE_EVENTS)


def analyze(trace: ForceTrace, test: str, *, events: Mapping[str, int] | None = None,
            **params: Any) -> TrialResult:
    """Analyse one trial of ``test`` (``"cmj"``, ``"sj"``, ``"dj"``, ``"imtp"`` or ``"auto"``).

    ``events`` are events placed by hand (name -> sample index into ``trace``), passed to the analysis:
    they replace the detected ones and the metrics follow (see :func:`editable_events`). Raises
    :class:`ValueError` for an unknown test, a parameter the analysis does not take, an event it does not
    let a tester place or one outside the trace or out of order (the message names the event, its value
    and what is allowed), or (with ``"auto"``) a trace whose test cannot be told.
    """
    if not isinstance(test, str) or (test not in TESTS and test != "auto"):
        raise ValueError(f"unknown test {test!r}; valid tests: {', '.join(TESTS)}, auto")
    detected: tuple[str, str] | None = None
    if test == "auto":
        from forcelab.analysis.detect import detect_test_type

        detected = detect_test_type(trace)
        test = detected[0]
    valid = parameters(test)
    unknown = sorted(set(params) - (set(valid) - {"events"}))
    if unknown:
        raise ValueError(f"parameter(s) {', '.join(unknown)} do not apply to the {_NAMES[test]} ({test}); "
                         f"valid: {', '.join(sorted(valid))}")
    if events:
        params["events"] = dict(events)
    result = _function(test)(trace, **params)
    if detected is not None:
        result.params["detected_test"] = detected[0]
        result.params["detection"] = detected[1]
        result.flag("test_auto_detected", f"analysed as {_NAMES[detected[0]]} ({detected[0]}): {detected[1]}")
    return result


def settings_of(result: TrialResult) -> dict[str, Any]:
    """The analysis settings recorded in ``result.params``, as keyword arguments for ``result.test``'s analysis.

    Only the analysis' own parameters are taken (not ``detected_test``, ``edited_events`` ...); a setting
    stored as text for a sequence parameter (the isometric ``windows``, ``"0.05,0.1"``) is turned back into
    numbers.
    """
    defaults = parameters(result.test)
    out: dict[str, Any] = {}
    for key, default in defaults.items():
        if key == "events" or key not in result.params:
            continue
        value = result.params[key]
        if isinstance(default, tuple | list) and isinstance(value, str):
            out[key] = tuple(float(v) for v in value.split(",") if v)
        else:
            out[key] = value
    return out


def reanalyze(trace: ForceTrace, result: TrialResult, events: Mapping[str, int] | None) -> TrialResult:
    """Analyse ``trace`` again as ``result`` was (same test and settings, e.g. a drop jump's ``drop_height``),
    with ``events`` placed by hand: what the review screen calls after an event was dragged. Errors as
    :func:`analyze` (a ``ValueError`` naming a bad event)."""
    return analyze(trace, result.test, events=events, **settings_of(result))
