"""A repeated-hop (10/5) trial through the real window against simulated plates on a real pty: detected online
as one trial (not one per hop), analysed, shown on the card, saved with its table of hops; and a hop series
recorded as a countermovement jump, where the card suggests the repeated-hop test and the tester confirms it."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import pytest
from PySide6 import QtCore

from forcelab.compare.source import athlete_trend
from forcelab.gui.mainwindow import MainWindow
from forcelab.gui.report import write_session_report
from forcelab.simulation.motion import Script
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import open_session
from support.gui_window import open_window, record_one_trial, stop_and_publish


def _record(qtbot, test: str, script: Script) -> MainWindow:  # type: ignore[no-untyped-def]
    """The window, recording ``test`` trials while the simulated athlete performs ``script``, once one trial
    was analysed."""
    window = open_window(qtbot, "Hopper", 72.0)
    window.tests.set_test(test)
    record_one_trial(qtbot, window, script, timeout=40_000)
    return window


def _stop(qtbot, window: MainWindow, archive: Path) -> Path:  # type: ignore[no-untyped-def]
    return stop_and_publish(qtbot, window, archive, timeout=10_000)


def test_rebound_trial_live_card_and_archive(qtbot, archive: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    script = Script(trials=(("rebound", {"hops": 10}),), empty_before=1.5, stand=2.0, pause=3.0)
    window = _record(qtbot, "rebound", script)
    qtbot.wait(1500)  # no second trial follows: the series is one trial
    entries = list(window.session.trials.values())
    assert len(entries) == 1
    entry = entries[0]
    assert entry.result is not None, entry.error
    assert entry.result.test == "rebound"
    assert entry.result.value("hop_count") == 10
    assert len(entry.result.tables["hops"].rows) == 10
    card = window.card
    assert "Repeated hops" in card.title.text()
    assert card.values["Hops"] == "10"
    rsi = float(card.values["RSI (mean of best 5 hops)"].removesuffix(" m/s"))
    assert rsi == pytest.approx(entry.result.value("rsi_best5_mean"), abs=0.006)
    assert card.values["Contact time (best 5 hops)"].endswith("ms")
    assert not card.suggest_button.isVisible()  # the chosen test is what the trace shows
    shots = Path(os.environ.get("FORCELAB_SCREENSHOTS", tmp_path))
    assert card.grab().save(str(shots / "rebound_card.png"))
    window.show_review(entry.number)  # the review draws the series with every take-off and landing
    assert "landing_11" in window.review._result.events  # type: ignore[union-attr]
    hops = window.review.items.table("hops")  # ... and the table of hops under it, one row each
    assert hops.rowCount() == 10 and hops.item(0, 0).text() == "1"
    assert window.review.grab().save(str(shots / "rebound_review.png"))
    path = _stop(qtbot, window, archive)
    window.close()
    saved = open_session(path)
    (trial,) = saved.trials
    assert trial.test == "rebound"
    assert trial.metrics["hop_count"]["value"] == 10
    assert trial.result is not None and len(trial.result["tables"]["hops"]["rows"]) == 10
    with h5py.File(path, "r") as f:  # the per-hop table as any HDF5 reader sees it
        hops = f["trials/trial_001/tables/hops"]
        assert hops.shape == (10,) and "rsi" in (hops.dtype.names or ())
    with ArchiveIndex(archive) as index:  # trends read the index
        (value,) = index.metric_values("Hopper", "rsi_best5_mean", test="rebound")
        assert value.value == pytest.approx(entry.result.value("rsi_best5_mean"))
        trend = athlete_trend(index, "Hopper", "rsi_best5_mean", test="rebound")
        assert trend.better == "higher" and len(trend.points) == 1
        assert athlete_trend(index, "Hopper", "contact_time_best5_mean", test="rebound").better == "lower"
        summary = write_session_report(path, tmp_path / "report.pdf", index=index)
    assert (tmp_path / "report.pdf").stat().st_size > 1000 and summary.pages >= 1


def test_hops_recorded_as_cmj_are_suggested_as_rebound(qtbot, archive: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    script = Script(trials=(("rebound", {"hops": 6}),), empty_before=1.5, stand=2.0, pause=3.0)
    window = _record(qtbot, "cmj", script)
    (entry,) = window.session.trials.values()
    assert entry.test == "cmj"
    assert entry.suggestion is not None and entry.suggestion[0] == "rebound"
    card = window.card
    assert card.suggest_button.isVisible()
    assert "repeated hops" in card.suggestion.text() and "6 hops" in card.suggestion.text()
    assert card.grab().save(str(Path(os.environ.get("FORCELAB_SCREENSHOTS", tmp_path)) / "rebound_suggested.png"))
    qtbot.mouseClick(card.suggest_button, QtCore.Qt.MouseButton.LeftButton)  # the tester confirms
    qtbot.waitUntil(lambda: entry.result is not None and entry.result.test == "rebound", timeout=10_000)
    assert entry.test == "rebound" and entry.suggestion is None
    assert "Repeated hops" in card.title.text() and card.values["Hops"] == "6"
    assert not card.suggest_button.isVisible()
    path = _stop(qtbot, window, archive)
    window.close()
    (trial,) = open_session(path).trials
    assert trial.test == "cmj"  # what was chosen when it was recorded ...
    assert trial.result is not None and trial.result["test"] == "rebound"  # ... and what it was confirmed as
    with ArchiveIndex(archive) as index:
        assert len(index.metric_values("Hopper", "hop_count", test="rebound")) == 1
