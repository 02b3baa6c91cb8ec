"""One athlete going through a protocol: which step, trials done and accepted, which limb, rest remaining.

:class:`ProtocolRun` is told what happens (a trial was recorded, the tester accepted or rejected one, the
tester jumped to another step) and answers what comes next. It holds no clock: every call that depends on
time takes ``now`` (seconds on any monotonic clock), so it is tested without waiting.

Counting rule: a trial counts towards its step unless the tester rejected it (a trial not yet decided
counts, so the protocol moves on without a key press after every jump). When the current step has all its
trials it moves to the next step at once, and the rest before it (``rest_after``) starts; the app then
switches the test and its settings during the rest. A trial rejected after its step was left makes that
step *short*: :meth:`ProtocolRun.short_steps` names it, and :meth:`ProtocolRun.goto` goes back to redo it.
With ``limb = "alternate"`` the next trial is on the side with fewer counted trials (left first), and the step
wants ``trials`` on each side.
"""

from __future__ import annotations

from dataclasses import dataclass

from forcelab.protocols.model import Protocol, ProtocolStep

#: Keys of the metadata a protocol trial carries into the archive (docs/archive-format.md, table 2).
META_KEYS = ("protocol", "protocol_step", "protocol_step_label", "limb")


@dataclass
class TrialMark:
    """A trial the run recorded: its number (the app's), the step (0-based) and limb it was for, and the
    tester's decision (``None`` until decided)."""

    number: int
    step: int
    limb: str
    accepted: bool | None = None

    @property
    def counts(self) -> bool:
        """True unless the tester rejected it."""
        return self.accepted is not False


@dataclass(frozen=True)
class StepState:
    """A step as the step list shows it: counted and accepted trials against the wanted number, and
    ``state``: ``"done"``, ``"current"``, ``"short"`` (left with trials missing) or ``"todo"``."""

    number: int
    title: str
    counted: int
    accepted: int
    wanted: int
    state: str


