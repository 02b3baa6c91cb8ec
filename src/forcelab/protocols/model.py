"""A protocol and its steps, and reading one from its JSON form with errors that say where.

A :class:`Protocol` is a name, a description and :class:`ProtocolStep` s. A step is one test done a number of
times: the test (a name the analysis knows, :data:`forcelab.analysis.dispatch.TESTS`), how many trials are
wanted, the rest between them, which limb, the analysis settings the step fixes (the drop jump's
``drop_height``, a loaded jump's ``load_mass`` ...: any keyword the test's analysis takes,
:func:`forcelab.analysis.dispatch.parameters`) and an optional :class:`Target` drawn on the live plot.

:func:`protocol_from_dict` checks a protocol against the analysis *as it is when the file is read*: a test
added to the analysis later (``rebound``) is accepted from then on with no change here, and a test or a
setting the analysis does not know is an error naming the file, the step and the field. The file format is
docs/protocols.md; :meth:`Protocol.to_dict` writes the same form back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from forcelab.analysis import catalog, dispatch

#: The ``format`` value of a protocol file, and the version of the layout this module reads and writes.
FORMAT = "forcelab-protocol"
VERSION = 1
#: Which limb a step is done on: both feet (plates), one side, or left and right in turn (``trials`` per side).
LIMBS = ("both", "left", "right", "alternate")
#: Kinds of target line: a force in newtons, a percentage of body weight, a percentage of the athlete's
#: previous best of a metric in the archive.
TARGET_KINDS = ("force", "body_weight", "previous_best")
#: Analysis keywords a step may not fix: the session supplies them (weighing) or the tester does (events).
SESSION_INPUTS = ("body_weight", "body_weight_sd", "events")
#: Most trials one step may ask for (a typo guard: 30 is already a long set).
MAX_TRIALS = 30
#: Longest rest one step may ask for, s.
MAX_REST = 3600.0

SettingValue = float | int | str | bool | tuple[float, ...]
_STEP_FIELDS = ("test", "trials", "rest", "rest_after", "limb", "label", "instructions", "settings", "target")
_TOP_FIELDS = ("format", "version", "name", "description", "steps")


class ProtocolError(ValueError):
    """A protocol that cannot be used; the message names the file, the step (1-based) and the field."""


@dataclass(frozen=True)
class Target:
    """A line on the live force plot for the athlete to aim at.

    ``kind`` ``"force"``: ``newtons``. ``"body_weight"``: ``percent`` of the athlete's body weight (250 is
    2.5 × BW). ``"previous_best"``: ``percent`` (default 100) of the athlete's best ``metric`` of this test in
    the archive, best meaning highest unless ``better`` is ``"lower"`` (contact times). A previous best that is
    not a force (a jump height) is shown as text, not drawn.
    """

    kind: str
    newtons: float | None = None
    percent: float = 100.0
    metric: str = ""
    better: str = "higher"

    def describe(self) -> str:
        """One line for the tester: ``"target 250 % body weight"``."""
        if self.kind == "force":
            return f"target {self.newtons:,.0f} N"
        if self.kind == "body_weight":
            return f"target {self.percent:g} % body weight"
        share = "" if self.percent == 100.0 else f"{self.percent:g} % of "
        return f"target {share}previous best {self.metric}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (docs/protocols.md)."""
        if self.kind == "force":
            return {"kind": "force", "newtons": self.newtons}
        if self.kind == "body_weight":
            return {"kind": "body_weight", "percent": self.percent}
        out: dict[str, Any] = {"kind": "previous_best", "metric": self.metric, "percent": self.percent}
        if self.better != "higher":
            out["better"] = self.better
        return out


