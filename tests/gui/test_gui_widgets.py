"""Trial card, trial table, roster and review driven through real widgets (offscreen), with results from
the real CMJ analysis of synthetic jumps whose truth is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QFont

from forcelab.analysis.cmj import analyze_cmj
from forcelab.analysis.types import ForceTrace, Metric, TrialResult
from forcelab.gui.metrics_view import asymmetry_words, format_value
from forcelab.gui.review import ReviewWidget
from forcelab.gui.roster import NAME_ROLE, AthleteDialog, RosterPanel
from forcelab.gui.trialcard import TrialCard
from forcelab.gui.trialtable import TrialTable
from forcelab.simulation.synthetic import cmj
from forcelab.storage.index import ArchiveIndex
from support.plates import ringing_cmj


@pytest.fixture(scope="module")
def jump() -> tuple[object, TrialResult]:
    trial = cmj(jump_height=0.32, asymmetry=0.12, noise_sd=1.0, seed=3)
    return trial, analyze_cmj(trial.trace)


def test_card_shows_both_jump_heights_and_the_stronger_side(qtbot, jump) -> None:  # type: ignore[no-untyped-def]
    _trial, result = jump
    card = TrialCard()
    qtbot.addWidget(card)
    card.show_result(4, result, when="10:31:02")
    assert "Trial 4" in card.title.text() and "Countermovement" in card.title.text()
    h_v = result.value("jump_height_takeoff_velocity")
    h_f = result.value("jump_height_flight_time")
    assert h_v is not None and h_f is not None
    assert card.values["Jump height (take-off velocity)"] == f"{h_v * 100:.1f} cm"
    assert card.values["Jump height (flight time)"] == f"{h_f * 100:.1f} cm"
    assert abs(h_v - 0.32) < 0.01
    assert "RSI-modified" in card.values and "Time to take-off" in card.values and "Peak force" in card.values
    # synthetic asymmetry +0.12 means the left plate carries more
    assert "stronger left" in card.asym_label.text()
    assert card.asym_bar.isVisibleTo(card)


def test_card_says_in_words_when_the_plate_was_not_zeroed_and_rang(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 9's case (+10 N unzeroed plate ringing ±90 N at 80 Hz after take-off), analysed and shown on a card."""
    _, tr = ringing_cmj(1000.0, 10.0, 90.0, 80.0)
    card = TrialCard()
    qtbot.addWidget(card)
    card.show_result(1, analyze_cmj(tr))
    lines = card.flags.text().splitlines()
    assert "⚠ Plate not zeroed: +10 N in flight, subtracted" in lines  # the offset the numbers were corrected for
    assert any(ln.startswith("⚠ Plate rang after take-off") and "counted as flight" in ln for ln in lines)
    assert "_" not in card.flags.text()
    assert "plate rang after take-off (up to ±" in card.flags.toolTip()  # the analysis's sentence, with the size


def test_review_and_table_say_what_a_flagged_trial_rests_on(qtbot, jump) -> None:  # type: ignore[no-untyped-def]
    """The same unzeroed, ringing plate in the review (a line of words above the plot, the analysis's sentences
    on hover) and in the trial table (the first flag's words in its cell); a clean jump shows no flag line."""
    _, tr = ringing_cmj(1000.0, 10.0, 90.0, 80.0)
    flagged = analyze_cmj(tr)
    review = ReviewWidget()
    qtbot.addWidget(review)
    review.show_trial(1, tr, flagged)
    assert review.flags.isVisibleTo(review)
    assert "⚠ Plate not zeroed: +10 N in flight, subtracted" in review.flags.text()
    assert "⚠ Plate rang after take-off" in review.flags.text() and "_" not in review.flags.text()
    assert "plate not zeroed: +10 N in flight (subtracted before analysis)" in review.flags.toolTip()
    assert review.title.text() == "Trial 1 · Countermovement jump"
    clean_trial, clean = jump
    review.show_trial(2, clean_trial.trace, clean)
    assert clean.flags == [] and not review.flags.isVisibleTo(review)
    table = TrialTable()
    qtbot.addWidget(table)
    table.add_trial(1, flagged, when="10:00")
    cell = table.item(0, 6)
    assert cell.text() == f"⚠ Plate rang after take-off +{len(flagged.flags) - 1}"
    assert "Plate not zeroed: +10 N in flight" in cell.toolTip()


