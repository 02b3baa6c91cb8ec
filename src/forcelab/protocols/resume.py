"""Taking a protocol run up again after the app closed or crashed, from what the session saved.

Two things are saved, and nothing else is needed:

* the **choice**: which protocol (its whole definition, so a user file edited or deleted since cannot change what
  the recorded step numbers mean), for whom (a team and its order, or one athlete) and an id of the run. It is the
  session file's root attribute ``protocol`` (JSON, docs/archive-format.md table 1), written when recording starts
  (:func:`choice_to_json`; a continued run's new session file carries the same id);
* the **progress** is the trials themselves: each trial recorded in the protocol carries its step and limb (trial
  attributes), its test, the analysis settings it was analysed with (drop height, load) and the tester's
  decision. They are the truth: :func:`resume` replays them into a :class:`~forcelab.protocols.progress.ProtocolRun`
  and a trial that does not fit its step (another test, another drop height or load than the step fixes, a limb
  the step is not done on, a step the protocol does not have) does not count, and is named in ``ignored``.

No Qt and no archive here: the app gives the saved sessions as plain values (:class:`SavedSession`).
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from typing import Protocol as TypingProtocol

from forcelab.protocols.model import Protocol, ProtocolError, ProtocolStep, protocol_from_dict
from forcelab.protocols.progress import ProtocolRun, TrialMark

#: ``format`` of the saved choice (the session attribute ``protocol``)
CHOICE_FORMAT = "forcelab-protocol-run"
_CHOICE_FIELDS = ("format", "run", "group", "queue", "position", "definition")


class RecordedTrial(TypingProtocol):
    """What :func:`resume` reads of a recorded trial (the app's trial entries have these attributes)."""

    number: int
    test: str
    accepted: bool | None
    meta: Mapping[str, str | int]
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Choice:
    """A protocol started for ``queue`` (athletes in order; ``position`` is the one this session is for), by
    ``group`` (a team name, ``""`` for one athlete); ``run`` ties together the session files of one run."""

    protocol: Protocol
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    group: str = ""
    queue: tuple[str, ...] = ()
    position: int = 0


def choice_to_json(choice: Choice) -> str:
    """The session attribute ``protocol``: the choice as one line of JSON (the definition in the file format)."""
    return json.dumps({"format": CHOICE_FORMAT, "run": choice.run, "group": choice.group,
                       "queue": list(choice.queue), "position": choice.position,
                       "definition": choice.protocol.to_dict()}, ensure_ascii=False, sort_keys=True)


def choice_from_json(text: str, *, source: str = "") -> Choice:
    """The choice back from :func:`choice_to_json`'s text; :class:`ProtocolError` naming ``source`` (the session
    file) when it is not one, or its protocol cannot be run by today's analysis."""
    where = source or "session"
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"{where}: attribute 'protocol' is not valid JSON ({exc.msg})") from None
    if not isinstance(raw, Mapping) or raw.get("format") != CHOICE_FORMAT:
        raise ProtocolError(f"{where}: attribute 'protocol' is not a {CHOICE_FORMAT!r} record")
    unknown = sorted(set(raw) - set(_CHOICE_FIELDS))
    if unknown:
        raise ProtocolError(f"{where}: attribute 'protocol' has unknown field(s) {', '.join(map(repr, unknown))}")
    run, group, queue, position = raw.get("run"), raw.get("group", ""), raw.get("queue", []), raw.get("position", 0)
    if not isinstance(run, str) or not run:
        raise ProtocolError(f"{where}: attribute 'protocol' has no run id")
    if not isinstance(group, str) or not isinstance(queue, list) or not all(isinstance(q, str) for q in queue):
        raise ProtocolError(f"{where}: attribute 'protocol': 'group' must be text and 'queue' a list of names")
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < max(1, len(queue)):
        raise ProtocolError(f"{where}: attribute 'protocol': position {position!r} is not in the queue")
    protocol = protocol_from_dict(raw.get("definition"), source=f"{where} (attribute 'protocol')")
    return Choice(protocol, run, group, tuple(queue), position)


