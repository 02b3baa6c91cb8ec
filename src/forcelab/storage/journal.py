"""The session journal: what happened to trials while recording, as JSON lines.

While a session records, HDF5's SWMR mode forbids creating groups or attributes, so everything that is
not a sample (trial begin/end, analysis results, accept/reject decisions, calibration changes) is
appended as one JSON object per line to the byte dataset ``/journal``. Replaying the journal gives the
trials; the writer turns them into ``/trials/trial_NNN`` groups when the session closes, and the reader
replays it itself for a session that never closed (a crash).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class TrialRecord:
    """One trial as the journal describes it: a row range of the stream plus what was said about it."""

    number: int
    test: str
    start: int
    stop: int | None = None  # None: the trial was still in progress when the journal ends
    began_at: str = ""
    result: dict[str, Any] | None = None
    accepted: bool | None = None
    note: str = ""
    calibration_row: int = 0  # the stream row of the calibration entry in force for this trial
    meta: dict[str, str | int] = field(default_factory=dict)  # protocol step and limb (schema.TRIAL_META)


@dataclass
class CalibrationRecord:
    """A calibration in force from stream row ``row`` on."""

    row: int
    gain: list[float]
    offset: list[float]
    unit: str = "N"


@dataclass
class Replay:
    """What a journal says: the trials in order, the calibrations and free notes."""

    trials: list[TrialRecord] = field(default_factory=list)
    calibrations: list[CalibrationRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    damaged_lines: int = 0


def encode(entry: dict[str, Any]) -> bytes:
    """One journal line (UTF-8 JSON + newline)."""
    return (json.dumps(entry, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")


def decode(data: bytes) -> list[dict[str, Any]]:
    """Every complete line of a journal; a damaged last line (cut by a crash) is dropped and logged."""
    entries: list[dict[str, Any]] = []
    for i, line in enumerate(data.split(b"\n")):
        if not line.strip():
            continue
        try:
            obj = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            log.warning("journal line %d is damaged and was skipped", i + 1)
            continue
        if isinstance(obj, dict):
            entries.append(obj)
    return entries


def replay(entries: Iterable[dict[str, Any]]) -> Replay:
    """Fold journal entries into trials and calibrations (later entries win)."""
    out = Replay()
    by_number: dict[int, TrialRecord] = {}
    for e in entries:
        kind = e.get("t")
        if kind == "calibration":
            try:
                out.calibrations.append(
                    CalibrationRecord(int(e["row"]), list(e["gain"]), list(e["offset"]), str(e.get("unit", "N")))
                )
            except (KeyError, TypeError, ValueError):
                out.damaged_lines += 1
            continue
        if kind == "note":
            out.notes.append(str(e.get("text", "")))
            continue
        number = e.get("trial")
        if not isinstance(number, int):
            out.damaged_lines += 1
            continue
        if kind == "begin":
            start = e.get("start")
            if not isinstance(start, int):
                out.damaged_lines += 1
                continue
            rec = TrialRecord(number, str(e.get("test", "")), start, began_at=str(e.get("at", "")))
            meta = e.get("meta")
            if isinstance(meta, dict):
                rec.meta = {str(k): v for k, v in meta.items() if isinstance(v, str | int) and not isinstance(v, bool)}
            rec.calibration_row = out.calibrations[-1].row if out.calibrations else 0
            by_number[number] = rec
            out.trials.append(rec)
            continue
        trial = by_number.get(number)
        if trial is None:
            out.damaged_lines += 1
            continue
        if kind == "end" and isinstance(e.get("stop"), int):
            trial.stop = int(e["stop"])
        elif kind == "result" and isinstance(e.get("result"), dict):
            trial.result = dict(e["result"])
        elif kind == "decision":
            acc = e.get("accepted")
            trial.accepted = None if acc is None else bool(acc)
            trial.note = str(e.get("note", ""))
        else:
            out.damaged_lines += 1
    return out
