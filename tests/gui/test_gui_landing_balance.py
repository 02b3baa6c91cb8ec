"""The drop landing and the balance test through the real window, against simulated plates on a real pty: chosen
in the test panel, found online (kind "landing" / "stance"), analysed, shown on the card with their key numbers,
reviewed with their events, saved to the archive with the trial's inputs (box height; eyes open/closed, stance,
duration) and picked up by the index and the trends. Balance is watched live on the CoP view, from the plates'
eight cells and the profile's geometry."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore

from forcelab.compare.source import athlete_trend
from forcelab.gui.mainwindow import MainWindow
from forcelab.simulation.motion import Script
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import open_session
from support.gui_window import SIMULATED_PROFILE as PROFILE
from support.gui_window import open_window, record_one_trial, stop_and_publish
from support.screens import save_shot


def _record(qtbot, window: MainWindow, script: Script) -> None:  # type: ignore[no-untyped-def]
    record_one_trial(qtbot, window, script, timeout=60_000)


def _stop(qtbot, window: MainWindow, archive: Path) -> Path:  # type: ignore[no-untyped-def]
    path = stop_and_publish(qtbot, window, archive, timeout=15_000)
    window.close()
    return path


def test_drop_landing_live_card_review_and_archive(qtbot, archive: Path, shots: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, "Lander", 75.0)
    window.tests.set_test("landing")
    assert window.tests.drop_height.isVisible() and not window.tests.condition.isVisible()
    window.tests.drop_height.setValue(0.40)
    script = Script(trials=(("landing", {"drop_height": 0.40}),), empty_before=1.5, stand=2.0, pause=3.0)
    _record(qtbot, window, script)
    (entry,) = window.session.trials.values()
    assert entry.result is not None, entry.error
    r = entry.result
    assert r.test == "landing" and r.params["drop_height"] == pytest.approx(0.40)
    assert r.value("body_weight") == pytest.approx(75.0 * 9.80665, rel=0.03)
    assert 2.0 < r.value("peak_landing_force_bw") < 8.0  # type: ignore[operator]
    card = window.card
    assert "Drop landing" in card.title.text()
    plf = card.values["Peak landing force"]
    assert plf.endswith("× BW") and float(plf.split()[0]) == pytest.approx(r.value("peak_landing_force_bw"), abs=0.006)
    tts = r.metrics["time_to_stabilisation"]
    assert card.values["Time to stabilisation"] == ("not found" if tts.value is None else f"{tts.value:.2f} s")
    lr = card.values["Loading rate"]
    assert lr.endswith("kN/s") and float(lr.split()[0].replace(",", "")) == pytest.approx(
        r.value("loading_rate") / 1000.0, abs=0.06)  # type: ignore[operator]
    assert not card.suggest_button.isVisible()  # a landing is not suggested as a drop jump
    assert "peak landing force asymmetry" in card.asym_label.text().lower()  # the landing's own L/R figure
    qtbot.wait(100)  # the wrapped asymmetry line is laid out by the event loop
    save_shot(card, shots / "landing_card.png")
    window.show_review(entry.number)
    shown = window.review._result  # type: ignore[attr-defined]
    assert shown is not None and shown.events["contact"].index is not None
    save_shot(window.review, shots / "landing_review.png")
    path = _stop(qtbot, window, archive)
    (trial,) = open_session(path).trials
    assert trial.test == "landing" and trial.result is not None
    assert trial.result["params"]["drop_height"] == pytest.approx(0.40)
    assert trial.metrics["peak_landing_force_bw"]["value"] == pytest.approx(r.value("peak_landing_force_bw"))
    assert "contact" in trial.result["events"]
    with ArchiveIndex(archive) as index:
        (value,) = index.metric_values("Lander", "peak_landing_force_bw", test="landing")
        assert value.value == pytest.approx(r.value("peak_landing_force_bw"))
        assert len(athlete_trend(index, "Lander", "peak_landing_force_bw", test="landing").points) == 1


def test_balance_condition_cop_view_card_and_archive(qtbot, archive: Path, shots: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, "Stander", 70.0)
    panel = window.tests
    panel.set_test("balance")
    assert panel.condition.isVisible() and panel.stance.isVisible() and panel.duration.isVisible()
    assert not panel.drop_height.isVisible() and panel.duration_value() == 30.0
    assert window.tabs.currentWidget() is window.cop  # balance is watched on the CoP view
    panel.duration.setValue(8.0)
    panel.condition.setCurrentIndex(panel.condition.findData("eyes_closed"))
    panel.stance.setCurrentIndex(panel.stance.findData("single_leg_left"))
    assert window.cop.trail_seconds == 8.0 and window.cop.following  # the trial's whole trail, zoomed onto it
    save_shot(panel, shots / "testpanel_balance.png", min_bytes=3000)
    script = Script(trials=(), empty_before=1.5, stand=14.0, pause=1.0, repeat=False)  # step on, stand, step off
    assert window.start_simulated(PROFILE, 1000.0, script=script, noise=2.0, seed=5)
    link = window.session.link
    assert link is not None
    qtbot.waitUntil(lambda: link.engine.ring.total_written > 800, timeout=8000)
    window.activateWindow()
    window.setFocus()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)
    # while the athlete stands, the CoP view draws the sway live from the ring buffer
    qtbot.waitUntil(lambda: np.isfinite(window.cop.trail()[0]).sum() > 100, timeout=20_000)
    assert re.match(r"CoP \d+\.\d mm (right|left), \d+\.\d mm (forward|back) ·", window.cop.readout.text())
    qtbot.waitUntil(lambda: any(e.result is not None or e.error for e in window.session.trials.values()),
                    timeout=60_000)
    save_shot(window.cop, shots / "balance_copview.png")  # the athlete still stands: the trial's whole trail
    (x0, x1), _ = window.cop.view.getPlotItem().viewRange()
    assert 55.0 < x1 - x0 < 200.0  # zoomed onto the sway, not the whole plates (810 mm)
    (entry,) = window.session.trials.values()
    assert entry.result is not None, entry.error
    r = entry.result
    assert r.test == "balance"
    assert (r.params["condition"], r.params["stance"], r.params["duration"]) == ("eyes_closed", "single_leg_left", 8.0)
    assert r.value("balance_duration") == pytest.approx(8.0, abs=0.01)
    assert entry.trace.n == 8000  # the live detector cut the trial at the tester's 8 s, not its default 30 s
    assert "short_trial" not in [f.code for f in r.flags]
    # the simulated sway: a Lissajous figure of 10 mm on each plate -> a path of tens of mm/s, an ellipse of cm²
    assert 0.003 < r.value("cop_mean_velocity") < 0.05  # type: ignore[operator]
    card = window.card
    assert "Balance · eyes closed · left leg" in card.title.text()
    path_mm = card.values["CoP path length"]
    assert path_mm.endswith(" mm") and float(path_mm.split()[0].replace(",", "")) == pytest.approx(
        1000 * r.value("cop_path_length"), abs=0.6)  # type: ignore[operator]
    assert card.values["CoP mean velocity"].endswith("mm/s")
    area = card.values["95 % ellipse area"]
    assert area.endswith("mm²") and float(area.split()[0].replace(",", "")) == pytest.approx(
        1e6 * r.value("cop_ellipse_area"), abs=0.6)  # type: ignore[operator]
    assert not card.asym_label.isVisible()
    save_shot(card, shots / "balance_card.png")
    window.show_review(entry.number)
    shown = window.review._result  # type: ignore[attr-defined]
    assert shown is not None and shown.events["balance_end"].index is not None
    save_shot(window.review, shots / "balance_review.png")
    path = _stop(qtbot, window, archive)
    (trial,) = open_session(path).trials
    assert trial.test == "balance" and trial.result is not None
    stored = trial.result["params"]
    assert (stored["condition"], stored["stance"], stored["duration"]) == ("eyes_closed", "single_leg_left", 8.0)
    assert trial.metrics["cop_path_length"]["value"] == pytest.approx(r.value("cop_path_length"))
    with ArchiveIndex(archive) as index:
        (value,) = index.metric_values("Stander", "cop_ellipse_area", test="balance")
        assert value.value == pytest.approx(r.value("cop_ellipse_area"))


def test_the_simulated_athlete_does_a_balance_trial_on_request(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    """J (the simulated athlete's trial) on Balance: the athlete steps off, back on and stands the set duration."""
    window = open_window(qtbot, "Stander", 70.0)
    window.tests.set_test("balance")
    window.tests.duration.setValue(5.0)
    assert window.start_simulated(PROFILE, 1000.0, noise=2.0, seed=5)
    link = window.session.link
    assert link is not None
    qtbot.waitUntil(lambda: link.engine.ring.total_written > 800, timeout=8000)
    window.activateWindow()
    window.setFocus()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_J)
    qtbot.waitUntil(lambda: any(e.result is not None or e.error for e in window.session.trials.values()),
                    timeout=60_000)
    (entry,) = window.session.trials.values()
    assert entry.result is not None, entry.error
    assert entry.trace.n == 5000 and entry.result.value("balance_duration") == pytest.approx(5.0, abs=0.01)
    _stop(qtbot, window, archive)