def _settings_differ(step: ProtocolStep, params: Mapping[str, Any]) -> str:
    """Why a trial's analysis settings are not the step's ("" when every setting the step fixes agrees)."""
    for key, wanted in step.settings.items():
        if key not in params:
            continue
        got = params[key]
        if isinstance(wanted, int | float) and not isinstance(wanted, bool) and isinstance(got, int | float):
            if not math.isclose(float(got), float(wanted), rel_tol=1e-6, abs_tol=1e-9):
                return f"{key} {got:g}, the step fixes {wanted:g}"
        elif isinstance(wanted, tuple):
            if not isinstance(got, list | tuple) or tuple(got) != wanted:
                return f"{key} {got!r}, the step fixes {list(wanted)!r}"
        elif got != wanted:
            return f"{key} {got!r}, the step fixes {wanted!r}"
    return ""


def _mark(protocol: Protocol, trial: RecordedTrial) -> TrialMark | str:
    """The mark ``trial`` makes in ``protocol``'s run, or why it does not count."""
    step_no = trial.meta.get("protocol_step")
    if isinstance(step_no, bool) or not isinstance(step_no, int) or not 1 <= step_no <= len(protocol.steps):
        return f"trial {trial.number}: step {step_no!r} is not in {protocol.name!r}"
    step = protocol.steps[step_no - 1]
    if trial.test != step.test:
        return f"trial {trial.number}: a {trial.test} trial, step {step_no} ({step.title}) is {step.test}"
    why = _settings_differ(step, trial.params)
    if why:
        return f"trial {trial.number}: {why} (step {step_no}, {step.title})"
    limb = str(trial.meta.get("limb", step.limb if step.limb != "alternate" else ""))
    allowed = ("left", "right") if step.limb == "alternate" else (step.limb,)
    if limb not in allowed:
        return f"trial {trial.number}: limb {limb!r}, step {step_no} ({step.title}) is done on {' or '.join(allowed)}"
    return TrialMark(trial.number, step_no - 1, limb, trial.accepted)


def resume(protocol: Protocol, athlete: str, trials: Sequence[RecordedTrial]) -> tuple[ProtocolRun, list[str]]:
    """``protocol``'s run for ``athlete`` as the recorded ``trials`` (oldest first) left it, and the trials
    recorded for the protocol that do not count (why, one line each). Trials of another protocol, or none, are
    not this run's and are passed over."""
    marks: list[TrialMark] = []
    ignored: list[str] = []
    for trial in trials:
        if trial.meta.get("protocol") != protocol.name:
            continue
        mark = _mark(protocol, trial)
        if isinstance(mark, str):
            ignored.append(mark)
        else:
            marks.append(mark)
    run = ProtocolRun(protocol, athlete)
    run.restore(marks)
    return run, ignored


@dataclass
class SavedSession:
    """A session file of today as the app reopened it: its athlete, its ``protocol`` attribute ("" when it was
    not recorded for one), its trials (oldest first), and where it is (for messages)."""

    athlete: str
    protocol: str
    trials: list[Any]
    source: str = ""


@dataclass(frozen=True)
class Resumable:
    """A run that can be continued: the saved choice, the run as the trials left it, and what did not count."""

    choice: Choice
    athlete: str
    run: ProtocolRun
    ignored: tuple[str, ...] = ()

    def offer(self) -> str:
        """``"Continue Jump profile at step 3 of 7 (2 of 3 trials)"``."""
        run, step = self.run, self.run.step
        assert step is not None
        counted = run.counted(run.step_index)
        return (f"Continue {run.protocol.name} at step {run.step_index + 1} of {len(run.protocol.steps)} "
                f"({counted} of {step.trials_total} trials)")


def resumable(sessions: Sequence[SavedSession]) -> tuple[list[Resumable], list[str]]:
    """The unfinished runs of ``sessions`` (today's, oldest first): per athlete, the newest run (the run id of
    the newest session recorded for a protocol), replayed from the trials of every session of that run; and
    the sessions whose ``protocol`` attribute cannot be used, why. A finished run is not offered."""
    newest: dict[str, tuple[Choice, list[Any]]] = {}
    problems: list[str] = []
    for s in sessions:
        if not s.protocol:
            continue
        try:
            choice = choice_from_json(s.protocol, source=s.source)
        except ProtocolError as exc:
            problems.append(str(exc))
            continue
        known = newest.get(s.athlete)
        if known is not None and known[0].run == choice.run:
            known[1].extend(s.trials)
        else:
            newest[s.athlete] = (choice, list(s.trials))
    out = []
    for athlete, (choice, trials) in newest.items():
        run, ignored = resume(choice.protocol, athlete, trials)
        if not run.finished:
            out.append(Resumable(choice, athlete, run, tuple(ignored)))
    return out, problems
