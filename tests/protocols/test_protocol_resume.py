"""A protocol run taken up again from what the session saved: the choice (session attribute ``protocol``) and
the trials recorded for it (step, limb, test, analysis settings, decision), which are the truth."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from forcelab.protocols import library
from forcelab.protocols.model import ProtocolError, protocol_from_dict
from forcelab.protocols.resume import (
    Choice,
    SavedSession,
    choice_from_json,
    choice_to_json,
    resumable,
    resume,
)

BATTERY = protocol_from_dict({"name": "Battery", "steps": [
    {"test": "cmj", "trials": 2},
    {"test": "dj", "trials": 3, "settings": {"drop_height": 0.3}},
    {"test": "imtp", "trials": 2, "limb": "alternate", "label": "Hamstring pull"},
    {"test": "sj", "trials": 1},
]})


@dataclass
class Rec:
    """A recorded trial as the app's trial entry has it."""

    number: int
    test: str
    step: int | None
    limb: str = "both"
    accepted: bool | None = None
    params: dict[str, Any] = field(default_factory=dict)
    protocol: str = "Battery"

    @property
    def meta(self) -> dict[str, str | int]:
        if self.step is None:
            return {}
        return {"protocol": self.protocol, "protocol_step": self.step, "protocol_step_label": "x",
                "limb": self.limb}


def test_the_choice_round_trips_through_the_session_attribute() -> None:
    choice = Choice(BATTERY, group="U19", queue=("Ada", "Bo"), position=1)
    text = choice_to_json(choice)
    assert "\n" not in text and json.loads(text)["definition"]["name"] == "Battery"
    again = choice_from_json(text, source="s.h5")
    assert again.protocol.steps == BATTERY.steps and again.protocol.name == "Battery"
    assert (again.run, again.group, again.queue, again.position) == (choice.run, "U19", ("Ada", "Bo"), 1)
    assert Choice(BATTERY).run != choice.run  # each start is a run of its own


@pytest.mark.parametrize(("text", "why"), [
    ("{not json", "not valid JSON"),
    (json.dumps({"format": "other"}), "is not a 'forcelab-protocol-run' record"),
    (json.dumps({"format": "forcelab-protocol-run", "run": "r1", "queue": ["A"], "position": 3,
                 "definition": {}}), "position 3 is not in the queue"),
    (json.dumps({"format": "forcelab-protocol-run", "run": "r1", "queue": ["A"], "position": 0,
                 "definition": {"name": "Z", "steps": [{"test": "hop"}]}}), "step 1, field 'test': unknown test 'hop'"),
])
def test_a_bad_saved_choice_is_refused_naming_the_session(text: str, why: str) -> None:
    with pytest.raises(ProtocolError) as info:
        choice_from_json(text, source="/a/s.h5")
    assert str(info.value).startswith("/a/s.h5") and why in str(info.value)


def test_a_run_resumes_where_its_trials_left_it() -> None:
    trials = [Rec(1, "cmj", 1), Rec(2, "cmj", 1), Rec(3, "dj", 2, params={"drop_height": 0.3}),
              Rec(4, "cmj", None)]  # a plain trial after the protocol: not this run's
    run, ignored = resume(BATTERY, "Ada", trials)
    assert ignored == []
    assert run.step_index == 1 and run.counted(1) == 1 and run.next_trial_number() == 2
    assert [s.state for s in run.states()] == ["done", "current", "todo", "todo"]
    assert run.meta() == {"protocol": "Battery", "protocol_step": 2, "protocol_step_label": "Drop jump 30 cm",
                          "limb": "both"}
    assert run.rest_remaining(0.0) == 0.0  # no rest running after a restart


def test_a_rejected_trial_does_not_count_and_a_complete_step_moves_on() -> None:
    trials = [Rec(1, "cmj", 1), Rec(2, "cmj", 1, accepted=False)]
    run, _ = resume(BATTERY, "Ada", trials)
    assert run.step_index == 0 and run.next_trial_number() == 2  # the rejected one is done again
    trials.append(Rec(3, "cmj", 1, accepted=True))
    run, _ = resume(BATTERY, "Ada", trials)
    assert run.step_index == 1 and run.next_trial_number() == 1
    run.decide(3, False)  # a decision after the restart still reaches the restored marks
    assert run.short_steps() == [0]


