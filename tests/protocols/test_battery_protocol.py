"""Protocols (test batteries): reading the documented JSON form with errors that name file, step and field;
the shipped library and the user's folder; following an athlete through the steps; targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forcelab.analysis import dispatch
from forcelab.protocols import library
from forcelab.protocols.model import Protocol, ProtocolError, ProtocolStep, Target, protocol_from_dict
from forcelab.protocols.progress import META_KEYS, ProtocolRun
from forcelab.protocols.targets import best_of, resolve
from forcelab.storage import schema

JUMPS = {
    "name": "Jumps",
    "steps": [
        {"test": "cmj", "trials": 2, "rest": 30, "rest_after": 90},
        {"test": "dj", "trials": 1, "settings": {"drop_height": 0.4}},
    ],
}


def _error(raw: object, source: str = "my.json") -> str:
    with pytest.raises(ProtocolError) as info:
        protocol_from_dict(raw, source=source)
    return str(info.value)


# ------------------------------------------------------------------------------------------ the format
def test_a_protocol_reads_with_defaults_and_writes_back_the_same() -> None:
    p = protocol_from_dict(JUMPS, source="jumps.json")
    assert p.name == "Jumps" and p.tests == ["cmj", "dj"] and p.source == "jumps.json"
    cmj, dj = p.steps
    assert (cmj.trials, cmj.rest, cmj.rest_after, cmj.limb) == (2, 30.0, 90.0, "both")
    assert dj.rest == 60.0 and dj.rest_after == 60.0  # rest_after defaults to the step's rest
    assert dj.settings == {"drop_height": 0.4} and dj.title == "Drop jump 40 cm"
    again = protocol_from_dict(json.loads(json.dumps(p.to_dict())), source="jumps.json")
    assert again == p


@pytest.mark.parametrize(("change", "where", "why"), [
    ({"test": "hop"}, "step 1, field 'test'", "unknown test 'hop'"),
    ({"trials": 0}, "step 1, field 'trials'", "from 1 to 30"),
    ({"trials": 2.5}, "step 1, field 'trials'", "whole number"),
    ({"rest": -5}, "step 1, field 'rest'", "between 0 and 3600"),
    ({"limb": "middle"}, "step 1, field 'limb'", "both, left, right, alternate"),
    ({"settings": {"drop_hieght": 0.3}}, "step 1, field 'settings.drop_hieght'", "takes no setting"),
    ({"settings": {"body_weight": 700}}, "step 1, field 'settings.body_weight'", "supplied by the session"),
    ({"settings": {"onset_k": "five"}}, "step 1, field 'settings.onset_k'", "must be a number"),
    ({"target": {"kind": "body_weight"}}, "step 1, field 'target.percent'", "needs 'percent'"),
    ({"target": {"kind": "best"}}, "step 1, field 'target.kind'", "force, body_weight, previous_best"),
    ({"target": {"kind": "previous_best"}}, "step 1, field 'target.metric'", "needs the 'metric'"),
    ({"target": {"kind": "force", "newtons": 900, "percent": 5}}, "step 1, field 'target'", "not percent"),
    ({"repeat": 2}, "step 1", "unknown field(s) 'repeat'"),
])
def test_a_bad_step_names_the_file_the_step_and_the_field(change: dict, where: str, why: str) -> None:
    raw = {"name": "Bad", "steps": [{"test": "cmj", **change}]}
    message = _error(raw)
    assert message.startswith(f"my.json, {where}: "), message
    assert why in message


def test_the_second_step_is_named_when_it_is_the_bad_one() -> None:
    raw = {"name": "Bad", "steps": [{"test": "cmj"}, {"test": "dj", "settings": {"drop_height": 3.0}}]}
    assert _error(raw).startswith("my.json, step 2, field 'settings.drop_height': must be between 0.05 and 1.5")


@pytest.mark.parametrize(("raw", "why"), [
    ([], "one JSON object"),
    ({"steps": [{"test": "cmj"}]}, "field 'name': a protocol needs a name"),
    ({"name": "X", "steps": []}, "field 'steps'"),
    ({"name": "X", "steps": [{"test": "cmj"}], "format": "other"}, "not a forcelab protocol"),
    ({"name": "X", "steps": [{"test": "cmj"}], "version": 9}, "version 9"),
    ({"name": "X", "steps": [{"test": "cmj"}], "author": "me"}, "unknown field(s) 'author'"),
])
def test_a_bad_protocol_says_what_is_wrong(raw: object, why: str) -> None:
    assert why in _error(raw)


def test_a_test_the_analysis_learns_later_is_accepted_from_then_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader asks the analysis which tests exist when it reads (as the rebound test arrived): a test the
    analysis gains needs no change here."""
    raw = {"name": "Nordics", "steps": [{"test": "nordic_curl", "trials": 2}]}  # a test no analysis has yet
    assert "unknown test 'nordic_curl'" in _error(raw)
    known = dispatch.parameters
    monkeypatch.setattr(dispatch, "TESTS", (*dispatch.TESTS, "nordic_curl"))
    monkeypatch.setattr(dispatch, "parameters", lambda test: {"g": 9.80665} if test == "nordic_curl" else known(test))
    p = protocol_from_dict(raw)
    assert p.steps[0].test == "nordic_curl" and p.steps[0].title == "nordic_curl"


