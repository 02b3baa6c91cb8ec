"""Input checks, optional filtering and weighing shared by the jump analyses.

Structurally invalid input (empty, NaN/infinite samples) raises ``ValueError`` naming the channel and the
first bad sample; anything else (nobody on the plate, no quiet stance, no jump) becomes a not-found event
or metric with its reason further on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forcelab.analysis.events import first_run
from forcelab.analysis.filters import lowpass
from forcelab.analysis.jump_edits import EDITED, window_samples
from forcelab.analysis.jump_metrics import Limb
from forcelab.analysis.params import num
from forcelab.analysis.types import ForceTrace, ParamValue
from forcelab.analysis.weighing import Weighing, weigh, weigh_window


@dataclass
class Prepared:
    """The (optionally filtered) forces of a trial."""

    rate: float
    total: np.ndarray
    left: np.ndarray | None
    right: np.ndarray | None


def check_and_filter(trace: ForceTrace, filter_cutoff: float | None, filter_order: int) -> Prepared:
    """Validate ``trace`` and low-pass it when ``filter_cutoff`` (Hz) is given."""
    if not isinstance(trace, ForceTrace):
        raise ValueError(f"expected a ForceTrace, got {type(trace).__name__}")
    if trace.n == 0:
        raise ValueError("the force trace is empty (0 samples)")
    chans: dict[str, np.ndarray] = {"total": trace.total}
    if trace.left is not None and trace.right is not None:
        chans["left"], chans["right"] = trace.left, trace.right
    for name, x in chans.items():
        bad = ~np.isfinite(x)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"{name} force has {int(bad.sum())} missing or non-finite samples, the first at sample {i} "
                f"({i / trace.rate:.3f} s); fix or cut the recording before analysis"
            )
    if filter_cutoff is not None:
        chans = {k: lowpass(v, trace.rate, float(filter_cutoff), order=int(filter_order)) for k, v in chans.items()}
        if "left" in chans:
            chans["total"] = chans["left"] + chans["right"]
    return Prepared(trace.rate, chans["total"], chans.get("left"), chans.get("right"))


def on_plate_region(force: np.ndarray, rate: float, min_body_weight: float, coarse_fraction: float,
                    min_flight: float) -> tuple[int | None, int, str | None]:
    """``(on, off, reason)``: first sample with someone on the plate and the start of the first flight
    (or step-off) after it; the stance before ``off`` is where weighing searches."""
    on_mask = force >= min_body_weight
    if not on_mask.any():
        return None, force.size, (
            f"force never reaches {min_body_weight:g} N (max {float(force.max()):.1f} N): nobody on the plate"
            + (" or the force sign is inverted" if float(force.min()) < -min_body_weight else "")
        )
    on = int(np.argmax(on_mask))
    prelim = float(np.median(force[on_mask]))
    off = first_run(force < coarse_fraction * prelim, int(round(min_flight * rate)), on)
    return on, force.size if off is None else off, None


def weigh_trial(
    prep: Prepared,
    params: dict[str, ParamValue],
    search_start: int,
    search_stop: int,
    at: int | None = None,
) -> tuple[Weighing, dict[str, Limb]]:
    """Weigh on the total force; with two plates also each plate's share over the same window.

    ``at`` is the first sample of a weighing window placed by hand (method ``"edited"``); the search bounds
    and the weighing method are then not used.
    """
    if at is not None:
        w = weigh_window(prep.total, at, window_samples(params, prep.rate), method=EDITED,
                         min_body_weight=num(params, "min_body_weight"), max_sd=num(params, "max_weighing_sd"))
    else:
        w = weigh(
            prep.total, prep.rate,
            search_start=search_start, search_stop=search_stop,
            method=str(params["weighing_method"]), window=num(params, "weighing_window"),
            start=num(params, "weighing_start"), min_body_weight=num(params, "min_body_weight"),
            max_sd=num(params, "max_weighing_sd"),
        )
    limbs: dict[str, Limb] = {}
    if prep.left is not None and prep.right is not None:
        if w.found and w.start is not None and w.stop is not None:
            limbs["left"] = Limb(prep.left, float(prep.left[w.start:w.stop].mean()))
            limbs["right"] = Limb(prep.right, float(prep.right[w.start:w.stop].mean()))
        else:
            limbs["left"] = Limb(prep.left, float("nan"))
            limbs["right"] = Limb(prep.right, float("nan"))
    return w, limbs
