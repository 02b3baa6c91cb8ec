"""What a new user sees (issue 13): the demo's own archive, the history window's axis, colours and labels,
the trial table of a mixed session, and a review tab that opens on a trial. Real offscreen windows on real
archives written by the real writer and analysis."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui

from forcelab.analysis.labels import metric_label
from forcelab.gui import services
from forcelab.gui.app import build_window
from forcelab.gui.compare_window import CompareWindow
from forcelab.gui.trialtable import KEY_COLS, TrialTable
from forcelab.simulation import example_archive, synthetic
from forcelab.storage.archive import session_files
from forcelab.storage.index import ArchiveIndex


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("screens-archive")
    example_archive.build(path, weeks=7, trials=2, athletes=example_archive.ATHLETES[:1])
    return path


@pytest.fixture
def history(qtbot, small_archive: Path) -> CompareWindow:  # type: ignore[no-untyped-def]
    """The history window on Stable Sam's jump height."""
    win = CompareWindow(small_archive)
    qtbot.addWidget(win)
    win.show()
    win.athlete_view.show_athlete("Stable Sam", "jump_height_takeoff_velocity")
    return win


def test_history_date_axis_has_no_si_prefix_and_metrics_read_as_words(history: CompareWindow) -> None:
    view = history.athlete_view
    bottom = view.plot.getAxis("bottom")
    assert "session date" in bottom.labelString()
    assert "x0.001" not in bottom.labelString() and bottom.autoSIPrefixScale == 1.0
    assert "Jump height (take-off velocity) (m)" in view.plot.getAxis("left").labelString()
    box = view.metric_box
    assert box.currentText() == "Jump height (take-off velocity)"
    assert box.currentData() == "jump_height_takeoff_velocity" and view.metric_key() == "jump_height_takeoff_velocity"
    assert all("_" not in box.itemText(i) for i in range(box.count()))


def test_history_status_cells_and_plot_are_readable_on_the_dark_theme(history: CompareWindow) -> None:
    win, view = history, history.athlete_view
    model = view.table.model()
    statuses = [model.data(model.index(r, 6)) for r in range(model.rowCount())]
    assert "insufficient" in statuses
    for r, status in enumerate(statuses):
        back = model.data(model.index(r, 6), QtCore.Qt.ItemDataRole.BackgroundRole)
        fore = model.data(model.index(r, 6), QtCore.Qt.ItemDataRole.ForegroundRole)
        assert isinstance(back, QtGui.QBrush) and isinstance(fore, QtGui.QBrush), status
        assert abs(back.color().lightness() - fore.color().lightness()) > 100, status  # text stands out
    assert view.plot.backgroundBrush().color().lightness() < 60  # a dark plot in the dark app
    team = win.team_view.table
    headers = [team.horizontalHeaderItem(c).text() for c in range(team.columnCount())]
    assert metric_label("jump_height_takeoff_velocity") in headers and "jump_height_takeoff_velocity" not in headers
    status = team.item(0, 2)
    assert status.foreground().color().lightness() < 60 < status.background().color().lightness()


def test_metric_labels_have_words_and_units() -> None:
    assert metric_label("jump_height_takeoff_velocity", "m") == "Jump height (take-off velocity) (m)"
    assert metric_label("rfd_0_200ms", "N/s") == "RFD 0–200 ms (N/s)"
    assert metric_label("net_impulse", "N*s") == "Net impulse (N·s)"
    assert metric_label("flight_time_ratio", "1") == "Flight time ratio"
    assert metric_label("peak_force_asymmetry", "%") == "Peak force asymmetry (%)"


def _result(test: str):  # type: ignore[no-untyped-def]
    gen = {"cmj": synthetic.cmj, "imtp": synthetic.isometric_pull}[test]
    return services.analyze(gen(seed=3).trace, test)


def test_trial_table_stays_true_when_jumps_and_pulls_mix(qtbot) -> None:  # type: ignore[no-untyped-def]
    table = TrialTable()
    qtbot.addWidget(table)
    jump, pull = _result("cmj"), _result("imtp")
    table.add_trial(1, jump, test="cmj")
    table.add_trial(2, jump, test="cmj")
    heads = [table.horizontalHeaderItem(c).text() for c in KEY_COLS]
    assert heads == ["JH (TOV)", "JH (FT)"]
    assert table.item(0, KEY_COLS[0]).text().endswith("cm") and not table.item(0, KEY_COLS[0]).text().startswith("JH")
    table.add_trial(3, pull, test="imtp")
    heads = [table.horizontalHeaderItem(c).text() for c in KEY_COLS]
    assert heads == ["key 1", "key 2"]  # neither test's names head the other's numbers
    assert table.item(0, KEY_COLS[0]).text().startswith("JH (TOV) ")
    assert table.item(1, KEY_COLS[1]).text().startswith("JH (FT) ")
    assert table.item(2, KEY_COLS[0]).text().startswith("Fpeak ")
    assert table.item(2, KEY_COLS[1]).text().startswith("Fnet ")


def test_review_tab_opens_on_the_latest_archived_trial(qtbot, small_archive: Path,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCELAB_ARCHIVE", str(small_archive))
    window = build_window()
    qtbot.addWidget(window)
    try:
        review = window.review
        assert review._trace is not None and review._result is not None
        assert review.title.text().startswith("Stable Sam · ")
        assert "trial 2" in review.title.text() and review.metrics.rowCount() > 0
    finally:
        window.close()


def test_demo_opens_on_its_own_squad_archive(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    user, demo = tmp_path / "user", tmp_path / "demo"
    monkeypatch.setenv("FORCELAB_ARCHIVE", str(user))
    monkeypatch.setenv("FORCELAB_DEMO_ARCHIVE", str(demo))
    window = build_window(demo=True)
    qtbot.addWidget(window)
    try:
        assert window.session.archive is not None and window.session.archive.path == demo.absolute()
        window.demo_build.result(timeout=600)  # type: ignore[attr-defined]
        assert window.roster is not None
        qtbot.waitUntil(lambda: window.roster is not None and window.roster.list.count() == 4, timeout=5000)
        assert window.review._trace is not None
    finally:
        window.close()
    assert example_archive.demo_ready(demo)
    assert session_files(user) == []  # the user's archive stays empty
    with ArchiveIndex(demo) as index:
        names = [a["name"] for a in index.athletes()]
        assert "Maria Fernanda Oliveira-Santos" in names
        sessions = index.sessions("Charlotte Vandenberghe")
        assert len(sessions) == example_archive.DEMO_WEEKS
    from forcelab.storage.session import open_session

    trial = open_session(session_files(demo)[0]).trials[0]
    asym = trial.metrics["peak_force_asymmetry"]["value"]
    assert abs(asym) > 1.0  # the squad is not perfectly symmetric
