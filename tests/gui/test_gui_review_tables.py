"""The review shows a trial's per-item tables: a real archive holding a simulated hop series, opened in the real
window offscreen, shows one row per hop with the archive's values, the five best-RSI hops marked, a click on a
row highlights that hop's numbered contact band, and no two labels on the trace overprint; a table of another
test gets the generic view; the PDF report carries the hop table with the best five marked; the hops the analysis
marks (its ``best`` column) are the ★ rows, with RSI ties and for a table archived before that column; a result
read back from the archive keeps its settings."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from forcelab.analysis.dispatch import analyze, reanalyze, settings_of
from forcelab.analysis.types import ForceTrace, Table
from forcelab.analysis.units import STANDARD_GRAVITY
from forcelab.gui.item_tables import table_text
from forcelab.gui.report import write_session_report
from forcelab.gui.review import ReviewWidget
from forcelab.gui.session import result_from_stored
from forcelab.simulation import synthetic
from forcelab.storage.session import open_session
from forcelab.storage.trial_tables import export_rows, trial_tables
from forcelab.storage.trialio import read_result, write_result
from support.archive import REBOUND_CONTACT_TIMES, rebound_session
from support.gui_window import open_window
from support.screens import save_shot

STARTED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
HEADS = ["Hop", "Best 5", "Landing at (s)", "Contact (ms)", "Flight (ms)", "Height (cm)", "RSI (m/s)",
         "Peak force (N)", "Flags"]


@pytest.fixture
def hop_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """``(archive, session)``: an archive (``$FORCELAB_ARCHIVE``) whose one session is a simulated hop series."""
    archive = tmp_path / "archive"
    monkeypatch.setenv("FORCELAB_ARCHIVE", str(archive))
    return archive, rebound_session(tmp_path, archive, started=STARTED)


def _stored(session: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    (trial,) = open_session(session, load_analysis=True).trials
    assert trial.result is not None
    return trial.result["tables"]["hops"]["rows"], trial.result["metrics"]


def _expected_cells(row: dict[str, Any], best: bool) -> list[str]:
    """A hop's row as the review must write it, from the archive's values: times in ms, height in cm."""
    flags = [w for w, on in (("long contact", row["fast_ssc"] == 0), ("double contact", row["double_contact"] == 1))
             if on]
    return [str(row["hop"]), "★" if best else "", f"{row['contact_start_time']:.2f}",
            f"{row['contact_time'] * 1000:.0f}", f"{row['flight_time'] * 1000:.0f}",
            f"{row['jump_height'] * 100:.1f}", f"{row['rsi']:.2f}", f"{row['peak_force']:.0f}", ", ".join(flags)]


def _labels(review: ReviewWidget) -> list[tuple[str, QtCore.QRectF]]:
    """Every text label on the force trace (events and the items' numbers) with its rectangle on screen."""
    out = []
    for name, line in review._event_lines.items():
        label = getattr(line, "label", None)
        if label is not None and label.isVisible():
            out.append((name, label.sceneBoundingRect()))
    for line in review.bands.labels:
        out.append((f"band {line.label.format}", line.label.sceneBoundingRect()))
    return out


def _assert_no_overprint(review: ReviewWidget) -> None:
    labels = _labels(review)
    assert labels
    for (a, ra), (b, rb) in itertools.combinations(labels, 2):
        assert not ra.intersects(rb), f"labels {a!r} and {b!r} overprint: {ra} / {rb}"


def test_review_shows_the_archived_hop_table_and_highlights_a_clicked_hop(  # type: ignore[no-untyped-def]
        qtbot, hop_archive: tuple[Path, Path], shots: Path) -> None:
    archive, session = hop_archive
    stored, metrics = _stored(session)
    window = open_window(qtbot, "Hopper", 72.0)
    window.resize(1366, 860)
    window.tabs.setCurrentWidget(window.review)
    review = window.review
    qtbot.waitUntil(lambda: review.result is not None and review.result.test == "rebound", timeout=10_000)
    assert "Hopper" in review.title.text() and "(archive)" in review.title.text()
    assert review.items.isVisible() and review.items.names() == ["hops"]
    table = review.items.table("hops")
    assert table.viewport().height() >= 5 * table.rowHeight(0)  # really on screen, not squeezed to nothing
    assert table.horizontalScrollBar().maximum() == 0  # every column in the width of a 1366 px screen
    hop_count = int(metrics["hop_count"]["value"])
    assert table.rowCount() == hop_count == len(stored) == len(REBOUND_CONTACT_TIMES)
    assert [table.horizontalHeaderItem(c).text().replace("\n", " ") for c in range(table.columnCount())] == HEADS
    # the five marked are the five highest RSI of the archive's hops, and their mean is the stored figure
    top5 = {r["hop"] for r in sorted(stored, key=lambda r: -r["rsi"])[:5]}
    shown = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
    assert shown == [_expected_cells(row, row["hop"] in top5) for row in stored]
    marked = [stored[r]["rsi"] for r in range(len(stored)) if shown[r][1] == "★"]
    assert sum(marked) / 5 == pytest.approx(metrics["rsi_best5_mean"]["value"], rel=1e-9)
    assert "5 hops with the highest RSI" in review.items.text("hops").caption
    assert shown[3][-1] == "long contact" and shown[6][-1] == "double contact"
    # the metrics panel writes the count of hops as a whole number (its unit is a count), RSI with decimals
    panel = {review.metrics.item(r, 0).text(): review.metrics.item(r, 1).text() for r in range(review.metrics.rowCount())}
    assert panel["Hops"] == "10" and panel["RSI (mean of best 5 hops)"] == f"{review.result.value('rsi_best5_mean'):.3g} m/s"
    # the review re-analysed the stored samples: the same hops as the archive keeps
    for got, want in zip(review.result.tables["hops"].rows, stored, strict=True):  # type: ignore[union-attr]
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9)

    # one numbered band per hop; the series' take-offs and landings are lines without a label each
    assert sorted(int(line.label.format) for line in review.bands.labels) == list(range(1, hop_count + 1))
    _assert_no_overprint(review)
    assert not any(getattr(line, "label", None) for name, line in review._event_lines.items()
                   if name.startswith(("takeoff_", "landing_")))
    assert review.highlighted_item() is None

    row = 3  # hop 4, the long contact
    cell = table.visualItemRect(table.item(row, 2)).center()
    qtbot.mouseClick(table.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=cell)
    assert review.highlighted_item() == row
    band = review.bands.regions[row]
    assert band.getRegion() == pytest.approx((stored[row]["contact_start_time"], stored[row]["takeoff_time"]))
    save_shot(review, shots / "review_hops_table.png")
    save_shot(window, shots / "review_hops_window.png")
    qtbot.mouseClick(table.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     pos=table.visualItemRect(table.item(0, 2)).center())
    assert review.highlighted_item() == 0
    # and the other way: a click on hop 7's band on the trace selects its row
    vb = review.force_view.getPlotItem().getViewBox()
    mid = (stored[6]["contact_start_time"] + stored[6]["takeoff_time"]) / 2
    scene = vb.mapViewToScene(QtCore.QPointF(mid, sum(vb.viewRange()[1]) / 2))
    qtbot.mouseClick(review.force_view.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     pos=review.force_view.mapFromScene(scene))
    assert review.highlighted_item() == 6
    assert {i.row() for i in table.selectedIndexes()} == {6}
    window.close()


