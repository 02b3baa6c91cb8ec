"""The drop height a tester gives for a drop from a box (drop jump, drop landing), handled in one place.

The drop jump and the drop landing take the same trial inputs (``drop_height``, and a separate weighing's
``body_weight`` / ``body_weight_sd``), check them the same way, turn the drop height into the touchdown velocity
the same way, and store it as the same input metric. The touchdown velocity is that of a free fall from the box,
``v = -sqrt(2 g h)`` (downward negative; Linthorne 2001 for its use in the drop jump's forward integration).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from forcelab.analysis.jump_metrics import MetricBook
from forcelab.analysis.jump_prep import check_given
from forcelab.analysis.types import ParamValue

#: The reason of every metric that needs the drop height when none was given.
NO_DROP_HEIGHT = "no drop height given"


def drop_inputs(drop_height: float | None, settings: Mapping[str, ParamValue], body_weight: float | None,
                body_weight_sd: float | None) -> tuple[dict[str, ParamValue], float | None, float | None]:
    """The trial's ``params`` (``drop_height`` first, then the ``settings`` by archive key, then the given
    weighing) and the given body weight and its SD, checked (:func:`~forcelab.analysis.jump_prep.check_given`).
    ``ValueError`` for a given weighing that is not a force, and for a drop height that is not a non-negative
    number of metres."""
    params: dict[str, ParamValue] = {"drop_height": drop_height, **settings, "body_weight": body_weight,
                                     "body_weight_sd": body_weight_sd}
    given_bw, given_sd = check_given(params)
    if drop_height is not None and not (math.isfinite(drop_height) and drop_height >= 0):
        raise ValueError(f"drop_height must be a non-negative number of metres, got {drop_height!r}")
    return params, given_bw, given_sd


def touchdown_velocity(drop_height: float | None, g: float) -> float | None:
    """The velocity (m/s, negative: downward) of a free fall of ``drop_height`` m, ``-sqrt(2 g h)``; ``None``
    without a drop height."""
    return None if drop_height is None else -math.sqrt(2.0 * g * drop_height)


def put_drop_height(book: MetricBook, drop_height: float | None, reference: str) -> None:
    """The input metric ``drop_height`` (m; not found, with :data:`NO_DROP_HEIGHT`, when none was given)."""
    book.put("drop_height", drop_height, "m", "input", reference,
             reason=None if drop_height is not None else NO_DROP_HEIGHT, description="Box height (input).")
