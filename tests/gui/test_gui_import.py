"""The window's Import… button: a vendor export becomes an indexed session of the selected athlete."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6 import QtWidgets

from forcelab.gui.app import build_window
from forcelab.gui.import_action import import_recording
from forcelab.simulation import synthetic, vendor_files
from forcelab.storage.session import open_session


def test_import_button_imports_for_the_selected_athlete_and_test(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCELAB_ARCHIVE", str(tmp_path / "archive"))
    window = build_window()
    qtbot.addWidget(window)
    buttons = [b for b in window.findChildren(QtWidgets.QPushButton) if b.text() == "Import…"]
    assert len(buttons) == 1
    src = vendor_files.write_hawkin(synthetic.cmj(body_mass=70.0, rate=1000.0).trace, tmp_path / "hawkin.csv")

    assert import_recording(window, src) is None  # nobody selected yet
    assert "Choose the athlete" in window.statusBar().currentMessage()

    window.session.archive.index.set_athlete("Hana Hawkin", body_mass=70.0)
    assert window.roster is not None
    window.roster.reload(select="Hana Hawkin")
    window.tests.set_test("cmj")
    path = import_recording(window, src)
    assert path is not None
    session = open_session(path, load_analysis=True)
    assert session.athlete == "Hana Hawkin" and session.tests == ["cmj"] and len(session.trials) == 1
    assert session.trials[0].metrics["jump_height_takeoff_velocity"]["value"] == pytest.approx(0.35, abs=0.005)
    (row,) = window.session.archive.index.sessions("Hana Hawkin")
    assert not row["error"]
    assert "Imported hawkin.csv: 1 cmj trials for Hana Hawkin" in window.statusBar().currentMessage()

    bad = tmp_path / "bad.csv"
    bad.write_text("Time (s),LeftForce (N),RightForce (N),CombinedForce (N)\n0,1,2,3\n0.001,1,x,3\n")
    assert import_recording(window, bad) is None
    assert "Import failed:" in window.statusBar().currentMessage()
    assert "bad.csv: line 3, column 3 ('RightForce (N)') is not a number: 'x'" in window.statusBar().currentMessage()
    assert len(window.session.archive.index.sessions("Hana Hawkin")) == 1


def test_an_import_the_archive_cannot_take_waits_in_the_spool(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: the app's Import… goes through the station's spool like a recording: with the archive's year
    folder unreachable it stays there (and says so), then is published, once, when the folder is back."""
    import os
    from datetime import date

    from forcelab.storage import spool

    archive = tmp_path / "archive"
    monkeypatch.setenv("FORCELAB_ARCHIVE", str(archive))
    window = build_window()
    qtbot.addWidget(window)
    window.session.archive.index.set_athlete("Hana Hawkin", body_mass=70.0)
    assert window.roster is not None
    window.roster.reload(select="Hana Hawkin")
    window.tests.set_test("cmj")
    src = vendor_files.write_hawkin(synthetic.cmj(body_mass=70.0, rate=1000.0).trace, tmp_path / "hawkin.csv")
    year = archive / "sessions" / f"{date.today():%Y}"
    assert not year.exists()
    os.symlink(tmp_path / "share-not-mounted", year)  # CI runs as root: permissions would not stop it
    path = import_recording(window, src)
    assert path is not None and spool.pending(archive) == [path]
    assert "waiting in this station's spool" in window.statusBar().currentMessage()
    assert window.session.archive.index.sessions("Hana Hawkin") == []
    year.unlink()
    _report, moved = window.session.publish_now()
    (target, _version) = moved[path]
    assert target.is_relative_to(archive / "sessions") and spool.pending(archive) == []
    (row,) = window.session.archive.index.sessions("Hana Hawkin")
    assert not row["error"]
