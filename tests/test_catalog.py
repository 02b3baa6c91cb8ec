"""The battery's one test catalogue (forcelab.analysis.catalog) and the places that read it: every entry is
analysable by the analysis' entry point on a trial of its kind, has a name, and is offered where it should be
(the ``--test`` choices of ``forcelab analyze`` and ``forcelab record``; the app's test panel is checked in
tests/gui/test_gui_battery_tests.py, which needs Qt)."""

from __future__ import annotations

import argparse

import pytest

from forcelab.analysis import catalog, dispatch
from forcelab.analysis.isometric_tests import DEFINITIONS
from forcelab.analysis.types import ForceTrace
from forcelab.simulation import synthetic


def _trial(key: str) -> ForceTrace:
    """A synthetic trial of test ``key``: the athlete the simulator makes for it."""
    e = catalog.entry(key)
    if e.isometric:
        return (synthetic.isometric_load_cell() if DEFINITIONS[key].device == "load_cell"
                else synthetic.isometric_pull()).trace
    if e.single_leg_of is not None:  # the two-leg movement, all of the force on the left plate
        make = {"cmj": synthetic.cmj, "dj": synthetic.drop_jump}[e.single_leg_of]
        return make(asymmetry=1.0, jump_height=0.15).trace
    return {"cmj": synthetic.cmj, "sj": synthetic.squat_jump, "dj": synthetic.drop_jump, "rebound": synthetic.rebound,
            "landing": synthetic.drop_landing, "balance": synthetic.quiet_stance}[key]().trace


def _choices(command: str) -> tuple[str, ...]:
    from forcelab.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    test = next(a for a in sub.choices[command]._actions if a.dest == "test")
    return tuple(test.choices or ())


@pytest.mark.parametrize("key", catalog.ANALYSABLE)
def test_every_analysable_entry_is_analysed_as_itself(key: str) -> None:
    e = catalog.entry(key)
    assert key in dispatch.TESTS
    assert e.name and e.label and e.panel_label and e.family in catalog.FAMILIES
    result = dispatch.analyze(_trial(key), key)
    assert result.test == key
    assert result.metrics, f"{key}: no metric"
    found = [m for m in result.metrics.values() if m.value is not None]
    assert len(found) >= 3, f"{key}: only {[m.name for m in found]} found"


def test_entries_are_distinct_and_named() -> None:
    assert len(set(catalog.CATALOG)) == len(catalog.CATALOG)
    assert len({e.label for e in catalog.CATALOG.values()}) == len(catalog.CATALOG)  # one screen name per test
    assert [k for k in catalog.CATALOG if not catalog.CATALOG[k].analysable] == ["free"]
    assert set(DEFINITIONS) <= set(catalog.CATALOG)
    for e in catalog.CATALOG.values():
        if e.single_leg_of is not None:
            base = catalog.entry(e.single_leg_of)
            assert e.family == base.family and e.weighed == base.weighed and "limb" in e.inputs
    with pytest.raises(ValueError, match="unknown test 'nordic'.*cmj"):
        catalog.entry("nordic")


def test_the_tester_inputs_are_inputs_of_the_analysis() -> None:
    """What the panel asks for a test is a keyword its analysis takes (a load, a box height, a limb ...)."""
    for key in catalog.ANALYSABLE:
        assert set(catalog.entry(key).inputs) <= set(dispatch.parameters(key)), key


def test_command_line_choices_follow_the_catalogue() -> None:
    assert _choices("analyze") == ("auto", *catalog.ANALYSABLE)
    assert _choices("record") == catalog.keys(lambda e: e.recordable)


def test_every_analysable_test_is_found_live() -> None:
    """Each test the analysis takes is recorded by the app and by ``forcelab record`` (the battery's tests all
    reach the archive through a live path); only a free recording is kept unanalysed."""
    for key in catalog.ANALYSABLE:
        e = catalog.entry(key)
        assert e.in_app and e.recordable, key
    assert catalog.entry("free").in_app and not catalog.entry("free").recordable
    assert catalog.entry("landing").live.kind == "landing"  # type: ignore[union-attr]
    assert catalog.entry("balance").live.setup() == ("stance", {"duration": catalog.BALANCE_DURATION})  # type: ignore[union-attr]
