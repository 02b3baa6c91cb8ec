"""Fixtures the GUI workflow tests share."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh archive folder (not created yet) that the app opens: ``$FORCELAB_ARCHIVE`` points at it.

    A test module that needs another archive (a prebuilt example one) defines its own ``archive`` fixture,
    which takes precedence over this one."""
    folder = tmp_path / "archive"
    monkeypatch.setenv("FORCELAB_ARCHIVE", str(folder))
    return folder
