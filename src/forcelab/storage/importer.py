"""Turn a force recording file (any layout :mod:`forcelab.storage.readers` reads) into a session.

The whole file becomes the session's stream (raw unit N: the file's forces are the raw data, gain 1,
offset 0), trials are found by the analysis segmentation (or the whole file is one trial when asked),
and each trial is analysed with today's methods. A balance trial is refused with the reason: it is measured on
the centre of pressure, which the archive recomputes from per-cell forces, and no file format read here carries
cells.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from forcelab.storage import bridge
from forcelab.storage.archive import new_session_path
from forcelab.storage.readers import read_force_file
from forcelab.storage.writer import SessionInfo, SessionWriter

log = logging.getLogger(__name__)


def import_file(
    source: str | os.PathLike[str],
    *,
    archive: Path,
    athlete: str,
    test: str,
    rate: float | None = None,
    layout: str = "auto",
    whole: bool = False,
    started: datetime | None = None,
    dest: Path | None = None,
    analyze: Callable[[Any, str], Any] | None = None,
    **reader_options: Any,
) -> Path:
    """Read ``source``, write a new session in ``archive`` (or at ``dest``) and return its path.

    ``whole=True`` takes the file as one trial instead of segmenting it. Raises the reader's
    ``ForceFileError`` for a bad file and ``ValueError`` when no trial is found.
    """
    if test not in bridge.TESTS:
        raise ValueError(f"unknown test {test!r}; choose one of {', '.join(bridge.TESTS)}")
    rec = read_force_file(Path(source), rate=rate, layout=layout, **reader_options)
    trace = rec.trace
    if test in bridge.NEEDS_CELLS:
        raise ValueError(_no_cells(Path(source), test, trace.has_cop, trace.has_plates))
    ranges = [(0, trace.n)] if whole else bridge.segments(trace, test)
    if not ranges:
        raise ValueError(f"{source}: no {test} trial found in {trace.duration:.1f} s of force; try --whole")
    plates = 2 if trace.has_plates else 1
    if trace.left is not None and trace.right is not None:
        raw = np.column_stack([trace.left, trace.right])
    else:
        raw = trace.total[:, None]
    when = started or datetime.now().astimezone()
    path = dest or new_session_path(archive, athlete, [test], when)
    info = SessionInfo(
        athlete=athlete,
        rate=trace.rate,
        tests=[test],
        channels=raw.shape[1],
        plates=plates,
        raw_unit="N",
        started=when,
        source=f"import:{Path(source).name}",
        channel_map={"left": [0], "right": [1]} if plates == 2 else {"total": [0]},
        notes="; ".join(getattr(rec, "notes", ()) or ()),
    )
    run = analyze or bridge.analyze
    with SessionWriter(path, info) as w:
        time = getattr(rec, "time", None)
        w.append_arrays(
            raw,
            trace.total,
            trace.left,
            trace.right,
            device_time=None if time is None else np.asarray(time, dtype=np.float64),
        )
        for start, stop in ranges:
            result = run(trace.slice(start, stop), test)
            w.add_trial(test, start, stop, result)
    log.info("imported %s as %s (%d trials)", source, path, len(ranges))
    return path


def _no_cells(source: Path, test: str, has_cop: bool, has_plates: bool) -> str:
    """Why a ``test`` trial (measured on the centre of pressure) cannot be imported from ``source``."""
    found = "a centre of pressure (cop_x, cop_y)" if has_cop else "no centre of pressure"
    kind = "left and right plate forces" if has_plates else "one force"
    return (f"{source}: a {test} trial cannot be imported from this file: it has no cell forces ({kind}, {found}). "
            f"The archive keeps a {test} trial's raw per-cell forces with the plates' geometry and recomputes its "
            f"centre of pressure from them when it re-analyses the trial; the file formats the importer reads carry "
            f"forces and at most a ready-made CoP, never the cells. Record {test} trials with the plates instead "
            f"(forcelab record --test {test}, or the app)")


def import_to_spool(source: str | os.PathLike[str], *, archive: Path, athlete: str, test: str,
                    **options: Any) -> Path:
    """:func:`import_file` into a fresh file of this station's spool (``forcelab import`` and the app's
    Import… both), to be published to ``archive`` like a recorded session; returns the spooled file. A file
    that fails to import leaves nothing in the spool."""
    from forcelab.storage.spool import new_spooled_path

    started = options.pop("started", None) or datetime.now().astimezone()
    spooled = new_spooled_path(archive, athlete, [test], started)
    try:
        return import_file(source, archive=archive, athlete=athlete, test=test, started=started, dest=spooled,
                           **options)
    except BaseException:
        spooled.unlink(missing_ok=True)
        raise

