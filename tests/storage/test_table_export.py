"""Per-item tables (a repeated-hop trial's hops) in every export: the session's ``hops.csv`` and a query's
``<stem>_hops.csv`` / ``.parquet``, read back without forcelab, equal the table the archive holds; the five
best-RSI hops are marked as the analysis marked them (its ``best`` column); a table archived before that column
gets them from the analysis' own rule (:func:`forcelab.analysis.rebound.best_hops`)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from forcelab.analysis.types import Table
from forcelab.cli import main
from forcelab.storage.export import export_csv
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import open_session
from forcelab.storage.trial_tables import KEY_COLUMNS, best_rows, export_rows, value_columns
from support.archive import REBOUND_CONTACT_TIMES, rebound_session

STARTED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive with two real rebound sessions (two athletes)."""
    folder = tmp_path_factory.mktemp("hops_archive")
    archive = folder / "archive"
    rebound_session(folder, archive, athlete="Hopper", started=STARTED)
    rebound_session(folder, archive, athlete="Bouncer", started=STARTED.replace(day=3))
    with ArchiveIndex(archive) as index:
        index.sync()
    return archive


def _session(archive: Path, athlete: str) -> Path:
    (path,) = [p for p in (archive / "sessions").rglob("*.h5") if open_session(p).athlete == athlete]
    return path


def _stored(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, str]], dict[str, Any]]:
    """The archive's hop rows, its column descriptions and the trial's metrics (read by the session reader)."""
    (trial,) = open_session(path, load_analysis=True).trials
    assert trial.result is not None
    table = trial.result["tables"]["hops"]
    return table["rows"], table["columns"], trial.result["metrics"]


def _top5(rows: list[dict[str, Any]]) -> set[int]:
    """Hop numbers of the five highest RSI, computed here from the archive's rows."""
    return {r["hop"] for r in sorted(rows, key=lambda r: -r["rsi"])[:5]}


def _check_cells(exported: list[dict[str, str]], stored: list[dict[str, Any]], columns: list[dict[str, str]]) -> None:
    """Every exported cell of every hop equals the archive's value: floats exactly (written with repr), whole
    numbers as integers, a missing value as an empty cell."""
    assert len(exported) == len(stored) == len(REBOUND_CONTACT_TIMES)
    for got, want in zip(exported, stored, strict=True):
        for col in columns:
            cell = got[f"{col['name']} [{col['unit']}]"]
            value = want[col["name"]]
            if value is None:
                assert cell == ""
            elif col["kind"] == "i8":
                assert int(cell) == value
            else:
                assert float(cell) == value, (col["name"], cell, value)


