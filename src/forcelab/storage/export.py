"""Export a session to CSV: one metrics row per trial (units in column names) and a force CSV per trial.

``metrics.csv`` columns: ``trial, test, accepted, note``, then one column per metric named
``<metric> [<unit>]``; an empty cell is a metric that was not computed. ``trial_NNN_force.csv`` columns:
``time [s], total [N]`` and, for two plates, ``left [N], right [N]``. Both re-import with
``forcelab import`` (the force CSV is the reader's plain ``csv`` layout).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from forcelab.storage.session import Session, open_session


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
    return written
