"""A real archive of balance sessions with known sway per stance condition: written through SessionWriter from
synthetic quiet stances (the CoP on an ellipse, closed-form measures) analysed with the real analysis, each
trial keeping the condition the tester noted, then indexed (for tests/compare/test_compare_balance.py).

Each weekly session holds two eyes-open and two eyes-closed bipedal trials: eyes open the CoP runs round an
ellipse of ``ml x ap`` (:data:`OPEN_MM`), eyes closed one 1.5 times as large each way (:data:`CLOSED_FACTOR`),
so within a condition the two trials of a week are equal and the week's value is the closed form; mixed, the
eyes-closed sway would read as a worsening of the eyes-open one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from forcelab.analysis import dispatch
from forcelab.simulation import synthetic
from forcelab.storage.archive import new_session_path
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.writer import SessionInfo, SessionWriter

START = datetime(2026, 10, 5, 9, 0).astimezone()
ATHLETE = "Bea Balance"
BODY_MASS = 62.0
#: The eyes-open ellipse (ML, AP half-axes in mm) per weekly session: the sway shrinks week by week.
OPEN_MM: tuple[tuple[float, float], ...] = ((8.0, 12.0), (7.5, 11.0), (7.0, 10.0), (6.0, 9.0))
CLOSED_FACTOR = 1.5
#: 30 s at 0.2 Hz: six whole turns of the ellipse, where the closed forms hold.
DURATION, FREQUENCY = 30.0, 0.2


def build(archive: Path) -> list[Path]:
    """Write one session a week (:data:`OPEN_MM`) into ``archive`` and index them; returns the session files."""
    archive.mkdir(parents=True, exist_ok=True)
    paths = []
    for week, (ml, ap) in enumerate(OPEN_MM):
        when = START + timedelta(weeks=week)
        path = new_session_path(archive, ATHLETE, ["balance"], when)
        info = SessionInfo(athlete=ATHLETE, rate=100.0, tests=["balance"], channels=1, plates=1, raw_unit="N",
                           started=when, source="balance_archive", channel_map={"total": [0]})
        with SessionWriter(path, info, compression="lzf") as writer:
            for condition, k in (("eyes_open", 1.0), ("eyes_closed", CLOSED_FACTOR)) * 2:
                s = synthetic.quiet_stance(body_mass=BODY_MASS, duration=DURATION, rate=100.0, ml=k * ml / 1000,
                                           ap=k * ap / 1000, frequency=FREQUENCY)
                first = writer.rows
                writer.append_arrays(s.trace.total[:, None], s.trace.total)
                result = dispatch.analyze(s.trace, "balance", condition=condition, stance="bipedal", trim_start=0.0,
                                          duration=DURATION)
                number = writer.add_trial("balance", first, writer.rows, result)
                writer.set_decision(number, True)
        paths.append(path)
    with ArchiveIndex(archive) as index:
        index.set_athlete(ATHLETE, body_mass=BODY_MASS, team="Stance FC")
        index.sync()
    return paths


def truth(metric: str, condition: str, week: int) -> float:
    """The closed-form value of ``metric`` for ``condition``'s trials of session ``week``."""
    ml, ap = OPEN_MM[week]
    k = 1.0 if condition == "eyes_open" else CLOSED_FACTOR
    s = synthetic.quiet_stance(body_mass=BODY_MASS, duration=DURATION, rate=100.0, ml=k * ml / 1000,
                               ap=k * ap / 1000, frequency=FREQUENCY)
    return float(s.truth[metric])