def test_isometric_windows_are_a_list_of_numbers() -> None:
    p = protocol_from_dict({"name": "P", "steps": [{"test": "imtp", "settings": {"windows": [0.1, 0.2]}}]})
    assert p.steps[0].settings["windows"] == (0.1, 0.2)
    assert "list of numbers" in _error({"name": "P", "steps": [{"test": "imtp", "settings": {"windows": 0.1}}]})


# ------------------------------------------------------------------------------------------ the library
def test_shipped_protocols_load_and_the_hop_test_waits_for_its_analysis() -> None:
    found, problems = library.shipped()
    names = {p.name for p in found}
    assert found[0].name == "Jump profile"  # the most used first in the list
    assert {"Jump profile", "Hamstring / groin screen", "IMTP strength check"} <= names
    profile = next(p for p in found if p.name == "Jump profile")
    assert [(s.test, s.trials) for s in profile.steps] == [("cmj", 3), ("sj", 3), ("dj", 3)]
    assert profile.steps[2].settings["drop_height"] == pytest.approx(0.30)
    screen = next(p for p in found if p.name == "Hamstring / groin screen")
    assert all(s.test == "imtp" for s in screen.steps) and screen.steps[0].limb == "alternate"
    if "rebound" in dispatch.TESTS:
        assert "10/5 repeated hop" in names and problems == []
    else:
        assert problems == ["shipped/3-hop-10-5.json, step 1, field 'test': unknown test 'rebound': this "
                            f"forcelab's analysis knows {', '.join(dispatch.TESTS)}"]


def test_user_protocols_are_saved_loaded_and_replace_a_shipped_one(tmp_path: Path) -> None:
    mine = Protocol("Jump profile", (ProtocolStep("cmj", trials=5, rest=20.0, rest_after=20.0),), "my own")
    path = library.save(mine, tmp_path)
    assert path == tmp_path / "jump-profile.json"
    assert json.loads(path.read_text())["format"] == "forcelab-protocol"
    (tmp_path / "broken.json").write_text('{"name": "B", "steps": [{"test": "cmj",}]}')
    (tmp_path / "unknown.json").write_text(json.dumps({"name": "U", "steps": [{"test": "cmj", "limb": "x"}]}))
    lib = library.available(tmp_path)
    assert lib.get("Jump profile").steps[0].trials == 5  # the user's replaced the shipped one
    assert lib.names().count("Jump profile") == 1
    assert any(m.startswith(f"{tmp_path / 'broken.json'}: not valid JSON (line 1") for m in lib.problems)
    assert any(m.startswith(f"{tmp_path / 'unknown.json'}, step 1, field 'limb'") for m in lib.problems)
    with pytest.raises(KeyError, match="no protocol 'Nope'"):
        lib.get("Nope")


def test_the_user_folder_is_in_the_user_config_dir(tmp_path: Path) -> None:
    # conftest points XDG_CONFIG_HOME at a temporary folder for every test
    assert library.user_directory().parts[-2:] == ("forcelab", "protocols")
    saved = library.save(Protocol("Quick CMJ", (ProtocolStep("cmj"),)))
    assert saved.parent == library.user_directory()
    assert "Quick CMJ" in library.available().names()


def test_file_names_are_safe() -> None:
    assert library.file_name("Jump profile (U18)") == "jump-profile-u18.json"
    assert library.file_name("../../etc") == "etc.json"


