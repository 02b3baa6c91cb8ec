"""The battery tests in the app: the test panel's Load field (loaded CMJ and squat jump), the isometric test
definitions in the test list, the single-leg tests' limb; each reaching the analysis of the session's trials."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from forcelab.gui.session import LiveSession
from forcelab.simulation import synthetic

G = 9.80665


def test_load_field_shows_for_jumps_that_carry_a_load(qtbot) -> None:  # type: ignore[no-untyped-def]
    from forcelab.gui.testpanel import TestPanel

    panel = TestPanel()
    qtbot.addWidget(panel)
    panel.show()
    loads: list[float] = []
    panel.load_changed.connect(loads.append)
    for test, shown in (("cmj", True), ("sj", True), ("dj", False), ("imtp", False)):
        panel.set_test(test)
        assert panel.load.isVisible() is shown, test
    panel.set_test("cmj")
    assert panel.load.text() == "no load"
    panel.load.setValue(20.0)
    assert loads == [20.0] and panel.load_value() == 20.0
    out = Path(os.environ.get("FORCELAB_SHOTS", "/tmp")) / "testpanel_load.png"
    panel.grab().save(str(out))


@pytest.mark.parametrize("weighed_with_load", [True, False])
def test_loaded_trial_is_analysed_for_the_system(qtbot, weighed_with_load: bool) -> None:  # type: ignore[no-untyped-def]
    session = LiveSession(None)
    try:
        session.set_test("cmj")
        if weighed_with_load:
            session.set_load(20.0)
            session.set_weighing(95.0 * G, 2.0)  # the Weigh step, athlete holding the bar
        else:
            session.set_weighing(75.0 * G, 2.0)  # weighed first, then the bar is entered
            session.set_load(20.0)
        assert session.session_body_weight() == pytest.approx(75.0 * G)
        trial = synthetic.cmj(body_mass=75.0, load_mass=20.0, jump_height=0.2)
        with qtbot.waitSignal(session.trial_analysed, timeout=10000) as sig:
            session.add_trial_trace(trial.trace)
        r = sig.args[0].result
        assert r is not None and r.params["load_mass"] == 20.0
        assert r.value("system_mass") == pytest.approx(95.0, rel=1e-4)
        assert r.value("body_mass") == pytest.approx(75.0, rel=1e-4)
        # a drop jump in the same session does not get the load
        session.set_test("dj")
        with qtbot.waitSignal(session.trial_analysed, timeout=10000) as sig:
            session.add_trial_trace(synthetic.drop_jump(body_mass=75.0).trace)
        assert sig.args[0].result is not None and "load_mass" not in sig.args[0].result.params
        session.set_load(0.0)
        assert "load_mass" not in session.test_params
    finally:
        session.shutdown()


def test_isometric_definitions_are_in_the_test_list(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Every isometric test of the definition table can be chosen; it shows the pull's target line."""
    from forcelab.analysis.isometric_tests import ISOMETRIC_TESTS
    from forcelab.gui import services
    from forcelab.gui.testpanel import TestPanel

    panel = TestPanel()
    qtbot.addWidget(panel)
    panel.show()
    keys = [panel.test.itemData(i) for i in range(panel.test.count())]
    assert set(ISOMETRIC_TESTS) <= set(keys) and keys[-1] == "free"
    panel.set_test("hip_adduction")
    assert panel.test.currentText() == "Hip adduction squeeze"
    assert panel.target.isVisible() and not panel.load.isVisible()
    kind, thresholds = services.detector_setup("hip_adduction")
    assert kind == "pull" and thresholds["flight_threshold"] == float("-inf")
    out = Path(os.environ.get("FORCELAB_SHOTS", "/tmp")) / "testpanel_hip_adduction.png"
    panel.grab().save(str(out))


