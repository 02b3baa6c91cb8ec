"""A trial's per-item tables (a repeated-hop trial's ``hops``) as the review, the report and the exports use them.

The analysis keeps values per item in :attr:`forcelab.analysis.types.TrialResult.tables` and the archive stores
them under ``tables/<name>`` (docs/archive-format.md). This module reads them back from a stored result
(:func:`trial_tables`), says which rows a trial metric summarises as "the best" (:func:`best_rows`: the five
best-RSI hops of ``rsi_best5_mean``), and flattens them into the wide rows the exports write, one row per item
with the session and trial it belongs to (:func:`export_rows`, layout in docs/export-format.md).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from forcelab.analysis.types import Table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BestRule:
    """Which rows of table ``table`` the trial metric ``metric`` averages: the ``count`` rows with the highest
    ``rank_by`` among those with every column of ``needs`` measured; ``count`` is the analysis parameter
    ``count_param`` (``default`` when the result does not name it). The rule is the analysis' own (for hops:
    :func:`forcelab.analysis.rebound._summary`), and :func:`best_rows` checks it against the stored metric."""

    table: str
    metric: str
    rank_by: str
    needs: tuple[str, ...]
    count_param: str
    default: int
    column: str  # the marker column the exports add (1 = one of the best)


#: The tables that have "best" rows, by table name.
BEST_RULES: dict[str, BestRule] = {
    "hops": BestRule("hops", "rsi_best5_mean", "rsi", ("rsi", "flight_time", "jump_height"), "best_hops", 5,
                     "best_5"),
}


def trial_tables(result: Mapping[str, Any] | None) -> dict[str, Table]:
    """The tables of a stored result (``TrialResult.to_dict()`` form, as ``Trial.result`` gives it), by name;
    ``{}`` for a trial without any (or never analysed)."""
    if not result:
        return {}
    return {str(name): Table.from_dict(t) for name, t in (result.get("tables") or {}).items()}


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    v = float(value)
    return None if math.isnan(v) else v


def _metric_params(metric: Any) -> Mapping[str, Any]:
    """The parameters of a :class:`~forcelab.analysis.types.Metric` or of its stored dict."""
    params = metric.get("params") if isinstance(metric, Mapping) else getattr(metric, "params", None)
    return params if isinstance(params, Mapping) else {}


def best_count(name: str, params: Mapping[str, Any], metrics: Mapping[str, Any] | None = None) -> int | None:
    """How many best rows table ``name`` has under the analysis ``params``, or the parameters its best-of metric in
    ``metrics`` keeps when ``params`` does not name it (a result read back without its settings); ``None``: the
    table has no best rows."""
    rule = BEST_RULES.get(name)
    if rule is None:
        return None
    stored = None if metrics is None else metrics.get(rule.metric)
    if rule.count_param not in params and stored is not None:
        params = {**params, **_metric_params(stored)}
    value = params.get(rule.count_param, rule.default)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else rule.default


def best_rows(name: str, table: Table, params: Mapping[str, Any],
              metrics: Mapping[str, Any] | None = None) -> frozenset[int]:
    """Positions (0-based, in ``table.rows``) of the rows the trial's "best" metric averages (the five best-RSI
    hops of ``rsi_best5_mean``); empty when the table has no such rule or fewer rows are measured than it takes
    (the metric is then not found either).

    ``metrics`` (name -> a :class:`~forcelab.analysis.types.Metric` or its stored dict), when given, names the
    count when ``params`` does not (:func:`best_count`) and guards the copy of the rule: if the stored metric's
    value is not the mean of the rows chosen here, nothing is marked (and a warning is logged) rather than
    marking other hops than the ones the number was computed from.
    """
    rule = BEST_RULES.get(name)
    n = best_count(name, params, metrics)
    if rule is None or n is None:
        return frozenset()
    stored = None if metrics is None else metrics.get(rule.metric)
    measured = [i for i, row in enumerate(table.rows) if all(_number(row.get(c)) is not None for c in rule.needs)]
    if len(measured) < n:
        return frozenset()
    ranked = sorted(measured, key=lambda i: -(_number(table.rows[i][rule.rank_by]) or 0.0))  # stable: ties by hop
    chosen = frozenset(ranked[:n])
    value = getattr(stored, "value", None) if not isinstance(stored, Mapping) else stored.get("value")
    if stored is not None and value is not None:
        mean = sum(_number(table.rows[i][rule.rank_by]) or 0.0 for i in chosen) / n
        if not math.isclose(mean, float(value), rel_tol=1e-9, abs_tol=1e-12):
            log.warning("%s: the best %d rows by %s average %.6g, the stored %s is %.6g: not marking them",
                        name, n, rule.rank_by, mean, rule.metric, float(value))
            return frozenset()
    return chosen


# ------------------------------------------------------------------------------------------------ export
#: The columns every exported table row starts with: which session and trial the item belongs to.
KEY_COLUMNS: tuple[str, ...] = ("athlete", "session", "session_started", "session_date", "trial", "test", "accepted")


def header(column: str, unit: str) -> str:
    """A value column's head with its unit, as the metrics export writes it: ``contact_time [s]``."""
    return f"{column} [{unit}]"


def value_columns(tables: Iterable[Table], name: str) -> list[tuple[str, str, str]]:
    """``(column, unit, kind)`` of the exported table ``name``: the union of the tables' columns in their order,
    and the best-rows marker (unit ``1``, whole numbers) when the table has one."""
    seen: dict[str, tuple[str, str, str]] = {}
    for t in tables:
        for col, unit, kind in t.columns:
            seen.setdefault(col, (col, unit, kind))
    rule = BEST_RULES.get(name)
    if rule is not None and rule.column not in seen:
        seen[rule.column] = (rule.column, "1", "i8")
    return list(seen.values())


def export_rows(name: str, table: Table, *, keys: Mapping[str, Any], params: Mapping[str, Any],
                metrics: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """One dict per row of ``table``: ``keys`` (session and trial, :data:`KEY_COLUMNS`), the row's values by
    column name (``None`` = not measured), and the best-rows marker (1/0) when the table has one."""
    rule = BEST_RULES.get(name)
    best = best_rows(name, table, params, metrics) if rule is not None else frozenset()
    rows = []
    for i, row in enumerate(table.rows):
        out: dict[str, Any] = dict(keys)
        out.update(row)
        if rule is not None:
            out[rule.column] = int(i in best)
        rows.append(out)
    return rows


def csv_cell(value: Any) -> str:
    """A cell as the CSV exports write it: empty for missing, ``true``/``false``, floats with every digit."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def csv_rows(columns: Sequence[tuple[str, str, str]], rows: Iterable[Mapping[str, Any]]) -> Iterable[list[str]]:
    """The header (:data:`KEY_COLUMNS`, then ``name [unit]``) and the cells of an exported table."""
    yield [*KEY_COLUMNS, *(header(c, u) for c, u, _k in columns)]
    for row in rows:
        yield [csv_cell(row.get(k)) for k in KEY_COLUMNS] + [csv_cell(row.get(c)) for c, _u, _k in columns]


def table_file_name(name: str, suffix: str = ".csv", stem: str = "") -> str:
    """The file an exported table goes to: ``hops.csv`` in a session's folder, ``<stem>_hops.<suffix>`` beside a
    query's metrics file; a table that would take the name of the session's other files gets a ``table_`` prefix."""
    base = name if name not in ("metrics",) and not name.startswith("trial_") else f"table_{name}"
    return f"{stem}_{base}{suffix}" if stem else f"{base}{suffix}"