# ------------------------------------------------------------------------------------------ a run
def _run(raw: dict) -> ProtocolRun:
    return ProtocolRun(protocol_from_dict(raw), "Ada")


def test_a_run_counts_trials_rests_and_moves_on() -> None:
    run = _run(JUMPS)
    assert run.step is not None and run.step.test == "cmj" and run.next_trial_number() == 1
    assert run.meta() == {"protocol": "Jumps", "protocol_step": 1, "protocol_step_label": "Countermovement jump",
                          "limb": "both"}
    assert tuple(run.meta()) == META_KEYS and set(META_KEYS) == set(schema.TRIAL_META)
    run.record(1, now=100.0)
    assert run.rest_remaining(110.0) == pytest.approx(20.0) and run.next_trial_number() == 2
    run.record(2, now=200.0)  # the step is complete: on to the drop jump, with the longer rest before it
    assert run.step_index == 1 and run.rest_remaining(200.0) == pytest.approx(90.0)
    assert [s.state for s in run.states()] == ["done", "current"]
    run.record(3, now=400.0)
    assert run.finished and run.step is None and run.meta() == {}
    assert run.record(4, now=500.0) is None  # nothing is counted after the end


def test_a_rejected_trial_is_done_again() -> None:
    run = _run(JUMPS)
    run.record(1, now=0.0)
    assert run.decide(1, False)
    assert run.counted(0) == 0 and run.next_trial_number() == 1
    run.record(2, now=1.0)
    run.record(3, now=2.0)
    assert run.step_index == 1
    run.decide(3, False)  # rejected after the step was left: step 1 is short
    assert run.short_steps() == [0]
    assert [s.state for s in run.states()] == ["short", "current"]
    run.goto(0)
    run.record(4, now=3.0)  # redone: back to where the run was
    assert run.step_index == 1 and run.short_steps() == []
    assert not run.decide(99, True)  # not this run's trial


def test_alternating_limbs_want_the_trials_on_each_side() -> None:
    run = _run({"name": "Ham", "steps": [{"test": "imtp", "trials": 2, "limb": "alternate"}, {"test": "cmj"}]})
    sides = []
    for n in range(1, 5):
        sides.append(run.next_limb())
        assert run.meta()["limb"] == sides[-1]
        run.record(n, now=float(n))
    assert sides == ["left", "right", "left", "right"] and run.step_index == 1
    assert run.states()[0].wanted == 4 and run.states()[0].counted == 4


def test_skip_goto_and_end_rest() -> None:
    run = _run(JUMPS)
    run.record(1, now=0.0)
    run.end_rest()
    assert run.rest_remaining(1.0) == 0.0
    run.skip()  # left with 1 of 2 trials: short; the drop jump skipped with none: still to do
    assert run.step_index == 1 and run.states()[0].state == "short"
    run.skip()
    assert run.finished and [s.state for s in run.states()] == ["short", "todo"]
    with pytest.raises(ValueError, match="step 5 is not in 'Jumps'"):
        run.goto(4)


# ------------------------------------------------------------------------------------------ targets
def test_targets_for_an_athlete() -> None:
    bw = resolve(Target("body_weight", percent=250.0), body_weight=700.0)
    assert bw is not None and bw.newtons == pytest.approx(1750.0) and bw.label == "250 % BW"
    unweighed = resolve(Target("body_weight", percent=250.0))
    assert unweighed is not None and unweighed.newtons is None and "weigh the athlete" in unweighed.text
    best = resolve(Target("previous_best", percent=90.0, metric="peak_force"), best=2000.0, best_unit="N")
    assert best is not None and best.newtons == pytest.approx(1800.0) and "previous best 2,000 N" in best.text
    height = resolve(Target("previous_best", metric="jump_height_takeoff_velocity"), best=0.41, best_unit="m")
    assert height is not None and height.newtons is None and height.text.startswith("to beat: ")
    first = resolve(Target("previous_best", metric="peak_force"))
    assert first is not None and first.newtons is None and "this trial sets the best" in first.text
    assert resolve(None) is None
    assert resolve(Target("force", newtons=1500.0)).newtons == 1500.0  # type: ignore[union-attr]


def test_best_of_ignores_missing_values_and_knows_lower_is_better() -> None:
    assert best_of([1.0, None, float("nan"), 3.0]) == 3.0
    assert best_of([0.21, 0.18, None], "lower") == 0.18
    assert best_of([None]) is None
