"""Long-format metrics export of a query: CSV and Parquet read back by pandas and polars equal the archive."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from forcelab.cli import main
from forcelab.simulation import example_archive, synthetic, vendor_files
from forcelab.storage.importer import import_file
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.metrics_export import COLUMNS, MetricQuery, query_rows, write_rows
from forcelab.storage.session import open_session

DAY0 = example_archive.START.date()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three athletes x three weekly CMJ sessions (every 4th trial rejected) plus one imported squat-jump session."""
    path = tmp_path_factory.mktemp("export_archive")
    example_archive.build(path, weeks=3, trials=2, reject_every=4)
    sj = vendor_files.write_forcedecks(synthetic.squat_jump(body_mass=70.0, rate=1000.0).trace, path / "sj.csv")
    session = import_file(sj, archive=path, athlete="Stable Sam", test="sj", whole=True,
                          started=example_archive.START + timedelta(days=8))
    sj.unlink()
    with ArchiveIndex(path) as index:
        index.add_session(open_session(session))
    return path


def _archive_truth(archive: Path, session: str, trial: int, metric: str) -> dict[str, Any]:
    return open_session(archive / session, load_analysis=True).trial(trial).metrics[metric]


def _check_against_archive(archive: Path, df: pd.DataFrame) -> None:
    """Every exported row equals what the session file holds: value, unit, method, params, reference."""
    assert list(df.columns) == list(COLUMNS)
    cache: dict[str, Any] = {}
    for row in df.itertuples(index=False):
        s = cache.setdefault(row.session, open_session(archive / row.session, load_analysis=True))
        t = s.trial(int(row.trial))
        m = t.metrics[row.metric]
        if m["value"] is None:
            assert math.isnan(row.value)
        else:
            assert row.value == m["value"]  # exact: CSV floats are written with repr
        assert row.unit == m["unit"]
        assert row.method == m["method"] and row.reference == m["reference"]
        assert json.loads(row.params) == json.loads(json.dumps(m["params"], default=str))
        assert row.athlete == s.athlete and row.test == t.test
        assert bool(row.accepted) == bool(t.accepted)


def test_cli_export_csv_and_parquet_round_trip_through_pandas(archive: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    since, until = DAY0 + timedelta(days=7), DAY0 + timedelta(days=14)
    for name in ("sam.csv", "sam.parquet"):
        code = main(["export", "--archive", str(archive), "--athlete", "Stable Sam", "--test", "cmj",
                     "--since", since.isoformat(), "--until", until.isoformat(), "--out", str(tmp_path / name)])
        assert code == 0
    printed = capsys.readouterr().out
    from_csv = pd.read_csv(tmp_path / "sam.csv", keep_default_na=False, na_values={"value": [""]})
    from_parquet = pd.read_parquet(tmp_path / "sam.parquet")
    n_metrics = len(open_session(archive / from_csv["session"].iloc[0], load_analysis=True).trials[0].metrics)
    assert len(from_csv) == len(from_parquet) == 2 * 2 * n_metrics  # weeks 1 and 2, two trials each
    assert f"{len(from_csv)} metric values from 2 sessions" in printed
    assert set(from_csv["athlete"]) == {"Stable Sam"} and set(from_csv["test"]) == {"cmj"}
    assert sorted(set(from_csv["session_date"])) == [since.isoformat(), until.isoformat()]
    assert sorted(set(from_parquet["session_date"])) == [since, until]
    _check_against_archive(archive, from_csv)
    _check_against_archive(archive, from_parquet)
    jh = from_csv[from_csv["metric"] == "jump_height_takeoff_velocity"]
    assert set(jh["unit"]) == {"m"} and (jh["value"] > 0.3).all()


def test_polars_reads_both_files_without_forcelab(archive: Path, tmp_path: Path) -> None:
    pl = pytest.importorskip("polars")
    with ArchiveIndex(archive) as index:
        rows = query_rows(index, MetricQuery())
    write_rows(rows, tmp_path / "all.csv")
    write_rows(rows, tmp_path / "all.parquet")
    a = pl.read_csv(tmp_path / "all.csv", infer_schema_length=None)
    b = pl.read_parquet(tmp_path / "all.parquet")
    assert a.height == b.height == len(rows)
    assert a["value"].to_list() == b["value"].to_list() == [r["value"] for r in rows]
    assert b.schema["value"] == pl.Float64 and b.schema["trial"] == pl.Int32 and b.schema["accepted"] == pl.Boolean


def test_query_filters_test_dates_and_decisions(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        everything = query_rows(index, MetricQuery())
        sj = query_rows(index, MetricQuery(test="sj"))
        accepted = query_rows(index, MetricQuery(accepted_only=True))
        first_week = query_rows(index, MetricQuery(until=DAY0))
    assert {r["athlete"] for r in everything} == {a.name for a in example_archive.ATHLETES}
    assert {r["test"] for r in everything} == {"cmj", "sj"}
    assert {(r["athlete"], r["test"], r["session_date"]) for r in sj} == {
        ("Stable Sam", "sj", (DAY0 + timedelta(days=8)).isoformat())}
    assert any(r["accepted"] is False for r in everything)
    assert all(r["accepted"] is True for r in accepted) and len(accepted) < len(everything)
    assert {r["session_date"] for r in first_week} == {DAY0.isoformat()}
    asym = [r for r in everything if r["metric"] == "peak_force_asymmetry"]
    assert asym and all(r["side"] in ("left", "right", "equal") for r in asym)
    assert all(json.loads(r["params"])["stronger_side"] == r["side"] for r in asym)


def test_empty_query_still_writes_typed_columns(archive: Path, tmp_path: Path) -> None:
    with ArchiveIndex(archive) as index:
        rows = query_rows(index, MetricQuery(athlete="Nobody"))
    assert rows == []
    write_rows(rows, tmp_path / "none.parquet")
    df = pd.read_parquet(tmp_path / "none.parquet")
    assert list(df.columns) == list(COLUMNS) and len(df) == 0 and str(df["value"].dtype) == "float64"


def test_bad_export_requests_are_one_clear_line(archive: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--archive", str(archive), "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "x.xlsx: the export file must end in .csv or .parquet" in capsys.readouterr().err
    assert main(["export", "--archive", str(archive), "--since", "2026-10-01", "--until", "2026-09-01",
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "--since 2026-10-01 is after --until 2026-09-01" in capsys.readouterr().err
    assert main(["export", "--archive", str(archive)]) == 2
    assert "give --out FILE.csv or FILE.parquet" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "--since", "last week", "--out", str(tmp_path / "x.csv")])
    assert "'last week' is not a date" in capsys.readouterr().err
    assert MetricQuery(since=date(2026, 1, 1)).takes_session(None) is False
