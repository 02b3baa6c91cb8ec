"""Export a session to CSV: one metrics row per trial (units in column names), a force CSV per trial, and one
CSV per kind of per-item table (a repeated-hop trial's hops).

``metrics.csv`` columns: ``trial, test, accepted, note``, then one column per metric named
``<metric> [<unit>]``; an empty cell is a metric that was not computed. ``trial_NNN_force.csv`` columns:
``time [s], total [N]`` and, for two plates, ``left [N], right [N]``. Both re-import with
``forcelab import`` (the force CSV is the reader's plain ``csv`` layout). ``<table>.csv`` (``hops.csv``), only
when a trial has such a table: one row per item of every trial that has one, columns
:data:`~forcelab.storage.trial_tables.KEY_COLUMNS` (athlete, session, ..., trial) then ``<column> [<unit>]``
(:mod:`forcelab.storage.trial_tables`; docs/export-format.md).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from forcelab.storage.session import Session, Trial, open_session
from forcelab.storage.trial_tables import csv_rows, export_tables, table_file_name


def export_csv(session: str | os.PathLike[str] | Session, folder: str | os.PathLike[str]) -> list[Path]:
    """Write the CSV files into ``folder`` (created); returns the paths written."""
    s = session if isinstance(session, Session) else open_session(session)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    for t in s.trials:
        for name, m in t.metrics.items():
            names.setdefault(name, m.get("unit", ""))
    written = []
    mpath = out / "metrics.csv"
    with open(mpath, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["trial", "test", "accepted", "note"] + [f"{n} [{u}]" for n, u in names.items()])
        for t in s.trials:
            acc = "" if t.accepted is None else ("yes" if t.accepted else "no")
            row: list[object] = [t.number, t.test, acc, t.note]
            for n in names:
                v = t.metrics.get(n, {}).get("value")
                row.append("" if v is None else repr(float(v)))
            w.writerow(row)
    written.append(mpath)
    for t in s.trials:
        fpath = out / f"trial_{t.number:03d}_force.csv"
        with open(fpath, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            plates = t.left is not None and t.right is not None
            w.writerow(["time [s]", "total [N]"] + (["left [N]", "right [N]"] if plates else []))
            for i in range(t.n):
                row = [repr(i / t.rate), repr(float(t.total[i]))]
                if plates:
                    assert t.left is not None and t.right is not None
                    row += [repr(float(t.left[i])), repr(float(t.right[i]))]
                w.writerow(row)
        written.append(fpath)
    written += _export_tables(s, out)
    return written


def _keys(s: Session, t: Trial, accepted: object) -> dict[str, object]:
    """The session and trial columns of an exported table row (``session`` is the file's name)."""
    return {"athlete": s.athlete, "session": s.path.name,
            "session_started": s.started.isoformat() if s.started else None,
            "session_date": s.started.date().isoformat() if s.started else None,
            "trial": t.number, "test": t.test, "accepted": accepted}


def _export_tables(s: Session, out: Path) -> list[Path]:
    """``<table>.csv`` per table name any trial has, one row per item, trials in order."""
    written = []
    trials = ((_keys(s, t, "" if t.accepted is None else ("yes" if t.accepted else "no")),  # as metrics.csv
               t.result) for t in s.trials)
    for name, (columns, rows) in export_tables(trials).items():
        path = out / table_file_name(name)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(csv_rows(columns, rows))
        written.append(path)
    return written
