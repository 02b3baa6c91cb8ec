"""One entry point for every test: ``analyze(trace, test, **params)``.

``test`` is one of :data:`TESTS` or ``"auto"``; with ``"auto"`` the test is told from the trace by
:func:`forcelab.analysis.detect.detect_test_type`, and the result records what was detected and why
(``params["detected_test"]``, ``params["detection"]`` and the flag ``test_auto_detected``). Parameters
that the chosen analysis does not take are an error naming them and the valid ones, not a traceback.
``events=`` carries events placed by hand in the review screen to analyses that take them. The analysis
modules are imported when first used, so that this module loads without them.
"""

from __future__ import annotations

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


def analyze(trace: ForceTrace, test: str, *, events: Mapping[str, int] | None = None,
            **params: Any) -> TrialResult:
    """Analyse one trial of ``test`` (``"cmj"``, ``"sj"``, ``"dj"``, ``"imtp"`` or ``"auto"``).

    ``events`` are events placed by hand (name -> sample index), passed to analyses that accept them;
    an analysis that does not raises :class:`NotImplementedError` saying so. Raises
    :class:`ValueError` for an unknown test, a parameter the analysis does not take, or (with
    ``"auto"``) a trace whose test cannot be told.
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
        if "events" not in valid:
            raise NotImplementedError(f"the {_NAMES[test]} analysis cannot take hand-placed events yet")
        params["events"] = dict(events)
    result = _function(test)(trace, **params)
    if detected is not None:
        result.params["detected_test"] = detected[0]
        result.params["detection"] = detected[1]
        result.flag("test_auto_detected", f"analysed as {_NAMES[detected[0]]} ({detected[0]}): {detected[1]}")
    return result
