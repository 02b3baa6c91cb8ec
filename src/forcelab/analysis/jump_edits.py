"""Events placed by hand in the review screen, for the jump analyses (``events=`` of cmj / sj / dj).

A tester who disagrees with a detected event drags it; the analysis runs again with that event fixed at the
given sample and everything downstream (weighing, integration from onset, phases, flight time, heights,
landing metrics, per-limb and asymmetry) recomputed from it. This module checks the hand-placed indices
(known name, an integer sample inside the trace, events in their order) with errors that name the event,
its value and what is allowed, so the GUI can show the message as is; and marks the result: each edited
event carries the method :data:`EDITED`, ``params["edited_events"]`` lists their names (as the isometric
analysis does) and the flag ``edited_events`` says which events were set by hand.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from numbers import Integral

from forcelab.analysis.params import num
from forcelab.analysis.types import Event, ParamValue, TrialResult

#: The method of an event placed by hand (the review screen keeps events with this method when another moves).
EDITED = "edited"


def window_samples(params: Mapping[str, ParamValue], rate: float) -> int:
    """Samples in the weighing window of ``params`` at ``rate`` (as :func:`forcelab.analysis.weighing.weigh`)."""
    return int(round(num(params, "weighing_window") * rate))


def _index(name: str, value: object) -> int:
    """``value`` as a sample index, or ``ValueError`` naming ``name``."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(f"{name} must be a sample index (a whole number), got {value!r}")


def check_edits(events: Mapping[str, int] | None, editable: Collection[str], *, n: int, rate: float, test: str,
                weighing_samples: int | None = None) -> dict[str, int]:
    """Hand-placed events as validated sample indices into a trace of ``n`` samples.

    Raises ``ValueError`` for a name not in ``editable`` (listing the editable ones), a value that is not a
    whole number, or an index outside the trace (giving the valid samples and seconds); ``weighing_start``
    must leave room for the ``weighing_samples``-sample window before the end of the trace.
    """
    if not events:
        return {}
    if not isinstance(events, Mapping):
        raise ValueError(f"events must map event names to sample indices, got {type(events).__name__}")
    unknown = sorted(str(k) for k in set(events) - set(editable))
    if unknown:
        raise ValueError(f"event(s) {', '.join(unknown)} cannot be placed by hand in a {test}; "
                         f"editable: {', '.join(editable)}")
    out: dict[str, int] = {}
    for name in editable:  # in the analysis' order, so messages and params are stable
        if name not in events:
            continue
        idx = _index(name, events[name])
        hi = n - 1
        what = "the trace"
        if name == "weighing_start":
            w = weighing_samples or 0
            if w < 2:
                raise ValueError(f"the weighing window holds {w} samples at {rate:g} Hz; it needs at least 2")
            hi = n - w
            what = f"the trace less the {w / rate:g} s weighing window"
        if not 0 <= idx <= hi:
            raise ValueError(f"{name} at sample {idx} ({idx / rate:.3f} s) is outside {what}: valid samples "
                             f"0-{max(hi, 0)} (0.000-{max(hi, 0) / rate:.3f} s)")
        out[name] = idx
    return out


def check_order(chain: Sequence[tuple[str, int | None, str]], edits: Collection[str], rate: float, *,
                may_touch: tuple[str, str] | None = None) -> None:
    """``ValueError`` when two found events of ``chain`` are out of order and one of them was placed by hand.

    ``chain`` lists ``(label, index, editable name)`` in the required order; detected events are in order by
    construction, so only pairs with an edited member are checked. The pair ``may_touch`` (two labels) may
    share a sample; any other pair must be strictly increasing.
    """
    found = [(label, i, name) for label, i, name in chain if i is not None]
    for (a, ia, na), (b, ib, nb) in zip(found, found[1:], strict=False):
        if na not in edits and nb not in edits:
            continue
        if ib < ia or (ib == ia and (a, b) != may_touch):
            raise ValueError(f"{b} at sample {ib} ({ib / rate:.3f} s) must come after {a} at sample {ia} "
                             f"({ia / rate:.3f} s); move {nb if nb in edits else na}")


def edited_event(name: str, index: int, rate: float) -> Event:
    """The event ``name`` placed by hand at sample ``index``."""
    return Event(name, index, rate, EDITED)


def mark_result(res: TrialResult, edits: Mapping[str, int]) -> None:
    """Record in ``res`` that ``edits`` were placed by hand: ``params["edited_events"]`` and the flag."""
    if not edits:
        return
    res.params["edited_events"] = ",".join(edits)
    where = ", ".join(f"{k} at {i / res.rate:.3f} s" for k, i in edits.items())
    res.flag("edited_events", f"events set by hand: {where}; the metrics follow them, not the detector")
