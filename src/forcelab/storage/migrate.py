"""Read older session layouts into today's :class:`~forcelab.storage.session.Session`.

Schema version 1 (the draft layout) had, per trial group ``/trials/<n>``, one float ``force`` dataset of
shape ``(samples, columns)`` with a ``columns`` attribute (``"total"`` or ``"total,left,right"``), the
attributes ``test``, ``accepted`` (0/1) and ``note``, and the metrics only as the JSON attribute
``metrics_json`` (``{"metrics": {...}, "events": {...}, "flags": [...]}``); the root had ``date`` instead of
``started`` and a single ``test``. There was no raw data and no stream: the force is the raw data (unit N,
gain 1, offset 0), and the sample counter and device time are rebuilt from the row numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from forcelab.storage.h5tables import attr_num, attr_str
from forcelab.storage.session_model import Session, Trial, _parse_time


def read_v1(path: Path, f: h5py.File) -> Session:
    """A version-1 file as a :class:`Session` (nothing is written back to the file)."""
    rate = float(attr_num(f, "rate") or 0.0)
    test = attr_str(f, "test")
    trials: list[Trial] = []
    offset_rows = 0
    group = f["trials"] if "trials" in f else {}
    for name in sorted(group.keys(), key=lambda k: int(k) if k.isdigit() else k):
        g = group[name]
        force = np.asarray(g["force"][()], dtype=np.float64)
        if force.ndim == 1:
            force = force[:, None]
        columns = attr_str(g, "columns", "total").split(",")
        col = {c: force[:, i] for i, c in enumerate(columns)}
        n = force.shape[0]
        raw = force[:, [columns.index(c) for c in ("left", "right")]] if "left" in col else force[:, :1]
        result = json.loads(attr_str(g, "metrics_json")) if "metrics_json" in g.attrs else None
        if result is not None:
            result.setdefault("test", attr_str(g, "test", test))
            result.setdefault("rate", rate)
        acc = g.attrs.get("accepted")
        trials.append(
            Trial(
                number=int(name) if name.isdigit() else len(trials) + 1,
                test=attr_str(g, "test", test),
                start=offset_rows,
                stop=offset_rows + n,
                rate=rate,
                arrays={
                    "raw": raw,
                    "counter": np.arange(n, dtype=np.uint64),
                    "device_time": np.arange(n) / rate,
                    "force_total": col["total"],
                    **{f"force_{k}": col[k] for k in ("left", "right") if k in col},
                },
                gain=np.ones(raw.shape[1]),
                offset=np.zeros(raw.shape[1]),
                raw_unit="N",
                accepted=None if acc is None else bool(int(acc)),
                note=attr_str(g, "note"),
                analysis=result,
            )
        )
        offset_rows += n
    return Session(
        path=path,
        athlete=attr_str(f, "athlete"),
        started=_parse_time(attr_str(f, "date")),
        tests=[test] if test else [],
        rate=rate,
        plates=2 if trials and trials[0].left is not None else 1,
        complete=True,
        schema_version=1,
        software_version=attr_str(f, "software_version"),
        trials=trials,
    )
