"""Trends and team tables straight from the archive index.

This is the bridge between :mod:`forcelab.storage.index` (per-trial metric values in SQLite) and the
pure functions of :mod:`forcelab.compare.trends`; the GUI views and the ``forcelab trends`` command both
call it, so a chart and the command line always agree.

The limb asymmetry of the single-leg tests (:mod:`forcelab.compare.limb_trend`) needs each trial's limb,
which the index does not keep: :func:`single_leg_sessions` finds the sessions in the index and reads their
trials' stored analyses (metrics and the ``stance_limb`` parameter) from the session files, once per file
version.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from forcelab.analysis.single_leg import LIMB_METRICS, SINGLE_LEG_TESTS
from forcelab.analysis.types import Metric, TrialResult
from forcelab.compare.asymmetry_watch import AsymmetryPoint, asymmetry_levels
from forcelab.compare.conditions import BALANCE_TREND_TESTS, of_condition, split_test
from forcelab.compare.limb_trend import DEFAULT_THRESHOLDS, LimbTrend, SingleLegSession, limb_trend
from forcelab.compare.trends import Aggregate, Better, Trend, TrialValue, trend
from forcelab.storage.h5open import SessionFileError
from forcelab.storage.index import ArchiveIndex, MetricValue
from forcelab.storage.session import open_session

log = logging.getLogger(__name__)

#: Metrics where a smaller number is the better result.
LOWER_IS_BETTER_SUFFIXES = ("_asymmetry", "_symmetry_index")
LOWER_IS_BETTER = frozenset(
    {
        "time_to_takeoff",
        "contact_time",
        "contact_time_mean",
        "contact_time_best5_mean",
        "time_to_peak_force",
        "time_to_stabilisation",
        "unweighting_time",
        "braking_time",
        "propulsive_time",
        "peak_landing_force",
        # a landing is better softer: a lower peak and loading rate, stable sooner
        "peak_landing_force_bw",
        "relative_peak_landing_force",
        "loading_rate",
        "relative_loading_rate",
        "time_to_stabilisation_sequential",
        # balance: less sway is the better stance (forcelab.analysis.balance)
        "cop_path_length",
        "cop_mean_velocity",
        "cop_mean_velocity_ap",
        "cop_mean_velocity_ml",
        "cop_rms_ap",
        "cop_rms_ml",
        "cop_range_ap",
        "cop_range_ml",
        "cop_ellipse_area",
        "cop_ellipse_major",
        "cop_ellipse_minor",
        "cop_mean_distance",
    }
)

#: The balance test's key numbers: the sway's speed and size (both lower is better).
BALANCE_METRICS = ("cop_mean_velocity", "cop_ellipse_area", "cop_path_length", "cop_rms_ap", "cop_rms_ml")

#: The numbers a coach looks at first, per test.
KEY_METRICS: dict[str, tuple[str, ...]] = {
    "cmj": ("jump_height_takeoff_velocity", "rsi_modified", "peak_force", "peak_force_asymmetry"),
    "sj": ("jump_height_takeoff_velocity", "peak_force", "peak_force_asymmetry"),
    "dj": ("rsi", "jump_height_flight_time", "contact_time"),
    "imtp": ("peak_force", "rfd_0_100ms", "rfd_0_200ms", "peak_force_asymmetry"),
    "rebound": ("rsi_best5_mean", "contact_time_best5_mean", "jump_height_best5_mean", "rsi_max"),
    "landing": ("peak_landing_force_bw", "loading_rate", "time_to_stabilisation", "peak_landing_force_asymmetry"),
    # balance trends are per stance condition (forcelab.compare.conditions): one entry per condition below
    "balance": BALANCE_METRICS,
}
KEY_METRICS.update(dict.fromkeys(BALANCE_TREND_TESTS, BALANCE_METRICS))
#: The tests the comparison views offer (per-trial metrics; the single-leg tests' limb asymmetry has its own view).
#: Balance is offered per condition (``balance/eyes_closed/bipedal``, ...), never all conditions in one trend.
TREND_TESTS = tuple(k for k in KEY_METRICS if k != "balance")

_EPOCH = datetime(1970, 1, 1)


def better_direction(metric: str) -> Better:
    """``"lower"`` for times and asymmetries, ``"higher"`` for everything else."""
    if metric in LOWER_IS_BETTER or metric.endswith(LOWER_IS_BETTER_SUFFIXES):
        return "lower"
    return "higher"


def _trial_value(v: MetricValue) -> TrialValue:
    """An index row as a trend input: rejected trials marked, undecided ones kept."""
    return TrialValue(
        session_id=v.session_id,
        when=v.when or _EPOCH,
        trial=v.trial,
        value=v.value,
        accepted=v.accepted is not False,
        stronger_side=v.side,
    )


def athlete_trend(
    index: ArchiveIndex,
    athlete: str,
    metric: str,
    *,
    test: str | None = None,
    aggregate: Aggregate = "best",
    swc: float | None = None,
    baseline_sessions: int = 5,
) -> Trend:
    """The :func:`~forcelab.compare.trends.trend` of one athlete's metric, read from the index.

    ``test="balance/eyes_closed/bipedal"`` (:mod:`forcelab.compare.conditions`): the balance trials of that
    condition only; plain ``"balance"`` raises ``ValueError`` when the trials are of more than one condition."""
    base, _ = split_test(test)
    values = of_condition(index, index.metric_values(athlete, metric, test=base), test)
    return trend(
        [_trial_value(v) for v in values],
        metric=metric,
        unit=next((v.unit for v in values if v.unit), ""),
        aggregate=aggregate,
        better=better_direction(metric),
        swc=swc,
        baseline_sessions=baseline_sessions,
    )


def asymmetry_trend(
    index: ArchiveIndex, athlete: str, metric: str, *, test: str | None = None,
    thresholds: tuple[float, float] = (10.0, 15.0), aggregate: Aggregate = "mean",
) -> tuple[Trend, list[AsymmetryPoint]]:
    """An asymmetry metric's trend with its levels and side flips (session value = mean by default)."""
    t = athlete_trend(index, athlete, metric, test=test, aggregate=aggregate)
    return t, asymmetry_levels(t.points, thresholds=thresholds)


