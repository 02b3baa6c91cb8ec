"""Screenshots the GUI tests save and a person looks at (into the ``shots`` fixture of tests/conftest.py): a
check that each is a picture."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets


def save_shot(widget: QtWidgets.QWidget, path: Path, *, min_bytes: int = 10_000) -> None:
    """Grab ``widget`` into ``path``; a file under ``min_bytes`` is an empty frame, not a real picture."""
    assert widget.grab().save(str(path)), f"could not write {path}"
    assert path.stat().st_size > min_bytes, f"{path} is {path.stat().st_size} bytes: an empty frame?"