@dataclass(frozen=True)
class ProtocolStep:
    """One test of a protocol, done ``trials`` times (per side when ``limb`` is ``"alternate"``).

    ``rest`` (s) is the rest between the step's trials, ``rest_after`` (s) the rest before the next step.
    ``settings`` are the analysis keywords the step fixes (``drop_height`` in m for a drop jump ...).
    """

    test: str
    trials: int = 3
    rest: float = 60.0
    rest_after: float = 60.0
    limb: str = "both"
    label: str = ""
    instructions: str = ""
    settings: Mapping[str, SettingValue] = field(default_factory=dict)
    target: Target | None = None

    @property
    def title(self) -> str:
        """The step's label, or one made from the test and its drop height: ``"Drop jump 30 cm"``."""
        if self.label:
            return self.label
        known = catalog.CATALOG.get(self.test)
        name = self.test if known is None else known.label
        drop = self.settings.get("drop_height")
        if isinstance(drop, int | float) and not isinstance(drop, bool):
            name += f" {drop * 100:.0f} cm"
        return name

    @property
    def trials_total(self) -> int:
        """Trials the step wants in all (twice ``trials`` when alternating limbs)."""
        return self.trials * (2 if self.limb == "alternate" else 1)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (docs/protocols.md); defaults are written too, so a file says what it does."""
        out: dict[str, Any] = {"test": self.test, "trials": self.trials, "rest": self.rest,
                               "rest_after": self.rest_after, "limb": self.limb}
        if self.label:
            out["label"] = self.label
        if self.instructions:
            out["instructions"] = self.instructions
        if self.settings:
            out["settings"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.settings.items()}
        if self.target is not None:
            out["target"] = self.target.to_dict()
        return out


@dataclass(frozen=True)
class Protocol:
    """A named battery of steps. ``source`` says where it was read from (a file, or ``"shipped"``)."""

    name: str
    steps: tuple[ProtocolStep, ...]
    description: str = ""
    source: str = ""

    @property
    def tests(self) -> list[str]:
        """The distinct tests of the protocol, in the order they first come."""
        return list(dict.fromkeys(s.test for s in self.steps))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (docs/protocols.md)."""
        return {"format": FORMAT, "version": VERSION, "name": self.name, "description": self.description,
                "steps": [s.to_dict() for s in self.steps]}


# ------------------------------------------------------------------------------------------ reading
class _Where:
    """Builds the "file, step N, field" prefix of an error."""

    def __init__(self, source: str) -> None:
        self.source = source or "protocol"

    def error(self, message: str, step: int | None = None, name: str = "") -> ProtocolError:
        parts = [self.source]
        if step is not None:
            parts.append(f"step {step}")
        if name:
            parts.append(f"field {name!r}")
        return ProtocolError(f"{', '.join(parts)}: {message}")