#: A stored trial as the limb trend keeps it: its test, its analysis parameters (``stance_limb``) and each
#: metric's ``(value, unit, reason)`` (the method, parameters and reference of some eighty metrics a trial would
#: hold hundreds of megabytes in a full cache).
StoredTrial = tuple[str, dict[str, Any], dict[str, tuple[float | None, str, str | None]]]


def _compact(test: str, stored: Mapping[str, Any]) -> StoredTrial:
    """A stored analysis (``TrialResult.to_dict()`` as the archive keeps it) as a :data:`StoredTrial`; a stored
    NaN is a not-found value."""
    metrics: dict[str, tuple[float | None, str, str | None]] = {}
    for name, m in (stored.get("metrics") or {}).items():
        value = m.get("value")
        value = float(value) if value is not None and math.isfinite(float(value)) else None
        metrics[name] = (value, str(m.get("unit", "")), m.get("reason") or (None if value is not None else "not found"))
    return test, dict(stored.get("params") or {}), metrics


def _result(trial: StoredTrial, metric: str) -> TrialResult:
    """A trial as the limb asymmetry of ``metric`` reads it: that metric and the analysis parameters."""
    test, params, metrics = trial
    res = TrialResult(test=test, rate=0.0, params=dict(params))
    if metric in metrics:
        value, unit, reason = metrics[metric]
        res.metrics[metric] = Metric(metric, value, unit, "", {}, "", reason)
    return res


@functools.lru_cache(maxsize=256)
def _single_leg_trials(path: str, mtime_ns: int, size: int) -> tuple[datetime | None, tuple[StoredTrial, ...]]:
    """``(started, trials)`` of the session file at ``path``: its single-leg trials that were not rejected.
    Cached by the file's modification time and size, so an edited file is read again."""
    session = open_session(path, load_analysis=True)
    trials = []
    for t in session.trials:
        stored = t.result
        test = (stored or {}).get("test") or t.test
        if stored and test in SINGLE_LEG_TESTS and t.accepted is not False:
            trials.append(_compact(test, stored))
    return session.started, tuple(trials)


