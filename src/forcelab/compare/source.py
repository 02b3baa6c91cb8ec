"""Trends and team tables straight from the archive index.

This is the bridge between :mod:`forcelab.storage.index` (per-trial metric values in SQLite) and the
pure functions of :mod:`forcelab.compare.trends`; the GUI views and the ``forcelab trends`` command both
call it, so a chart and the command line always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from forcelab.compare.asymmetry_watch import AsymmetryPoint, asymmetry_levels
from forcelab.compare.trends import Aggregate, Better, Trend, TrialValue, trend
from forcelab.storage.index import ArchiveIndex, MetricValue

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
    }
)

#: The numbers a coach looks at first, per test.
KEY_METRICS: dict[str, tuple[str, ...]] = {
    "cmj": ("jump_height_takeoff_velocity", "rsi_modified", "peak_force", "peak_force_asymmetry"),
    "sj": ("jump_height_takeoff_velocity", "peak_force", "peak_force_asymmetry"),
    "dj": ("rsi", "jump_height_flight_time", "contact_time"),
    "imtp": ("peak_force", "rfd_0_100ms", "rfd_0_200ms", "peak_force_asymmetry"),
    "rebound": ("rsi_best5_mean", "contact_time_best5_mean", "jump_height_best5_mean", "rsi_max"),
}

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
    """The :func:`~forcelab.compare.trends.trend` of one athlete's metric, read from the index."""
    values = index.metric_values(athlete, metric, test=test)
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


@dataclass
class TeamRow:
    """One athlete's latest session: the key metrics and the flags raised on it."""

    athlete: str
    last_session: datetime | None
    values: dict[str, float | None] = field(default_factory=dict)
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
