"""Session.to_dataframe: the long-format metrics table a pandas user gets from a real recording."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forcelab.storage.session import open_session

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"


def test_dataframe_has_one_row_per_trial_and_metric() -> None:
    session = open_session(RECORDINGS / "synthetic_cmj_session.h5")
    df = session.to_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["athlete", "started", "trial", "test", "metric", "value", "unit", "method", "accepted"]
    assert len(df) == sum(len(t.metrics) for t in session.trials)
    heights = df[df.metric == "jump_height_takeoff_velocity"].sort_values("trial")
    assert list(heights.trial) == [t.number for t in session.trials]
    for (_, row), trial in zip(heights.iterrows(), session.trials, strict=True):
        assert row.value == trial.metrics["jump_height_takeoff_velocity"]["value"]
        assert row.unit == "m"
