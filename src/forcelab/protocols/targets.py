"""A step's :class:`~forcelab.protocols.model.Target` made concrete for one athlete: a force line, or why not.

``force`` targets are the newtons given. ``body_weight`` targets are ``percent`` of the athlete's body weight
(the session weighing, else the roster's body mass x g). ``previous_best`` targets are ``percent`` of the best
value the athlete has of the metric (the app finds the values in the archive: trials of the same test and,
when the protocol has several steps of that test, of the same step label, not rejected); only a force (unit
``N``) is drawn as a line, any other best (a jump height) is shown as text to beat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from forcelab.protocols.model import Target


@dataclass(frozen=True)
class ResolvedTarget:
    """``newtons`` to draw (``None``: nothing to draw) and ``text`` for the tester, which says where the
    number came from or why there is none."""

    newtons: float | None
    text: str
    label: str = "target"


def best_of(values: Iterable[float | None], better: str = "higher") -> float | None:
    """The best finite value (highest, or lowest when ``better`` is ``"lower"``); ``None`` if there is none."""
    finite = [float(v) for v in values if v is not None and v == v]
    if not finite:
        return None
    return max(finite) if better == "higher" else min(finite)


def resolve(target: Target | None, *, body_weight: float | None = None, best: float | None = None,
            best_unit: str = "") -> ResolvedTarget | None:
    """``target`` for an athlete whose body weight is ``body_weight`` (N) and whose previous best of the
    target's metric is ``best`` (in ``best_unit``); ``None`` for a step without a target."""
    if target is None:
        return None
    if target.kind == "force":
        assert target.newtons is not None
        return ResolvedTarget(target.newtons, f"target {target.newtons:,.0f} N")
    if target.kind == "body_weight":
        if not body_weight:
            return ResolvedTarget(None, f"target {target.percent:g} % body weight: weigh the athlete first")
        newtons = body_weight * target.percent / 100.0
        return ResolvedTarget(newtons, f"target {newtons:,.0f} N ({target.percent:g} % body weight)",
                              f"{target.percent:g} % BW")
    share = "" if target.percent == 100.0 else f"{target.percent:g} % of "
    if best is None:
        return ResolvedTarget(None, f"no previous {target.metric} in the archive: this trial sets the best")
    value = best * target.percent / 100.0
    if best_unit == "N":
        return ResolvedTarget(value, f"target {value:,.0f} N ({share}previous best {best:,.0f} N)",
                              "previous best" if not share else f"{target.percent:g} % best")
    unit = f" {best_unit}" if best_unit else ""
    return ResolvedTarget(None, f"to beat: {target.metric} {value:.3g}{unit} ({share}previous best)")
