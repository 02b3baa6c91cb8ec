"""The user's protocols written by the one writer (library.save) read back exactly; renaming, clashes, deleting."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from forcelab.protocols import library
from forcelab.protocols.model import Protocol, ProtocolError, ProtocolStep, Target, protocol_from_dict

EVERYTHING = protocol_from_dict({"name": "Everything · ü", "description": "every field the format has", "steps": [
    {"test": "cmj", "trials": 4, "rest": 20, "rest_after": 75, "limb": "both", "instructions": "Hands on hips.",
     "settings": {"load_mass": 20.0}, "target": {"kind": "body_weight", "percent": 180}},
    {"test": "dj", "trials": 2, "rest": 45, "settings": {"drop_height": 0.4}, "label": "DJ box 40"},
    {"test": "imtp", "trials": 2, "limb": "alternate", "settings": {"windows": [0.05, 0.1, 0.25]},
     "target": {"kind": "previous_best", "metric": "peak_force", "percent": 95}},
    {"test": "sj", "trials": 1, "limb": "left", "target": {"kind": "force", "newtons": 1500}},
    {"test": "cmj", "trials": 1, "target": {"kind": "previous_best", "metric": "contact_time", "better": "lower"}},
]})


def test_what_save_writes_loads_back_as_the_same_protocol(tmp_path: Path) -> None:
    for p in [EVERYTHING, *library.shipped()[0]]:
        path = library.save(p, tmp_path, replaces=tmp_path / library.file_name(p.name))
        again = library.load_file(path)
        assert again == dataclasses.replace(p, source=str(path)), p.name
        assert library.is_users(again, tmp_path) and not library.is_users(p, tmp_path)
        assert library.save(again, tmp_path, replaces=path) == path  # saving it again changes nothing
        assert library.load_file(path) == again


def test_a_step_of_a_test_the_analysis_does_not_know_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match=r"step 2, field 'test': unknown test 'hop'"):
        library.save(Protocol("Hops", (ProtocolStep("cmj"), ProtocolStep("hop"))), tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_renaming_moves_the_file_and_never_overwrites_another_protocol(tmp_path: Path) -> None:
    a = library.save(Protocol("Mine A", (ProtocolStep("cmj"),)), tmp_path)
    b = library.save(Protocol("Mine B", (ProtocolStep("sj"),)), tmp_path)
    with pytest.raises(ProtocolError, match="already holds another protocol; choose another name for 'Mine B'"):
        library.save(Protocol("Mine B", (ProtocolStep("dj"),)), tmp_path, replaces=a)
    with pytest.raises(ProtocolError, match="already holds another protocol"):
        library.save(Protocol("Mine A", (ProtocolStep("dj"),)), tmp_path)  # a new one with a taken name
    c = library.save(Protocol("Mine C", (ProtocolStep("cmj", trials=2),)), tmp_path, replaces=a)
    assert not a.exists() and c.exists() and b.exists()
    assert library.available(tmp_path).get("Mine C").steps[0].trials == 2
    assert "Mine A" not in library.available(tmp_path).names()


def test_only_the_users_files_are_deleted(tmp_path: Path) -> None:
    path = library.save(Protocol("Gone", (ProtocolStep("cmj"),)), tmp_path)
    shipped = library.shipped()[0][0]
    with pytest.raises(ProtocolError, match="shipped protocols are read-only"):
        library.delete(shipped.source, tmp_path)
    with pytest.raises(ProtocolError, match="not one of your protocol files"):
        library.delete(tmp_path.parent / "elsewhere.json", tmp_path)
    library.delete(path, tmp_path)
    assert not path.exists() and "Gone" not in library.available(tmp_path).names()


def test_a_broken_user_file_is_listed_with_why(tmp_path: Path) -> None:
    (tmp_path / "new.json").write_text('{"name": "New", "steps": [{"test": "hop"}]}')
    lib = library.available(tmp_path)
    ((path, why),) = lib.broken
    assert path == tmp_path / "new.json" and "step 1, field 'test': unknown test 'hop'" in why


def test_targets_keep_their_kind() -> None:
    assert EVERYTHING.steps[3].target == Target("force", newtons=1500.0)
