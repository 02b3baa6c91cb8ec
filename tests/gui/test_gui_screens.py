"""What a new user sees (issue 13): the demo's own archive, the history window's axis, colours and labels,
the trial table of a mixed session, and a review tab that opens on a trial. Real offscreen windows on real
archives written by the real writer and analysis."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui

from forcelab.analysis.labels import metric_label
from forcelab.compare.source import KEY_METRICS
from forcelab.gui import services
from forcelab.gui.app import build_window
from forcelab.gui.compare_window import CompareWindow, export_table_csv
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
    assert "Jump height (take-off velocity) (cm)" in view.plot.getAxis("left").labelString()  # as the table reads
    y = view.curve.getData()[1]
    assert y is not None and 20.0 < float(y.mean()) < 60.0  # plotted in cm too
    assert view.table.model().headerData(1, QtCore.Qt.Orientation.Horizontal) == "value (cm)"
    box = view.metric_box
    assert box.currentText() == "Jump height (take-off velocity)"
    assert box.currentData() == "jump_height_takeoff_velocity" and view.metric_key() == "jump_height_takeoff_velocity"
    assert all("_" not in box.itemText(i) for i in range(box.count()))


def contrast(a: QtGui.QColor, b: QtGui.QColor) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21; 4.5 is the floor for body text)."""

    def lum(c: QtGui.QColor) -> float:
        ch = [x / 255.0 for x in (c.red(), c.green(), c.blue())]
        lin = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in ch]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_history_status_cells_and_plot_are_readable_on_the_dark_theme(history: CompareWindow) -> None:
    view = history.athlete_view
    model = view.table.model()
    statuses = [model.data(model.index(r, 6)) for r in range(model.rowCount())]
    assert "too few sessions" in statuses and "green" in statuses  # "insufficient" in words
    for r, status in enumerate(statuses):
        back = model.data(model.index(r, 6), QtCore.Qt.ItemDataRole.BackgroundRole)
        fore = model.data(model.index(r, 6), QtCore.Qt.ItemDataRole.ForegroundRole)
        assert isinstance(back, QtGui.QBrush) and isinstance(fore, QtGui.QBrush), status
        assert contrast(back.color(), fore.color()) >= 7.0, status  # text stands out
        assert back.color().lightness() < 80, status  # a dark tint: no glaring cell in the dark theme
    assert view.plot.backgroundBrush().color().lightness() < 60  # a dark plot in the dark app


def test_team_table_reads_in_words_and_units_and_exports_keys(history: CompareWindow, tmp_path: Path) -> None:
    team = history.team_view.table
    headers = [team.horizontalHeaderItem(c).text().replace("\n", " ") for c in range(team.columnCount())]
    assert headers[3:7] == ["Jump height (take-off velocity) (cm)", "RSI-modified (m/s)", "Peak force (N)",
                            "Peak force asymmetry (%)"]
    assert headers[-1] == "flags" and not any("_" in h for h in headers)
    row = {headers[c]: team.item(0, c).text() for c in range(team.columnCount())}
    assert row["Jump height (take-off velocity) (cm)"].endswith(" cm") and row["Peak force (N)"].endswith(" N")
    assert "_" not in row["flags"]
    for r in range(team.rowCount()):
        for c in range(2, team.columnCount() - 1):  # every toned cell: dark, with text that reads
            item = team.item(r, c)
            if item.text() and item.text() != "—":
                assert contrast(item.background().color(), item.foreground().color()) >= 7.0, (r, c)
                assert item.background().color().lightness() < 80, (r, c)
    # CSV keeps the archive's keys and stored numbers
    out = export_table_csv(team, tmp_path / "team.csv")
    head, first = list(csv.reader(out.open()))[:2]
    assert head[3:7] == list(KEY_METRICS["cmj"]) and head[:3] == ["athlete", "last_session", "status"]
    assert 0.1 < float(first[3]) < 0.8  # metres, as stored


def test_team_flags_read_in_words_in_the_table_and_the_command(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Asymmetric Alex's asymmetry rises to "high": the team tab and ``forcelab team`` say so in words."""
    from forcelab.cli import main

    archive = tmp_path / "alex"
    example_archive.build(archive, weeks=9, trials=2, athletes=[a for a in example_archive.ATHLETES
                                                                  if a.name == "Asymmetric Alex"])
    win = CompareWindow(archive)
    qtbot.addWidget(win)
    table = win.team_view.table
    flags = table.item(0, table.columnCount() - 1).text()
    assert "Peak force asymmetry: " in flags and "peak_force_asymmetry" not in flags
    status = table.item(0, 2)
    assert status.text() == "red" and contrast(status.background().color(), status.foreground().color()) >= 7.0
    win.close()
    assert main(["team", "--archive", str(archive)]) == 0
    text = capsys.readouterr().out
    assert "Peak force asymmetry: " in text and "Jump height (take-off velocity) " in text and " cm" in text
    assert "peak_force_asymmetry" not in text and "jump_height_takeoff_velocity" not in text


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
