"""The comparison views in a real (offscreen) window on a generated 12-week archive."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from PySide6 import QtCore

from forcelab.gui.compare_window import CompareWindow, export_table_csv
from forcelab.simulation import example_archive

SHOTS = Path(os.environ.get("FORCELAB_SCREENSHOTS", Path(__file__).resolve().parents[2] / "screenshots"))


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cmp-archive")
    example_archive.build(path, weeks=12, trials=3)
    return path


def _shot(widget: object, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    assert widget.grab().save(str(SHOTS / name))  # type: ignore[attr-defined]


def test_athlete_trend_view_shows_the_drop_and_flags(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    win = CompareWindow(archive)
    qtbot.addWidget(win)
    win.show()
    view = win.athlete_view
    view.show_athlete("Dropping Dana", "jump_height_takeoff_velocity")
    assert view.trend is not None and len(view.trend.points) == 12
    assert view.rings.data.size == 1  # exactly one meaningful change ringed (week 8)
    model = view.table.model()
    assert model.rowCount() == 12
    statuses = [model.data(model.index(r, 6)) for r in range(12)]
    assert statuses[8] == "red"
    assert "2.77 x TE" in view.method.text()
    _shot(win, "compare-athlete.png")


def test_asymmetry_view_marks_sides_and_the_flip(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    win = CompareWindow(archive)
    qtbot.addWidget(win)
    win.show()
    view = win.athlete_view
    view.aggregate.setCurrentText("mean")
    view.show_athlete("Asymmetric Alex", "peak_force_asymmetry")
    texts = [label.textItem.toPlainText() for label in view.side_labels]
    assert texts[:10] == ["L"] * 10 and texts[10] == "R ⇄" and texts[11] == "R"
    assert all(line.isVisible() for line in view.threshold_lines)
    _shot(win, "compare-asymmetry.png")


def test_team_view_sorts_and_opens_an_athlete(qtbot, archive: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = CompareWindow(archive)
    qtbot.addWidget(win)
    win.show()
    win.tabs.setCurrentWidget(win.team_view)
    table = win.team_view.table
    assert table.rowCount() == 3
    assert table.item(0, 0).text() == "Asymmetric Alex"
    _shot(win, "compare-team.png")
    out = export_table_csv(table, tmp_path / "team.csv")
    rows = list(csv.reader(out.open()))
    assert rows[0][0] == "athlete" and len(rows) == 4
    win.team_view.table.cellDoubleClicked.emit(2, 0)
    assert win.tabs.currentWidget() is win.athlete_view
    assert win.athlete_view.athlete.currentText() == table.item(2, 0).text()


def test_overlay_view_aligns_trials(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    win = CompareWindow(archive)
    qtbot.addWidget(win)
    win.show()
    win.tabs.setCurrentWidget(win.overlay_view)
    ov = win.overlay_view
    ov.athlete.setCurrentText("Dropping Dana")
    assert len(ov.checked()) == 2
    ov.limb.setCurrentText("left and right")
    ov.align.setCurrentText("takeoff")
    curves = ov.plot.getPlotItem().listDataItems()
    assert len(curves) == 4
    for c in curves:  # aligned at take-off: every curve crosses t = 0 near zero force
        x, y = c.getData()
        i = int(abs(x).argmin())
        assert abs(x[i]) < 0.002 and y[i] < 60
    qtbot.wait(50)
    _shot(win, "compare-overlay.png")
    win.close()
    assert QtCore.QCoreApplication.instance() is not None
