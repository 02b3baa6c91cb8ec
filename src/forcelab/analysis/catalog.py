"""The battery's tests, listed once: what each test is called, how its trials are found, what the tester enters.

Every place that lists tests reads :data:`CATALOG` instead of keeping its own list: the analysis' entry point
(:mod:`forcelab.analysis.dispatch`: ``TESTS``, the names in its messages, ``WEIGHED_TESTS``), the archive's
(:mod:`forcelab.storage.bridge`: the tests a long recording can be cut into), the app (test panel, card titles,
live detection, the families a suggestion tells apart), protocols (a step's title) and the command line
(``--test`` choices). A new test is one entry here (plus its analysis), not eight edits that must agree.

The table is built once, at import, from three sources: the jumps, hops, landing and balance written below,
every isometric test definition (:data:`forcelab.analysis.isometric_tests.DEFINITIONS`: one entry per row) and
the single-leg jumps (:mod:`forcelab.analysis.single_leg`). ``free`` (a recording kept, not analysed) is an entry
too: the app offers it, the analysis does not take it (``analysable`` False).

How trials are found comes in three settings, each read by one place:

* ``segment``: cutting a long recording into trials after the fact (the archive's import and re-analysis,
  :func:`forcelab.storage.bridge.segments`); ``None`` when a recording is not cut (a balance recording is cut
  into stances of the set duration, which need the centre of pressure from the plates' cells to be analysed);
* ``record``: the online detector of the headless recorder (``forcelab record``); ``None`` when the test cannot
  be recorded that way;
* ``live``: the app's online detector, tuned to put the card on screen soon after the trial (a trial closes
  ``post`` 0.2 s after its landing has settled; the drop jump keeps the default, it weighs the athlete on the
  stance after the landing); ``None`` when the app does not offer the test.

Each is a :class:`Detection`: the trial kind of :class:`forcelab.analysis.segmentation.OnlineTrialDetector` /
:func:`~forcelab.analysis.segmentation.find_trials` and the thresholds that differ from its defaults.

This module is light (no numpy-heavy import of its own): the command line reads it to build its options.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from forcelab.analysis.isometric_tests import DEFINITIONS as ISOMETRIC_DEFINITIONS
from forcelab.analysis.single_leg import BASES as SINGLE_LEG_BASES
from forcelab.analysis.single_leg import NAMES as SINGLE_LEG_NAMES

#: The families of tests a detection suggestion tells apart (forcelab.gui.services.suggest_test): a single jump
#: from standing, a drop (a drop jump, a drop landing: the athlete arrives from the air), a hop series, a pull,
#: quiet stance. No suggestion is made within a family.
FAMILIES = ("jump", "drop", "hops", "pull", "stance")


@dataclass(frozen=True)
class Detection:
    """How trials of a test are found: the segmentation's trial ``kind`` (``"jump"``, ``"pull"`` ...) and the
    ``thresholds`` that differ from its defaults (keyword arguments of the detector)."""

    kind: str
    thresholds: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "thresholds", MappingProxyType(dict(self.thresholds)))

    def setup(self) -> tuple[str, dict[str, float]]:
        """``(kind, thresholds)`` as the detectors take them (a fresh dict the caller may change)."""
        return self.kind, dict(self.thresholds)


@dataclass(frozen=True)
class TestEntry:
    """One test of the battery.

    ``key``: the test's code (a trial's ``test``, ``--test KEY``). ``name``: its full name in sentences and
    error messages (``"countermovement jump"``). ``label``: its name on screen (card and review titles, reports,
    a protocol step's title: ``"Countermovement jump"``); ``panel_label``: its entry in the app's test list when
    that says more (``"Repeated hops (10/5)"``; default ``label``). ``family``: one of :data:`FAMILIES` (``None``
    for a free recording). ``analysable``: the analysis takes it. ``isometric``: a row of the isometric
    definition table (its trials are pulls; the panel offers a target line). ``single_leg_of``: a single-leg
    test's two-leg test (``"cmj"`` for ``sl_cmj``). ``weighed``: its analysis takes a known body weight
    (``body_weight=``), so a session weighing can stand in for an unsteady one. ``inputs``: what the tester
    enters for its trials in the app's test panel (``load_mass``, ``drop_height``, ``limb``). ``segment``,
    ``record``, ``live``: how its trials are found (see the module docstring)."""

    __test__ = False  # not a pytest test class, despite the name

    key: str
    name: str
    label: str
    family: str | None
    panel_label: str = ""
    analysable: bool = True
    isometric: bool = False
    single_leg_of: str | None = None
    weighed: bool = False
    inputs: tuple[str, ...] = ()
    segment: Detection | None = None
    record: Detection | None = None
    live: Detection | None = None

    def __post_init__(self) -> None:
        if self.family is not None and self.family not in FAMILIES:
            raise ValueError(f"{self.key}: family must be one of {FAMILIES} or None, got {self.family!r}")
        if not self.panel_label:
            object.__setattr__(self, "panel_label", self.label)

    @property
    def single_leg(self) -> bool:
        """True for a single-leg test (the two-leg analysis on the stance leg's force)."""
        return self.single_leg_of is not None

    @property
    def recordable(self) -> bool:
        """True when ``forcelab record --test KEY`` finds its trials online."""
        return self.record is not None

    @property
    def in_app(self) -> bool:
        """True when the app's test panel offers it (the app finds its trials online)."""
        return self.live is not None


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]


_JUMP = Detection("jump")
#: A drop landing: arrival after air, held (the detector's defaults: the card follows the 3 s hold it needs).
_LANDING = Detection("landing")
#: Quiet stance: ``duration`` s from the settled start, which the tester sets (the app's test panel, ``forcelab
#: record --duration``); the analysis measures the same window.
BALANCE_DURATION = 30.0
_STANCE = Detection("stance", {"duration": BALANCE_DURATION})
_QUICK_JUMP = Detection("jump", {"post": 0.2})


def _build() -> dict[str, TestEntry]:
    """The table, in the order every list shows it: cmj, sj, dj, imtp, rebound, the other isometric tests, the
    single-leg jumps, landing, balance, free."""
    entries = [
        TestEntry("cmj", "countermovement jump", "Countermovement jump", "jump", weighed=True, inputs=("load_mass",),
                  segment=_JUMP, record=_JUMP, live=_QUICK_JUMP),
        TestEntry("sj", "squat jump", "Squat jump", "jump", weighed=True, inputs=("load_mass",),
                  segment=_JUMP, record=_JUMP, live=_QUICK_JUMP),
        TestEntry("dj", "drop jump", "Drop jump", "drop", weighed=True, inputs=("drop_height",),
                  segment=_JUMP, record=_JUMP, live=_JUMP),
    ]
    for key, d in ISOMETRIC_DEFINITIONS.items():  # imtp first: the pull, named as the app always named it
        pull = Detection("pull", d.segment)
        name, label = ("isometric pull", "Isometric pull") if key == "imtp" else (d.name, _capitalised(d.name))
        entries.append(TestEntry(key, name, label, "pull", isometric=True, segment=pull, record=pull,
                                 live=Detection("pull", {"post": 0.2, **d.segment})))
        if key == "imtp":
            entries.append(TestEntry("rebound", "repeated-hop test", "Repeated hops", "hops",
                                     panel_label="Repeated hops (10/5)", segment=_JUMP, record=_JUMP,
                                     live=_QUICK_JUMP))
    short = {"sl_cmj": "Single-leg CMJ", "sl_dj": "Single-leg drop jump"}
    for key, (module, _fn) in SINGLE_LEG_BASES.items():
        base = module.rsplit(".", 1)[-1]
        two_leg = next(e for e in entries if e.key == base)
        entries.append(TestEntry(key, SINGLE_LEG_NAMES[key], short.get(key, _capitalised(SINGLE_LEG_NAMES[key])),
                                 two_leg.family, single_leg_of=base, weighed=True,
                                 inputs=tuple(i for i in two_leg.inputs if i != "load_mass") + ("limb",),
                                 segment=two_leg.segment, record=two_leg.record, live=two_leg.live))
    entries += [
        TestEntry("landing", "drop landing (land and hold)", "Drop landing", "drop", weighed=True,
                  inputs=("drop_height",), segment=Detection("landing"), record=_LANDING, live=_LANDING),
        TestEntry("balance", "balance (quiet stance)", "Balance", "stance", inputs=("condition", "stance", "duration"),
                  segment=_STANCE, record=_STANCE, live=_STANCE),
        TestEntry("free", "free recording", "Free recording", None, analysable=False, live=_JUMP),
    ]
    return {e.key: e for e in entries}


#: Every test of the battery, by key, in display order.
CATALOG: Mapping[str, TestEntry] = MappingProxyType(_build())


def entry(key: str) -> TestEntry:
    """The entry of test ``key`` (``ValueError`` naming the known tests)."""
    e = CATALOG.get(key)
    if e is None:
        raise ValueError(f"unknown test {key!r}; known tests: {', '.join(CATALOG)}")
    return e


def keys(where: Callable[[TestEntry], bool] | None = None) -> tuple[str, ...]:
    """The keys of the entries ``where`` holds for (every entry without it), in display order."""
    return tuple(k for k, e in CATALOG.items() if where is None or where(e))


#: The tests the analysis takes (``forcelab.analysis.dispatch.TESTS``).
ANALYSABLE: tuple[str, ...] = keys(lambda e: e.analysable)
