"""The limb asymmetry of the single-leg tests beside the athlete's trend, in a real offscreen compare window on a
real archive (tests/support/limb_archive.py: eight weekly single-leg CMJ sessions, one with the right leg
only, a rise to 20 %, a flip; drop landings with a known plate share)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from forcelab.gui.compare_window import CompareWindow, export_table_csv
from support import limb_archive
from support.limb_archive import ATHLETE
from support.screens import save_shot


@pytest.fixture
def themed(qapp):  # type: ignore[no-untyped-def]
    """The app's own theme (as forcelab's window applies it), put back afterwards."""
    from forcelab.gui.theme import apply_theme

    before = qapp.styleSheet()
    apply_theme(qapp)
    yield qapp
    qapp.setStyleSheet(before)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gui-limbs")
    limb_archive.build(path)
    return path


def test_limb_asymmetry_is_drawn_beside_the_trend(qtbot, themed, archive: Path, shots: Path,  # type: ignore[no-untyped-def]
                                                  tmp_path: Path) -> None:
    win = CompareWindow(archive)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    view = win.athlete_view
    view.show_athlete(ATHLETE)
    panel = view.limb_panel
    assert panel.isVisible() and view.split.indexOf(panel) == 1  # beside the athlete's trend
    assert panel.test_key() == "sl_cmj" and panel.metric_key() == "jump_height_takeoff_velocity"
    t = panel.trend
    assert t is not None and len(t.points) == 8
    x, y = panel.curve.getData()
    assert y is not None and math.isnan(y[4]) and not any(math.isnan(v) for i, v in enumerate(y) if i != 4)
    assert panel.dots.data.size == 7  # the one-limb week has no dot: missing, not zero
    assert [n.textItem.toPlainText() for n in panel.missing_notes] == ["R only"]
    assert panel.rings.data.size == 1 and panel.rings.data["x"][0] == 5  # the rise to 20 %
    assert [s.textItem.toPlainText() for s in panel.side_labels] == ["L"] * 6 + ["R ⇄"]
    assert sorted(line.value() for line in panel.threshold_lines) == [10.0, 15.0]
    table = panel.table
    heads = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert heads[:4] == ["date", "L (cm)", "R (cm)", "asymmetry (%)"]
    assert table.item(4, 3).text() == "missing" and table.item(4, 5).text() == "R only"
    assert table.item(4, 3).toolTip() == "no left-leg trial with jump height (take-off velocity)"
    assert table.item(4, 1).text() == ""
    assert table.item(5, 3).text().endswith(" · high") and table.item(5, 5).text() == "meaningful, worse"
    assert table.item(7, 6).text() == "right ⇄" and table.item(7, 3).text().endswith(" · monitor")
    assert float(table.item(0, 3).text().split(" ")[0]) == pytest.approx(t.points[0].value, abs=0.05)
    save_shot(win, shots / "compare-limb-asymmetry-table.png")
    assert table.horizontalScrollBar().maximum() == 0  # every column fits beside the trend ...
    flag = table.item(5, 5)  # ... the flags whole too
    assert table.fontMetrics().horizontalAdvance(flag.text()) < table.columnWidth(5) - 6
    assert "Typical error" in panel.method.text() and "missing, not zero" in panel.method.text()
    rows = export_table_csv(table, tmp_path / "limbs.csv").read_text().splitlines()
    assert rows[0].startswith("date,left,right,asymmetry") and len(rows) == 9
    assert 0.1 < float(rows[1].split(",")[1]) < 0.3  # metres, as stored
    view.aggregate.setCurrentText("mean")  # each limb's session value follows the trend's "Session value"
    assert panel.trend is not None and panel.trend.statistic == "mean" and "mean left-leg" in panel.method.text()
    view.aggregate.setCurrentText("best")
    # the bilateral asymmetry of the drop landings, in the trend next to it
    view.test.setCurrentText("landing")
    view._select_metric("peak_landing_force_asymmetry")
    assert view.metric_key() == "peak_landing_force_asymmetry" and view.trend is not None
    assert len(view.trend.points) == 3 and all(line.isVisible() for line in view.threshold_lines)
    assert [s.textItem.toPlainText() for s in view.side_labels] == ["L"] * 3
    qtbot.wait(50)
    save_shot(win, shots / "compare-limb-asymmetry.png")
    # a signed formula: lines both sides of zero; the left-stronger weeks positive, the flip negative
    panel.formula.setCurrentIndex(panel.formula.findData("symmetry_index"))
    t2 = panel.trend
    assert t2 is not None and t2.formula == "symmetry_index"
    assert t2.points[0].value > 0 and t2.points[7].value < 0  # type: ignore[operator]
    assert sorted(line.value() for line in panel.threshold_lines) == [-15.0, -10.0, 10.0, 15.0]
    win.close()


def test_an_athlete_without_single_leg_sessions_has_no_limb_panel(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    from forcelab.storage.index import ArchiveIndex

    with ArchiveIndex(archive) as index:
        index.set_athlete("Nora New", body_mass=60.0)
    win = CompareWindow(archive)
    qtbot.addWidget(win)
    win.athlete_view.show_athlete("Nora New")
    panel = win.athlete_view.limb_panel
    assert panel.trend is None and panel.table.rowCount() == 0 and panel.metric_box.count() == 0
    assert not panel.available and panel.isHidden()  # the trend keeps the whole width
    assert "No single-leg countermovement jump session of Nora New" in panel.method.text()
    win.close()