def _number(value: Any, where: _Where, step: int | None, name: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise where.error(f"must be a number, got {value!r}", step, name)
    if not low <= value <= high:
        raise where.error(f"must be between {low:g} and {high:g}, got {value!r}", step, name)
    return float(value)


def _text(value: Any, where: _Where, step: int | None, name: str) -> str:
    if not isinstance(value, str):
        raise where.error(f"must be text, got {value!r}", step, name)
    return value.strip()


def _setting(key: str, value: Any, default: Any, where: _Where, step: int) -> SettingValue:
    """One analysis setting, of the kind its default has (a number, text, yes/no or a list of numbers)."""
    name = f"settings.{key}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise where.error(f"must be true or false, got {value!r}", step, name)
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list) or not value:
            raise where.error(f"must be a list of numbers, got {value!r}", step, name)
        return tuple(_number(v, where, step, name, low=-1e9, high=1e9) for v in value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise where.error(f"must be text, got {value!r}", step, name)
        return value
    if isinstance(value, str) and default is None:
        return value
    return _number(value, where, step, name, low=-1e9, high=1e9)


def _settings(test: str, raw: Any, where: _Where, step: int) -> dict[str, SettingValue]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise where.error(f"must be an object of analysis settings, got {raw!r}", step, "settings")
    known = dispatch.parameters(test)
    allowed = sorted(set(known) - set(SESSION_INPUTS))
    out: dict[str, SettingValue] = {}
    for key, value in raw.items():
        if key in SESSION_INPUTS:
            raise where.error(f"{key!r} is supplied by the session (weighing, review), not by a protocol",
                              step, f"settings.{key}")
        if key not in known:
            raise where.error(f"the {test} analysis takes no setting {key!r}; it takes: {', '.join(allowed)}",
                              step, f"settings.{key}")
        out[key] = _setting(key, value, known[key], where, step)
    if test == "dj" and "drop_height" in out:
        _number(out["drop_height"], where, step, "settings.drop_height", low=0.05, high=1.5)
    return out


def _target(raw: Any, where: _Where, step: int) -> Target | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise where.error(f"must be an object with a 'kind', got {raw!r}", step, "target")
    kind = raw.get("kind")
    if kind not in TARGET_KINDS:
        raise where.error(f"kind must be one of {', '.join(TARGET_KINDS)}, got {kind!r}", step, "target.kind")
    allowed = {"force": {"kind", "newtons"}, "body_weight": {"kind", "percent"},
               "previous_best": {"kind", "metric", "percent", "better"}}[kind]
    extra = sorted(set(raw) - allowed)
    if extra:
        raise where.error(f"a {kind} target takes only {', '.join(sorted(allowed))}, not {', '.join(extra)}",
                          step, "target")
    if kind == "force":
        if "newtons" not in raw:
            raise where.error("a force target needs 'newtons'", step, "target.newtons")
        return Target("force", newtons=_number(raw["newtons"], where, step, "target.newtons", low=1, high=1e5))
    if kind == "body_weight":
        if "percent" not in raw:
            raise where.error("a body_weight target needs 'percent' (250 = 2.5 x body weight)", step,
                              "target.percent")
        return Target("body_weight", percent=_number(raw["percent"], where, step, "target.percent",
                                                     low=1, high=2000))
    metric = raw.get("metric")
    if not isinstance(metric, str) or not metric.strip():
        raise where.error("a previous_best target needs the 'metric' to beat (e.g. peak_force)", step,
                          "target.metric")
    better = raw.get("better", "higher")
    if better not in ("higher", "lower"):
        raise where.error(f"must be 'higher' or 'lower', got {better!r}", step, "target.better")
    percent = _number(raw.get("percent", 100.0), where, step, "target.percent", low=1, high=1000)
    return Target("previous_best", percent=percent, metric=metric.strip(), better=better)


def step_from_dict(raw: Any, *, source: str = "", number: int = 1) -> ProtocolStep:
    """One step from its JSON form; :class:`ProtocolError` naming ``source``, step ``number`` and the field."""
    where = _Where(source)
    if not isinstance(raw, Mapping):
        raise where.error(f"a step must be an object with a 'test', got {raw!r}", number)
    unknown = sorted(set(raw) - set(_STEP_FIELDS))
    if unknown:
        raise where.error(f"unknown field(s) {', '.join(map(repr, unknown))}; a step has: "
                          f"{', '.join(_STEP_FIELDS)}", number)
    test = raw.get("test")
    if test not in dispatch.TESTS:
        raise where.error(f"unknown test {test!r}: this forcelab's analysis knows {', '.join(dispatch.TESTS)}",
                          number, "test")
    trials = raw.get("trials", 3)
    if isinstance(trials, bool) or not isinstance(trials, int) or not 1 <= trials <= MAX_TRIALS:
        raise where.error(f"must be a whole number from 1 to {MAX_TRIALS}, got {trials!r}", number, "trials")
    rest = _number(raw.get("rest", 60.0), where, number, "rest", low=0.0, high=MAX_REST)
    rest_after = _number(raw.get("rest_after", rest), where, number, "rest_after", low=0.0, high=MAX_REST)
    limb = raw.get("limb", "both")
    if limb not in LIMBS:
        raise where.error(f"must be one of {', '.join(LIMBS)}, got {limb!r}", number, "limb")
    return ProtocolStep(
        test=str(test), trials=trials, rest=rest, rest_after=rest_after, limb=str(limb),
        label=_text(raw.get("label", ""), where, number, "label"),
        instructions=_text(raw.get("instructions", ""), where, number, "instructions"),
        settings=_settings(str(test), raw.get("settings"), where, number),
        target=_target(raw.get("target"), where, number),
    )


def protocol_from_dict(raw: Any, *, source: str = "") -> Protocol:
    """A protocol from its JSON form (docs/protocols.md), checked against today's analysis.

    :class:`ProtocolError` for anything wrong, naming ``source`` (the file), the step and the field."""
    where = _Where(source)
    if not isinstance(raw, Mapping):
        raise where.error("a protocol file holds one JSON object")
    if raw.get("format", FORMAT) != FORMAT:
        raise where.error(f"not a forcelab protocol (format {raw.get('format')!r}, expected {FORMAT!r})",
                          None, "format")
    version = raw.get("version", VERSION)
    if version != VERSION:
        raise where.error(f"version {version!r} is not one this forcelab reads (it reads {VERSION})",
                          None, "version")
    unknown = sorted(set(raw) - set(_TOP_FIELDS))
    if unknown:
        raise where.error(f"unknown field(s) {', '.join(map(repr, unknown))}; a protocol has: "
                          f"{', '.join(_TOP_FIELDS)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise where.error("a protocol needs a name", None, "name")
    steps = raw.get("steps")
    if not isinstance(steps, Sequence) or isinstance(steps, str) or not steps:
        raise where.error("a protocol needs a list of one or more steps", None, "steps")
    return Protocol(
        name=name.strip(),
        steps=tuple(step_from_dict(s, source=source, number=i) for i, s in enumerate(steps, 1)),
        description=_text(raw.get("description", ""), where, None, "description"),
        source=source,
    )
