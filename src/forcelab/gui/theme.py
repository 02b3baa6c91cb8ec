"""Loading the app's look from the ``ui/`` package data (shipped as ``forcelab.ui``)."""

from __future__ import annotations

import logging
from importlib import resources

from PySide6 import QtGui, QtWidgets

log = logging.getLogger(__name__)

THEME_FILE = "theme.qss"


def theme_text() -> str:
    """The QSS theme's text (raises ``FileNotFoundError`` with the name when the package data is missing)."""
    return resources.files("forcelab.ui").joinpath(THEME_FILE).read_text(encoding="utf-8")


def apply_theme(app: QtWidgets.QApplication) -> None:
    """Apply the forcelab theme and a font that scales with the screen's DPI (Qt handles 4K scaling)."""
    app.setStyle("Fusion")
    app.setStyleSheet(theme_text())
    font = app.font()
    if font.pointSizeF() < 9:
        font.setPointSizeF(9)
        app.setFont(font)


def icon(name: str) -> QtGui.QIcon:
    """An icon from ``ui/icons`` (an empty icon, logged, when it is missing: a missing icon is cosmetic)."""
    path = resources.files("forcelab.ui").joinpath("icons", name)
    if not path.is_file():
        log.warning("icon %s missing from forcelab.ui/icons", name)
        return QtGui.QIcon()
    return QtGui.QIcon(str(path))
