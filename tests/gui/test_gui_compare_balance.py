"""Balance in the compare window: offered per stance condition in the test list, each condition's trend drawn
from a real archive (tests/support/balance_archive.py: weekly sessions with eyes-open and eyes-closed trials)."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcelab.gui.compare_window import CompareWindow
from support import balance_archive
from support.balance_archive import ATHLETE, OPEN_MM
from support.screens import save_shot


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gui-balance")
    balance_archive.build(path)
    return path


def test_the_compare_window_trends_balance_per_condition(qtbot, archive: Path, shots: Path) -> None:  # type: ignore[no-untyped-def]
    win = CompareWindow(archive)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    view = win.athlete_view
    offered = [view.test.itemText(i) for i in range(view.test.count())]
    assert "balance/eyes_open/bipedal" in offered and "balance/eyes_closed/bipedal" in offered
    assert "balance" not in offered  # never all conditions in one trend
    view.show_athlete(ATHLETE)
    values = {}
    for condition in ("eyes_open", "eyes_closed"):
        view.test.setCurrentText(f"balance/{condition}/bipedal")
        view._select_metric("cop_ellipse_area")
        t = view.trend
        assert t is not None and t.metric == "cop_ellipse_area" and t.better == "lower"
        values[condition] = [p.value for p in t.points]
        assert values[condition] == pytest.approx(
            [balance_archive.truth("cop_ellipse_area", condition, w) for w in range(len(OPEN_MM))], rel=0.01)
    assert all(c > o for c, o in zip(values["eyes_closed"], values["eyes_open"], strict=True))
    qtbot.wait(50)
    save_shot(win, shots / "compare-balance.png")
    win.close()


def test_a_balance_sessions_report_trends_its_condition(archive: Path, tmp_path: Path) -> None:
    """The PDF report of a session with eyes-open and eyes-closed trials: its trends page is the condition of its
    first trial (eyes open, two legs), not all conditions in one trend (which the trend refuses)."""
    from forcelab.gui.report import write_session_report
    from forcelab.storage.index import ArchiveIndex

    session = sorted(archive.rglob("*.h5"))[-1]
    with ArchiveIndex(archive) as index:
        summary = write_session_report(session, tmp_path / "balance.pdf", index=index)
    assert "Trends" in summary.titles and summary.path.stat().st_size > 10_000
