"""Loaded jumps: a countermovement or squat jump with an external mass (barbell, weight vest, dumbbells).

The tester enters the external load in kilograms (``load_mass=``); the analysis is the CMJ's or squat jump's
own (:func:`forcelab.analysis.jump_core.run_core` calls the two functions here), with one rule:

*The plate weighs the system.* The athlete stands still holding the load before the jump, so the trial's
weighing window measures the **system weight** ``W_sys = (m_body + m_load) g``. Impulse–momentum integration
uses the system mass ``m_sys = W_sys / g`` (the load moves with the athlete's centre of mass, so the force the
plate measures accelerates both), and everything that follows is the system's: take-off velocity, both jump
heights, phase velocities, power ``F·v`` and momentum (the "system mass" force-plate method, Cormie et al.
2007). The athlete's body mass is derived: ``m_body = W_sys / g - m_load``.

When the body weight is known from a separate weighing *without* the load (``body_weight=``, e.g. the
session weighing of :func:`forcelab.analysis.dispatch.analyze_with_session_weight`), the system weight the
analysis uses is ``body_weight + m_load g``.

Metrics. ``system_weight`` / ``system_mass`` (the weighing, or the given body weight plus the load),
``body_weight`` / ``body_mass`` (system minus the load), ``external_load`` (kg, as entered) and
``peak_power_per_body_mass`` (system peak power over the athlete's body mass, W/kg). Relative metrics that
the unloaded jump reports per body weight or per kilogram (``relative_peak_force``, ``relative_peak_power``,
``relative_net_impulse`` ...) are per **system** weight / mass here, consistently with the integration.
A load that leaves less than ``min_body_weight`` for the athlete (a load entered for an unloaded trial, or
in pounds) raises the flag ``load_exceeds_weighing``.
"""

from __future__ import annotations

import dataclasses
import math

from forcelab.analysis.jump_metrics import MetricBook
from forcelab.analysis.params import num
from forcelab.analysis.types import ParamValue

REF_CORMIE = "Cormie, McBride & McCaulley 2007, J Appl Biomech 23(2):103-118 (system-mass force-plate method)"
#: Method id of the derived body weight and mass of a loaded jump.
BODY_FROM_SYSTEM = "system_weight_minus_load"
#: Method id of the external load metric: a value entered by the tester, not measured.
ENTERED = "entered_by_tester"


def load_of(params: dict[str, ParamValue]) -> float | None:
    """The external load (kg) in ``params["load_mass"]``, or ``None`` for an unloaded jump.

    ``ValueError`` naming ``load_mass`` when it is not a finite number of kilograms >= 0."""
    load = params.get("load_mass")
    if load is None:
        return None
    if isinstance(load, bool) or not isinstance(load, int | float):
        raise ValueError(f"load_mass must be a number of kilograms, got {load!r}")
    value = float(load)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"load_mass must be a finite number of kilograms >= 0, got {load!r}")
    return value


def system_weight_given(body_weight: float | None, load: float | None, g: float) -> float | None:
    """The system weight (N) for a body weight given from a weighing without the load: ``body_weight + load g``
    (``body_weight`` unchanged for an unloaded jump or no given body weight)."""
    if body_weight is None or load is None:
        return body_weight
    return body_weight + load * g


def add_system(book: MetricBook, load: float, g: float) -> None:
    """Turn the weighing metrics of a loaded jump into the system's and derive the athlete's.

    Call right after the weighing metrics were written (``body_weight``, ``body_mass`` hold the system's
    values, since the plate weighed athlete and load together): they are renamed ``system_weight`` and
    ``system_mass`` (same value, method and reference), ``body_weight`` / ``body_mass`` are added as the
    system minus the load, and ``external_load`` as entered. ``params["load_mass"]`` is what the archive keeps.
    """
    res = book.result
    renamed = {}
    for old, new, what in (("body_weight", "system_weight", "Weight of athlete and external load together"),
                           ("body_mass", "system_mass", "Mass of athlete and external load together")):
        m = res.metrics.pop(old)
        renamed[new] = dataclasses.replace(m, name=new, description=f"{what}: {m.description}")
    for m in renamed.values():
        res.add_metric(m)
    sys_w = renamed["system_weight"].value
    why = renamed["system_weight"].reason
    body = None if sys_w is None else sys_w - load * g
    book.put("external_load", load, "kg", ENTERED, REF_CORMIE,
             description="External mass (barbell, vest) entered by the tester, carried during the jump.")
    book.put("body_weight", body, "N", BODY_FROM_SYSTEM, REF_CORMIE, reason=why,
             description="System weight minus the external load's weight (load × g).")
    book.put("body_mass", None if body is None else body / g, "kg", BODY_FROM_SYSTEM, REF_CORMIE, reason=why,
             description="System mass minus the external load.")
    floor = num(book.params, "min_body_weight")
    if body is not None and sys_w is not None and body < floor:
        res.flag("load_exceeds_weighing",
                 f"the system weighs {sys_w:.1f} N; less the {load:g} kg load ({load * g:.1f} N) that leaves "
                 f"{body:.1f} N for the athlete, below min_body_weight {floor:g} N: was the load entered for an "
                 "unloaded trial, or in pounds?")


def add_body_mass_power(book: MetricBook) -> None:
    """``peak_power_per_body_mass`` of a loaded jump: the system's peak power over the athlete's body mass
    (W/kg); nothing for an unloaded jump (no ``load_mass`` in the book's params)."""
    load = load_of(dict(book.params))
    if load is None:
        return
    res = book.result
    pp, body = res.value("peak_power"), res.value("body_mass")
    value, why = None, res.metrics["peak_power"].reason
    if pp is not None:
        if body is not None and body > 0:
            value = pp / body
        else:
            why = "body mass not found (or not positive once the load is taken off)"
    book.put("peak_power_per_body_mass", value, "W/kg", "system_peak_power_over_body_mass", REF_CORMIE, reason=why,
             description=f"Peak power of athlete and {load:g} kg load over the athlete's body mass.")