def test_trials_that_do_not_fit_their_step_are_named_and_not_counted() -> None:
    trials = [Rec(1, "cmj", 1), Rec(2, "cmj", 1),
              Rec(3, "sj", 2),  # the tester switched the test by hand
              Rec(4, "dj", 2, params={"drop_height": 0.45}),  # another box
              Rec(5, "dj", 2, params={"drop_height": 0.3}),
              Rec(6, "dj", 9)]  # a step the protocol does not have
    run, ignored = resume(BATTERY, "Ada", trials)
    assert run.step_index == 1 and run.counted(1) == 1
    assert ignored == [
        "trial 3: a sj trial, step 2 (Drop jump 30 cm) is dj",
        "trial 4: drop_height 0.45, the step fixes 0.3 (step 2, Drop jump 30 cm)",
        "trial 6: step 9 is not in 'Battery'",
    ]


def test_alternating_limbs_resume_on_the_side_with_fewer_trials() -> None:
    trials = [Rec(1, "cmj", 1), Rec(2, "cmj", 1), *(Rec(3 + i, "dj", 2, params={"drop_height": 0.3}) for i in range(3)),
              Rec(6, "imtp", 3, "left"), Rec(7, "imtp", 3, "right"), Rec(8, "imtp", 3, "left"),
              Rec(9, "imtp", 3, "both")]  # not a side of an alternating step
    run, ignored = resume(BATTERY, "Ada", trials)
    assert run.step_index == 2 and run.next_limb() == "right" and run.next_trial_number() == 2
    assert ignored == ["trial 9: limb 'both', step 3 (Hamstring pull) is done on left or right"]


def test_a_skipped_step_stays_to_redo_and_the_run_goes_on_after_the_last_trial() -> None:
    trials = [Rec(1, "cmj", 1), Rec(2, "cmj", 1), Rec(3, "sj", 4)]  # steps 2 and 3 skipped
    run, _ = resume(BATTERY, "Ada", trials)
    assert run.finished  # the last step is done: where the live run would be
    run2, _ = resume(BATTERY, "Ada", trials[:2] + [Rec(3, "imtp", 3, "left")])
    assert run2.step_index == 2


def test_resumable_takes_the_newest_run_of_each_athlete_across_its_sessions() -> None:
    old = Choice(BATTERY)
    new = Choice(BATTERY)
    sessions = [
        SavedSession("Ada", choice_to_json(old), [Rec(1, "cmj", 1)]),  # this morning's run, left unfinished
        SavedSession("Ada", "", [Rec(2, "cmj", None)]),  # a plain session
        SavedSession("Ada", choice_to_json(new), [Rec(3, "cmj", 1), Rec(4, "cmj", 1)]),
        SavedSession("Ada", choice_to_json(new), [Rec(5, "dj", 2, params={"drop_height": 0.3})]),  # continued
        SavedSession("Bo", choice_to_json(Choice(BATTERY)), [
            Rec(6, "cmj", 1), Rec(7, "cmj", 1), *(Rec(8 + i, "dj", 2, params={"drop_height": 0.3}) for i in range(3)),
            *(Rec(11 + i, "imtp", 3, side) for i, side in enumerate(("left", "right", "left", "right"))),
            Rec(15, "sj", 4)]),  # Bo finished: nothing to continue
        SavedSession("Cy", "{broken", [], source="/x/cy.h5"),
    ]
    found, problems = resumable(sessions)
    assert [(r.athlete, r.choice.run) for r in found] == [("Ada", new.run)]
    (ada,) = found
    assert ada.run.step_index == 1 and ada.run.counted(1) == 1
    assert ada.offer() == "Continue Battery at step 2 of 4 (1 of 3 trials)"
    assert problems and problems[0].startswith("/x/cy.h5: attribute 'protocol' is not valid JSON")


def test_every_shipped_protocol_survives_the_session_attribute() -> None:
    for p in library.shipped()[0]:
        assert choice_from_json(choice_to_json(Choice(p))).protocol.steps == p.steps


def test_the_choice_is_a_root_attribute_of_the_session_file_and_survives_closing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    import h5py

    from forcelab.storage.session import open_session
    from forcelab.storage.writer import SessionWriter
    from support.archive import block_for, info

    text = choice_to_json(Choice(BATTERY, queue=("Ada Example",)))
    path = tmp_path / "s.h5"
    w = SessionWriter(path, dataclasses.replace(info(), protocol=text))
    w.append(*block_for(0, 2000))
    with h5py.File(path, "r", swmr=True) as f:  # while recording (SWMR): already there
        assert f.attrs["protocol"] == text
    w.close()
    assert open_session(path).protocol == text
    plain = tmp_path / "plain.h5"
    SessionWriter(plain, info()).close()
    with h5py.File(plain, "r") as f:
        assert "protocol" not in f.attrs  # a session outside a protocol has no such attribute
    assert open_session(plain).protocol == ""
