"""A real archive of single-leg CMJ sessions with known left- and right-leg jump heights per session, and drop
landings with a known plate share: written through SessionWriter from synthetic jumps analysed with the real
analysis, then indexed (for the limb asymmetry trend tests, tests/compare/test_compare_limbs.py and the GUI).

Each limb does three trials a session at ``h * (1 + cv * z)`` for ``z = +1, 0, -1``: the best is ``h * (1 + cv)``
for both limbs, so the best-vs-best percent difference is the generated one, ``(s - w) / s * 100``, and each
limb's within-session CV is ``cv`` exactly (sample SD of the three) — closed forms for the value and its TE.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from forcelab.analysis import dispatch
from forcelab.simulation import synthetic
from forcelab.simulation.example_archive import plate_share
from forcelab.storage.archive import new_session_path
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.writer import SessionInfo, SessionWriter

START = datetime(2026, 9, 1, 9, 0).astimezone()
SIDES = {"left": 1.0, "right": -1.0}
STEPS = (1.0, 0.0, -1.0)
ATHLETE = "Lena Single-Leg"
BODY_MASS = 70.0
#: (left, right) jump height (m) per weekly session; ``None``: that limb not tested that week.
WEEKS: tuple[tuple[float | None, float | None], ...] = (
    (0.200, 0.190),  # 5 % left stronger
    (0.202, 0.192),
    (0.198, 0.188),
    (0.200, 0.190),
    (None, 0.185),  # the left leg not tested: missing
    (0.200, 0.160),  # 20 %: high, a meaningful rise
    (0.200, 0.172),  # 14 %: monitor
    (0.180, 0.200),  # 10 %, the right leg now stronger: a flip
)
#: The percent difference (%) of the drop landings' peak force, one session each, left stronger.
LANDINGS = (4.0, 12.0, 18.0)


def _write(writer: SessionWriter, test: str, trace: object, **params: object) -> int:
    tr = trace  # a ForceTrace with both plates
    first = writer.rows
    writer.append_arrays(np.column_stack([tr.left, tr.right]), tr.total, tr.left, tr.right)  # type: ignore[attr-defined]
    number = writer.add_trial(test, first, writer.rows, dispatch.analyze(tr, test, **params))  # type: ignore[arg-type]
    writer.set_decision(number, True)
    return number


def _info(when: datetime, tests: list[str]) -> SessionInfo:
    return SessionInfo(athlete=ATHLETE, rate=1000.0, tests=tests, channels=2, plates=2, raw_unit="N", started=when,
                       source="limb_archive", channel_map={"left": [0], "right": [1]})


def build(archive: Path, *, weeks: Sequence[tuple[float | None, float | None]] = WEEKS, cv: float = 0.02,
          landings: Sequence[float] = LANDINGS, reject_extra: bool = True) -> list[Path]:
    """Write the sessions into ``archive`` and index them; returns the single-leg session files, by week.

    With ``reject_extra`` every session also holds a fourth left-leg trial, 30 % higher, that the tester
    rejected: it must never count."""
    archive.mkdir(parents=True, exist_ok=True)
    paths = []
    seed = 0
    for week, heights in enumerate(weeks):
        when = START + timedelta(weeks=week)
        path = new_session_path(archive, ATHLETE, ["sl_cmj"], when)
        with SessionWriter(path, _info(when, ["sl_cmj"]), compression="lzf") as writer:
            for side, h in zip(("left", "right"), heights, strict=True):
                if h is None:
                    continue
                for z in STEPS:
                    seed += 1
                    trial = synthetic.cmj(body_mass=BODY_MASS, jump_height=h * (1 + cv * z), asymmetry=SIDES[side],
                                          noise_sd=1.0, seed=seed, quiet_before=1.2, quiet_after=0.8)
                    _write(writer, "sl_cmj", trial.trace)
            if reject_extra and heights[0] is not None:
                trial = synthetic.cmj(body_mass=BODY_MASS, jump_height=heights[0] * 1.3, asymmetry=1.0, noise_sd=1.0,
                                      seed=999, quiet_before=1.2, quiet_after=0.8)
                writer.set_decision(_write(writer, "sl_cmj", trial.trace), False, "stepped off")
        paths.append(path)
    for k, pct in enumerate(landings):
        when = START + timedelta(weeks=k, hours=2)
        path = new_session_path(archive, ATHLETE, ["landing"], when)
        with SessionWriter(path, _info(when, ["landing"]), compression="lzf") as writer:
            for j in range(2):
                trial = synthetic.drop_landing(body_mass=BODY_MASS, drop_height=0.3, asymmetry=plate_share(pct),
                                               noise_sd=1.0, seed=100 + 2 * k + j)
                _write(writer, "landing", trial.trace, drop_height=0.3)
    with ArchiveIndex(archive) as index:
        index.set_athlete(ATHLETE, body_mass=BODY_MASS, team="Limb FC")
        index.sync()
    return paths
