"""Loaders of the reference tables in ../shared/data that the tests and bench/validation.py both read.

The recordings themselves are read with :func:`forcelab.storage.readers.read_force_file`; these read the
*other* programs' outputs that sit beside them (a per-trial table, a per-sample phase export).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

PLATEFORCE_TABLE = Path("plateforce") / "reference_subject01.csv"
SHINY_PHASES = Path("shiny-vertical-jump") / "historical_app_outputs" / "app_2021-07-17_raw_force_time.csv"


def plateforce_reference_row(shared_data: Path, trial: int) -> dict[str, str]:
    """The row of trial ``trial`` (1-6) of plateforce's side-by-side table of published methods."""
    with (shared_data / PLATEFORCE_TABLE).open() as fh:
        for row in csv.DictReader(fh):
            if int(row["trial"]) == trial:
                return row
    raise ValueError(f"{shared_data / PLATEFORCE_TABLE} has no row for trial {trial}")


def shiny_phase_file(shared_data: Path) -> tuple[np.ndarray, list[str]]:
    """Total force and the phase label the shiny-vertical-jump app gave each sample (its 2021 export)."""
    with (shared_data / SHINY_PHASES).open() as fh:
        rows = list(csv.DictReader(fh))
    return np.array([float(r["total_force"]) for r in rows]), [r["phase"] for r in rows]
