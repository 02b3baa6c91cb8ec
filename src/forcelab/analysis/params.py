"""Analysis parameters: defaults read from an analysis function's signature, and typed reads.

The keyword-only parameters of ``analyze_cmj`` / ``analyze_sj`` / ``analyze_dj`` / ``analyze_isometric`` are
the one place their defaults are written; the modules' ``DEFAULTS`` and :func:`forcelab.analysis.dispatch.parameters`
are derived from them here, so the two can never drift apart.
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