class ProtocolRun:
    """``protocol`` for ``athlete``, from its first step."""

    def __init__(self, protocol: Protocol, athlete: str = "") -> None:
        self.protocol = protocol
        self.athlete = athlete
        self.step_index = 0
        self.marks: list[TrialMark] = []
        self.rest_until: float | None = None
        self._visited = {0}

    # ------------------------------------------------------------------ where we are
    @property
    def finished(self) -> bool:
        """True once every step was passed (or skipped)."""
        return self.step_index >= len(self.protocol.steps)

    @property
    def step(self) -> ProtocolStep | None:
        """The current step (``None`` when finished)."""
        return None if self.finished else self.protocol.steps[self.step_index]

    def counted(self, index: int, limb: str | None = None) -> int:
        """Trials of step ``index`` (0-based) that count (not rejected), on ``limb`` if given."""
        return sum(m.counts for m in self.marks if m.step == index and (limb is None or m.limb == limb))

    def accepted(self, index: int) -> int:
        """Trials of step ``index`` the tester accepted."""
        return sum(m.accepted is True for m in self.marks if m.step == index)

    def complete(self, index: int) -> bool:
        """True when step ``index`` has all its trials (on each side when alternating)."""
        step = self.protocol.steps[index]
        if step.limb == "alternate":
            return all(self.counted(index, side) >= step.trials for side in ("left", "right"))
        return self.counted(index) >= step.trials

    def next_limb(self) -> str:
        """The limb of the next trial: the step's, or for alternating steps the side with fewer trials."""
        step = self.step
        if step is None:
            return "both"
        if step.limb != "alternate":
            return step.limb
        return "left" if self.counted(self.step_index, "left") <= self.counted(self.step_index, "right") else "right"

    def next_trial_number(self) -> int:
        """The 1-based number of the next trial within the current step (``2`` of 3), per side when alternating."""
        step = self.step
        if step is None:
            return 0
        limb = self.next_limb() if step.limb == "alternate" else None
        return self.counted(self.step_index, limb) + 1

    def rest_remaining(self, now: float) -> float:
        """Seconds of rest left at ``now`` (0 when none)."""
        return 0.0 if self.rest_until is None else max(0.0, self.rest_until - now)

    def short_steps(self) -> list[int]:
        """Steps (0-based) already left that lack trials (one was rejected afterwards)."""
        return [i for i in sorted(self._visited) if i != self.step_index and i < len(self.protocol.steps)
                and self.marks_of(i) and not self.complete(i)]

    def marks_of(self, index: int) -> list[TrialMark]:
        """The trials recorded for step ``index``."""
        return [m for m in self.marks if m.step == index]

    def states(self) -> list[StepState]:
        """Every step with its counts and state, for the step list."""
        short = set(self.short_steps())
        out = []
        for i, step in enumerate(self.protocol.steps):
            if i == self.step_index:
                state = "current"
            elif i in short:
                state = "short"
            elif self.complete(i):
                state = "done"
            else:
                state = "todo"
            out.append(StepState(i + 1, step.title, self.counted(i), self.accepted(i), step.trials_total, state))
        return out

    def meta(self) -> dict[str, str | int]:
        """What the next trial carries into the archive (keys :data:`META_KEYS`)."""
        step = self.step
        if step is None:
            return {}
        return {"protocol": self.protocol.name, "protocol_step": self.step_index + 1,
                "protocol_step_label": step.title, "limb": self.next_limb()}

    # ------------------------------------------------------------------ what happens
    def record(self, number: int, *, now: float) -> TrialMark | None:
        """Trial ``number`` was recorded at ``now`` for the current step (``None`` when finished). Starts the
        rest; when the step has all its trials the run moves to the next step and the rest is ``rest_after``."""
        step = self.step
        if step is None:
            return None
        mark = TrialMark(number, self.step_index, self.next_limb())
        self.marks.append(mark)
        if self.complete(self.step_index):
            self.rest_until = now + step.rest_after
            self._enter(self._next_incomplete(self.step_index + 1))
        else:
            self.rest_until = now + step.rest
        return mark

    def decide(self, number: int, accepted: bool | None) -> bool:
        """The tester accepted or rejected trial ``number``; True if it is one of this run's. A rejection in the
        current step means one more trial is wanted; in a step already left, that step becomes short."""
        for m in self.marks:
            if m.number == number:
                m.accepted = accepted
                return True
        return False

    def goto(self, index: int) -> None:
        """Go to step ``index`` (0-based; ``len(steps)`` finishes the run); the rest is cleared."""
        if not 0 <= index <= len(self.protocol.steps):
            raise ValueError(f"step {index + 1} is not in {self.protocol.name!r} "
                             f"(it has {len(self.protocol.steps)} steps)")
        self.rest_until = None
        self._enter(index)

    def skip(self) -> None:
        """Leave the current step as it is and go to the next."""
        if not self.finished:
            self.goto(self.step_index + 1)

    def restore(self, marks: list[TrialMark]) -> None:
        """Take up the run again from trials recorded earlier (after a restart, :mod:`forcelab.protocols.resume`):
        ``marks`` in the order they were recorded. The run goes where it would have been after the last of them:
        that trial's step while it wants trials, else the next step that does; no rest is running."""
        self.marks = list(marks)
        self.rest_until = None
        self._visited = {m.step for m in self.marks} | {0}
        if not self.marks:
            self._enter(0)
            return
        last = self.marks[-1].step
        self._enter(last if not self.complete(last) else self._next_incomplete(last + 1))

    def end_rest(self) -> None:
        """Cut the rest short (the athlete is ready)."""
        self.rest_until = None

    def _next_incomplete(self, start: int) -> int:
        """The first step from ``start`` on that still wants trials (a redone step returns to where the run
        was, not to a step already done); ``len(steps)`` when none does."""
        for i in range(start, len(self.protocol.steps)):
            if not self.complete(i):
                return i
        return len(self.protocol.steps)

    def _enter(self, index: int) -> None:
        self.step_index = index
        self._visited.add(index)
