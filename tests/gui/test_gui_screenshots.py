"""Screenshots of the main views (live, trial card, review, roster), for a person to look at.

They go to ``$FORCELAB_SCREENSHOTS`` when set (e.g. ``screenshots/``, git-ignored), else to the test's
temporary folder. The live view runs on simulated plates over a real pty; the card and the review show the
real CMJ analysis of a synthetic two-plate jump.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6 import QtWidgets

from forcelab.gui.app import build_window
from forcelab.gui.mainwindow import MainWindow
from forcelab.gui.roster import AthleteDialog
from forcelab.simulation.synthetic import cmj


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FORCELAB_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _save(widget: QtWidgets.QWidget, path: Path) -> None:
    assert widget.grab().save(str(path)), f"could not write {path}"
    assert path.stat().st_size > 10_000  # a real picture, not an empty frame


def test_screenshots_of_the_main_views(qtbot, tmp_path: Path, shots: Path,  # type: ignore[no-untyped-def]
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCELAB_ARCHIVE", str(tmp_path / "archive"))
    window: MainWindow = build_window()
    qtbot.addWidget(window)
    index = window.session.archive.index
    for name, mass, sport, team in (("Ana Lima", 61.5, "volleyball", "U19"), ("Ben Okafor", 88.0, "rugby", "1st XV"),
                                    ("Cleo Park", 70.2, "sprint", "")):
        index.set_athlete(name, body_mass=mass, sport=sport, team=team)
    assert window.roster is not None
    window.roster.reload(select="Ana Lima")
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    try:
        assert window.start_simulated("forcelab dual plate (8 cells)", 1000.0, asymmetry=0.08, noise=3.0)
        link = window.session.link
        assert link is not None and link.simulator is not None
        # the athlete steps on after 1 s: let them stand still for the weighing before the jump
        qtbot.waitUntil(lambda: link.feed.ring.total_written > 3500, timeout=10_000)
        link.simulator.trigger("cmj")
        qtbot.waitUntil(lambda: link.feed.ring.total_written > 7500, timeout=10_000)
        assert window.live.frames > 10
        _save(window, shots / "live.png")

        trial = cmj(jump_height=0.33, asymmetry=0.08, noise_sd=2.0, seed=11)
        entry = window.session.add_trial_trace(trial.trace, "cmj")
        qtbot.waitUntil(lambda: entry.result is not None or bool(entry.error), timeout=10_000)
        assert entry.result is not None, entry.error
        assert "Jump height (take-off velocity)" in window.card.values
        _save(window, shots / "trial_card.png")

        window.show_review(entry.number)
        window.review.kin_boxes["velocity"].setChecked(True)
        window.review.kin_boxes["power"].setChecked(True)
        assert window.tabs.currentWidget() is window.review
        _save(window, shots / "review.png")

        window.tabs.setCurrentWidget(window.live)
        dialog = AthleteDialog(window, athlete=window.roster.current())
        dialog.show()
        qtbot.waitExposed(dialog)
        _save(window.roster, shots / "roster.png")
        _save(dialog, shots / "athlete_dialog.png")
        dialog.close()
    finally:
        window.close()
    for name in ("live", "trial_card", "review", "roster", "athlete_dialog"):
        assert (shots / f"{name}.png").is_file()


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo squad, written once for both screen sizes (``forcelab --demo`` writes the same on first launch)."""
    from forcelab.simulation import example_archive

    path = tmp_path_factory.mktemp("demo-archive")
    example_archive.build_demo(path)
    return path


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_screenshots_of_the_demo_first_minute(qtbot, tmp_path: Path, shots: Path, demo_archive: Path,  # type: ignore[no-untyped-def]
                                              monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    """The demo as a new user meets it: the squad's archive, simulated plates streaming, a CMJ, then a mixed
    session's table (two jumps and a pull), the review tab, and the history window."""
    from forcelab.gui.trialtable import KEY_COLS
    from forcelab.simulation.synthetic import isometric_pull

    monkeypatch.setenv("FORCELAB_ARCHIVE", str(tmp_path / "user"))
    monkeypatch.setenv("FORCELAB_DEMO_ARCHIVE", str(demo_archive))
    w, h = size
    tag = f"{w}x{h}"
    window: MainWindow = build_window(demo=True)
    qtbot.addWidget(window)
    window.resize(w, h)
    window.show()
    qtbot.waitExposed(window)
    try:
        assert window.review._trace is not None  # the review opens on the squad's latest trial
        assert window.roster is not None and window.roster.list.count() == 4
        window.roster.reload(select="Maria Fernanda Oliveira-Santos")
        qtbot.waitUntil(lambda: window.session.link is not None, timeout=15_000)
        link = window.session.link
        assert link is not None and link.simulator is not None
        # the athlete steps on after 1 s: let them stand still for the weighing before the jump
        qtbot.waitUntil(lambda: link.feed.ring.total_written > 3500, timeout=10_000)
        link.simulator.trigger("cmj")
        qtbot.waitUntil(lambda: link.feed.ring.total_written > 7500, timeout=10_000)
        _save(window, shots / f"demo_first_minute_{tag}.png")

        for k, (test, trace) in enumerate((("cmj", cmj(jump_height=0.31, asymmetry=0.05, seed=21).trace),
                                           ("cmj", cmj(jump_height=0.30, asymmetry=0.07, seed=22).trace),
                                           ("imtp", isometric_pull(asymmetry=0.04, seed=23).trace))):
            window.tests.set_test(test)
            entry = window.session.add_trial_trace(trace, test)
            qtbot.waitUntil(lambda e=entry: e.result is not None or bool(e.error), timeout=15_000)
            assert entry.result is not None, (k, entry.error)
        table = window.table
        assert [table.horizontalHeaderItem(c).text() for c in KEY_COLS] == ["key 1", "key 2"]
        rows = range(table.rowCount())  # the triggered CMJ is detected live too (shown, not recorded)
        assert {table.item(r, 2).text() for r in rows} == {"cmj", "imtp"}
        for r in rows:
            want = "Fpeak " if table.item(r, 2).text() == "imtp" else "JH (TOV) "
            assert table.item(r, KEY_COLS[0]).text().startswith(want), r
            assert table.item(r, 5).text() not in ("", "0.0 % L", "0.0 % R"), r  # not perfectly symmetric
        _save(window, shots / f"trial_table_mixed_{tag}.png")

        window.show_review(window.table.numbers()[0])
        _save(window, shots / f"review_{tag}.png")

        window.open_history()
        history = window._history
        history.resize(w, h)
        qtbot.waitExposed(history)
        history.athlete_view.show_athlete("Charlotte Vandenberghe", "peak_force_asymmetry")
        _save(history, shots / f"history_{tag}.png")
        history.tabs.setCurrentWidget(history.team_view)
        _save(history, shots / f"history_team_{tag}.png")
        history.close()
    finally:
        window.close()