def test_single_leg_limb_from_the_panel_reaches_the_analysis(qtbot) -> None:  # type: ignore[no-untyped-def]
    from forcelab.gui.testpanel import TestPanel

    panel = TestPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_test("sl_dj")
    assert panel.limb.isVisible() and panel.drop_height.isVisible() and not panel.load.isVisible()
    panel.set_test("cmj")
    assert not panel.limb.isVisible()
    panel.set_test("sl_cmj")
    limbs: list[str] = []
    panel.limb_changed.connect(limbs.append)
    panel.limb.setCurrentIndex(panel.limb.findData("left"))
    assert limbs == ["left"] and panel.limb_value() == "left"
    panel.grab().save(str(Path(os.environ.get("FORCELAB_SHOTS", "/tmp")) / "testpanel_sl_cmj.png"))
    session = LiveSession(None)
    try:
        session.set_test("sl_cmj")
        trace = synthetic.cmj(jump_height=0.15, asymmetry=-1.0).trace  # on the right plate
        with qtbot.waitSignal(session.trial_analysed, timeout=10000) as sig:
            session.add_trial_trace(trace)
        r = sig.args[0].result
        assert r is not None and r.params["stance_limb"] == "right" and r.params["limb_source"] == "plate"
        session.set_limb("left")  # the tester says left: kept, and flagged against the plate
        with qtbot.waitSignal(session.trial_analysed, timeout=10000) as sig:
            session.add_trial_trace(trace)
        r = sig.args[0].result
        assert r is not None and r.params["stance_limb"] == "left"
        assert "limb_plate_differs" in [f.code for f in r.flags]
    finally:
        session.shutdown()


def test_no_suggestion_within_a_battery_tests_family() -> None:
    """The card suggests another test only across families: a single-leg CMJ is a jump, a hip squeeze a pull."""
    from forcelab.gui import services

    assert services.suggest_test(synthetic.cmj(asymmetry=1.0, jump_height=0.15).trace, "sl_cmj") is None
    assert services.suggest_test(synthetic.isometric_pull().trace, "iso_squat") is None
    assert services.suggest_test(synthetic.drop_landing().trace, "landing") is None
    hint = services.suggest_test(synthetic.isometric_pull().trace, "sl_cmj")
    assert hint is not None and hint[0] == "imtp"


def test_the_test_list_is_the_catalogue(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The panel offers every test the app finds live (forcelab.analysis.catalog), by its label, in its order;
    each shows the fields of what its tester enters."""
    from forcelab.analysis import catalog
    from forcelab.gui.testpanel import TestPanel

    panel = TestPanel()
    qtbot.addWidget(panel)
    panel.show()
    offered = [(panel.test.itemData(i), panel.test.itemText(i)) for i in range(panel.test.count())]
    assert offered == [(k, e.panel_label) for k, e in catalog.CATALOG.items() if e.in_app]
    assert offered[-1] == ("free", "Free recording") and ("rebound", "Repeated hops (10/5)") in offered
    for key, _label in offered:
        panel.set_test(key)
        e = catalog.entry(key)
        assert panel.drop_height.isVisible() == ("drop_height" in e.inputs), key
        assert panel.limb.isVisible() == ("limb" in e.inputs), key
        assert panel.load.isVisible() == ("load_mass" in e.inputs), key
        assert panel.target.isVisible() == e.isometric, key


def test_balance_duration_reaches_the_live_detector() -> None:
    """The tester's (or a protocol step's) balance duration is a threshold of the stance detector; other tests
    take no such setting, and a bad one is refused before anything changes."""
    import numpy as np

    from forcelab.gui import services

    session = LiveSession(None)
    try:
        session.set_test("balance")
        assert session.detection_overrides() == {}
        session.set_duration(8.0)
        assert session.detection_overrides() == {"duration": 8.0}
        session.step_settings = {"duration": 12.0}  # a protocol step's setting wins, as for the analysis
        assert session.detection_overrides() == {"duration": 12.0}
        assert session.params_for("balance")["duration"] == 12.0
        session.set_test("cmj")
        assert session.detection_overrides() == {}
        with pytest.raises(ValueError, match="positive"):
            session.set_duration(0.0)
    finally:
        session.shutdown()
    det = services.SwitchableDetector(1000.0, "balance", duration=5.0)
    stance = synthetic.quiet_stance(duration=9.0, rate=1000.0).trace.total
    (seg,) = det.feed(np.concatenate([np.zeros(500), stance, np.zeros(500)]))
    assert seg.end - seg.start == 5000
    with pytest.raises(ValueError, match="duration cannot be set for the live detection of cmj"):
        services.detector_setup("cmj", duration=5.0)
