"""Screenshots of the main views (live, trial card, review, roster), for a person to look at.

They go to ``$FORCELAB_SCREENSHOTS`` when set (e.g. ``screenshots/``, git-ignored), else to the test's
temporary folder. The live view runs on simulated plates over a real pty; the card and the review show the
real CMJ analysis of a synthetic two-plate jump.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from forcelab.gui.app import build_window
from forcelab.gui.mainwindow import MainWindow
from forcelab.gui.roster import AthleteDialog
from forcelab.simulation.synthetic import cmj
from support.roster_fit import misfits
from support.screens import save_shot


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
        save_shot(window, shots / "live.png")

        trial = cmj(jump_height=0.33, asymmetry=0.08, noise_sd=2.0, seed=11)
        entry = window.session.add_trial_trace(trial.trace, "cmj")
        qtbot.waitUntil(lambda: entry.result is not None or bool(entry.error), timeout=10_000)
        assert entry.result is not None, entry.error
        assert "Jump height (take-off velocity)" in window.card.values
        save_shot(window, shots / "trial_card.png")

        window.show_review(entry.number)
        window.review.kin_boxes["velocity"].setChecked(True)
        window.review.kin_boxes["power"].setChecked(True)
        assert window.tabs.currentWidget() is window.review
        save_shot(window, shots / "review.png")

        # issue 9's plate (not zeroed, ringing after take-off): the card and the review say so in words
        from support.plates import ringing_cmj

        flagged = window.session.add_trial_trace(ringing_cmj(1000.0, 10.0, 90.0, 80.0)[1], "cmj")
        qtbot.waitUntil(lambda: flagged.result is not None or bool(flagged.error), timeout=10_000)
        assert flagged.result is not None and flagged.result.flags, flagged.error
        window.tabs.setCurrentWidget(window.live)
        assert "Plate not zeroed: +10 N in flight" in window.card.flags.text()
        save_shot(window, shots / "trial_card_flagged.png")
        window.show_review(flagged.number)
        assert "Plate rang after take-off" in window.review.flags.text()
        save_shot(window, shots / "review_flagged.png")

        window.tabs.setCurrentWidget(window.live)
        dialog = AthleteDialog(window, athlete=window.roster.current())
        dialog.show()
        qtbot.waitExposed(dialog)
        save_shot(window.roster, shots / "roster.png")
        save_shot(dialog, shots / "athlete_dialog.png")
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
    from forcelab.simulation import example_archive
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
        assert window.roster is not None
        squad = {a.name for a in example_archive.DEMO_SQUAD}
        assert squad <= set(window.roster.visible_names())  # (a later run at the other size adds one more)
        window.roster.reload(select="Maria Fernanda Oliveira-Santos")
        window.roster.save("Maximiliane Oyelaran-Fitzgerald", {"body_mass": 58.5, "sport": "heptathlon",
                                                               "team": "Demo squad"})
        window.roster.select("Maria Fernanda Oliveira-Santos")
        assert misfits(window.roster.list) == []  # every long real name whole, at this screen size
        qtbot.waitUntil(lambda: window.session.link is not None, timeout=15_000)
        link = window.session.link
        assert link is not None and link.simulator is not None
        # the athlete steps on after 1 s: let them stand still for the weighing before the jump
        qtbot.waitUntil(lambda: link.feed.ring.total_written > 3500, timeout=10_000)
        link.simulator.trigger("cmj")
        qtbot.waitUntil(lambda: link.feed.ring.total_written > 7500, timeout=10_000)
        save_shot(window, shots / f"demo_first_minute_{tag}.png")

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
        save_shot(window, shots / f"trial_table_mixed_{tag}.png")

        window.show_review(window.table.numbers()[0])
        save_shot(window, shots / f"review_{tag}.png")

        window.open_history()
        history = window._history
        history.resize(w, h)
        qtbot.waitExposed(history)
        history.athlete_view.show_athlete("Charlotte Vandenberghe", "peak_force_asymmetry")
        save_shot(history, shots / f"history_{tag}.png")
        history.tabs.setCurrentWidget(history.team_view)
        save_shot(history, shots / f"history_team_{tag}.png")
        history.close()
    finally:
        window.close()


def test_the_report_reads_in_words_and_renders(tmp_path: Path, shots: Path) -> None:
    """A session whose first jump was on an unzeroed, ringing plate (issue 9's case) next to a clean one, in
    an archive with a few weeks of history: the PDF names every metric in words with its unit, says what the
    flagged trial's numbers rest on, and renders (its pages are saved beside the screenshots)."""
    import shutil
    import subprocess
    import unicodedata
    from datetime import timedelta

    import numpy as np

    from forcelab.analysis.cmj import analyze_cmj
    from forcelab.gui.report import write_session_report
    from forcelab.simulation import example_archive
    from forcelab.storage.archive import new_session_path
    from forcelab.storage.index import ArchiveIndex
    from forcelab.storage.writer import SessionInfo, SessionWriter
    from support.plates import ringing_cmj

    plan = example_archive.DEMO_SQUAD[0]
    archive = tmp_path / "archive"
    example_archive.build(archive, weeks=4, trials=2, athletes=[plan])
    when = example_archive.START + timedelta(weeks=4)
    info = SessionInfo(athlete=plan.name, rate=1000.0, tests=["cmj"], channels=2, plates=2, raw_unit="N",
                       started=when, source="forcelab test", channel_map={"left": [0], "right": [1]})
    session = new_session_path(archive, plan.name, ["cmj"], when)
    with SessionWriter(session, info) as writer:
        for k, (_, tr) in enumerate((ringing_cmj(1000.0, 10.0, 90.0, 80.0), ringing_cmj(1000.0, 0.0, 0.0, 80.0,
                                                                                         seed=2))):
            assert tr.left is not None and tr.right is not None
            first = writer.rows
            writer.append_arrays(np.column_stack([tr.left, tr.right]), tr.total, tr.left, tr.right)
            writer.set_decision(writer.add_trial("cmj", first, writer.rows, analyze_cmj(tr)), k == 1)
    with ArchiveIndex(archive) as index:
        index.sync()
        summary = write_session_report(session, shots / "report.pdf", index=index)
    assert summary.titles == (f"Session report: {plan.name}", "Force traces", "Left/right asymmetry", "Trends")
    pdftotext, pdftoppm = shutil.which("pdftotext"), shutil.which("pdftoppm")
    if pdftotext is None or pdftoppm is None:
        pytest.fail("pdftotext and pdftoppm (Debian poppler-utils) are needed to read the report; .ci/run installs it")
    text = subprocess.run([pdftotext, "-layout", str(summary.path), "-"], check=True, capture_output=True,
                          text=True).stdout
    text = unicodedata.normalize("NFKC", text)  # the PDF's "ff", "fl", "fi" ligatures back to letters
    flat = " ".join(text.split()).replace("- ", "-")  # words wrapped at a hyphen ("take-" / "off") joined
    for words in ("Jump height (take-off velocity) (cm)", "RSI-modified (m/s)", "Peak force (N)",
                  "Peak force asymmetry (%)", "Plate not zeroed: +10 N in flight, subtracted",
                  "Plate rang after take-off", "Countermovement jump", "Net impulse"):
        assert words in flat, words
    for key in ("jump_height_takeoff_velocity", "plate_not_zeroed", "plate_ringing", "rsi_modified",
                "peak_force_asymmetry"):
        assert key not in text, key
    subprocess.run([pdftoppm, "-r", "80", "-png", str(summary.path), str(shots / "report")], check=True)
    pages = sorted(shots.glob("report-*.png"))
    assert len(pages) >= 4 and all(p.stat().st_size > 10_000 for p in pages)