def test_session_csv_export_writes_the_hop_table_as_the_archive_holds_it(archive: Path, tmp_path: Path) -> None:
    path = _session(archive, "Hopper")
    files = export_csv(path, tmp_path / "csv")
    assert [f.name for f in files] == ["metrics.csv", "trial_001_force.csv", "hops.csv"]
    with open(tmp_path / "csv" / "hops.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        exported = list(reader)
    stored, columns, metrics = _stored(path)
    assert header[: len(KEY_COLUMNS)] == list(KEY_COLUMNS)
    assert header[len(KEY_COLUMNS):] == [f"{c['name']} [{c['unit']}]" for c in columns]
    assert header[-1] == "best [1]"  # the analysis' own marker column, as the archive holds it
    assert "contact_time [s]" in header and "rsi [m/s]" in header and "peak_force [N]" in header
    _check_cells(exported, stored, columns)
    for row in exported:
        assert row["athlete"] == "Hopper" and row["session"] == path.name and row["trial"] == "1"
        assert row["test"] == "rebound" and row["session_date"] == "2026-11-02"
        assert row["session_started"] == STARTED.isoformat()
    marked = {int(r["hop [1]"]) for r in exported if r["best [1]"] == "1"}
    assert marked == _top5(stored)
    rsi = [float(r["rsi [m/s]"]) for r in exported if r["best [1]"] == "1"]
    assert sum(rsi) / 5 == pytest.approx(metrics["rsi_best5_mean"]["value"], rel=1e-12)
    flags = {int(r["hop [1]"]): (r["fast_ssc [1]"], r["double_contact [1]"]) for r in exported}
    assert flags[4] == ("0", "0") and flags[7] == ("1", "1")  # the long contact and the double contact


def test_query_export_writes_the_hop_tables_beside_the_metrics_in_csv_and_parquet(
        archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("hops.csv", "hops.parquet"):
        assert main(["export", "--archive", str(archive), "--test", "rebound", "--out", str(tmp_path / name)]) == 0
    printed = capsys.readouterr().out
    assert f"{tmp_path / 'hops_hops.csv'}: 20 rows of the per-item table 'hops'" in printed
    with open(tmp_path / "hops_hops.csv", newline="", encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
    by_athlete: dict[str, list[dict[str, str]]] = {}
    for row in exported:
        by_athlete.setdefault(row["athlete"], []).append(row)
    assert sorted(by_athlete) == ["Bouncer", "Hopper"]
    parquet = pq.read_table(tmp_path / "hops_hops.parquet")
    frame = parquet.to_pylist()
    assert [f.name for f in parquet.schema][: len(KEY_COLUMNS)] == list(KEY_COLUMNS)
    for athlete, rows in by_athlete.items():
        path = _session(archive, athlete)
        stored, columns, _metrics = _stored(path)
        _check_cells(rows, stored, columns)
        assert {r["session"] for r in rows} == {str(path.relative_to(archive))}
        assert {int(r["hop [1]"]) for r in rows if r["best [1]"] == "1"} == _top5(stored)
        mine = [r for r in frame if r["athlete"] == athlete]
        assert len(mine) == len(stored)
        for got, want in zip(mine, stored, strict=True):
            for col in columns:
                value = got[f"{col['name']} [{col['unit']}]"]
                assert value == want[col["name"]] or (value is None and want[col["name"]] is None)
            assert got["trial"] == 1 and got["accepted"] is None
        # the units are in the heads and, for Parquet readers, in each value column's field metadata
        field = parquet.schema.field("contact_time [s]")
        assert field.metadata == {b"unit": b"s"} and str(field.type) == "double"
        assert str(parquet.schema.field("hop [1]").type) == "int64"


def test_a_query_without_tables_writes_no_table_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from support.archive import write_session

    archive = tmp_path / "archive"
    write_session(archive / "sessions" / "s.h5")
    assert main(["export", "--archive", str(archive), "--out", str(tmp_path / "m.csv")]) == 0
    assert sorted(p.name for p in tmp_path.glob("m*.csv")) == ["m.csv"]
    printed = capsys.readouterr().out
    assert "from 1 sessions" in printed and "per-item table" not in printed


def _table(rsi: list[float | None], best: list[int] | None = None) -> Table:
    """A hop table with the columns the best-of rule reads, as a table archived before the ``best`` column (or,
    with ``best``, with the analysis' marks)."""
    cols = (("hop", "1", "i8"), ("rsi", "m/s", "f8"), ("flight_time", "s", "f8"), ("jump_height", "m", "f8"))
    rows = [{"hop": i + 1, "rsi": r, "flight_time": None if r is None else 0.4, "jump_height": 0.2}
            for i, r in enumerate(rsi)]
    if best is not None:
        cols += (("best", "1", "i8"),)
        rows = [{**row, "best": int(i in best)} for i, row in enumerate(rows)]
    return Table(cols, tuple(rows))


def test_best_rows_are_the_analysis_marks_or_for_an_older_table_its_rule() -> None:
    # an older table (no best column): the analysis' rule, under the trial's best_hops
    table = _table([1.0, 1.4, None, 1.2, 0.9, 1.3, 1.1])
    assert best_rows("hops", table, {"best_hops": 5}) == {1, 3, 5, 6, 0}  # 1.4, 1.3, 1.2, 1.1, 1.0; hop 3 unmeasured
    assert best_rows("hops", table, {}) == {1, 3, 5, 6, 0}  # the analysis' default count
    assert best_rows("hops", table, {"best_hops": 3}) == {1, 5, 3}
    assert best_rows("hops", _table([1.0, 1.1, None, None]), {"best_hops": 5}) == frozenset()  # fewer measured
    assert best_rows("steps", table, {"best_hops": 5}) == frozenset()  # a table without a best-of figure
    # a table with the analysis' column: its marks, whatever a rule over the values would say
    marked = _table([1.0, 1.4, None, 1.2], best=[0, 2])
    assert best_rows("hops", marked, {"best_hops": 5}) == {0, 2}
    assert best_rows("steps", marked, {}) == {0, 2}
    rows = export_rows("hops", table, keys={"trial": 1}, params={"best_hops": 3})
    assert [r["best"] for r in rows] == [0, 1, 0, 1, 0, 1, 0]
    assert value_columns([table], "hops")[-1] == ("best", "1", "i8")
    with pytest.raises(ValueError, match="best_hops"):
        best_rows("hops", table, {"best_hops": 0})
