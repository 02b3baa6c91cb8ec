"""A trial's per-item tables (a repeated-hop trial's ``hops``) as the review, the report and the exports use them.

The analysis keeps values per item in :attr:`forcelab.analysis.types.TrialResult.tables` and the archive stores
them under ``tables/<name>`` (docs/archive-format.md). This module reads them back from a stored result
(:func:`trial_tables`), says which rows a trial metric summarises as "the best" (:func:`best_rows`: the five
best-RSI hops of ``rsi_best5_mean``, as the analysis marked them in the table's ``best`` column, or for a table
archived before that column by the analysis' own rule, :func:`forcelab.analysis.rebound.best_hops`; this module
has no rule of its own), and flattens them into the wide rows the exports write, one row per item with the
session and trial it belongs to (:func:`export_rows`, layout in docs/export-format.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from forcelab.analysis import rebound
from forcelab.analysis.types import Table

#: A table's column marking its "best" rows (1) and the others (0), as the analysis writes it (a repeated-hop
#: trial's ``hops``: :data:`forcelab.analysis.rebound.BEST_COLUMN`).
BEST_COLUMN = rebound.BEST_COLUMN


@dataclass(frozen=True)
class BestOf:
    """A table whose analysis marks the rows a trial metric averages: the analysis' own rule ``rows`` (table
    rows, count -> positions) and ``count`` (analysis params -> how many), for tables archived before the
    analysis wrote :data:`BEST_COLUMN`."""

    rows: Callable[[Sequence[Mapping[str, Any]], int], list[int]]
    count: Callable[[Mapping[str, Any]], int]


#: The tables that have best rows, by name: the analysis' functions, not a copy of its rule.
BEST_OF: dict[str, BestOf] = {
    "hops": BestOf(rebound.best_hops, rebound.best_hop_count),
}


def trial_tables(result: Mapping[str, Any] | None) -> dict[str, Table]:
    """The tables of a stored result (``TrialResult.to_dict()`` form, as ``Trial.result`` gives it), by name;
    ``{}`` for a trial without any (or never analysed)."""
    if not result:
        return {}
    return {str(name): Table.from_dict(t) for name, t in (result.get("tables") or {}).items()}


def has_best(name: str, table: Table) -> bool:
    """Whether table ``name`` has best rows: the analysis marks them (:data:`BEST_COLUMN`) or its rule is known
    (:data:`BEST_OF`)."""
    return name in BEST_OF or any(c[0] == BEST_COLUMN for c in table.columns)


def best_count(name: str, params: Mapping[str, Any]) -> int | None:
    """How many best rows table ``name`` has under the trial's analysis ``params``; ``None`` when the analysis
    behind it has no such count (a table without best rows, or one whose analysis only marks them)."""
    rule = BEST_OF.get(name)
    return None if rule is None else rule.count(params)


def best_rows(name: str, table: Table, params: Mapping[str, Any]) -> frozenset[int]:
    """Positions (0-based, in ``table.rows``) of the rows the trial's "best" metric averages (the five best-RSI
    hops of ``rsi_best5_mean``): those the analysis marked 1 in :data:`BEST_COLUMN`. A table archived before the
    analysis wrote that column gets them from the analysis' own rule (:data:`BEST_OF`, e.g.
    :func:`forcelab.analysis.rebound.best_hops`) under the trial's ``params``; the file is not changed (a
    re-analysis, ``forcelab reanalyze``, writes the column). Empty for a table without best rows, and when fewer
    rows were measured than the figure takes (it is not found either)."""
    if any(c[0] == BEST_COLUMN for c in table.columns):
        return frozenset(i for i, row in enumerate(table.rows) if row.get(BEST_COLUMN) == 1)
    rule = BEST_OF.get(name)
    if rule is None:
        return frozenset()
    return frozenset(rule.rows(table.rows, rule.count(params)))


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
    if name in BEST_OF and BEST_COLUMN not in seen:  # only tables archived before the analysis marked them
        seen[BEST_COLUMN] = (BEST_COLUMN, "1", "i8")
    return list(seen.values())


def export_rows(name: str, table: Table, *, keys: Mapping[str, Any], params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One dict per row of ``table``: ``keys`` (session and trial, :data:`KEY_COLUMNS`), the row's values by
    column name (``None`` = not measured), and the best-rows marker :data:`BEST_COLUMN` (1/0) when the table has
    best rows (as the analysis marked them, or for an older table as :func:`best_rows` finds them)."""
    marked = has_best(name, table)
    best = best_rows(name, table, params) if marked else frozenset()
    rows = []
    for i, row in enumerate(table.rows):
        out: dict[str, Any] = dict(keys)
        out.update(row)
        if marked:
            out[BEST_COLUMN] = int(i in best)
        rows.append(out)
    return rows


def export_tables(trials: Iterable[tuple[Mapping[str, Any], Mapping[str, Any] | None]]
                  ) -> dict[str, tuple[list[tuple[str, str, str]], list[dict[str, Any]]]]:
    """The exported per-item tables of ``trials`` (each its key columns, :data:`KEY_COLUMNS`, and its stored
    analysis), by table name: the value columns (:func:`value_columns`) and the rows (:func:`export_rows`) of
    every trial that has that table, in the trials' order (``{}`` when none has one)."""
    found: dict[str, list[tuple[Mapping[str, Any], Table, Mapping[str, Any]]]] = {}
    for keys, result in trials:
        for name, table in trial_tables(result).items():
            found.setdefault(name, []).append((keys, table, (result or {}).get("params") or {}))
    out = {}
    for name, items in found.items():
        rows: list[dict[str, Any]] = []
        for keys, table, params in items:
            rows += export_rows(name, table, keys=keys, params=params)
        out[name] = (value_columns((table for _k, table, _p in items), name), rows)
    return out


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