def test_other_tests_tables_get_the_generic_view_and_jump_labels_never_overprint(qtbot, shots: Path) -> None:  # type: ignore[no-untyped-def]
    trial = synthetic.cmj(noise_sd=1.0, seed=2)
    result = analyze(trial.trace, "cmj")
    review = ReviewWidget()
    qtbot.addWidget(review)
    review.resize(1100, 640)
    review.show()
    qtbot.waitExposed(review)
    review.show_trial(1, trial.trace, result)
    assert not review.items.isVisible()  # a CMJ has no table
    shown = [n for n, line in review._event_lines.items() if getattr(line, "label", None) is not None]
    assert len(shown) >= 6  # every event its own label row ...
    assert len({review._event_lines[n].label.orthoPos for n in shown}) == len(shown)
    QtWidgets.QApplication.processEvents()
    _assert_no_overprint(review)  # ... so none overprints, however close the events
    save_shot(review, shots / "review_cmj_labels.png")

    # a table of a test without a view of its own: every column, heads and numbers as every screen writes them
    result.tables["reps"] = Table((("rep", "1", "i8"), ("peak_force", "N", "f8"), ("depth", "m", "f8")),
                                  ({"rep": 1, "peak_force": 1834.2, "depth": 0.31},
                                   {"rep": 2, "peak_force": 1790.0, "depth": None}))
    review.show_trial(1, trial.trace, result)
    assert review.items.isVisible() and review.items.names() == ["reps"]
    table = review.items.table("reps")
    heads = [table.horizontalHeaderItem(c).text().replace("\n", " ") for c in range(table.columnCount())]
    assert heads == ["Rep", "Peak force (N)", "Depth (cm)"]
    assert [[table.item(r, c).text() for c in range(3)] for r in range(2)] == [["1", "1834", "31.0"], ["2", "1790", "—"]]
    assert review.bands.labels == []  # its items span no time: no bands


