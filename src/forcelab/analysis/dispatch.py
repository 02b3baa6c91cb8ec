"""One entry point for every test: ``analyze(trace, test, **params)``.

``test`` is one of :data:`TESTS` or ``"auto"``; with ``"auto"`` the test is told from the trace by
:func:`forcelab.analysis.detect.detect_test_type`, and the result records what was detected and why
(``params["detected_test"]``, ``params["detection"]`` and the flag ``test_auto_detected``). Parameters
that the chosen analysis does not take are an error naming them and the valid ones, not a traceback.
``events=`` carries events placed by hand in the review screen (name -> sample index) to the analysis; every
analysis takes them (its module's ``EDITABLE_EVENTS`` names the events it lets a tester move). The analysis
modules are imported when first used, so that this module loads without them.

Known body weight. The jump analyses (cmj, sj, dj) take ``body_weight=`` (N) and ``body_weight_sd=`` (N) from a
separate weighing; ``analyze`` forwards them like any parameter (the isometric pull does not take them). The
intended use, in the app and the headless recorder alike, is :func:`analyze_with_session_weight`: analyse the
trial normally; when its own weighing is unsteady (flag ``unsteady_weighing``) or impossible (less than a
weighing window of stance, e.g. a jump soon after the previous landing) and a session weighing exists within
``tolerance`` of the trial's own estimate, analyse again with the session body weight. The result then
carries both flags (``unsteady_weighing`` and ``body_weight_given``), so the substitution is never silent;
a session weighing too far from the trial's is not used and the flag ``session_weight_not_used`` says why.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from forcelab.analysis import catalog
from forcelab.analysis.artefacts import flag_artefacts
from forcelab.analysis.single_leg import SINGLE_LEG_TESTS
from forcelab.analysis.types import ForceTrace, TrialResult

#: The tests this entry point takes, in display order: every analysable entry of the battery's catalogue
#: (forcelab.analysis.catalog: cmj, sj, dj, imtp, rebound, the other isometric tests, the single-leg jumps,
#: the drop landing, balance).
TESTS: tuple[str, ...] = catalog.ANALYSABLE
#: Artefact flags a single-leg trial raises by design (the other plate carries nothing): not reported for them.
SINGLE_LEG_EXPECTED = ("plate_unloaded", "plate_disconnected")
#: The tests whose analysis takes a known body weight (``body_weight=``).
WEIGHED_TESTS = catalog.keys(lambda e: e.weighed)
#: Default largest relative difference between a trial's own (unsteady) body weight and the session weighing
#: for the session weighing to be used: 10 % (7 kg at 70 kg). An unsteady window that holds part of a landing
#: or of the countermovement is typically a few percent off; another athlete's weighing is usually further.
SESSION_WEIGHT_TOLERANCE = 0.10

_NAMES = {k: catalog.entry(k).name for k in TESTS}


def _function(test: str) -> Callable[..., TrialResult]:
    if test in SINGLE_LEG_TESTS:
        from forcelab.analysis.single_leg import SingleLegAnalysis

        return SingleLegAnalysis(test)
    if test == "landing":
        from forcelab.analysis.landing import analyze_landing

        return analyze_landing
    if test == "balance":
        from forcelab.analysis.balance import analyze_balance

        return analyze_balance
    if test == "cmj":
        from forcelab.analysis.cmj import analyze_cmj

        return analyze_cmj
    if test == "sj":
        from forcelab.analysis.sj import analyze_sj

        return analyze_sj
    if test == "dj":
        from forcelab.analysis.dj import analyze_dj

        return analyze_dj
    if test == "rebound":
        from forcelab.analysis.rebound import analyze_rebound

        return analyze_rebound
    from forcelab.analysis.isometric_tests import analyzer  # imtp and every isometric test definition

    return analyzer(test)


def parameters(test: str) -> dict[str, Any]:
    """The keyword parameters of ``test``'s analysis with their defaults: its settings by archive key (its
    module's ``DEFAULTS``) and the trial's inputs (its module's ``INPUTS``, default ``None``)."""
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; valid tests: {', '.join(TESTS)}, auto")
    return {**_described(test).DEFAULTS, **dict.fromkeys(_described(test).INPUTS)}


def editable_events(test: str) -> tuple[str, ...]:
    """The events of ``test``'s analysis that a tester may place by hand (its module's ``EDITABLE_EVENTS``)."""
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; valid tests: {', '.join(TESTS)}")
    return tuple(_described(test).EDITABLE_EVENTS)


def _described(test: str) -> Any:
    """What describes ``test``'s analysis (``DEFAULTS``, ``INPUTS``, ``EDITABLE_EVENTS``): the analysis object when
    it carries them (a single-leg test), else its module."""
    fn = _function(test)
    return fn if hasattr(fn, "DEFAULTS") else importlib.import_module(fn.__module__)


def analyze(trace: ForceTrace, test: str, *, events: Mapping[str, int] | None = None,
            **params: Any) -> TrialResult:
    """Analyse one trial of ``test`` (``"cmj"``, ``"sj"``, ``"dj"``, ``"imtp"``, ``"rebound"``, another isometric
    test of :data:`forcelab.analysis.isometric_tests.DEFINITIONS` such as ``"iso_squat"``, or ``"auto"``).

    ``events`` are events placed by hand (name -> sample index into ``trace``), passed to the analysis:
    they replace the detected ones and the metrics follow (see :func:`editable_events`). Raises
    :class:`ValueError` for an unknown test, a parameter the analysis does not take, an event it does not
    let a tester place or one outside the trace or out of order (the message names the event, its value
    and what is allowed), or (with ``"auto"``) a trace whose test cannot be told. Every result also carries
    the recording's artefacts (:func:`forcelab.analysis.artefacts.flag_artefacts`: flags such as
    ``channel_clipped`` or ``mains_hum``, and the metrics ``drift_rate`` and ``mains_hum_amplitude``).
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
    flag_artefacts(trace, result)
    if test in SINGLE_LEG_TESTS:  # one plate unloaded is the test itself (single_leg checks the other plate)
        result.flags[:] = [f for f in result.flags if f.code not in SINGLE_LEG_EXPECTED]
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


def _needs_session_weight(result: TrialResult) -> bool:
    """True when ``result``'s own weighing is unsteady or was not possible on the trial's stance."""
    if any(f.code == "unsteady_weighing" for f in result.flags):
        return True
    m = result.metrics.get("body_weight")
    return m is not None and m.value is None


def analyze_with_session_weight(trace: ForceTrace, test: str, *, session_body_weight: float | None,
                                session_sd: float | None = None, tolerance: float = SESSION_WEIGHT_TOLERANCE,
                                events: Mapping[str, int] | None = None, **params: Any) -> TrialResult:
    """Analyse one trial, using the session weighing only where the trial cannot weigh the athlete itself.

    The one rule for the GUI and the headless recorder: ``analyze(trace, test, **params)`` first. When that
    result is a jump (cmj, sj, dj) whose weighing is unsteady (flag ``unsteady_weighing``) or not found (too
    little stance), and ``session_body_weight`` (N) is given and within ``tolerance`` (a fraction of the
    session body weight) of the trial's own estimate (a trial that could not weigh itself at all has no
    estimate; the analysis then requires a quiet stance at the given weight to find the onset), the trial is
    analysed again with ``body_weight=session_body_weight, body_weight_sd=session_sd``: that result carries
    ``unsteady_weighing`` (when it was) and ``body_weight_given``. Outside the tolerance the first result is
    returned with the flag ``session_weight_not_used``. A steady trial, an isometric pull or no session weighing
    returns the first result unchanged. Raises ``ValueError`` as :func:`analyze`, for a bad session weight or SD
    (non-finite or <= 0 / < 0), a tolerance outside (0, 1), or ``body_weight`` passed in ``params``.
    """
    if "body_weight" in params or "body_weight_sd" in params:
        raise ValueError("pass the session weighing as session_body_weight / session_sd, not body_weight / "
                         "body_weight_sd")
    if session_body_weight is not None:
        from forcelab.analysis.jump_prep import positive_newtons

        positive_newtons("session_body_weight", session_body_weight)
        if session_sd is not None:
            positive_newtons("session_sd", session_sd, allow_zero=True)
    elif session_sd is not None:
        raise ValueError("session_sd was given without session_body_weight")
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be a fraction of the session body weight in (0, 1), got {tolerance!r}")
    first = analyze(trace, test, events=events, **params)
    if session_body_weight is None or first.test not in WEIGHED_TESTS or not _needs_session_weight(first):
        return first
    own = first.value("body_weight")
    sbw = float(session_body_weight)
    if own is not None and abs(own - sbw) > tolerance * sbw:
        first.flag("session_weight_not_used",
                   f"this trial weighs {own:.1f} N and the session weighing {sbw:.1f} N: more than "
                   f"{tolerance * 100:g} % apart, so the session weighing was not used (another athlete, or the "
                   "trial's weighing is far off: check both)")
        return first
    return analyze(trace, test, events=events, body_weight=sbw,
                   body_weight_sd=None if session_sd is None else float(session_sd), **params)
