"""Parameter helpers: defaults read from a function's keyword-only signature, and typed reads of ``params``.

The analyses' settings are types (:mod:`forcelab.analysis.settings`); :func:`keyword_defaults` serves
functions whose keyword defaults are their documentation, such as the synthetic generators of
:mod:`forcelab.simulation.synthetic`. :func:`num` reads a number out of a stored ``params`` mapping.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Mapping
from typing import Any

from forcelab.analysis.types import ParamValue


def keyword_defaults(fn: Callable[..., Any], exclude: Collection[str] = ()) -> dict[str, Any]:
    """The keyword-only parameters of ``fn`` with their defaults, in signature order, less ``exclude``."""
    return {k: p.default for k, p in inspect.signature(fn).parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY and k not in exclude}


def num(params: Mapping[str, ParamValue], key: str) -> float:
    """Parameter ``key`` as a float (``ValueError`` naming it when it is not a number)."""
    v = params[key]
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"parameter {key} must be a number, got {v!r}")
    return float(v)
