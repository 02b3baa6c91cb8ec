"""A trial's protocol step and limb in the archive: journaled while recording, trial attributes once the
session closes, read back by forcelab (closed and crashed sessions) and by plain h5py; anything else refused."""

from __future__ import annotations

from pathlib import Path

import h5py
import pytest

from forcelab.storage.session import open_session
from forcelab.storage.writer import SessionWriter
from support.archive import block_for, info

STEP = {"protocol": "Jump profile", "protocol_step": 3, "protocol_step_label": "Drop jump 30 cm", "limb": "both"}


def _record(path: Path, *, close: bool) -> None:
    w = SessionWriter(path, info(tests=("cmj", "dj")))
    for start in range(0, 4000, 500):
        block, total, left, right = block_for(start, 500)
        w.append(block, total, left, right)
    w.add_trial("cmj", 100, 1500)  # a trial outside any protocol carries nothing
    w.add_trial("dj", 2000, 3500, meta=STEP)
    if close:
        w.close()
    else:
        w.flush()
        w.abort()  # the recorder died: no trial groups, only the journal


def test_protocol_metadata_becomes_trial_attributes(tmp_path: Path) -> None:
    path = tmp_path / "s.h5"
    _record(path, close=True)
    saved = open_session(path)
    assert saved.tests == ["cmj", "dj"]
    assert saved.trials[0].meta == {}
    assert saved.trials[1].meta == STEP
    assert isinstance(saved.trials[1].meta["protocol_step"], int)
    with h5py.File(path, "r") as f:
        g = f["trials/trial_002"]
        assert g.attrs["protocol"] == "Jump profile" and g.attrs["protocol_step_label"] == "Drop jump 30 cm"
        assert int(g.attrs["protocol_step"]) == 3 and g.attrs["limb"] == "both"
        assert "protocol" not in f["trials/trial_001"].attrs


def test_a_crashed_session_keeps_the_metadata_from_its_journal(tmp_path: Path) -> None:
    path = tmp_path / "crashed.h5"
    _record(path, close=False)
    saved = open_session(path)
    assert not saved.complete
    assert [t.meta for t in saved.trials] == [{}, STEP]


@pytest.mark.parametrize(("meta", "why"), [
    ({"athlete": "Bo"}, "'athlete' is not one of protocol, protocol_step"),
    ({"protocol_step": 1.5}, "must be text or a whole number"),
    ({"limb": True}, "must be text or a whole number"),
])
def test_unknown_or_odd_metadata_is_refused(tmp_path: Path, meta: dict, why: str) -> None:
    w = SessionWriter(tmp_path / "s.h5", info())
    block, total, left, right = block_for(0, 500)
    w.append(block, total, left, right)
    with pytest.raises(ValueError, match=why):
        w.add_trial("cmj", 0, 400, meta=meta)
    w.close()
    assert open_session(tmp_path / "s.h5").trials == []  # nothing half written