def test_card_names_the_right_side_when_the_right_plate_carries_more(qtbot) -> None:  # type: ignore[no-untyped-def]
    trial = cmj(jump_height=0.30, asymmetry=-0.10, noise_sd=1.0, seed=5)  # right plate carries 55 %
    card = TrialCard()
    qtbot.addWidget(card)
    card.show_result(1, analyze_cmj(trial.trace))
    assert "stronger right" in card.asym_label.text()
    assert card.asym_bar._percent is not None and card.asym_bar._percent < 0  # the bar grows to the right


def test_card_says_flags_and_not_found_in_words(qtbot) -> None:  # type: ignore[no-untyped-def]
    res = TrialResult(test="sj", rate=1000.0)
    res.add_metric(Metric("jump_height_takeoff_velocity", None, "m", "impulse", reason="take-off not found"))
    res.flag("countermovement", "countermovement in squat jump")
    card = TrialCard()
    qtbot.addWidget(card)
    card.show_result(1, res)
    assert card.values["Jump height (take-off velocity)"] == "not found"
    assert card.flags.text() == "⚠ Countermovement"  # a flag with no words yet: its code, de-snaked
    assert card.flags.toolTip() == "countermovement in squat jump"  # and the analysis's sentence on hover
    # nothing was measured, so nothing says the trial was on one plate
    assert card.asym_label.text() == "Left/right: not measured"
    assert asymmetry_words(7.26, "right") == "7.3 % stronger right"
    assert asymmetry_words(0.01, "left") == "0.0 % (even)"


def test_table_accept_reject_and_note_are_announced(qtbot, jump) -> None:  # type: ignore[no-untyped-def]
    _trial, result = jump
    table = TrialTable()
    qtbot.addWidget(table)
    decisions: list[tuple[int, object]] = []
    notes: list[tuple[int, str]] = []
    table.decision_changed.connect(lambda n, a: decisions.append((n, a)))
    table.note_changed.connect(lambda n, t: notes.append((n, t)))
    for n in (1, 2, 3):
        table.add_trial(n, None, when="10:00", test="cmj")
        table.add_trial(n, result, when="10:00")  # analysis arrives: same row
    assert table.rowCount() == 3 and table.numbers() == [1, 2, 3]
    assert "cm" in table.item(0, 3).text()
    heads = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert heads[3:5] == ["JH (TOV)", "JH (FT)"]  # the key columns are named, not "result" twice
    assert table.item(0, 4).text() == f"{result.value('jump_height_flight_time') * 100:.1f} cm"
    from forcelab.analysis.isometric import analyze_isometric
    from forcelab.simulation.synthetic import isometric_pull

    pull = analyze_isometric(isometric_pull(peak_force=2800.0, noise_sd=1.0, seed=1).trace)
    table.add_trial(4, pull, when="10:05")  # a pull among jumps: neither kind's names head the columns
    assert [table.horizontalHeaderItem(c).text() for c in (3, 4)] == ["key 1", "key 2"]
    assert table.item(3, 3).text().startswith("Fpeak 2") and "N" in table.item(3, 3).text()
    assert table.item(0, 3).text().startswith("JH (TOV) ")  # a jump row says what its numbers are
    table.selectRow(1)
    assert table.selected_number() == 2
    table.set_decision(2, False)
    table.set_note(2, "stepped off the plate")
    assert decisions == [(2, False)]
    assert notes == [(2, "stepped off the plate")]
    assert table.item(1, 7).text() == "rejected"
    with pytest.raises(KeyError, match="no trial 9"):
        table.set_decision(9, True)