def test_report_has_the_hop_table_with_the_best_five_marked(hop_archive: tuple[Path, Path], tmp_path: Path,
                                                           shots: Path) -> None:
    _archive, session = hop_archive
    stored, _metrics = _stored(session)
    summary = write_session_report(session, shots / "report_hops.pdf")
    assert summary.titles == ("Session report: Hopper", "Force traces", "Per-hop tables", "Left/right asymmetry")
    pdftotext, pdftoppm = shutil.which("pdftotext"), shutil.which("pdftoppm")
    if pdftotext is None or pdftoppm is None:
        pytest.fail("pdftotext and pdftoppm (Debian poppler-utils) are needed to read the report; .ci/run installs it")
    text = subprocess.run([pdftotext, "-layout", "-f", "3", "-l", "3", str(summary.path), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "Trial 1 · Repeated hops · Hops (10)" in text and "the 5 hops with the highest RSI" in text
    top5 = {r["hop"] for r in sorted(stored, key=lambda r: -r["rsi"])[:5]}
    lines = {int(parts[0]): parts for line in text.splitlines() if (parts := line.split()) and parts[0].isdigit()}
    assert sorted(lines) == [r["hop"] for r in stored]
    for row in stored:
        want = [c for c in _expected_cells(row, row["hop"] in top5) if c]  # pdftotext drops empty cells
        assert lines[row["hop"]] == " ".join(want).split(), row["hop"]
    subprocess.run([pdftoppm, "-r", "70", "-png", str(summary.path), str(shots / "report_hops")], check=True)
    assert len(list(shots.glob("report_hops-*.png"))) == summary.pages


def _tied_series() -> tuple[ForceTrace, list[int]]:
    """A real hop series with exact RSI ties, and the hops (1-based) whose RSI tie. At 1024 Hz, with every contact
    and flight a whole number of samples and the hops between samples 4096 and 8192 (one binary exponent), hops
    of the same contact and flight give bit-identical crossings, times and RSI: three high hops (2, 4, 6) and
    the low hops 3 and 5 tie."""
    rate = 1024.0
    high, low = 300 / rate, 280 / rate  # flight times (s)
    flights = [low, high, low, high, low, high, low, low]
    heights = [STANDARD_GRAVITY * t * t / 8 for t in flights]
    trace = synthetic.rebound(contact_times=[200 / rate] * 8, jump_heights=heights, first_jump_height=0.2, rate=rate,
                              quiet_before=3.0, plates=False).trace
    return trace, [3, 5]


def test_the_analysis_marks_the_best_hops_and_the_review_and_exports_mark_the_same_ones_with_ties(
        tmp_path: Path) -> None:
    trace, tied = _tied_series()
    result = analyze(trace, "rebound", best_hops=6)  # the sixth best is one of two tied hops: the earlier one
    rows = result.tables["hops"].rows
    rsi = {r["hop"]: r["rsi"] for r in rows}
    assert rsi[tied[0]] == rsi[tied[1]] and rsi[2] == rsi[4] == rsi[6]  # exact ties, at and above the cut
    marked = {r["hop"] for r in rows if r["best"] == 1}
    assert marked == {2, 4, 6, 8, 7, tied[0]}
    assert result.value("rsi_best5_mean") == pytest.approx(sum(rsi[h] for h in marked) / 6, rel=1e-12)
    # archived (a real HDF5 file) and read back: the column is kept, and the review's ★ rows are the marked ones
    with h5py.File(tmp_path / "t.h5", "w") as f:
        write_result(f.create_group("trial"), result.to_dict())
    with h5py.File(tmp_path / "t.h5", "r") as f:
        stored = read_result(f["trial"])
    assert stored is not None
    table = trial_tables(stored)["hops"]
    assert [c[0] for c in table.columns][-1] == "best"
    text = table_text("hops", table, stored["params"])
    assert {int(text.cells[i][0]) for i in text.best} == marked
    assert [line[1] == "★" for line in text.cells] == [r["best"] == 1 for r in rows]
    assert text.heads[1] == "Best 6"
    # a table archived before the column existed: the analysis' own rule gives the same hops
    old = Table(tuple(c for c in table.columns if c[0] != "best"),
                tuple({k: v for k, v in r.items() if k != "best"} for r in table.rows))
    assert table_text("hops", old, stored["params"]).best == text.best
    assert [r["best"] for r in export_rows("hops", old, keys={}, params=stored["params"])] == [r["best"] for r in rows]


def test_a_stored_result_comes_back_with_the_settings_it_was_analysed_with(tmp_path: Path) -> None:
    path = rebound_session(tmp_path, tmp_path / "archive", started=STARTED, best_hops=3)
    (trial,) = open_session(path, load_analysis=True).trials
    assert trial.result is not None and trial.result["params"]["best_hops"] == 3
    result = result_from_stored(trial.test, trial.rate, trial.result)
    assert result is not None and result.params == trial.result["params"]
    assert settings_of(result)["best_hops"] == 3
    # so an edit re-analyses as the stored analysis ran, and the review marks the three best
    again = reanalyze(ForceTrace(trial.rate, np.asarray(trial.total, dtype=np.float64)), result, None)
    assert again.metrics["rsi_best5_mean"].method == "mean_of_best_3_hops_by_rsi"
    assert again.value("rsi_best5_mean") == pytest.approx(result.value("rsi_best5_mean"), rel=1e-9)
    text = table_text("hops", result.tables["hops"], result.params)
    assert text.heads[1] == "Best 3" and len(text.best) == 3


def test_a_stored_result_comes_back_as_the_test_it_was_analysed_as(tmp_path: Path) -> None:
    """A hop series recorded as a CMJ and analysed as the repeated-hop test (a confirmed suggestion): the archive's
    ``test`` is the CMJ, its ``analysis_test`` the hops; the result read back is the hops' with their settings."""
    path = rebound_session(tmp_path, tmp_path / "archive", started=STARTED, recorded_as="cmj", best_hops=4)
    (trial,) = open_session(path, load_analysis=True).trials
    assert trial.test == "cmj" and trial.result is not None and trial.result["test"] == "rebound"
    result = result_from_stored(trial.test, trial.rate, trial.result)
    assert result is not None and result.test == "rebound" and settings_of(result)["best_hops"] == 4
    again = reanalyze(ForceTrace(trial.rate, np.asarray(trial.total, dtype=np.float64)), result, None)
    assert again.test == "rebound" and again.value("hop_count") == result.value("hop_count") == 10
