"""A realistic example archive: simulated athletes tested weekly, with known drift.

Used by the tests of the comparison logic, by ``bench/compare.py`` and by the app's demo. Every session
is written through the real :class:`~forcelab.storage.writer.SessionWriter` from synthetic two-plate
countermovement jumps (:mod:`forcelab.simulation.synthetic`) analysed with the real analysis, so what the views
show is what a lab would see.

The athletes (``ATHLETES``):
* ``Stable Sam`` — jump height 35 cm, 3 % asymmetry, no drift.
* ``Dropping Dana`` — 35 cm for weeks 0-7, then 30 cm from week 8 on (a 14 % drop).
* ``Asymmetric Alex`` — peak-force asymmetry 5 % to week 6, 12 % in week 7, 17 % from week 8, and the
  stronger side flips from left to right in week 10.
Trial-to-trial jump height varies with a 2 % coefficient of variation.

The sessions are written in a private staging folder inside the archive (``.building-*``, outside
``sessions/``) and each is moved into ``sessions/`` with one ``os.replace`` once all are complete: the app
builds the demo squad on a worker thread while its window already reads the archive, and a reader must
never open a file that is still being written (its ``/stream`` datasets not created yet). A build that is
cancelled (the window closed first) or fails leaves nothing in ``sessions/``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.simulation import synthetic
from forcelab.storage.archive import new_session_path
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.writer import SessionInfo, SessionWriter

log = logging.getLogger(__name__)


class BuildCancelled(Exception):
    """The build was cancelled (its ``cancel`` event was set) before it finished; nothing was added."""

START = datetime(2026, 9, 1, 9, 0).astimezone()


@dataclass(frozen=True)
class AthletePlan:
    """What an athlete's weekly sessions look like: height (m) and asymmetry (percent difference, signed:
    positive = left stronger) per week."""

    name: str
    body_mass: float
    height: Callable[[int], float]
    asymmetry_pct: Callable[[int], float]


def _asym(week: int) -> float:
    if week < 7:
        return 5.0
    if week == 7:
        return 12.0
    return 17.0 if week < 10 else -17.0


ATHLETES: tuple[AthletePlan, ...] = (
    AthletePlan("Stable Sam", 80.0, lambda w: 0.35, lambda w: 3.0),
    AthletePlan("Dropping Dana", 65.0, lambda w: 0.35 if w < 8 else 0.30, lambda w: 4.0),
    AthletePlan("Asymmetric Alex", 90.0, lambda w: 0.33, _asym),
)


def plate_share(percent_difference: float) -> float:
    """The synthetic generator's ``asymmetry`` (left - right) / total giving this percent difference.

    Percent difference p = (stronger - weaker) / stronger * 100 = 2a / (1 + a) * 100 for a = |asymmetry|.
    """
    p = abs(percent_difference)
    a = p / (200.0 - p)
    return a if percent_difference >= 0 else -a


def _analyze(trace: ForceTrace) -> TrialResult:
    from forcelab.analysis.cmj import analyze_cmj

    return analyze_cmj(trace)


def build(
    archive: Path,
    *,
    weeks: int = 12,
    trials: int = 3,
    athletes: Sequence[AthletePlan] = ATHLETES,
    rate: float = 1000.0,
    cv: float = 0.02,
    seed: int = 7,
    reject_every: int = 0,
    start: datetime = START,
    team: str = "Example FC",
    cancel: threading.Event | None = None,
) -> list[Path]:
    """Write ``weeks`` weekly CMJ sessions per athlete into ``archive``, index them, return the files.

    ``reject_every=k`` marks every k-th trial rejected (0: accept all), to exercise the filters. When
    ``cancel`` is set the build stops after the session it is writing and raises :class:`BuildCancelled`.
    """
    archive.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=archive))
    try:
        written = _write_sessions(archive, staging, weeks=weeks, trials=trials, athletes=athletes, rate=rate,
                                  cv=cv, seed=seed, reject_every=reject_every, start=start, cancel=cancel)
        for staged, path in written:  # all complete: each appears in sessions/ whole, at once
            os.replace(staged, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    paths = [path for _, path in written]
    with ArchiveIndex(archive) as index:
        for plan in athletes:
            index.set_athlete(plan.name, body_mass=plan.body_mass, team=team)
        index.sync()
    return paths


def _write_sessions(archive: Path, staging: Path, *, weeks: int, trials: int, athletes: Sequence[AthletePlan],
                    rate: float, cv: float, seed: int, reject_every: int, start: datetime,
                    cancel: threading.Event | None) -> list[tuple[Path, Path]]:
    """The sessions of :func:`build`, written in ``staging``: ``(staged file, its path in the archive)``."""
    rng = np.random.default_rng(seed)
    paths: list[tuple[Path, Path]] = []
    count = 0
    for plan in athletes:
        for week in range(weeks):
            if cancel is not None and cancel.is_set():
                raise BuildCancelled(f"example archive {archive}: cancelled after {len(paths)} sessions")
            when = start + timedelta(weeks=week, minutes=len(paths))
            info = SessionInfo(athlete=plan.name, rate=rate, tests=["cmj"], channels=2, plates=2, raw_unit="N",
                               started=when, source="example_archive", channel_map={"left": [0], "right": [1]})
            path = new_session_path(archive, plan.name, ["cmj"], when)
            staged = staging / path.name
            with SessionWriter(staged, info, compression="lzf") as writer:
                for _ in range(trials):
                    height = plan.height(week) * (1.0 + cv * rng.standard_normal())
                    trial = synthetic.cmj(body_mass=plan.body_mass, jump_height=height, rate=rate,
                                          asymmetry=plate_share(plan.asymmetry_pct(week)), noise_sd=2.0,
                                          seed=int(rng.integers(1 << 31)), quiet_before=1.2, quiet_after=0.8)
                    tr = trial.trace
                    assert tr.left is not None and tr.right is not None
                    first_row = writer.rows
                    writer.append_arrays(np.column_stack([tr.left, tr.right]), tr.total, tr.left, tr.right)
                    number = writer.add_trial("cmj", first_row, writer.rows, _analyze(tr))
                    count += 1
                    if reject_every and count % reject_every == 0:
                        writer.set_decision(number, False, "rejected by the example generator")
                    else:
                        writer.set_decision(number, True)
            paths.append((staged, path))
    return paths


#: The demo squad (``forcelab --demo``): real-length names, each with their own jump height, body mass and a
#: stronger side, so every screen (roster, team table, trends, asymmetry) has something true to show.
DEMO_SQUAD: tuple[AthletePlan, ...] = (
    AthletePlan("Maria Fernanda Oliveira-Santos", 62.5, lambda w: 0.31 + 0.002 * w, lambda w: 6.0),
    AthletePlan("Benjamin Okonkwo-Adeyemi", 88.0, lambda w: 0.41 if w < 7 else 0.36, lambda w: -4.0),
    AthletePlan("Charlotte Vandenberghe", 70.0, lambda w: 0.34, lambda w: 8.0 if w < 6 else 14.0),
    AthletePlan("Jan Kowalczyk", 79.0, lambda w: 0.38, lambda w: -2.5),
)
DEMO_WEEKS = 10
DEMO_COMPLETE = ".demo-complete"


def demo_ready(archive: Path) -> bool:
    """Whether ``archive`` holds a finished demo squad (the marker is written last, so a build that was
    interrupted is built again)."""
    return (archive / DEMO_COMPLETE).is_file()


def build_demo(archive: Path, *, now: datetime | None = None, cancel: threading.Event | None = None) -> list[Path]:
    """The demo squad's weekly CMJ sessions for the ``DEMO_WEEKS`` weeks before ``now`` (default: now);
    ``cancel`` as for :func:`build`."""
    now = now or datetime.now().astimezone()
    first = (now - timedelta(weeks=DEMO_WEEKS)).replace(hour=9, minute=0, second=0, microsecond=0)
    paths = build(archive, weeks=DEMO_WEEKS, trials=3, athletes=DEMO_SQUAD, cv=0.03, seed=2026, start=first,
                  team="Demo squad", cancel=cancel)
    (archive / DEMO_COMPLETE).write_text(f"{len(paths)} sessions\n", encoding="utf-8")
    log.info("demo archive: %d sessions written to %s", len(paths), archive)
    return paths
