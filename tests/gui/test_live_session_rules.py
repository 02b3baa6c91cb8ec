"""The session's rules live in LiveSession, not in the window: a new athlete clears the weighing, the same
athlete again keeps it, an unknown test is refused before anything changed."""

from __future__ import annotations

import pytest

from forcelab.gui.session import LiveSession


def test_another_athlete_clears_the_weighing_the_same_one_keeps_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    session = LiveSession(None)
    weighings: list[float | None] = []
    athletes: list[str] = []
    session.weighing_changed.connect(weighings.append)
    session.athlete_changed.connect(lambda a: athletes.append(a["name"]))
    session.select_athlete({"name": "Ada", "body_mass": 70.0})
    session.set_weighing(690.0, 2.5)
    assert (session.body_weight, session.body_weight_sd) == (690.0, 2.5)
    session.select_athlete({"name": "Ada", "body_mass": 70.0})  # re-selected: still her weighing
    assert session.body_weight == 690.0
    session.select_athlete({"name": "Bo", "body_mass": 60.0})
    assert session.body_weight is None and session.body_weight_sd is None
    assert session.athlete is not None and session.athlete["name"] == "Bo"
    assert weighings == [690.0, None] and athletes == ["Ada", "Ada", "Bo"]
    session.shutdown()


def test_set_test_refuses_an_unknown_test_and_keeps_the_old_one(qtbot) -> None:  # type: ignore[no-untyped-def]
    session = LiveSession(None)
    session.set_test("dj")
    session.set_drop_height(0.4)
    assert session.test == "dj" and session.test_params == {"drop_height": 0.4}
    with pytest.raises(ValueError, match="unknown test 'hop'"):
        session.set_test("hop")
    assert session.test == "dj"
    session.shutdown()
