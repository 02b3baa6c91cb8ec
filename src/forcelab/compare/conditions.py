"""Balance trends per stance condition: the sway of eyes closed and eyes open, or of one leg and two, are
different measures, so a trend never mixes them.

A balance trial keeps what the tester noted with it (its stored analysis parameters ``condition`` — eyes open
or closed — and ``stance`` — bipedal, single leg left/right, tandem; :mod:`forcelab.analysis.balance`). The
archive index does not keep those, so the trends name the condition in the test: ``balance/eyes_closed/bipedal``
(:func:`condition_test`) is the balance trials of that condition only, read from the session files (cached per
file version, like the limb trends). Each combination is its own entry in the comparison views' test list
(:data:`BALANCE_TREND_TESTS`), so the trend, its baseline and its typical error are one condition's; plain
``balance`` is accepted only while the trials in question share one condition, and refused with the conditions
found otherwise. A trial with no condition or stance noted is its own condition, ``not_noted``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence

from forcelab.analysis.balance import CONDITIONS, STANCES
from forcelab.storage.h5open import SessionFileError
from forcelab.storage.index import ArchiveIndex, MetricValue
from forcelab.storage.session import open_session

log = logging.getLogger(__name__)

BALANCE = "balance"
#: The condition of a trial that has none noted (neither eyes nor stance, or one of them missing).
NOT_NOTED = "not_noted"
#: Every condition x stance the comparison views offer a balance trend for.
BALANCE_TREND_TESTS: tuple[str, ...] = tuple(f"{BALANCE}/{c}/{s}" for c in CONDITIONS for s in STANCES)

Condition = tuple[str, str]  # (condition, stance), either may be NOT_NOTED


def condition_test(condition: str | None, stance: str | None) -> str:
    """The trend test name of a balance condition, e.g. ``balance/eyes_open/bipedal``."""
    return f"{BALANCE}/{condition or NOT_NOTED}/{stance or NOT_NOTED}"


def split_test(test: str | None) -> tuple[str | None, Condition | None]:
    """``(the archive's test, the balance condition or None)`` of a trend test name: ``balance/eyes_open/bipedal``
    is ``("balance", ("eyes_open", "bipedal"))``; any other name is itself, with no condition. ``ValueError`` for a
    balance name whose condition or stance is not one the balance test knows."""
    if test is None or not test.startswith(f"{BALANCE}/"):
        return test, None
    parts = test.split("/")
    if len(parts) != 3:
        raise ValueError(f"a balance trend is named balance/CONDITION/STANCE (e.g. {BALANCE_TREND_TESTS[0]}), "
                         f"got {test!r}")
    _, cond, stance = parts
    if cond not in (*CONDITIONS, NOT_NOTED):
        raise ValueError(f"{test!r}: the condition must be one of {', '.join((*CONDITIONS, NOT_NOTED))}, got {cond!r}")
    if stance not in (*STANCES, NOT_NOTED):
        raise ValueError(f"{test!r}: the stance must be one of {', '.join((*STANCES, NOT_NOTED))}, got {stance!r}")
    return BALANCE, (cond, stance)


@functools.lru_cache(maxsize=256)
def _conditions(path: str, mtime_ns: int, size: int) -> dict[int, Condition]:
    """Trial number -> (condition, stance) of the balance trials of the session file at ``path``, from their
    stored analysis parameters. Cached by the file's modification time and size."""
    out: dict[int, Condition] = {}
    for t in open_session(path, load_analysis=True).trials:
        stored = t.result or {}
        if (stored.get("test") or t.test) != BALANCE:
            continue
        params = stored.get("params") or {}
        out[t.number] = (params.get("condition") or NOT_NOTED, params.get("stance") or NOT_NOTED)
    return out


def trial_conditions(index: ArchiveIndex, values: Sequence[MetricValue]) -> list[Condition | None]:
    """The balance condition of each value's trial (``None`` where its session file cannot be read: logged)."""
    out: list[Condition | None] = []
    by_file: dict[str, dict[int, Condition] | None] = {}
    for v in values:
        if v.session_id not in by_file:
            path = index.session_file(v.session_id)
            try:
                st = path.stat()
                by_file[v.session_id] = _conditions(str(path), st.st_mtime_ns, st.st_size)
            except (OSError, SessionFileError) as exc:
                log.warning("balance trend: cannot read the conditions of %s: %s", path, exc)
                by_file[v.session_id] = None
        found = by_file[v.session_id]
        out.append(None if found is None else found.get(v.trial))
    return out


def of_condition(index: ArchiveIndex, values: Sequence[MetricValue], test: str | None) -> list[MetricValue]:
    """The index ``values`` a trend of ``test`` may use: for ``balance/CONDITION/STANCE`` the trials of that
    condition; for plain ``balance`` all of them if they share one condition, else ``ValueError`` naming the
    conditions found; any other test's values unchanged."""
    base, wanted = split_test(test)
    if base != BALANCE or not values:
        return list(values)
    conds = trial_conditions(index, values)
    if wanted is not None:
        return [v for v, c in zip(values, conds, strict=True) if c == wanted]
    found = sorted({condition_test(*c) for c in conds if c is not None})
    if len(found) > 1:
        raise ValueError(f"balance trials of {len(found)} conditions ({', '.join(found)}): the sway of one is "
                         f"not comparable with another's, so choose one of them as the test")
    return list(values)


def session_trend_test(test: str, results: Sequence[dict[str, object] | None]) -> str:
    """The trend test of a session's ``test`` given its trials' stored analyses: for balance, the condition of
    its first balance trial (a report's trends follow the condition tested that day); any other test itself."""
    if test != BALANCE:
        return test
    for stored in results:
        if stored and stored.get("test") == BALANCE:
            params = stored.get("params")
            params = params if isinstance(params, dict) else {}
            return condition_test(params.get("condition"), params.get("stance"))
    return test