def single_leg_sessions(index: ArchiveIndex, athlete: str, test: str, metric: str | None = None) -> list[SingleLegSession]:
    """Every session of ``athlete`` with a ``test`` trial (a single-leg test) holding ``metric`` (default: the
    test's first limb metric), oldest first, with its accepted and undecided trials read from the file (each
    result holding ``metric`` and the analysis parameters only). A file that cannot be read gives a session with
    the ``problem`` (logged), not an error.

    The first read of a file costs what :func:`~forcelab.storage.session.open_session` with its analyses costs
    (bench/limb_trend.py: about 0.1 s a session on a loaded 2-core machine); later ones, for any metric, come
    from the cache while the file is unchanged."""
    if test not in SINGLE_LEG_TESTS:
        raise ValueError(f"limb asymmetry is for the single-leg tests ({', '.join(SINGLE_LEG_TESTS)}), not {test!r}")
    metric = metric or LIMB_METRICS[test][0]
    rows = index.metric_values(athlete, metric, test=test)
    out: list[SingleLegSession] = []
    for sid in dict.fromkeys(v.session_id for v in rows):
        when = next(v.when for v in rows if v.session_id == sid)
        path = index.session_file(sid)
        try:
            st = path.stat()
            started, trials = _single_leg_trials(str(path), st.st_mtime_ns, st.st_size)
        except (OSError, SessionFileError) as exc:
            log.warning("limb asymmetry: cannot read %s: %s", path, exc)
            out.append(SingleLegSession(sid, when, test, problem=f"cannot read {path}: {exc}"))
            continue
        results = tuple(_result(t, metric) for t in trials if t[0] == test)
        out.append(SingleLegSession(sid, started or when, test, results))
    return out


def limb_asymmetry_trend(
    index: ArchiveIndex, athlete: str, metric: str, *, test: str = "sl_cmj", formula: str = "percent_difference",
    statistic: str = "best", thresholds: tuple[float, float] = DEFAULT_THRESHOLDS, swc: float | None = None,
) -> LimbTrend:
    """The :func:`~forcelab.compare.limb_trend.limb_trend` of ``athlete``'s ``metric`` (a limb metric of
    ``test``, e.g. ``jump_height_takeoff_velocity``; a trailing ``_asymmetry`` is allowed), read from the
    archive."""
    base = metric.removesuffix("_asymmetry")
    return limb_trend(single_leg_sessions(index, athlete, test, base), base, test=test, formula=formula,
                      statistic=statistic, thresholds=thresholds, swc=swc)


def limb_metrics(index: ArchiveIndex, athlete: str, test: str) -> list[str]:
    """The limb metrics of ``test`` (:data:`~forcelab.analysis.single_leg.LIMB_METRICS`) that ``athlete`` has
    in the archive, in that order."""
    have = set(index.metric_names(athlete))
    return [m for m in LIMB_METRICS.get(test, ()) if m in have and index.metric_values(athlete, m, test=test)]


@dataclass
class TeamRow:
    """One athlete's latest session: the key metrics (stored values, with each metric's stored unit in
    ``units``) and the flags raised on it."""

    athlete: str
    last_session: datetime | None
    values: dict[str, float | None] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # metric -> the unit its values are stored in
    status: dict[str, str] = field(default_factory=dict)  # metric -> green/amber/red/insufficient
    flags: list[str] = field(default_factory=list)

    @property
    def worst(self) -> str:
        """The worst readiness status across the row's metrics (for sorting the team by concern)."""
        order = {"red": 0, "amber": 1, "green": 2, "insufficient": 3}
        return min(self.status.values(), key=lambda s: order.get(s, 4), default="insufficient")


def team_table(
    index: ArchiveIndex, *, test: str = "cmj", metrics: Sequence[str] | None = None,
    asymmetry_thresholds: tuple[float, float] = (10.0, 15.0),
) -> list[TeamRow]:
    """Athletes x latest key metrics and flags, the athletes needing attention first."""
    names = tuple(metrics) if metrics is not None else KEY_METRICS.get(test, KEY_METRICS["cmj"])
    rows = []
    for athlete in sorted(a["name"] for a in index.athletes()):
        row = TeamRow(athlete=athlete, last_session=None)
        for metric in names:
            t = athlete_trend(index, athlete, metric, test=test)
            row.units[metric] = t.unit
            if not t.points:
                row.values[metric] = None
                continue
            last = t.points[-1]
            row.last_session = max(filter(None, [row.last_session, last.when]))
            row.values[metric] = last.value
            row.status[metric] = last.status
            if last.meaningful:
                row.flags.append(f"{metric}: meaningful change ({last.direction})")
            if metric.endswith("_asymmetry"):
                level = asymmetry_levels(t.points, thresholds=asymmetry_thresholds)[-1]
                # for asymmetry the thresholds matter, not the athlete's own (possibly already high) baseline
                row.status[metric] = {"ok": "green", "monitor": "amber", "high": "red"}[level.level]
                if level.level != "ok":
                    row.flags.append(f"{metric}: {level.magnitude:.1f} % ({level.level})")
                if level.flipped:
                    row.flags.append(f"{metric}: stronger side flipped to {level.stronger_side}")
        if row.values and any(v is not None for v in row.values.values()):
            rows.append(row)
    rows.sort(key=lambda r: ({"red": 0, "amber": 1, "green": 2}.get(r.worst, 3), -len(r.flags), r.athlete))
    return rows