def test_roster_add_search_edit_select(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index = ArchiveIndex(tmp_path)
    index.set_athlete("Ana Lima", body_mass=61.5, sport="volleyball", team="U19")
    index.set_athlete("Ben Okafor", body_mass=88.0, sport="rugby", tags=["forward"])
    panel = RosterPanel(index)
    qtbot.addWidget(panel)
    selected: list[dict] = []
    panel.athlete_selected.connect(selected.append)
    panel.save("Cleo Park", {"body_mass": 70.0, "sport": "sprint", "team": None, "sex": None,
                             "date_of_birth": "2004-05-01", "tags": ["junior"]})
    assert selected[-1]["name"] == "Cleo Park" and selected[-1]["body_mass"] == 70.0
    panel.search.setText("rugby")
    assert panel.visible_names() == ["Ben Okafor"]
    panel.search.setText("junior")
    assert panel.visible_names() == ["Cleo Park"]
    panel.search.setText("")
    panel.select("Ana Lima")
    panel.select_next()
    assert panel.current_name() == "Ben Okafor"
    # editing keeps the name, changes the fields, and is stored in the index
    panel.save("Ben Okafor", {"body_mass": 90.5, "sport": "rugby", "team": "1st XV", "sex": "male",
                              "date_of_birth": None, "tags": ["forward"]})
    stored = {a["name"]: a for a in ArchiveIndex(tmp_path).athletes()}
    assert stored["Ben Okafor"]["body_mass"] == 90.5 and stored["Ben Okafor"]["team"] == "1st XV"
    index.close()


LONG_NAMES = ("Maximiliane Oyelaran-Fitzgerald", "Maria Fernanda Oliveira-Santos", "Bo",
              "Jean-Baptiste Nkemelu-Vanderhoeven", "Siobhán Ní Mhaoldomhnaigh-Castellanos")


@pytest.mark.parametrize("width", [200, 340], ids=["narrow", "wide"])
def test_roster_shows_long_real_names_whole_at_two_widths(qtbot, tmp_path: Path, width: int) -> None:  # type: ignore[no-untyped-def]
    """Long real names wrap and each row is as tall as its wrapped text (a row that stayed one line high while
    its text needed three fails here), at the roster's width in both screen sizes, and again after a resize."""
    from support.roster_fit import misfits

    index = ArchiveIndex(tmp_path)
    for k, name in enumerate(LONG_NAMES):
        index.set_athlete(name, body_mass=60.0 + k, sport="heptathlon" if k % 2 else None, team="Demo squad")
    panel = RosterPanel(index)
    qtbot.addWidget(panel)
    panel.resize(width, 600)
    panel.show()
    qtbot.waitExposed(panel)
    view = panel.list
    assert view.count() == len(LONG_NAMES)
    assert misfits(view) == []
    line = view.fontMetrics().lineSpacing()
    heights = {str(view.item(i).data(NAME_ROLE)): view.visualItemRect(view.item(i)).height()
               for i in range(view.count())}
    long = "Maximiliane Oyelaran-Fitzgerald"
    wraps = view.fontMetrics().horizontalAdvance(long) > view.viewport().width() - 12
    assert wraps == (width == 200)  # at the narrow width the name needs two lines ...
    assert (heights[long] > heights["Bo"]) == wraps  # ... and its row grew to hold them
    assert heights["Bo"] >= 2 * line  # name and its detail line
    panel.resize(width // 2 + 40, 600)  # narrower still: rows are laid out again, taller
    assert misfits(view) == []
    assert view.visualItemRect(view.item(0)).height() >= heights[str(view.item(0).data(NAME_ROLE))]
    big = QFont(view.font())
    big.setPointSizeF(13.0)  # a larger system font: "Mhaoldomhnaigh-" alone is then wider than the list
    view.setFont(big)
    view.doItemsLayout()
    assert misfits(view) == []
    assert view.grab().save(str(tmp_path / "roster.png"))
    index.close()


def test_athlete_dialog_refuses_bad_input(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = AthleteDialog(existing_names={"Ana Lima"})
    qtbot.addWidget(dialog)
    assert dialog.problem() == "The name is empty."
    dialog.name.setText("Ana Lima")
    assert "already in the roster" in (dialog.problem() or "")
    dialog.name.setText("Dee")
    dialog.dob.setText("31/12/2001")
    assert "not a date" in (dialog.problem() or "")
    dialog.dob.setText("2001-12-31")
    dialog.body_mass.setValue(0.0)
    assert dialog.problem() is None
    name, fields = dialog.fields()
    assert name == "Dee" and fields["body_mass"] is None and fields["date_of_birth"] == "2001-12-31"


def test_review_marks_events_phases_and_kinematics(qtbot, jump) -> None:  # type: ignore[no-untyped-def]
    trial, result = jump
    review = ReviewWidget()
    qtbot.addWidget(review)
    review.resize(900, 500)
    calls: list[dict[str, int]] = []

    def recompute(trace: ForceTrace, current: TrialResult, events: dict[str, int]) -> TrialResult:  # the analysis with an edited event: here, the CMJ again
        calls.append(dict(events))
        return analyze_cmj(trace)

    review.set_recompute(recompute)
    review.show_trial(2, trial.trace, result)
    takeoff = result.events["takeoff"]
    assert takeoff.time is not None
    assert review.event_time("takeoff") == pytest.approx(takeoff.time)
    assert len(review._regions) >= 4  # unweighting, braking, propulsion, flight (+ landing)
    assert review.metrics.rowCount() == len(result.metrics)
    review.kin_boxes["velocity"].setChecked(True)
    assert review.kin_view.isVisibleTo(review)
    review.show()
    qtbot.waitExposed(review)
    review.kin_boxes["power"].setChecked(True)  # a two-unit axis label: the widest left axis
    review.resize(1000, 520)  # the linked views re-align on resize
    qtbot.wait(50)
    # the two plots show the same time span, aligned on screen (the trace starts in view, not clipped)
    fx = review.force_view.getPlotItem().viewRange()[0]
    kx = review.kin_view.getPlotItem().viewRange()[0]
    assert fx == pytest.approx(kx, abs=1e-6) and fx[0] <= 0.0
    _x, v = review._kin_curves["velocity"].getData()
    # velocity at take-off from the integration equals the metric
    assert float(v[-1]) == pytest.approx(result.value("takeoff_velocity"), rel=0.02)
    changed: list[int] = []
    review.result_changed.connect(lambda n, r: changed.append(n))
    review.move_event("onset", takeoff.time - 1.0)
    assert calls and calls[-1]["onset"] == int(round((takeoff.time - 1.0) * trial.trace.rate))
    assert changed == [2]


def test_review_without_recompute_keeps_events_fixed(qtbot, jump) -> None:  # type: ignore[no-untyped-def]
    trial, result = jump
    review = ReviewWidget()
    qtbot.addWidget(review)

    def refuse(trace: ForceTrace, current: TrialResult, events: dict[str, int]) -> TrialResult:
        raise NotImplementedError("this build's analysis cannot take edited events")

    review.set_recompute(refuse)
    review.show_trial(1, trial.trace, result)
    before = review.event_time("takeoff")
    review.move_event("takeoff", 0.5)
    assert "cannot take edited events" in review.message.text()
    assert review.event_time("takeoff") == pytest.approx(before)  # put back where analysis found it
    assert before is not None and np.isfinite(before)


def _feed_of(total: np.ndarray, rate: float):  # type: ignore[no-untyped-def]
    from forcelab.acquisition.ring import RingBuffer
    from forcelab.gui.feed import ColumnMap, LiveFeed, SyntheticStreamer

    ring = RingBuffer(len(total) + 10, 1)
    streamer = SyntheticStreamer(ring, total[:, None], rate * 4, block=50, loop=False)  # 4x real time
    return LiveFeed(ring, rate, ColumnMap(total=0)), streamer


def _weigh(qtbot, total: np.ndarray, monitor, *, panel=None, rate: float = 1000.0, timeout_ms: int = 6000):  # type: ignore[no-untyped-def]
    """Stream ``total`` (N) at 4x real time into a live feed, run ``monitor`` on it (its verdict shown on
    ``panel`` when given) and return the outcome it finished with."""
    feed, streamer = _feed_of(total, rate)
    if panel is not None:
        monitor.finished.connect(panel.show_weighing)
    monitor.start(feed)
    streamer.start()
    try:
        with qtbot.waitSignal(monitor.finished, timeout=timeout_ms) as sig:
            pass
    finally:
        streamer.stop()
    return sig.args[0]


def _sway(n: int, rate: float = 1000.0) -> np.ndarray:
    """An athlete swaying at 1.5 Hz (±60 N around 700 N): never steady."""
    return 700.0 + 60.0 * np.sin(np.arange(n) / rate * 2 * np.pi * 1.5)


def test_weighing_waits_for_a_steady_second(qtbot) -> None:  # type: ignore[no-untyped-def]
    from forcelab.gui.testpanel import WeighMonitor

    still = 735.0 + np.random.default_rng(1).normal(0.0, 2.0, 2500)  # 1.5 s of swaying, then standing still
    outcome = _weigh(qtbot, np.concatenate([_sway(1500), still]), WeighMonitor(window=1.0, max_sd=10.0, timeout=5.0))
    # the first steady window may still hold the last few samples of the sway: within a few newtons
    assert outcome.steady and outcome.body_weight == pytest.approx(735.0, abs=3.0)
    assert outcome.sd is not None and outcome.sd <= 10.0


def test_weighing_asks_again_when_never_steady(qtbot) -> None:  # type: ignore[no-untyped-def]
    from forcelab.gui.testpanel import TestPanel, WeighMonitor

    panel = TestPanel()
    qtbot.addWidget(panel)
    outcome = _weigh(qtbot, _sway(4000), WeighMonitor(window=1.0, max_sd=10.0, timeout=0.6), panel=panel,
                     timeout_ms=5000)
    assert not outcome.steady
    assert "weigh again" in outcome.message and "weigh again" in panel.weigh_status.text()


def test_dragging_a_pull_onset_recomputes_with_the_real_analysis(qtbot) -> None:  # type: ignore[no-untyped-def]
    from forcelab.gui import services
    from forcelab.simulation.synthetic import isometric_pull

    trial = isometric_pull(peak_force=2800.0, noise_sd=2.0, seed=4)
    result = services.analyze(trial.trace, "imtp")
    review = ReviewWidget()
    qtbot.addWidget(review)
    review.set_recompute(services.recompute, services.editable_events)
    review.show_trial(1, trial.trace, result)
    assert review._event_lines["onset"].movable
    assert not review._event_lines["peak_force"].movable  # the analysis does not take a hand-placed peak
    onset = result.events["onset"]
    assert onset.time is not None
    later = onset.time + 0.05
    review.move_event("onset", later)
    new = review.result
    assert new is not None and new is not result
    assert new.events["onset"].index == int(round(later * trial.trace.rate))
    assert "onset" in str(new.params.get("edited_events", ""))
    # force at 50 ms after a later onset is larger: the metrics really were recomputed
    assert new.value("force_at_50ms") > result.value("force_at_50ms")


def _shown_metrics(review: ReviewWidget) -> dict[str, str]:
    """The review's metric table as the tester reads it: label -> text."""
    out = {}
    for r in range(review.metrics.rowCount()):
        name, value = review.metrics.item(r, 0), review.metrics.item(r, 1)
        assert name is not None and value is not None
        out[name.text()] = value.text()
    return out


def _drag_line(qtbot, review: ReviewWidget, name: str, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Drag event ``name``'s line with the mouse to ``seconds``: hover onto it, press, move in steps (pyqtgraph
    drops moves closer than its rate limit, so they are spaced), release."""
    from PySide6 import QtCore, QtGui, QtTest

    vb = review.force_view.getPlotItem().getViewBox()
    y0, y1 = vb.viewRange()[1]
    port = review.force_view.viewport()

    def to_widget(x: float) -> QtCore.QPointF:
        return QtCore.QPointF(review.force_view.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x, (y0 + y1) / 2))))

    def move(p: QtCore.QPointF, buttons: QtCore.Qt.MouseButton) -> None:
        ev = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, p, port.mapToGlobal(p), QtCore.Qt.MouseButton.NoButton,
                               buttons, QtCore.Qt.KeyboardModifier.NoModifier)
        QtCore.QCoreApplication.sendEvent(port, ev)
        qtbot.wait(25)

    start, end = to_widget(float(review._event_lines[name].value())), to_widget(seconds)
    left, none = QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier
    move(start, QtCore.Qt.MouseButton.NoButton)  # hover: the line offers itself for dragging
    QtTest.QTest.mousePress(port, left, none, start.toPoint())
    for k in range(1, 6):
        move(start + (end - start) * (k / 5), left)
    QtTest.QTest.mouseRelease(port, left, none, end.toPoint())
    qtbot.wait(10)


def test_dragging_a_cmj_takeoff_later_lengthens_the_flight_on_screen(qtbot) -> None:  # type: ignore[no-untyped-def]
    from forcelab.gui import services

    trial = cmj(jump_height=0.30, noise_sd=1.0, seed=5)
    result = services.analyze(trial.trace, "cmj")
    review = ReviewWidget()
    qtbot.addWidget(review)
    review.resize(1000, 500)
    review.show()
    review.set_recompute(services.recompute, services.editable_events)
    review.show_trial(1, trial.trace, result)
    qtbot.waitExposed(review)
    takeoff = result.events["takeoff"]
    assert takeoff.index is not None and takeoff.time is not None
    before = _shown_metrics(review)
    k = 20  # samples: 20 ms later at 1 kHz
    rate = trial.trace.rate
    # with the mouse: 0.1 s later (a drag of a few pixels would count as a click)
    _drag_line(qtbot, review, "takeoff", takeoff.time + 0.1)
    dragged = review.result
    assert dragged is not None and dragged is not result
    assert dragged.events["takeoff"].method == "edited"
    moved_to = dragged.events["takeoff"].time
    assert moved_to is not None and moved_to == pytest.approx(takeoff.time + 0.1, abs=0.02)  # within ~2 px
    assert _shown_metrics(review)["Flight time"] == format_value(dragged.metrics["flight_time"])
    # then exactly k samples later than detected, through the same handler the drag ends in
    review.move_event("takeoff", (takeoff.index + k) / rate)
    new = review.result
    assert new is not None
    assert new.events["takeoff"].index == takeoff.index + k
    ft0, ft1 = result.value("flight_time"), new.value("flight_time")
    assert ft0 is not None and ft1 is not None
    assert ft1 == pytest.approx(ft0 - k / rate, abs=0.5 / rate)  # landing unchanged: the flight is k shorter
    shown = _shown_metrics(review)
    assert shown["Flight time"] == format_value(new.metrics["flight_time"]) != before["Flight time"]
    jh = "Jump height (flight time)"
    assert shown[jh] == format_value(new.metrics["jump_height_flight_time"]) != before[jh]
    assert "takeoff moved" in review.message.text()


def test_dragging_a_drop_jump_event_keeps_the_drop_height(qtbot) -> None:  # type: ignore[no-untyped-def]
    from forcelab.gui import services
    from forcelab.simulation.synthetic import drop_jump

    trial = drop_jump(drop_height=0.40, noise_sd=1.0, seed=2)
    result = services.analyze(trial.trace, "dj", drop_height=0.40)
    assert result.value("drop_velocity") is not None
    review = ReviewWidget()
    qtbot.addWidget(review)
    review.set_recompute(services.recompute, services.editable_events)
    review.show_trial(3, trial.trace, result)
    takeoff = result.events["takeoff"]
    assert takeoff.index is not None
    review.move_event("takeoff", (takeoff.index + 5) / trial.trace.rate)
    new = review.result
    assert new is not None and new.events["takeoff"].index == takeoff.index + 5
    assert new.value("drop_height") == pytest.approx(0.40)
    assert new.value("drop_velocity") == pytest.approx(result.value("drop_velocity"))
    shown = _shown_metrics(review)
    assert shown["Drop height"] == format_value(new.metrics["drop_height"])
    assert "no drop height" not in " ".join(m.reason or "" for m in new.metrics.values())


def test_the_weighing_start_can_be_dragged_and_its_end_cannot(qtbot, jump) -> None:  # type: ignore[no-untyped-def]
    from forcelab.gui import services

    trial, _ = jump
    result = services.analyze(trial.trace, "cmj")
    review = ReviewWidget()
    qtbot.addWidget(review)
    review.set_recompute(services.recompute, services.editable_events)
    review.show_trial(1, trial.trace, result)
    assert review._event_lines["weighing_start"].movable
    assert "weighing_end" not in review._event_lines
    ws = result.events["weighing_start"]
    assert ws.index is not None
    review.move_event("weighing_start", (ws.index + 100) / trial.trace.rate)
    new = review.result
    assert new is not None and new.events["weighing_start"].index == ws.index + 100
    assert new.events["weighing_start"].method == "edited"


def test_a_trial_with_no_body_weight_says_why_once(qtbot) -> None:  # type: ignore[no-untyped-def]
    from forcelab.analysis.types import ForceTrace

    # the plates were zeroed with the athlete on them: the stance reads ~0 N, nobody to weigh
    raw = cmj(jump_height=0.30, noise_sd=1.0, seed=4).trace
    assert raw.left is not None and raw.right is not None
    bw = float(raw.total[:500].mean())
    tr = ForceTrace(rate=raw.rate, total=raw.total - bw, left=raw.left - bw / 2, right=raw.right - bw / 2)
    result = analyze_cmj(tr)
    assert result.value("body_weight") is None
    card = TrialCard()
    qtbot.addWidget(card)
    card.show_result(1, result)
    assert card.flags.text().startswith("⚠ Not measured:") and "stance" in card.flags.text()
    assert "single plate" not in card.asym_label.text()  # two plates, nothing measured on them
    review = ReviewWidget()
    qtbot.addWidget(review)
    review.show_trial(1, tr, result)
    line = review.message.text()
    # one root cause named once, not repeated per event; every event's reason in the tooltip
    assert line.startswith("Not found: ") and line.count("quiet stance") == 1
    assert "takeoff" in line and "onset" in line
    missing = [k for k, e in result.events.items() if e.index is None]
    assert all(f"{k}: " in review.message.toolTip() for k in missing)
